"""Targets (目标值) and traffic lights.

A target is data: an indicator, a region, a period, a comparison and a value. The target that applies to
a value is the most specific one: the region itself before its ancestors (a county target is the
yardstick of its townships and villages), the exact period before the year that contains it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from django.db import transaction

from yiyang.core import audit

from .engine import ancestors_within
from .models import Target, TargetOp
from .periods import Period, parse_period
from .schema import Indicator

if TYPE_CHECKING:
    from yiyang.accounts.models import User

TARGETS_DIR = Path(__file__).resolve().parent / "targets"

MET = "met"
NOT_MET = "not_met"
NO_TARGET = "no_target"
NO_SOURCE = "no_source"
NO_DATA = "no_data"
#: not computed yet; a drain has been asked for it (pages only)
PENDING = "pending"
#: within this share of the target (relative) a value that misses it shows amber, not red
NEAR = Decimal("0.9")


def applicable_target(
    code: str, region_code: str, period: Period, cache: dict | None = None
) -> Target | None:
    """The most specific target for ``code`` at ``region_code`` in ``period`` (or None)."""
    chain = list(reversed(ancestors_within(region_code, region_code[:2].ljust(12, "0"))))
    periods = [period.label] if period.kind == "year" else [period.label, str(period.year)]
    if cache is None:
        rows = list(Target.objects.filter(indicator_code=code, region_code__in=chain, period__in=periods))
    else:
        rows = [t for t in cache.get(code, []) if t.region_code in chain and t.period in periods]
    best = None
    for t in rows:
        rank = (chain.index(t.region_code), periods.index(t.period))
        if best is None or rank < best[0]:
            best = (rank, t)
    return best[1] if best else None


def targets_cache(codes: list[str] | None = None) -> dict[str, list[Target]]:
    qs = Target.objects.all() if codes is None else Target.objects.filter(indicator_code__in=codes)
    out: dict[str, list[Target]] = {}
    for t in qs:
        out.setdefault(t.indicator_code, []).append(t)
    return out


def meets(target: Target, value: Decimal) -> bool:
    v, t = Decimal(value), Decimal(target.value)
    return {
        TargetOp.AT_LEAST: v >= t,
        TargetOp.AT_MOST: v <= t,
        TargetOp.ABOVE: v > t,
        TargetOp.BELOW: v < t,
    }[TargetOp(target.op)]


@dataclass(frozen=True)
class Judgement:
    status: str  # met / not_met / no_target / no_source / no_data
    light: str  # green / amber / red / grey
    shortfall: int | None  # units (elders, institutions…) still needed to reach the target


def judge(
    ind: Indicator,
    *,
    source_available: bool,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
    target: Target | None,
) -> Judgement:
    if not source_available:
        return Judgement(NO_SOURCE, "grey", None)
    if value is None:
        return Judgement(NO_DATA if target else NO_TARGET, "grey", None)
    if target is None:
        return Judgement(NO_TARGET, "grey", None)
    if meets(target, value):
        return Judgement(MET, "green", 0)
    shortfall = None
    if target.op in (TargetOp.AT_LEAST, TargetOp.ABOVE) and numerator is not None:
        if denominator is not None and ind.denominator is not None:
            needed = Decimal(target.value) * denominator / ind.factor
            wanted = math.floor(needed) + 1 if target.op == TargetOp.ABOVE else math.ceil(needed)
            shortfall = max(0, wanted - int(numerator))
        elif ind.denominator is None:
            shortfall = max(0, math.ceil(Decimal(target.value)) - int(numerator))
    light = "red"
    if target.op in (TargetOp.AT_LEAST, TargetOp.ABOVE) and Decimal(value) >= Decimal(target.value) * NEAR:
        light = "amber"
    return Judgement(NOT_MET, light, shortfall)


@transaction.atomic
def load_targets_file(path: Path, *, acting_user: User) -> int:
    """Load (insert or replace) the targets of one YAML file: ``targets: [{indicator, region, period, op,
    value, source}]``, with one audit row for the file. Returns the number of targets written.

    Run from the command line (``indicators load-targets``), the acting user is the system actor."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    count = 0
    for row in data.get("targets", []):
        parse_period(str(row["period"]))
        region = str(row["region"]).ljust(12, "0")
        Target.objects.update_or_create(
            indicator_code=row["indicator"],
            region_code=region,
            period=str(row["period"]),
            defaults={
                "op": row.get("op", ">="),
                "value": Decimal(str(row["value"])),
                "source": row.get("source", data.get("source", "")),
                "updated_by": acting_user,
            },
        )
        count += 1
    audit.record(
        "update",
        user=acting_user,
        object_type="monitoring.target",
        object_repr=path.name,
        changes={"targets": [None, count]},
    )
    return count
