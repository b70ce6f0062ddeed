"""Core, health and assessments agree on "today" between 00:00 and 08:00 Beijing time, when a UTC
host's own date is still yesterday (issue 9 §4: one clock)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from yiyang.assessments import services as assessment_services
from yiyang.assessments.queries import due_list
from yiyang.assessments.tests.helpers import with_total
from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.identity import InvalidIdNumber, parse_id_number, with_check_digit
from yiyang.health import services as health_services

#: 2026-03-31 17:30 UTC is 2026-04-01 01:30 in Beijing.
INSTANT = dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.UTC)


@pytest.fixture
def utc_host():
    """The process on UTC, as on a server whose zone was never set: ``date.today()`` says 31 March."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_at_0130_beijing_time_every_app_agrees_it_is_already_1_april(
    utc_host, freeze_clock, users, fresh_elder
):
    """An elder born 1961-04-01 turns 65 today and a birth today is not in the future (core); a
    diagnosis today is accepted and an enrolment without a date is dated today (health); an
    assessment taken now is dated today and falls due again one year on (assessments)."""
    freeze_clock(INSTANT)
    assert clock.today() == dt.date(2026, 4, 1)
    doctor = users["doctor_sj"]

    # core
    assert parse_id_number(with_check_digit("52062120260401003")).birth_date == dt.date(2026, 4, 1)
    elder = fresh_elder(birth=dt.date(1961, 4, 1))
    assert elder.age == 65
    core_services.change_status(
        elder, acting_user=doctor, to_status="moved_out", effective_date=dt.date(2026, 4, 1), reason="迁出"
    )
    core_services.change_status(
        elder, acting_user=doctor, to_status="active", effective_date=dt.date(2026, 4, 1), reason="返回"
    )

    # health
    case = health_services.enrol_case(
        elder,
        acting_user=doctor,
        disease="hypertension",
        diagnosed_on=dt.date(2026, 4, 1),
        source="screening",
    )
    assert case.enrolled_on == dt.date(2026, 4, 1)

    # assessments
    response = assessment_services.start_assessment(
        elder,
        acting_user=doctor,
        instrument_code="gbt42195",
        answers=with_total("gbt42195", 90),
        finalise=True,
    )
    assert clock.local_date(response.assessed_at) == dt.date(2026, 4, 1)
    assert response.reassessment_due == dt.date(2027, 4, 1)
    assert elder.pk not in {entry.elder.pk for entry in due_list(doctor)}
    freeze_clock(INSTANT.replace(year=2027))  # 2027-04-01 01:30 in Beijing
    assert elder.pk in {entry.elder.pk for entry in due_list(doctor)}


def test_one_minute_earlier_every_app_agrees_it_is_still_31_march(utc_host, freeze_clock, users, fresh_elder):
    """15:59 UTC is 23:59 in Beijing: the elder is still 64 and a date of 1 April is in the future."""
    freeze_clock(dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC))
    doctor = users["doctor_sj"]
    elder = fresh_elder(birth=dt.date(1961, 4, 1))
    assert elder.age == 64
    with pytest.raises(InvalidIdNumber):
        parse_id_number(with_check_digit("52062120260401003"))
    with pytest.raises(core_services.errors.ServiceError) as refused:
        core_services.change_status(
            elder,
            acting_user=doctor,
            to_status="moved_out",
            effective_date=dt.date(2026, 4, 1),
            reason="迁出",
        )
    assert refused.value.field == "effective_date"
    with pytest.raises(core_services.errors.ServiceError) as refused:
        health_services.enrol_case(
            elder,
            acting_user=doctor,
            disease="hypertension",
            diagnosed_on=dt.date(2026, 4, 1),
            source="screening",
        )
    assert refused.value.field == "diagnosed_on"
