"""QS-3 入住安全风险评估率 on hand-built data: admissions (stays) at eldercare and integrated institutions
admitted in the period ÷ … with an on-time admission risk assessment; a hospital stay, a late or missing
assessment, a reassessment and an admission outside the period do not count. The year-end summary
section counts the same way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.accounts.models import User
from yiyang.care.models.stays import Stay
from yiyang.core import actors
from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator
from yiyang.monitoring.tests import factories
from yiyang.monitoring.tests.factories import COUNTY, make_elder, make_institution
from yiyang.quality.models import RiskAssessment
from yiyang.quality.summary import sections

D = dt.date


def qs3(period: str = "2026") -> engine.Computed:
    return engine.compute_indicator(get_indicator("QS-3"), COUNTY, parse_period(period))[COUNTY]


@pytest.fixture
def county(demo_db):  # type: ignore[no-untyped-def]
    return factories.make_county()


@pytest.fixture
def places(county):  # type: ignore[no-untyped-def]
    return {
        "home": make_institution(county["a"], "eldercare_home"),
        "integrated": make_institution(county["b"], "integrated_care"),
        "hospital": make_institution(county["a"], "general_hospital"),
    }


def stay(places, county, where: str, admitted: dt.date) -> Stay:  # type: ignore[no-untyped-def]
    elder = make_elder(county["village_a"], D(1940, 1, 1))
    return Stay.objects.create(elder=elder, institution=places[where], status="care", admitted_on=admitted)


def assessed(s: Stay, on_time: bool | None, kind: str = "admission") -> RiskAssessment:
    user: User = actors.system_user()
    return RiskAssessment.objects.create(
        elder=s.elder,
        institution=s.institution,
        stay=s,
        kind=kind,
        assessed_at=s.created_at,
        assessor=user,
        on_time=on_time,
    )


def test_qs3_counts_on_time_admission_assessments_of_admissions_in_the_period(places, county):
    assessed(stay(places, county, "home", D(2026, 1, 1)), True)  # first day of the period
    assessed(stay(places, county, "integrated", D(2026, 12, 31)), True)  # last day
    assessed(stay(places, county, "home", D(2026, 6, 1)), False)  # late: in the denominator only
    stay(places, county, "home", D(2026, 6, 2))  # never assessed
    assessed(
        stay(places, county, "home", D(2026, 6, 3)), None, kind="change_of_condition"
    )  # not an admission one
    assessed(stay(places, county, "home", D(2025, 12, 31)), True)  # the year before
    assessed(stay(places, county, "hospital", D(2026, 3, 1)), True)  # not an eldercare institution
    c = qs3()
    assert (c.numerator, c.denominator) == (2, 5)
    assert c.value == Decimal("40")
    assert (qs3("2025").numerator, qs3("2025").denominator) == (1, 1)


def test_qs3_has_no_value_without_admissions(places):
    c = qs3()
    assert c.denominator == 0


def test_the_summary_section_counts_admissions_on_time_late_and_missing(places, county):
    assessed(stay(places, county, "home", D(2026, 1, 1)), True)
    assessed(stay(places, county, "home", D(2026, 6, 1)), False)
    stay(places, county, "home", D(2026, 6, 2))
    section = next(s for s in sections([places["home"].pk], 2026) if s.title == "入住安全风险评估")
    values = {row.label: row.value for row in section.rows}
    assert values["入住人次"] == 3
    assert values["按时完成风险评估"] == 1
    assert values["超时完成风险评估"] == 1
    assert values["未做风险评估"] == 1
    assert values["入住安全风险评估率"] == Decimal("33.3")
