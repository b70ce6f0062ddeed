"""Reading materialised values for pages, the API, the CLI and reports: each value with its target,
status, traffic light and shortfall. Who may read which region and indicator is decided here, from
``core.scoping`` (region prefixes) and the role's permissions.

Readers never compute. A village with nothing to count has no stored row (``engine.write_values``
skips it): where its township was computed for the indicator and period, the village reads as
computed with zero (``_fill_empty_villages``), exactly as the row the engine would have written.
Where a county's values are missing, a page asks a drain for them and shows them as pending
(:func:`queue_missing`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import Http404

from yiyang.core.models import Region
from yiyang.core.regions import RegionLevel, level_of
from yiyang.core.scoping import has_perm, region_scope_prefixes

from .engine import normalise_region, rate, source_problem
from .models import IndicatorValue, Target
from .periods import Period
from .registry import all_indicators, get_indicator
from .schema import Indicator
from .targets import PENDING, Judgement, applicable_target, judge, targets_cache

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User


def can_view_indicators(user: User | AnonymousUser) -> bool:
    return has_perm(user, "indicator.view") or has_perm(user, "indicator.view_eldercare")


def visible_indicators(user: User | AnonymousUser) -> list[Indicator]:
    """Every indicator for 卫健 and clinicians; the eldercare ones for 民政 and eldercare-home staff."""
    if has_perm(user, "indicator.view"):
        return all_indicators()
    if has_perm(user, "indicator.view_eldercare"):
        return [i for i in all_indicators() if i.domain == "eldercare"]
    return []


def visible_indicator(user: User | AnonymousUser, code: str) -> Indicator:
    for ind in visible_indicators(user):
        if ind.code == code:
            return ind
    raise Http404


def region_for_user(user: User | AnonymousUser, code: str) -> Region:
    """The region ``code`` (6 or 12 digits) if it lies in the user's scope, else 404 like a missing one."""
    try:
        full = normalise_region(code)
    except ValueError:
        raise Http404 from None
    if not any(full.startswith(p) for p in region_scope_prefixes(user)):
        raise Http404
    region = Region.objects.filter(code=full).first()
    if region is None:
        raise Http404
    return region


def home_region(user: User | AnonymousUser) -> Region | None:
    """The region a user's dashboard opens on: the widest region of their scope."""
    prefixes = sorted(p for p in region_scope_prefixes(user) if p)
    if not prefixes:
        return None
    return Region.objects.filter(code=prefixes[0].ljust(12, "0")).first()


@dataclass
class ValueRow:
    indicator: Indicator
    region_code: str
    period: str
    computed: bool
    source_available: bool
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    computed_at: Any
    target: Target | None
    judgement: Judgement
    #: not computed yet, and a drain has been asked for it (shown as 计算中)
    pending: bool = False
    #: a population rate: the registry's count and the declared statistical population (if any)
    registry_denominator: Decimal | None = None
    declared_population: Decimal | None = None

    @property
    def population_source(self) -> str | None:
        """declared (统计人口) or registry (登记人口, the fallback) for a population rate; else None."""
        if self.indicator.population is None or not self.computed:
            return None
        return "declared" if self.declared_population is not None else "registry"

    @property
    def registry_coverage(self) -> Decimal | None:
        """建档率: registry count ÷ declared population, in %."""
        if not self.declared_population or self.registry_denominator is None:
            return None
        return (self.registry_denominator * 100 / self.declared_population).quantize(Decimal("0.01"))

    @property
    def code(self) -> str:
        return self.indicator.code

    def as_contract(self) -> dict[str, Any]:
        """The shape of ``manage.py indicators compute --json`` (DESIGN §6)."""
        return {
            "code": self.indicator.code,
            "name": self.indicator.name,
            "numerator": number(self.numerator),
            "denominator": number(self.denominator),
            "value": number(self.value, places=2),
            "target": number(self.target.value) if self.target else None,
            "status": self.judgement.status if self.computed else "not_computed",
        }


def number(value: Decimal | None, places: int = 2) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, places))


def _row(ind: Indicator, region_code: str, period: Period, v: IndicatorValue | None, cache: dict) -> ValueRow:
    target = applicable_target(ind.code, region_code, period, cache)
    if v is None and source_problem(ind.code) is not None:
        return ValueRow(
            ind,
            region_code,
            period.label,
            True,
            False,
            None,
            None,
            None,
            None,
            target,
            Judgement("no_source", "grey", None),
        )
    if v is None:
        return ValueRow(
            ind,
            region_code,
            period.label,
            False,
            True,
            None,
            None,
            None,
            None,
            target,
            Judgement("not_computed", "grey", None),
        )
    j = judge(
        ind,
        source_available=v.source_available,
        value=v.value,
        numerator=v.numerator,
        denominator=v.denominator,
        target=target,
    )
    return ValueRow(
        ind,
        region_code,
        period.label,
        True,
        v.source_available,
        v.numerator,
        v.denominator,
        v.value,
        v.computed_at,
        target,
        j,
        registry_denominator=v.registry_denominator,
        declared_population=v.declared_population,
    )


Key = tuple[str, str, str]  # (indicator code, region code, period label)


def _township_of(code: str) -> str:
    return code[:9] + "000"


def _fill_empty_villages(found: dict[Key, IndicatorValue], wanted: list[Key]) -> dict[Key, IndicatorValue]:
    """Add the rows the engine did not store: villages whose township was computed for the indicator
    and period read as computed, with nothing counted (numerator 0, denominator 0, value as the rate
    of nothing), or as no source where the township is. One query for all the gaps."""
    gaps = [k for k in wanted if k not in found and level_of(k[1]) == RegionLevel.VILLAGE]
    if not gaps:
        return found
    parents = {
        (v.indicator_code, v.region_id, v.period): v
        for v in IndicatorValue.objects.filter(
            indicator_code__in={k[0] for k in gaps},
            region_id__in={_township_of(k[1]) for k in gaps},
            period__in={k[2] for k in gaps},
        )
    }
    for code, region, label in gaps:
        parent = parents.get((code, _township_of(region), label))
        if parent is None:
            continue
        ind = get_indicator(code)
        available = parent.source_available
        zero = Decimal(0) if available else None
        found[(code, region, label)] = IndicatorValue(
            indicator_code=code,
            definition_version=parent.definition_version,
            region_id=region,
            period=label,
            source_available=available,
            numerator=zero,
            denominator=zero if ind.denominator is not None else None,
            value=rate(ind, Decimal(0), Decimal(0)) if available else None,
            computed_at=parent.computed_at,
        )
    return found


def _stored(codes: list[str], regions: list[str], labels: list[str]) -> dict[Key, IndicatorValue]:
    found = {
        (v.indicator_code, v.region_id, v.period): v
        for v in IndicatorValue.objects.filter(
            indicator_code__in=codes, region_id__in=regions, period__in=labels
        )
    }
    wanted = [(c, r, p) for c in codes for r in regions for p in labels]
    return _fill_empty_villages(found, wanted)


def rows_for(region_code: str, period: Period, indicators: list[Indicator]) -> list[ValueRow]:
    """The materialised values of ``indicators`` for one region and period, in definition order."""
    codes = [i.code for i in indicators]
    stored = _stored(codes, [region_code], [period.label])
    cache = targets_cache(codes)
    return [
        _row(i, region_code, period, stored.get((i.code, region_code, period.label)), cache)
        for i in indicators
    ]


def child_rows(ind: Indicator, region: Region, period: Period) -> list[tuple[Region, ValueRow]]:
    """One indicator for every child region (the league table), best first for the indicator's direction."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    stored = _stored([ind.code], [c.code for c in children], [period.label])
    cache = targets_cache([ind.code])
    out = [
        (c, _row(ind, c.code, period, stored.get((ind.code, c.code, period.label)), cache)) for c in children
    ]

    def key(pair: tuple[Region, ValueRow]) -> tuple:
        v = pair[1].value
        if v is None:
            return (1, 0, pair[0].code)
        return (0, -v if ind.direction != "lower" else v, pair[0].code)

    return sorted(out, key=key)


def trend_rows(ind: Indicator, region_code: str, periods: list[Period]) -> list[ValueRow]:
    stored = _stored([ind.code], [region_code], [p.label for p in periods])
    cache = targets_cache([ind.code])
    return [_row(ind, region_code, p, stored.get((ind.code, region_code, p.label)), cache) for p in periods]


#: a page showing a region at these levels asks for its county's values when they are missing;
#: larger areas wait for a recompute someone starts (a province is minutes of work, not a page view)
QUEUE_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def queue_missing(region: Region, period: Period, rows: list[ValueRow]) -> bool:
    """Pages never compute indicators: where values of a county (or of a township or village in it)
    are missing for the period, leave a mark for the next drain and show those rows as pending.
    Returns whether any row is pending."""
    missing = [r for r in rows if not r.computed]
    if not missing or region.level not in QUEUE_LEVELS:
        return False
    from .services import queue_missing as ask

    ask(region.code, [period.label])
    for r in missing:
        r.pending = True
        r.judgement = Judgement(PENDING, "grey", None)
    return True


def computed_at(rows: list[ValueRow]) -> Any:
    """When the values shown were computed (the latest of them), or None."""
    return max((r.computed_at for r in rows if r.computed_at), default=None)
