"""IR-7 医疗机构老年人就医绿色通道比例 (INDICATORS.md IR-7) from records: a medical institution has a green
channel when an agreement in force with an eldercare institution covers 急诊急救绿色通道, or when it received
and accepted a green-channel referral in the period. A declaration counts only where the platform holds
no agreement and no referral record for the institution; once records exist, they decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.care.models import Agreement, Referral
from yiyang.monitoring import engine
from yiyang.monitoring import services as monitoring_services
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator
from yiyang.monitoring.tests import factories
from yiyang.monitoring.tests.factories import COUNTY, make_elder, make_institution

D = dt.date


def ir7(period: str = "2026") -> engine.Computed:
    return engine.compute_indicator(get_indicator("IR-7"), COUNTY, parse_period(period))[COUNTY]


@pytest.fixture
def county(demo_db):  # type: ignore[no-untyped-def]
    return factories.make_county()


@pytest.fixture
def places(county):  # type: ignore[no-untyped-def]
    return {
        "hospital": make_institution(county["a"], "general_hospital", grade="2"),
        "tcm": make_institution(county["a"], "tcm_hospital", grade="2"),
        "centre": make_institution(county["b"], "township_health_centre"),
        "home": make_institution(county["a"], "eldercare_home"),
    }


def _agreement(places, medical, services, **kw):  # type: ignore[no-untyped-def]
    return Agreement.objects.create(
        eldercare_institution=places["home"],
        medical_institution=places[medical],
        services=services,
        signed_on=D(2026, 1, 1),
        start_date=kw.pop("start", D(2026, 1, 1)),
        end_date=kw.pop("end", D(2026, 12, 31)),
        status=kw.pop("status", "active"),
        green_accept_minutes=15,
        green_arrive_minutes=60,
        **kw,
    )


def test_nothing_recorded_and_nothing_declared_is_zero_not_no_source(places):
    c = ir7()
    assert c.source_available is True
    assert (c.numerator, c.denominator) == (0, 3)


def test_an_agreement_in_force_with_a_green_channel_clause_counts(places):
    _agreement(places, "hospital", ["rounds", "green_channel"])
    _agreement(places, "tcm", ["rounds", "referral"])  # no green channel in it
    assert (ir7().numerator, ir7().denominator) == (1, 3)
    assert ir7().value == Decimal("33.3333")


def test_an_agreement_not_in_force_on_the_reference_date_does_not(places):
    _agreement(places, "hospital", ["green_channel"], start=D(2025, 1, 1), end=D(2025, 12, 31))
    _agreement(places, "tcm", ["green_channel"], status="draft")
    _agreement(places, "centre", ["green_channel"], status="terminated", terminated_on=D(2026, 6, 30))
    assert ir7().numerator == 0
    assert ir7("2026Q2").numerator == 1  # the terminated one was in force on 30 June


def test_a_green_channel_referral_received_and_accepted_in_the_period_counts(places, users, county):
    elder = make_elder(county["village_a"], D(1940, 1, 1), residence_institution=places["home"])

    def referral(to, urgency, accepted):  # type: ignore[no-untyped-def]
        return Referral.objects.create(
            elder=elder,
            from_institution=places["home"],
            to_institution=places[to],
            direction="up",
            urgency=urgency,
            reason="胸痛",
            status="accepted" if accepted else "sent",
            sent_at=dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC),
            accepted_at=dt.datetime(2026, 5, 1, 8, 10, tzinfo=dt.UTC) if accepted else None,
            created_by=users["yly_admin"],
        )

    referral("hospital", "green_channel", accepted=True)
    referral("tcm", "routine", accepted=True)  # not green channel
    referral("centre", "green_channel", accepted=False)  # never accepted
    assert ir7().numerator == 1
    assert ir7("2026Q4").numerator == 0  # accepted in Q2, not in Q4


def test_a_declaration_counts_only_where_no_record_exists(places, users):
    for name in ("hospital", "tcm"):
        monitoring_services.declare(
            acting_user=users["wjj"],
            institution=places[name],
            indicator_code="IR-7",
            value=True,
            effective_date=D(2026, 1, 1),
        )
    assert ir7().numerator == 2
    # the TCM hospital's agreement has no green channel: its records now decide, not its declaration
    _agreement(places, "tcm", ["rounds"])
    assert ir7().numerator == 1
