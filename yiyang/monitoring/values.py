"""Reading materialised values for pages, the API, the CLI and reports: each value with its target,
status, traffic light and shortfall. Who may read which region and indicator is decided here, from
``core.scoping`` (region prefixes) and the role's permissions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import Http404

from yiyang.core.models import Region
from yiyang.core.scoping import has_perm, region_scope_prefixes

from .engine import normalise_region, source_problem
from .models import IndicatorValue, Target
from .periods import Period
from .registry import all_indicators
from .schema import Indicator
from .targets import Judgement, applicable_target, judge, targets_cache

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
    )


def rows_for(region_code: str, period: Period, indicators: list[Indicator]) -> list[ValueRow]:
    """The materialised values of ``indicators`` for one region and period, in definition order."""
    codes = [i.code for i in indicators]
    stored = {
        v.indicator_code: v
        for v in IndicatorValue.objects.filter(
            region_id=region_code, period=period.label, indicator_code__in=codes
        )
    }
    cache = targets_cache(codes)
    return [_row(i, region_code, period, stored.get(i.code), cache) for i in indicators]


def child_rows(ind: Indicator, region: Region, period: Period) -> list[tuple[Region, ValueRow]]:
    """One indicator for every child region (the league table), best first for the indicator's direction."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    stored = {
        v.region_id: v
        for v in IndicatorValue.objects.filter(
            indicator_code=ind.code, period=period.label, region_id__in=[c.code for c in children]
        )
    }
    cache = targets_cache([ind.code])
    out = [(c, _row(ind, c.code, period, stored.get(c.code), cache)) for c in children]

    def key(pair: tuple[Region, ValueRow]) -> tuple:
        v = pair[1].value
        if v is None:
            return (1, 0, pair[0].code)
        return (0, -v if ind.direction != "lower" else v, pair[0].code)

    return sorted(out, key=key)


def trend_rows(ind: Indicator, region_code: str, periods: list[Period]) -> list[ValueRow]:
    stored = {
        v.period: v
        for v in IndicatorValue.objects.filter(
            indicator_code=ind.code, region_id=region_code, period__in=[p.label for p in periods]
        )
    }
    cache = targets_cache([ind.code])
    return [_row(ind, region_code, p, stored.get(p.label), cache) for p in periods]


def last_computed(region_code: str, period: Period) -> Any:
    v = (
        IndicatorValue.objects.filter(region_id=region_code, period=period.label)
        .order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
    return v
