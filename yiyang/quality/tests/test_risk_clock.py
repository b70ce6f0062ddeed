"""The admission clock (QS-3): an admission assessment is on time when made at or before the clock start +
the county's limit (24 h by default). The clock starts at the admission's record time, kept inside the
admission day: a back-dated admission starts at 24:00 of its day and gains no time."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.quality import risk_rules
from yiyang.quality.services import risk as services

from .conftest import at, screens

D = dt.date(2026, 10, 12)


def assess(nurse, stay, when, freeze_clock, kind="admission", **kw):  # type: ignore[no-untyped-def]
    freeze_clock(when + dt.timedelta(minutes=1))
    return services.record_risk_assessment(
        acting_user=nurse,
        elder=stay.elder,
        institution=stay.institution,
        kind=kind,
        screens=screens(**kw),
        assessed_at=when,
    )


def test_exactly_24_hours_after_the_admission_is_recorded_is_on_time(admit, nurse, freeze_clock):
    stay = admit(at(D, 21, 30))  # arrived in the evening: the clock starts at 21:30, not at 00:00
    ra = assess(nurse, stay, at(D + dt.timedelta(days=1), 21, 30), freeze_clock)
    assert ra.clock_start == at(D, 21, 30)
    assert ra.due_at == at(D + dt.timedelta(days=1), 21, 30)
    assert (ra.rule_hours, ra.on_time) == (24, True)


def test_one_minute_past_24_hours_is_late(admit, nurse, freeze_clock):
    stay = admit(at(D, 9, 0))
    ra = assess(nurse, stay, at(D + dt.timedelta(days=1), 9, 1), freeze_clock)
    assert ra.on_time is False


def test_a_back_dated_admission_starts_its_clock_at_the_end_of_the_admission_day(admit, nurse, freeze_clock):
    """Recorded three days late: the clock starts at 24:00 of the admission day, so it is already late."""
    stay = admit(at(D, 15, 0), admitted_on=D - dt.timedelta(days=3))
    assert risk_rules.admission_clock(stay.admitted_on, stay.created_at) == at(D - dt.timedelta(days=2), 0, 0)
    ra = assess(nurse, stay, at(D, 16, 0), freeze_clock)
    assert ra.due_at == at(D - dt.timedelta(days=1), 0, 0)
    assert ra.on_time is False


def test_an_admission_booked_ahead_starts_its_clock_at_the_start_of_its_day():
    assert risk_rules.admission_clock(D, at(D - dt.timedelta(days=2), 10, 0)) == at(D, 0, 0)


def test_a_county_override_changes_the_limit_and_is_stored_with_the_assessment(
    admit, nurse, freeze_clock, tmp_path, monkeypatch
):
    rules_file = tmp_path / "rules.yaml"
    text = risk_rules.RULES_PATH.read_text(encoding="utf-8").replace(
        "regions: {}", 'regions:\n  "520621": {admission_hours: 48}\n  "52": {admission_hours: 12}'
    )
    rules_file.write_text(text, encoding="utf-8")
    monkeypatch.setattr(risk_rules, "RULES_PATH", rules_file)
    assert risk_rules.rules().hours_for("520621001000") == 48  # the county's line beats the province's
    assert risk_rules.rules().hours_for("520602001000") == 12  # another county of the province
    assert risk_rules.rules().hours_for("110101001000") == 24  # the default elsewhere
    stay = admit(at(D, 10, 0))
    ra = assess(nurse, stay, at(D + dt.timedelta(days=2), 10, 0), freeze_clock)
    assert (ra.rule_hours, ra.on_time) == (48, True)


def test_the_shipped_rules_default_to_24_hours_with_no_county_override():
    rules = risk_rules.rules()
    assert rules.default_hours == 24
    assert rules.region_hours == {}
    assert "not a quoted standard" in risk_rules.RULES_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("hours", [0, -1])
def test_a_limit_below_one_hour_is_refused(hours):
    with pytest.raises(ValueError):
        risk_rules.parse({"default": {"admission_hours": hours}, "flags": []})


def test_a_second_admission_assessment_of_the_same_stay_is_409(admit, nurse, freeze_clock):
    stay = admit(at(D, 9, 0))
    assess(nurse, stay, at(D, 11, 0), freeze_clock)
    with pytest.raises(services.ServiceError) as exc:
        assess(nurse, stay, at(D, 12, 0), freeze_clock)
    assert exc.value.status == 409
    assert exc.value.field == "kind"


def test_an_assessment_before_the_admission_day_is_refused(admit, nurse, freeze_clock):
    stay = admit(at(D, 9, 0))
    with pytest.raises(services.ServiceError) as exc:
        assess(nurse, stay, at(D - dt.timedelta(days=1), 23, 0), freeze_clock)
    assert exc.value.field == "assessed_at"
