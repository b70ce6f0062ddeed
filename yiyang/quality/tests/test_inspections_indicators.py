"""QS-4 (整改完成率) and QS-5 (防火检查) on hand-built records in a test county, with their boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator
from yiyang.monitoring.tests import factories
from yiyang.monitoring.tests.factories import COUNTY, make_institution
from yiyang.quality.models import FireCheckObligation, Inspection
from yiyang.quality.services.inspections import ensure_obligations, meet_obligations

from .inspections_helpers import make_item

D = dt.date


def compute(code: str, period: str = "2026") -> engine.Computed:
    return engine.compute_indicator(get_indicator(code), COUNTY, parse_period(period))[COUNTY]


@pytest.fixture
def home(demo_db):  # type: ignore[no-untyped-def]
    county = factories.make_county()
    return make_institution(county["a"], "eldercare_home")


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 15, 0, tzinfo=dt.UTC)


def test_qs4_counts_items_verified_by_their_deadline_among_those_due_in_the_period(home, users):
    u = users["yly_admin"]
    make_item(
        home,
        u,
        deadline=D(2026, 6, 30),
        status="verified",
        verified_at=_at(D(2026, 6, 30)),
        closed_on_time=True,
    )
    make_item(
        home,
        u,
        deadline=D(2026, 6, 30),
        status="verified",
        verified_at=_at(D(2026, 7, 1)),
        closed_on_time=False,
    )
    make_item(home, u, deadline=D(2026, 12, 31), status="submitted")  # fixed, not yet verified
    make_item(home, u, deadline=D(2026, 1, 1), status="open")
    make_item(home, u, deadline=D(2025, 12, 31), status="verified", closed_on_time=True)  # due last year
    make_item(home, u, deadline=D(2027, 1, 1), status="verified", closed_on_time=True)  # due next year
    c = compute("QS-4")
    assert (c.numerator, c.denominator) == (1, 4)
    assert c.value == Decimal("25")
    assert (compute("QS-4", "2026Q2").numerator, compute("QS-4", "2026Q2").denominator) == (1, 2)


def test_qs4_with_nothing_due_has_no_value(home):
    assert compute("QS-4").denominator == 0


def _fire(home, day: dt.date) -> Inspection:  # type: ignore[no-untyped-def]
    from yiyang.accounts.models import User

    return Inspection.objects.create(
        institution=home,
        kind="fire",
        checklist_code="fire-monthly",
        checklist_version="2026.1",
        checklist_title="防火检查记录",
        inspected_on=day,
        status="submitted",
        created_by=User.objects.get(username="yly_admin"),
    )


def test_qs5_one_check_a_month_and_one_before_each_holiday(home):
    made = ensure_obligations([home], 2026, until=D(2026, 12, 31))
    assert made == 12 + 7  # twelve months; 元旦 2026's check fell due in 2025 but is a 2026 holiday row
    assert FireCheckObligation.objects.filter(institution=home, due_date__year=2026).count() == 18
    # a check on 16 Sep meets September and 国庆 (window 16–30 Sep); one on 15 Sep meets only September
    meet_obligations(_fire(home, D(2026, 9, 16)))
    met = FireCheckObligation.objects.filter(institution=home, met_by__isnull=False)
    assert set(met.values_list("label", flat=True)) == {
        "2026-09",
        "国庆节 2026",
        "中秋节 2026",
    }
    meet_obligations(_fire(home, D(2026, 1, 31)))  # last day of January, first day of 春节's window
    c = compute("QS-5")
    assert (c.numerator, c.denominator) == (5, 18)


def test_qs5_month_boundaries(home):
    ensure_obligations([home], 2026, until=D(2026, 12, 31))
    meet_obligations(_fire(home, D(2026, 3, 31)))
    meet_obligations(_fire(home, D(2026, 5, 1)))
    monthly = FireCheckObligation.objects.filter(institution=home, met_by__isnull=False, kind="monthly")
    assert set(monthly.values_list("label", flat=True)) == {"2026-03", "2026-05"}  # April had none
    # due in April: April's check (missed), 清明's (window 20 Mar–3 Apr: met on 31 Mar) and 劳动节's
    # (window 16–30 Apr: a check on 1 May is too late)
    c = compute("QS-5", "2026-04")
    assert (c.numerator, c.denominator) == (1, 3)
