"""Building answers for tests: exact item scores, or any answers adding up to a given total."""

from __future__ import annotations

from typing import Any

from yiyang.assessments.registry import get_instrument
from yiyang.assessments.schema import Instrument, Item


def by_scores(code: str, scores: list[int], **extra: Any) -> dict[str, Any]:
    """Answers giving the items of ``code``, in published order, the scores listed."""
    instrument = get_instrument(code)
    assert len(scores) == len(instrument.items), "one score per item"
    return {item.code: s for item, s in zip(instrument.items, scores, strict=True)} | extra


def _option_code(item: Item, score: int) -> str:
    """The option with ``score``; where several share it, the first (never 昏迷, which changes the level)."""
    candidates = [o for o in item.options if o.score == score and o.code != "coma"]
    return candidates[0].code


def with_total(
    instrument: Instrument | str, total: int, *, fixed: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """Answers (option codes) whose plain total is exactly ``total``; ``fixed`` items keep the given option.

    The other items are taken in published order and each gets the highest score that still lets the
    remaining items make up the rest, so the answers are deterministic.
    """
    inst = get_instrument(instrument) if isinstance(instrument, str) else instrument
    fixed = fixed or {}
    items = [i for i in inst.items if i.code not in fixed]
    target = total - sum(next(o.score for o in inst.item(c).options if o.code == v) for c, v in fixed.items())  # type: ignore[union-attr]
    # reachable[i]: the totals items[i:] can add up to
    reachable: list[set[int]] = [set() for _ in items] + [{0}]
    for i in range(len(items) - 1, -1, -1):
        reachable[i] = {o.score + rest for o in items[i].options for rest in reachable[i + 1]}
    if target not in reachable[0]:
        raise ValueError(f"{total} cannot be reached in {inst.code}")
    answers: dict[str, Any] = dict(fixed)
    remaining = target
    for i, item in enumerate(items):
        best = max(o.score for o in item.options if remaining - o.score in reachable[i + 1])
        answers[item.code] = _option_code(item, best)
        remaining -= best
    return answers | extra
