"""The ``overlap_days`` query (resident-days from stays) and the rates built on it: QS-1, QS-1B, QS-2
and one kind of QS-2, on hand-built stays, incidents and pressure injuries in 2020 (a leap year the demo
county has no records in), with rows on the period's edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.care.models.stays import Stay, StayStatus
from yiyang.care.tests.factories import make_home, make_resident
from yiyang.core import clock
from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator
from yiyang.monitoring.schema import Indicator
from yiyang.quality.models import Incident, PressureInjury

COUNTY = "520621000000"
D = dt.date


def _stay(home, admitted, ended=None):  # type: ignore[no-untyped-def]
    return Stay.objects.create(
        elder=make_resident(home),
        institution=home,
        status=StayStatus.DISCHARGED if ended else StayStatus.CARE,
        admitted_on=admitted,
        ended_on=ended,
    )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.zone())


@pytest.fixture
def year_2020(users):  # type: ignore[no-untyped-def]
    """A home with stays across the edges of 2020, incidents and injuries on its first and last day."""
    home = make_home()
    whole = _stay(home, D(2019, 12, 1))  # open: all 366 days
    january = _stay(home, D(2020, 1, 1), D(2020, 1, 31))  # 1–30 January: the discharge day does not count
    last_day = _stay(home, D(2020, 12, 31))  # 1 day
    _stay(home, D(2019, 6, 1), D(2020, 1, 1))  # discharged on the first day: 0 days, but a resident
    _stay(home, D(2019, 6, 1), D(2019, 12, 31))  # ended before the year
    _stay(home, D(2021, 1, 1))  # after the year
    staff = users["yly_admin"]

    def incident(stay, kind, at):  # type: ignore[no-untyped-def]
        return Incident.objects.create(
            institution=home,
            elder=stay.elder,
            stay=stay,
            kind=kind,
            occurred_at=at,
            place="房间",
            description="x",
            severity="III",
            immediate_action="x",
            reported_by=staff,
        )

    incident(whole, "fall", _at(D(2020, 12, 31), 23, 30))  # the last minutes of the year: in
    incident(whole, "fall", _at(D(2021, 1, 1), 0, 10))  # the next year: out
    incident(january, "choking", _at(D(2020, 1, 1), 0, 0))  # the first minute: in
    incident(whole, "medication_error", _at(D(2020, 6, 1), 9))  # not one of the six kinds

    def injury(stay, stage, origin, found, serious_since):  # type: ignore[no-untyped-def]
        PressureInjury.objects.create(
            institution=home,
            elder=stay.elder,
            stay=stay,
            site="骶尾部",
            stage=stage,
            current_stage=stage,
            origin=origin,
            first_found_on=found,
            serious_since=serious_since,
            recorded_by=staff,
        )

    injury(whole, "2", "facility", D(2020, 12, 31), D(2020, 12, 31))  # new stage 2 on the last day: in
    injury(last_day, "3", "admission", D(2020, 12, 31), D(2020, 12, 31))  # present on admission: out
    injury(whole, "1", "facility", D(2020, 5, 1), None)  # stage 1: out
    injury(whole, "1", "facility", D(2019, 12, 20), D(2020, 3, 1))  # worsened to stage 2 in 2020: in
    injury(january, "dti", "facility", D(2019, 12, 30), D(2019, 12, 30))  # serious before the year: out
    return home


def _value(code: str, period: str = "2020"):  # type: ignore[no-untyped-def]
    return engine.compute_indicator(get_indicator(code), COUNTY, parse_period(period))[COUNTY]


def test_resident_days_count_each_stay_from_admission_to_the_day_before_it_ends(year_2020):
    qs2 = _value("QS-2")
    assert qs2.denominator == Decimal(366 + 30 + 1)


def test_qs2_counts_the_six_kinds_by_the_moment_they_happened_per_1000_resident_days(year_2020):
    qs2 = _value("QS-2")
    assert qs2.numerator == 2
    assert qs2.value == (Decimal(2) * 1000 / Decimal(397)).quantize(Decimal("0.0001"))
    fall = _value("QS-2A")
    assert (fall.numerator, fall.denominator) == (1, 397)


def test_qs1_counts_new_in_house_injuries_of_stage_2_or_worse_by_the_day_they_became_so(year_2020):
    qs1 = _value("QS-1")
    # residents: the stays in the year (期初在院 + 期内新入住), also the one discharged on 1 January
    assert (qs1.numerator, qs1.denominator) == (2, 4)
    assert qs1.value == Decimal("50.0000")
    per_days = _value("QS-1B")
    assert (per_days.numerator, per_days.denominator) == (2, 397)


def test_a_quarter_and_a_month_take_their_own_days(year_2020):
    assert _value("QS-2", "2020Q1").denominator == Decimal(91 + 30)  # whole stay 91 days + January 30
    assert _value("QS-2", "2020-12").denominator == Decimal(31 + 1)


def test_the_current_period_counts_resident_days_only_up_to_today(freeze_clock, users):
    home = make_home()
    _stay(home, D(2030, 1, 1))
    freeze_clock(D(2030, 3, 10))
    ind = get_indicator("QS-2")
    assert ind.denominator is not None
    ((query, qs),) = engine.query_row_sets(ind.denominator, parse_period("2030"), COUNTY)
    days = engine.grouped(qs.filter(institution=home), query)
    assert sum(days.values()) == 31 + 28 + 10  # 1 January … 10 March, not to 31 December
    assert engine.overlap_window(parse_period("2031")) == (D(2031, 1, 1), D(2030, 3, 10))


def test_a_rate_per_1000_resident_days_has_no_list_behind_it_and_its_page_and_api_answer(
    year_2020, client_for, api_for
):
    ind = get_indicator("QS-2")
    assert not ind.drillable
    page = client_for("wjj").get("/monitoring/values/QS-2/", {"region": COUNTY, "period": "2020"})
    assert page.status_code == 200
    api = api_for("wjj").get("/api/v1/monitoring/values/QS-2/drilldown", region=COUNTY, period="2020")
    assert api.status_code == 404
    assert api.json()["errors"][0]["code"] == "NOT_DRILLABLE"


def test_a_definition_may_drill_into_the_stays_behind_resident_days(year_2020, users):
    """The rows of an overlap_days query are the stays that overlap the window."""
    ind = Indicator.model_validate(
        {
            "code": "QS-9T",
            "version": "1",
            "name": "t",
            "unit": "天",
            "factor": 1,
            "source": {"document": "test"},
            "numerator": {
                "type": "overlap_days",
                "model": "care.Stay",
                "region": "institution__region",
                "start": "admitted_on",
                "end": "ended_on",
                "where": [{"type": "field", "field": "institution", "value": year_2020.pk}],
            },
        }
    )
    rows = engine.base_rows(ind, parse_period("2020"), COUNTY)
    assert rows.count() == 3  # the stay discharged on 1 January overlaps no day


def test_an_overlap_days_query_names_its_start_and_end():
    with pytest.raises(ValueError):
        Indicator.model_validate(
            {
                "code": "QS-9T",
                "version": "1",
                "name": "t",
                "unit": "天",
                "factor": 1,
                "source": {"document": "test"},
                "numerator": {"type": "overlap_days", "model": "care.Stay", "region": "institution__region"},
            }
        )
