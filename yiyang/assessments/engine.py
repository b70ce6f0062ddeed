"""The one scoring engine: validates answers against an instrument definition and scores them.

Nothing here knows any instrument. A result is computed in a fixed order, each step only using the
ones before it: item scores → section sub-totals and the total → score rules → level rules (in file
order) → the level change (preliminary → final level). Missing or out-of-range answers are refused
before anything is scored, with one Chinese message per item.

The total is always the plain sum of the item scores (what a paper form adds up); derived numbers such
as 平和质's reverse-scored sum are score rules, reported under ``scores``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from . import error_codes
from .schema import (
    AllCondition,
    AnyCondition,
    BandsRule,
    CompareCondition,
    CountCondition,
    FirstMatchRule,
    InfoField,
    Instrument,
    Item,
    LevelChange,
    LevelDef,
    LevelInCondition,
    NotPublishedRule,
    Option,
    OptionInCondition,
    RaiseLevelChange,
    SetLevelChange,
    SumRule,
    TransformedSumRule,
)


def not_published_reason() -> str:
    """The reason shown wherever the standard names a level but its rule was not obtained."""
    return _("Not graded: the standard does not publish this rule.")


@dataclass(frozen=True)
class Level:
    code: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class AnswerProblem:
    """One refused answer: the item it concerns, a stable code and a Chinese message naming the item."""

    item: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.item, "code": self.code, "message": self.message}


class AnswerError(ValueError):
    """The answers cannot be scored; ``problems`` names every item at fault."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


@dataclass(frozen=True)
class AppliedChange:
    """A level-change rule that held (GB/T 42195 C.4 能力等级变更依据)."""

    rule: str
    text: str
    kind: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "text": self.text, "type": self.kind}


@dataclass
class Result:
    instrument: str
    version: str
    total: int
    subscores: dict[str, int]
    scores: dict[str, int]
    levels: dict[str, Level | None]
    level_reasons: dict[str, str]
    level: Level | None
    level_reason: str | None
    preliminary_level: Level | None = None
    level_changes: list[AppliedChange] = field(default_factory=list)
    item_scores: dict[str, int] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``manage.py assess score`` and ``POST /api/v1/assessments/score``."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "subscores": dict(self.subscores),
            "scores": dict(self.scores),
            "level": self.level.as_dict() if self.level else None,
            "level_reason": self.level_reason,
            "levels": {code: (lv.as_dict() if lv else None) for code, lv in self.levels.items()},
            "level_reasons": dict(self.level_reasons),
            "preliminary_level": self.preliminary_level.as_dict() if self.preliminary_level else None,
            "level_changes": [c.as_dict() for c in self.level_changes],
            "item_scores": dict(self.item_scores),
            "answers": dict(self.answers),
        }


# --------------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------------


def _label(entry: Item | InfoField) -> str:
    return f"{entry.code} {entry.name}"


def _list_options(options: list[Option]) -> str:
    return "、".join(f"{o.code}={o.score}" if o.code != str(o.score) else o.code for o in options)


def _choose(entry: Item | InfoField, value: Any) -> tuple[Option | None, AnswerProblem | None]:
    """The option meant by ``value``: an int is an option score, a str an option code."""
    item = _label(entry)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None, AnswerProblem(
            entry.code,
            error_codes.ANSWER_INVALID,
            _("%(item)s: answer with an option score (a whole number) or an option code.") % {"item": item},
        )
    if isinstance(value, str):
        match = next((o for o in entry.options if o.code == value), None)
        if match is None:
            return None, AnswerProblem(
                entry.code,
                error_codes.OPTION_UNKNOWN,
                _("%(item)s: no option with code “%(value)s” (options: %(allowed)s).")
                % {"item": item, "value": value, "allowed": _list_options(entry.options)},
            )
        return match, None
    matches = [o for o in entry.options if o.score == value]
    if not matches:
        allowed = "、".join(str(s) for s in sorted({o.score for o in entry.options}, reverse=True))
        return None, AnswerProblem(
            entry.code,
            error_codes.SCORE_OUT_OF_RANGE,
            _("%(item)s: %(value)s is not an allowed score (allowed: %(allowed)s).")
            % {"item": item, "value": value, "allowed": allowed},
        )
    if len(matches) > 1:
        allowed = "、".join(f"{o.code} {o.label}" for o in matches)
        return None, AnswerProblem(
            entry.code,
            error_codes.SCORE_AMBIGUOUS,
            _("%(item)s: score %(value)s matches several options (%(allowed)s); answer with the option code.")
            % {"item": item, "value": value, "allowed": allowed},
        )
    return matches[0], None


def _info_value(entry: InfoField, value: Any) -> tuple[Any, AnswerProblem | None]:
    item = _label(entry)
    if entry.kind == "choice":
        option, problem = _choose(entry, value)
        return (option.code if option else None), problem
    if entry.kind == "multi_choice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, AnswerProblem(
                entry.code,
                error_codes.ANSWER_INVALID,
                _("%(item)s: answer with a list of option codes.") % {"item": item},
            )
        for code in value:
            _option, problem = _choose(entry, code)
            if problem:
                return None, problem
        return sorted(set(value), key=[o.code for o in entry.options].index), None
    if entry.kind == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, AnswerProblem(
                entry.code,
                error_codes.ANSWER_INVALID,
                _("%(item)s: the date must be YYYY-MM-DD.") % {"item": item},
            )
    if entry.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, AnswerProblem(
                entry.code, error_codes.ANSWER_INVALID, _("%(item)s: answer with a number.") % {"item": item}
            )
        return value, None
    if not isinstance(value, str):
        return None, AnswerProblem(
            entry.code, error_codes.ANSWER_INVALID, _("%(item)s: answer with text.") % {"item": item}
        )
    return value, None


def read_answers(
    instrument: Instrument, answers: Mapping[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], list[AnswerProblem]]:
    """Normalise answers to option codes (and plain values for text/date/number fields).

    Returns the normalised answers and the problems; with ``partial`` a missing answer is not a problem
    (a draft being filled in).
    """
    problems: list[AnswerProblem] = []
    normalised: dict[str, Any] = {}
    if not isinstance(answers, Mapping):
        raise AnswerError(
            [AnswerProblem("items", error_codes.ANSWER_INVALID, _("Answers must be an object."))]
        )
    known = {i.code for i in instrument.items} | {f.code for f in instrument.info_fields}
    for code in answers:
        if code not in known:
            problems.append(
                AnswerProblem(
                    str(code),
                    error_codes.ITEM_UNKNOWN,
                    _("%(item)s: no such item in %(instrument)s.")
                    % {"item": code, "instrument": f"{instrument.code} {instrument.name}"},
                )
            )
    for item in instrument.items:
        value = answers.get(item.code)
        if value is None:
            if item.required and not partial:
                problems.append(
                    AnswerProblem(
                        item.code,
                        error_codes.ITEM_MISSING,
                        _("%(item)s: not answered.") % {"item": _label(item)},
                    )
                )
            continue
        option, problem = _choose(item, value)
        if problem:
            problems.append(problem)
        elif option is not None:
            normalised[item.code] = option.code
    for info in instrument.info_fields:
        value = answers.get(info.code)
        if value is None or value == "" or value == []:
            if info.required and not partial:
                problems.append(
                    AnswerProblem(
                        info.code,
                        error_codes.ITEM_MISSING,
                        _("%(item)s: not answered.") % {"item": _label(info)},
                    )
                )
            continue
        clean, problem = _info_value(info, value)
        if problem:
            problems.append(problem)
        else:
            normalised[info.code] = clean
    return normalised, problems


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------

_OPS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Context:
    def __init__(self, instrument: Instrument, answers: dict[str, Any]) -> None:
        self.inst = instrument
        self.answers = answers
        self.item_scores: dict[str, int] = {}
        for item in instrument.items:
            if item.code in answers:
                self.item_scores[item.code] = next(
                    o.score for o in item.options if o.code == answers[item.code]
                )
        self.subscores = {
            s.code: sum(self.item_scores.get(i.code, 0) for i in s.items) for s in instrument.sections
        }
        self.total = sum(self.subscores.values())
        self.scores: dict[str, int] = {}
        self.levels: dict[str, Level | None] = {}
        self.level_reasons: dict[str, str] = {}

    def value(self, ref: str) -> int | float | None:
        if ref == "total":
            return self.total
        kind, _sep, code = ref.partition(":")
        if kind == "section":
            return self.subscores[code]
        if kind == "score":
            return self.scores.get(code)
        if code in self.item_scores:
            return self.item_scores[code]
        info = self.inst.field(code)
        if info is None or code not in self.answers:
            return 0 if self.inst.item(code) is not None else None
        answer = self.answers[code]
        if info.kind == "choice":
            return next(o.score for o in info.options if o.code == answer)
        if info.kind == "number":
            return answer
        return None

    def chosen(self, code: str) -> set[str]:
        answer = self.answers.get(code)
        if answer is None:
            return set()
        return set(answer) if isinstance(answer, list) else {answer}


def _holds(cond: Any, ctx: _Context) -> bool:
    return _CONDITIONS[type(cond)](cond, ctx)


def _compare(cond: CompareCondition, ctx: _Context) -> bool:
    value = ctx.value(cond.ref)
    return value is not None and _OPS[cond.op](value, cond.value)


def _count(cond: CountCondition, ctx: _Context) -> bool:
    n = sum(_holds(c, ctx) for c in cond.conditions)
    return n >= cond.min and (cond.max is None or n <= cond.max)


def _level_in(cond: LevelInCondition, ctx: _Context) -> bool:
    level = ctx.levels.get(cond.rule)
    return level is not None and level.code in cond.levels


_CONDITIONS: dict[type, Callable[[Any, _Context], bool]] = {
    CompareCondition: _compare,
    OptionInCondition: lambda c, ctx: bool(ctx.chosen(c.item) & set(c.options)),
    LevelInCondition: _level_in,
    AllCondition: lambda c, ctx: all(_holds(x, ctx) for x in c.conditions),
    AnyCondition: lambda c, ctx: any(_holds(x, ctx) for x in c.conditions),
    CountCondition: _count,
}


def _sum(rule: SumRule, ctx: _Context) -> int:
    return sum(ctx.subscores[s] for s in rule.sections) + sum(
        int(ctx.value(f"item:{i}") or 0) for i in rule.items
    )


def _transformed_sum(rule: TransformedSumRule, ctx: _Context) -> int:
    total = 0
    for code in rule.items:
        value = int(ctx.value(f"item:{code}") or 0)
        total += rule.transform[value] if code in rule.transformed_items else value
    return total


_SCORE_RULES: dict[type, Callable[[Any, _Context], int]] = {
    SumRule: _sum,
    TransformedSumRule: _transformed_sum,
}


def _level(defn: LevelDef) -> Level:
    return Level(defn.code, defn.name)


def _bands(rule: BandsRule, ctx: _Context) -> tuple[Level | None, str]:
    value = ctx.value(rule.of)
    if value is not None:
        for band in rule.bands:
            if band.contains(int(value)):
                return _level(rule.level(band.level)), ""
    return None, _("Not graded (score %(value)s is in no published band)") % {"value": value}


def _first_match(rule: FirstMatchRule, ctx: _Context) -> tuple[Level | None, str]:
    for case in rule.cases:
        if _holds(case.when, ctx):
            return _level(rule.level(case.level)), ""
    if rule.otherwise.level is not None:
        return _level(rule.level(rule.otherwise.level)), ""
    return None, rule.otherwise.reason


def _not_published(rule: NotPublishedRule, ctx: _Context) -> tuple[Level | None, str]:
    return None, not_published_reason()


_LEVEL_RULES: dict[type, Callable[[Any, _Context], tuple[Level | None, str]]] = {
    BandsRule: _bands,
    FirstMatchRule: _first_match,
    NotPublishedRule: _not_published,
}


def _change_level(change: LevelChange, ctx: _Context) -> tuple[Level | None, str, list[AppliedChange]]:
    base_rule = ctx.inst.level_rule(change.base)
    assert base_rule is not None  # guaranteed by the schema check
    order = base_rule.level_codes
    level = ctx.levels[change.base]
    reason = ctx.level_reasons.get(change.base, "")
    if change.freeze_when is not None and level is not None and _holds(change.freeze_when, ctx):
        return level, reason, []
    applied: list[AppliedChange] = []
    raise_by = 0
    for rule in change.rules:
        if isinstance(rule, RaiseLevelChange) and _holds(rule.when, ctx):
            applied.append(AppliedChange(rule.code, rule.text, rule.type))
            raise_by += rule.steps
    if change.max_raise is not None:
        raise_by = min(raise_by, change.max_raise)
    if level is not None and raise_by:
        index = min(order.index(level.code) + raise_by, len(order) - 1)
        level = _level(base_rule.level(order[index]))
    for rule in change.rules:
        if isinstance(rule, SetLevelChange) and _holds(rule.when, ctx):
            applied.append(AppliedChange(rule.code, rule.text, rule.type))
            level, reason = _level(base_rule.level(rule.level)), ""
            break
    return level, (reason if level is None else ""), applied


def subtotals(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Running sub-totals of a partly answered form (the fill page shows them as the user taps)."""
    normalised, problems = read_answers(instrument, answers, partial=True)
    ctx = _Context(instrument, normalised)
    unanswered = [i.code for i in instrument.items if i.required and i.code not in ctx.item_scores]
    return {
        "total": ctx.total,
        "subscores": ctx.subscores,
        "item_scores": ctx.item_scores,
        "unanswered": unanswered,
        "problems": [p.as_dict() for p in problems],
    }


def score(instrument: Instrument, answers: Mapping[str, Any]) -> Result:
    """Score a complete set of answers; raises :class:`AnswerError` naming every item at fault."""
    normalised, problems = read_answers(instrument, answers)
    if problems:
        raise AnswerError(problems)
    ctx = _Context(instrument, normalised)
    for rule in instrument.scores:
        ctx.scores[rule.code] = _SCORE_RULES[type(rule)](rule, ctx)
    for rule in instrument.levels:
        level, reason = _LEVEL_RULES[type(rule)](rule, ctx)
        ctx.levels[rule.code] = level
        if level is None:
            ctx.level_reasons[rule.code] = reason
    applied: list[AppliedChange] = []
    preliminary: Level | None = None
    change = instrument.level_change
    if change is not None:
        preliminary = ctx.levels[change.base]
        level, reason, applied = _change_level(change, ctx)
        ctx.levels[change.code] = level
        if level is None:
            ctx.level_reasons[change.code] = reason
    if instrument.result_level is None:
        final, final_reason = None, instrument.no_level_reason
    else:
        final = ctx.levels[instrument.result_level]
        final_reason = ctx.level_reasons.get(instrument.result_level) if final is None else None
    return Result(
        instrument=instrument.code,
        version=instrument.version,
        total=ctx.total,
        subscores=ctx.subscores,
        scores=ctx.scores,
        levels=ctx.levels,
        level_reasons=ctx.level_reasons,
        level=final,
        level_reason=final_reason,
        preliminary_level=preliminary,
        level_changes=applied,
        item_scores=ctx.item_scores,
        answers=normalised,
    )
