"""The format of an instrument definition file (``instruments/<code>.yaml``), as pydantic models.

An instrument is data: items with options and scores, sections whose sub-totals are sums of their items,
derived scores and levels computed by a small set of rule *types*, and the rules that change a level
afterwards (GB/T 42195 附录C C.4). :mod:`yiyang.assessments.engine` runs any file of this format; there is
no scoring function per instrument.

Every ``type`` is looked up in one registry per kind (condition, score rule, level rule, level change).
An unknown type is refused with the list of allowed types, the way commcare-hq's ``IndicatorFactory``
refuses an unknown indicator, so a typo in a definition fails ``manage.py check`` and never a user's
request. Cross-references (an item named by a rule, a level named by a band) and the published maxima
are checked when the file is loaded, and every band table must cover each total the items can reach.

The format is described, with a snippet per type, in ``docs/assessments.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

#: Evidence tags of ``standards/assessment-instruments.md``; ``local`` marks our own design (no standard).
Evidence = Literal["S2", "S1", "R", "D", "!", "local"]

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: provenance and transcription remarks for the reviewer (docs/assessments.md): never rendered on
    #: forms, results or PDFs, unlike ``note``
    review_note: str = ""


def _registry_guard(kind: str, registry: Callable[[], dict[str, type[_Spec]]]) -> BeforeValidator:
    """A before-validator that refuses an unknown ``type`` and names the allowed ones."""

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            allowed = registry()
            tag = value.get("type")
            if tag not in allowed:
                raise ValueError(f"unknown {kind} type {tag!r}; allowed types: {', '.join(sorted(allowed))}")
        return value

    return BeforeValidator(check)


# --------------------------------------------------------------------------------------------------
# Source, options, items, sections, information fields
# --------------------------------------------------------------------------------------------------


class Source(_Spec):
    """Where the content comes from: the document, the clause, and how sure we are of it."""

    document: str
    clause: str
    evidence: Evidence
    note: str = ""


class Option(_Spec):
    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1)
    score: int = Field(ge=0)
    description: str = ""


class Item(_Spec):
    """A scored question. Its code follows the standard's own numbering (B.1.1, 1 … 33)."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1)
    definition: str = ""
    options: list[Option] = Field(min_length=2)
    required: bool = True
    #: the item's published maximum; when given, every option must score between 0 and it
    max_score: int | None = Field(default=None, ge=0)
    evidence: Evidence | None = None
    note: str = ""

    @model_validator(mode="after")
    def _options_consistent(self) -> Item:
        codes = [o.code for o in self.options]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"item {self.code}: duplicate option code(s) {', '.join(duplicates)}")
        if self.max_score is not None:
            out = [o.code for o in self.options if o.score > self.max_score]
            if out:
                raise ValueError(
                    f"item {self.code}: option(s) {', '.join(out)} "
                    f"score above the item's maximum {self.max_score}"
                )
            if max(o.score for o in self.options) != self.max_score:
                raise ValueError(
                    f"item {self.code}: no option reaches the published maximum {self.max_score}"
                )
        return self

    @property
    def top_score(self) -> int:
        return max(o.score for o in self.options)


class Section(_Spec):
    """A group of items whose sub-total is reported (GB/T 42195 B.1 … B.4: the 一级指标)."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    #: the published maximum of the sub-total; checked against the items
    max_score: int | None = Field(default=None, ge=0)
    note: str = ""

    @model_validator(mode="after")
    def _maximum_matches(self) -> Section:
        reached = sum(i.top_score for i in self.items)
        if self.max_score is not None and reached != self.max_score:
            raise ValueError(
                f"section {self.code}: items add up to {reached}, the published maximum is {self.max_score}"
            )
        return self


class InfoField(_Spec):
    """An unscored field (GB/T 42195 附录A): it feeds level-change rules or the report, not the total."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1)
    kind: Literal["choice", "multi_choice", "text", "date", "number"]
    options: list[Option] = Field(default_factory=list)
    required: bool = False
    group: str = ""
    evidence: Evidence | None = None
    note: str = ""

    @model_validator(mode="after")
    def _options_match_kind(self) -> InfoField:
        if self.kind in ("choice", "multi_choice") and len(self.options) < 2:
            raise ValueError(f"field {self.code}: a {self.kind} field needs at least two options")
        if self.kind not in ("choice", "multi_choice") and self.options:
            raise ValueError(f"field {self.code}: a {self.kind} field has no options")
        codes = [o.code for o in self.options]
        if len(codes) != len(set(codes)):
            raise ValueError(f"field {self.code}: duplicate option codes")
        return self


class LevelDef(_Spec):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1)


# --------------------------------------------------------------------------------------------------
# Conditions (used by first_match cases and level-change rules)
# --------------------------------------------------------------------------------------------------


class CompareCondition(_Spec):
    """``ref`` compared with a number. ``ref`` is ``total``, ``section:<code>``, ``score:<code>`` or
    ``item:<code>`` (the score of the chosen option)."""

    type: Literal["compare"]
    ref: str
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    value: int


class OptionInCondition(_Spec):
    """True when the option chosen for ``item`` (for a multi-choice field: any chosen) is listed."""

    type: Literal["option_in"]
    item: str
    options: list[str] = Field(min_length=1)


class LevelInCondition(_Spec):
    """True when an earlier level rule gave one of ``levels``."""

    type: Literal["level_in"]
    rule: str
    levels: list[str] = Field(min_length=1)


class AllCondition(_Spec):
    type: Literal["all"]
    conditions: list[Condition] = Field(min_length=1)


class AnyCondition(_Spec):
    type: Literal["any"]
    conditions: list[Condition] = Field(min_length=1)


class CountCondition(_Spec):
    """True when the number of true ``conditions`` lies in [min, max] ("1-2项", "至少一项", "均为")."""

    type: Literal["count"]
    conditions: list[Condition] = Field(min_length=1)
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)


def _condition_types() -> dict[str, type[_Spec]]:
    return {
        "compare": CompareCondition,
        "option_in": OptionInCondition,
        "level_in": LevelInCondition,
        "all": AllCondition,
        "any": AnyCondition,
        "count": CountCondition,
    }


Condition = Annotated[
    CompareCondition | OptionInCondition | LevelInCondition | AllCondition | AnyCondition | CountCondition,
    Field(discriminator="type"),
    _registry_guard("condition", _condition_types),
]

AllCondition.model_rebuild()
AnyCondition.model_rebuild()
CountCondition.model_rebuild()


# --------------------------------------------------------------------------------------------------
# Score rules: numbers derived from item scores
# --------------------------------------------------------------------------------------------------


class SumRule(_Spec):
    """Sum of the scores of some items and/or the sub-totals of some sections."""

    type: Literal["sum"]
    code: str = Field(pattern=CODE_PATTERN)
    name: str
    items: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    source: Source | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SumRule:
        if not self.items and not self.sections:
            raise ValueError(f"score {self.code}: name at least one item or section")
        return self


class TransformedSumRule(_Spec):
    """Sum of item scores where some items are first mapped through ``transform`` (e.g. reverse scoring
    1→5 … 5→1 for the items that count against 平和质)."""

    type: Literal["transformed_sum"]
    code: str = Field(pattern=CODE_PATTERN)
    name: str
    items: list[str] = Field(min_length=1)
    transformed_items: list[str] = Field(min_length=1)
    transform: dict[int, int]
    source: Source | None = None


def _score_types() -> dict[str, type[_Spec]]:
    return {"sum": SumRule, "transformed_sum": TransformedSumRule}


ScoreRule = Annotated[
    SumRule | TransformedSumRule,
    Field(discriminator="type"),
    _registry_guard("score rule", _score_types),
]


# --------------------------------------------------------------------------------------------------
# Level rules: a named level derived from scores
# --------------------------------------------------------------------------------------------------


class Band(_Spec):
    """An inclusive score interval; an open end is left out (``max`` absent means "and above")."""

    min: int | None = None
    max: int | None = None
    level: str

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min is None and self.max is None:
            raise ValueError("a band needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"band {self.min}–{self.max}: min is above max")
        return self

    def contains(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class _LevelRuleBase(_Spec):
    code: str = Field(pattern=CODE_PATTERN)
    name: str
    #: the possible levels, from best (or least risk) to worst; order is what "提高一个等级" moves along
    levels: list[LevelDef] = Field(min_length=1)
    source: Source | None = None

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, levels: list[LevelDef]) -> list[LevelDef]:
        codes = [x.code for x in levels]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate level codes")
        return levels

    def level(self, code: str) -> LevelDef:
        return next(x for x in self.levels if x.code == code)

    @property
    def level_codes(self) -> list[str]:
        return [x.code for x in self.levels]


class BandsRule(_LevelRuleBase):
    """Cut-offs on one score: ``of`` is a ref (``total``, ``section:…``, ``score:…``, ``item:…``)."""

    type: Literal["bands"]
    of: str
    bands: list[Band] = Field(min_length=1)


class Case(_Spec):
    level: str
    when: Condition
    note: str = ""


class Otherwise(_Spec):
    """What a first_match rule gives when no case matches: a level, or none with the reason shown."""

    level: str | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _level_or_reason(self) -> Otherwise:
        if self.level is None and not self.reason:
            raise ValueError("otherwise: give a level or the reason why there is none")
        return self


class FirstMatchRule(_LevelRuleBase):
    """Cases tried in order; the first whose condition holds gives the level."""

    type: Literal["first_match"]
    cases: list[Case] = Field(min_length=1)
    otherwise: Otherwise


class NotPublishedRule(_LevelRuleBase):
    """A level the standard names but whose rule we could not obtain: always "未定级" with the reason."""

    type: Literal["not_published"]


def _level_types() -> dict[str, type[_Spec]]:
    return {"bands": BandsRule, "first_match": FirstMatchRule, "not_published": NotPublishedRule}


LevelRule = Annotated[
    BandsRule | FirstMatchRule | NotPublishedRule,
    Field(discriminator="type"),
    _registry_guard("level rule", _level_types),
]


# --------------------------------------------------------------------------------------------------
# Level change (GB/T 42195 附录C C.4; MZ/T 039 等级变更条款)
# --------------------------------------------------------------------------------------------------


class SetLevelChange(_Spec):
    """When ``when`` holds, the level becomes ``level`` outright (e.g. 昏迷 → 完全失能)."""

    type: Literal["set_level"]
    code: str = Field(pattern=CODE_PATTERN)
    text: str
    level: str
    when: Condition


class RaiseLevelChange(_Spec):
    """When ``when`` holds, the level moves ``steps`` towards the worst level (capped at the worst)."""

    type: Literal["raise_level"]
    code: str = Field(pattern=CODE_PATTERN)
    text: str
    steps: int = Field(default=1, ge=1)
    when: Condition


def _change_types() -> dict[str, type[_Spec]]:
    return {"set_level": SetLevelChange, "raise_level": RaiseLevelChange}


LevelChangeRule = Annotated[
    SetLevelChange | RaiseLevelChange,
    Field(discriminator="type"),
    _registry_guard("level change", _change_types),
]


class LevelChange(_Spec):
    """Turns the preliminary level (``base``) into the final level.

    Raises are added up, then capped by ``max_raise`` (None: no cap) and by the worst level; a
    ``set_level`` rule that holds overrides the raised level. When ``freeze_when`` holds nothing changes.
    """

    code: str = Field(pattern=CODE_PATTERN)
    name: str
    base: str
    rules: list[LevelChangeRule] = Field(min_length=1)
    max_raise: int | None = Field(default=None, ge=1)
    freeze_when: Condition | None = None
    source: Source | None = None


# --------------------------------------------------------------------------------------------------
# The instrument
# --------------------------------------------------------------------------------------------------


class Instrument(_Spec):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(min_length=1)
    name: str
    source: Source
    description: str = ""
    #: True when a higher total means better ability (GB/T 42195, Barthel), False for risk scores, None
    #: when the total mixes directions and means nothing on its own (MZ/T 039)
    higher_is_better: bool | None
    #: months until a reassessment is due; None where no interval is set
    validity_months: int | None = Field(default=None, ge=1)
    validity_note: str = ""
    #: role codes (yiyang.accounts.roles.Role) that may finalise a response
    required_roles: list[str] = Field(min_length=1)
    #: the permission (yiyang.accounts.roles) needed, besides seeing the elder, to read a response:
    #: health data by default; the ability assessments civil affairs uses to place and fund eldercare
    #: (GB/T 42195, MZ/T 039, long-term care) declare ``elder.view``
    read_permission: str = Field(default="health.view", pattern=r"^[a-z_]+\.[a-z_]+$")
    max_score: int | None = Field(default=None, ge=0)
    sections: list[Section] = Field(min_length=1)
    info_fields: list[InfoField] = Field(default_factory=list)
    scores: list[ScoreRule] = Field(default_factory=list)
    levels: list[LevelRule] = Field(default_factory=list)
    level_change: LevelChange | None = None
    #: the level rule (or the level_change code) whose result is the instrument's ``level``
    result_level: str | None = None
    #: shown when ``result_level`` is None
    no_level_reason: str = ""
    notes: list[str] = Field(default_factory=list)

    # -- look-ups -----------------------------------------------------------------------------------

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def field(self, code: str) -> InfoField | None:
        return next((f for f in self.info_fields if f.code == code), None)

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)

    def level_rule(self, code: str) -> BandsRule | FirstMatchRule | NotPublishedRule | None:
        return next((r for r in self.levels if r.code == code), None)

    def result_levels(self) -> list[LevelDef]:
        """The level catalogue of ``result_level`` (empty when the instrument has no overall level)."""
        code = self.result_level
        if code is not None and self.level_change is not None and code == self.level_change.code:
            code = self.level_change.base
        rule = self.level_rule(code) if code is not None else None
        return list(rule.levels) if rule else []

    # -- cross-reference checks ---------------------------------------------------------------------

    @model_validator(mode="after")
    def _cross_references(self) -> Instrument:
        problems = _Checker(self).run()
        if problems:
            raise ValueError("; ".join(problems))
        return self


class _Checker:
    """Every name a rule uses exists, rules only use earlier rules, bands cover every reachable score."""

    def __init__(self, instrument: Instrument) -> None:
        self.inst = instrument
        self.problems: list[str] = []
        self.known_scores: dict[str, set[int]] = {}
        self.known_levels: dict[str, list[str]] = {}

    def _read_permission(self, perm: str) -> None:
        from yiyang.accounts.roles import ROLE_SPECS

        known = set().union(*(spec.permissions for spec in ROLE_SPECS.values()))
        if perm not in known:
            self.problems.append(f"read_permission {perm!r} is not a permission of any role")

    def run(self) -> list[str]:
        inst = self.inst
        self._unique("section", [s.code for s in inst.sections])
        self._unique("item or field", [i.code for i in inst.items] + [f.code for f in inst.info_fields])
        # Scores and levels are reported apart, so a score and its judgement may share a code.
        self._unique("score rule", [r.code for r in inst.scores])
        level_codes = [r.code for r in inst.levels]
        if inst.level_change:
            level_codes.append(inst.level_change.code)
        self._unique("level rule", level_codes)
        if inst.max_score is not None:
            reached = sum(
                s.max_score if s.max_score is not None else sum(i.top_score for i in s.items)
                for s in inst.sections
            )
            if reached != inst.max_score:
                self.problems.append(f"items add up to {reached}, the published maximum is {inst.max_score}")
        for rule in inst.scores:
            self._score_rule(rule)
        for rule in inst.levels:
            self._level_rule(rule)
        if inst.level_change:
            self._level_change(inst.level_change)
        self._read_permission(inst.read_permission)
        final_codes = set(self.known_levels)
        if inst.result_level is not None and inst.result_level not in final_codes:
            self.problems.append(f"result_level {inst.result_level!r} is not a level rule")
        if inst.result_level is None and not inst.no_level_reason:
            self.problems.append("an instrument without result_level needs no_level_reason")
        return self.problems

    def _unique(self, what: str, codes: Iterable[str]) -> None:
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                self.problems.append(f"duplicate {what} code {code!r}")
            seen.add(code)

    # reachable values ------------------------------------------------------------------------------

    def _field_values(self, code: str) -> set[int] | None:
        item = self.inst.item(code)
        if item is not None:
            values = {o.score for o in item.options}
            return values if item.required else values | {0}
        field = self.inst.field(code)
        if field is not None and field.kind == "choice":
            return {o.score for o in field.options} | ({0} if not field.required else set())
        return None

    @staticmethod
    def _add(a: set[int], b: set[int]) -> set[int]:
        return {x + y for x in a for y in b}

    def _section_values(self, code: str) -> set[int] | None:
        section = self.inst.section(code)
        if section is None:
            return None
        total = {0}
        for item in section.items:
            total = self._add(total, self._field_values(item.code) or {0})
        return total

    def ref_values(self, ref: str) -> set[int] | None:
        """The values ``ref`` can take, or None (and a problem recorded) when it names nothing."""
        if ref == "total":
            total = {0}
            for section in self.inst.sections:
                total = self._add(total, self._section_values(section.code) or {0})
            return total
        kind, _sep, code = ref.partition(":")
        values: set[int] | None = None
        if kind == "section":
            values = self._section_values(code)
        elif kind == "score":
            values = self.known_scores.get(code)
        elif kind == "item":
            values = self._field_values(code)
        if values is None:
            self.problems.append(f"reference {ref!r} names nothing defined before it")
        return values

    # rules ------------------------------------------------------------------------------------------

    def _score_rule(self, rule: SumRule | TransformedSumRule) -> None:
        total = {0}
        if isinstance(rule, SumRule):
            covered: set[str] = set()
            for code in rule.sections:
                values = self.ref_values(f"section:{code}")
                if values is not None:
                    total = self._add(total, values)
                    covered |= {i.code for i in self.inst.section(code).items}  # type: ignore[union-attr]
            for code in rule.items:
                if code in covered:
                    self.problems.append(f"score {rule.code}: item {code} is already counted in its section")
                values = self.ref_values(f"item:{code}")
                if values is not None:
                    total = self._add(total, values)
        else:
            missing = [c for c in rule.transformed_items if c not in rule.items]
            if missing:
                self.problems.append(f"score {rule.code}: transformed items {missing} are not in items")
            for code in rule.items:
                values = self.ref_values(f"item:{code}")
                if values is None:
                    continue
                if code in rule.transformed_items:
                    unmapped = sorted(v for v in values if v not in rule.transform)
                    if unmapped:
                        self.problems.append(
                            f"score {rule.code}: transform has no value for {unmapped} ({code})"
                        )
                        continue
                    values = {rule.transform[v] for v in values}
                total = self._add(total, values)
        self.known_scores[rule.code] = total

    def _level_rule(self, rule: BandsRule | FirstMatchRule | NotPublishedRule) -> None:
        codes = rule.level_codes
        if isinstance(rule, BandsRule):
            for band in rule.bands:
                if band.level not in codes:
                    self.problems.append(
                        f"level rule {rule.code}: band level {band.level!r} is not in its levels"
                    )
            ordered = sorted(rule.bands, key=lambda b: -(10**9) if b.min is None else b.min)
            for a, b in itertools.pairwise(ordered):
                if a.max is None or b.min is None or a.max >= b.min:
                    self.problems.append(
                        f"level rule {rule.code}: bands {a.min}–{a.max} and {b.min}–{b.max} overlap"
                    )
            values = self.ref_values(rule.of)
            if values is not None:
                uncovered = sorted(v for v in values if not any(band.contains(v) for band in rule.bands))
                if uncovered:
                    self.problems.append(
                        f"level rule {rule.code}: reachable value(s) {uncovered[:10]} fall in no band"
                    )
        elif isinstance(rule, FirstMatchRule):
            for case in rule.cases:
                if case.level not in codes:
                    self.problems.append(
                        f"level rule {rule.code}: case level {case.level!r} is not in its levels"
                    )
                self._condition(case.when, f"level rule {rule.code}")
            if rule.otherwise.level is not None and rule.otherwise.level not in codes:
                self.problems.append(
                    f"level rule {rule.code}: otherwise level {rule.otherwise.level!r} unknown"
                )
        self.known_levels[rule.code] = codes

    def _level_change(self, change: LevelChange) -> None:
        base = self.known_levels.get(change.base)
        if base is None:
            self.problems.append(f"level change {change.code}: base {change.base!r} is not a level rule")
            base = []
        for rule in change.rules:
            if isinstance(rule, SetLevelChange) and rule.level not in base:
                self.problems.append(
                    f"level change {rule.code}: level {rule.level!r} is not a level of the base"
                )
            self._condition(rule.when, f"level change {rule.code}")
        if change.freeze_when is not None:
            self._condition(change.freeze_when, f"level change {change.code}")
        self.known_levels[change.code] = base

    def _condition(self, cond: Any, where: str) -> None:
        if isinstance(cond, CompareCondition):
            self.ref_values(cond.ref)
        elif isinstance(cond, OptionInCondition):
            item = self.inst.item(cond.item)
            field = self.inst.field(cond.item)
            options = item.options if item else field.options if field else None
            if options is None:
                self.problems.append(f"{where}: option_in names unknown item {cond.item!r}")
            else:
                unknown = [c for c in cond.options if c not in {o.code for o in options}]
                if unknown:
                    self.problems.append(f"{where}: item {cond.item} has no option(s) {unknown}")
        elif isinstance(cond, LevelInCondition):
            levels = self.known_levels.get(cond.rule)
            if levels is None:
                self.problems.append(f"{where}: level_in names {cond.rule!r}, not an earlier level rule")
            else:
                unknown = [c for c in cond.levels if c not in levels]
                if unknown:
                    self.problems.append(f"{where}: level rule {cond.rule} has no level(s) {unknown}")
        elif isinstance(cond, AllCondition | AnyCondition | CountCondition):
            for inner in cond.conditions:
                self._condition(inner, where)
            if isinstance(cond, CountCondition) and cond.max is not None and cond.max < cond.min:
                self.problems.append(f"{where}: count max is below min")
