"""Rules are data: a reading beyond a threshold raises an alert, one exactly on the limit does not;
events alert at once; repeats are counted on the open alert; an elder's own thresholds win."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.core import clock
from yiyang.devices import rules
from yiyang.devices.models import Alert, AlertNotification, ThresholdRule
from yiyang.devices.services import rules as rule_service

from . import alerts_fixtures
from .alerts_helpers import make_device, read

_fresh_rules = alerts_fixtures._fresh_rules
home = alerts_fixtures.home
resident = alerts_fixtures.resident
band = alerts_fixtures.band


def alerts_of(elder):  # type: ignore[no-untyped-def]
    return list(Alert.objects.filter(elder=elder))


def test_every_default_threshold_names_its_source():
    book = rules.rulebook()
    assert {t for t, _p in book.limits} == {"heart_rate", "spo2", "bp", "glucose", "temperature"}
    for limit in book.limits.values():
        assert limit.source.strip(), limit


def test_a_rules_file_without_a_source_is_refused():
    with pytest.raises(ValueError, match="source"):
        rules.parse({"thresholds": {"heart_rate": {"low": 50, "high": 120}}})


@pytest.mark.parametrize(
    ("type_", "on_limit", "beyond"),
    [
        ("heart_rate", 120, 121),
        ("heart_rate", 50, 49),
        ("spo2", 90, 89),
        ("glucose", 3.9, 3.8),
        ("glucose", 16.7, 16.8),
        ("temperature", 38.5, 38.6),
        ("temperature", 35.0, 34.9),
    ],
)
def test_exactly_on_the_limit_is_quiet_and_one_step_beyond_alerts(band, resident, type_, on_limit, beyond):
    read(band, type_, on_limit)
    assert alerts_of(resident) == []
    read(band, type_, beyond)
    [alert] = alerts_of(resident)
    assert alert.kind == type_
    assert alert.status == "notified"
    assert str(beyond) in alert.message


def test_blood_pressure_checks_each_part(band, resident):
    read(band, "bp", {"sys": 179, "dia": 109})
    assert alerts_of(resident) == []
    read(band, "bp", {"sys": 150, "dia": 110})
    [alert] = alerts_of(resident)
    assert "舒张压" in alert.message and "110" in alert.message


def test_a_reading_in_range_or_unreadable_does_nothing(band, resident):
    read(band, "heart_rate", 72)
    read(band, "heart_rate", "abc")
    read(band, "bp", 120)
    read(band, "door", True)
    assert alerts_of(resident) == []


@pytest.mark.parametrize("event", ["sos", "fall"])
def test_an_event_alerts_at_once_and_the_first_rung_is_told(band, resident, users, event):
    read(band, event, True)
    [alert] = alerts_of(resident)
    assert (alert.kind, alert.severity, alert.status) == (event, "critical", "notified")
    assert alert.next_escalation_at is not None
    # the home has no carer accounts in the demo: its administrator is told rather than nobody
    told = AlertNotification.objects.filter(alert=alert, level=0)
    assert [n.user.username for n in told] == ["yly_admin"]


def test_smoke_belongs_to_the_place_not_to_an_elder(home):
    detector = make_device(None, home, kind="smoke_detector", place="二楼走廊")
    read(detector, "smoke", True)
    read(detector, "smoke", True)
    [alert] = Alert.objects.filter(device=detector)
    assert alert.elder_id is None and alert.place == "二楼走廊" and alert.count == 2
    assert alert.institution_id == home.pk


def test_leaving_the_bed_alerts_only_at_night(band, resident):
    day = clock.now().replace(hour=15, minute=0)
    night = clock.now().replace(hour=2, minute=30)
    read(band, "leave_bed", True, at=day)
    assert alerts_of(resident) == []
    read(band, "leave_bed", True, at=night)
    assert [a.kind for a in alerts_of(resident)] == ["leave_bed"]


def test_storm_control_ten_readings_make_one_open_alert_counted_ten(band, resident, freeze_clock):
    start = freeze_clock(dt.datetime(2026, 12, 1, 9, 0))
    for i in range(10):
        read(band, "heart_rate", 130 + i, at=start + dt.timedelta(seconds=30 * i))
    [alert] = alerts_of(resident)
    assert alert.count == 10
    assert alert.first_value == 130 and alert.last_value == 139
    assert alert.last_at == start + dt.timedelta(seconds=270)
    # another kind is another alert
    read(band, "spo2", 85)
    assert sorted(a.kind for a in alerts_of(resident)) == ["heart_rate", "spo2"]


def test_after_resolution_a_new_reading_opens_a_new_alert(band, resident, users):
    from yiyang.devices.services import alerts as service

    read(band, "sos", True)
    [alert] = alerts_of(resident)
    service.move(alert, "resolve", acting_user=users["yly_admin"], outcome="false_alarm")
    read(band, "sos", True)
    assert sorted(a.status for a in alerts_of(resident)) == ["notified", "resolved"]


def test_a_doctors_threshold_for_the_elder_wins_over_the_institution_and_the_default(
    band, resident, home, users
):
    ThresholdRule.objects.create(institution=home, type="heart_rate", high=Decimal("110"))
    rules.forget_overrides()
    read(band, "heart_rate", 115)  # above the home's 110
    [alert] = alerts_of(resident)
    Alert.objects.filter(pk=alert.pk).update(status="resolved")

    rule_service.set_elder_thresholds(
        resident,
        [rule_service.ThresholdIn("heart_rate", high="130", note="房颤，心室率控制目标放宽")],
        acting_user=users["doctor_sj"],
    )
    read(band, "heart_rate", 125)  # above the home's and the default's, below the elder's own
    assert len(alerts_of(resident)) == 1
    read(band, "heart_rate", 131)
    assert len(alerts_of(resident)) == 2
    limits = rules.limits_for(resident.pk, home.pk)
    assert limits[("heart_rate", "")].origin == "elder"
    assert limits[("heart_rate", "")].low == Decimal("50")  # the empty lower limit keeps the default


def test_only_those_who_change_health_records_set_an_elders_thresholds(resident, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        rule_service.set_elder_thresholds(
            resident, [rule_service.ThresholdIn("spo2", low="88")], acting_user=users["yly_admin"]
        )
    assert not ThresholdRule.objects.filter(elder=resident).exists()
