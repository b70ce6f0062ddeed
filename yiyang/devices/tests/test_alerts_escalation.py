"""Escalation: an alert nobody acknowledges moves up the institution's ladder when a rung's minutes
run out (the per-minute tick, as the system actor); acknowledging stops it; every recipient told is
a notification row. Time moves with the frozen clock, never by sleeping."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.tests.factories import make_user
from yiyang.core.models import EmergencyContact, StateTransition
from yiyang.core.testing.machines import walk
from yiyang.devices.models import Alert, AlertNotification
from yiyang.devices.services import alerts as service
from yiyang.devices.services import rules as rule_service
from yiyang.devices.tasks import alert_tick

from . import alerts_fixtures
from .alerts_helpers import read

_fresh_rules = alerts_fixtures._fresh_rules
home = alerts_fixtures.home
resident = alerts_fixtures.resident
band = alerts_fixtures.band

T0 = dt.datetime(2026, 12, 1, 21, 0)


@pytest.fixture
def ladder(home, resident, users):  # type: ignore[no-untyped-def]
    """The welfare home's ladder: 当班护理员 (named) 5 min → 护士 10 min → 院长 15 min → 家属."""
    carer = make_user("carer_fly", "clinician", home)
    nurse = make_user("nurse_fly", "clinician", home)
    EmergencyContact.objects.create(
        elder=resident, name="杨志强", relation="儿子", phone_encrypted="x", phone_masked="138****0001"
    )
    rule_service.set_ladder(
        home,
        [
            rule_service.StepIn("carer", 5, [carer.pk]),
            rule_service.StepIn("nurse", 10, [nurse.pk]),
            rule_service.StepIn("admin", 15),
            rule_service.StepIn("family", 0),
        ],
        acting_user=users["yly_admin"],
    )
    return {"carer": carer, "nurse": nurse}


def told(alert: Alert, level: int) -> list[str]:
    return [
        n.user.username if n.user is not None else n.contact_name
        for n in AlertNotification.objects.filter(alert=alert, level=level)
    ]


def test_nobody_acknowledges_and_the_alert_climbs_the_ladder(band, ladder, freeze_clock):
    freeze_clock(T0)
    read(band, "fall", True)
    alert = Alert.objects.get(device=band)
    assert alert.status == "notified" and told(alert, 0) == ["carer_fly"]

    freeze_clock(T0 + dt.timedelta(minutes=4, seconds=59))
    assert alert_tick() == {"escalated": 0, "silent_devices": 0}
    freeze_clock(T0 + dt.timedelta(minutes=5))
    assert alert_tick()["escalated"] == 1
    alert.refresh_from_db()
    assert (alert.status, alert.escalation_level) == ("escalated", 1)
    assert told(alert, 1) == ["nurse_fly"]

    freeze_clock(T0 + dt.timedelta(minutes=15))
    alert_tick()
    alert.refresh_from_db()
    assert alert.escalation_level == 2 and told(alert, 2) == ["yly_admin"]

    freeze_clock(T0 + dt.timedelta(minutes=30))
    alert_tick()
    alert.refresh_from_db()
    assert alert.escalation_level == 3 and alert.next_escalation_at is None
    family = AlertNotification.objects.get(alert=alert, level=3, contact_name__startswith="杨志强")
    # no SMS gateway: the contact is recorded, and that nothing was sent
    assert (family.contact_name, family.contact_phone_masked, family.channel) == (
        "杨志强（儿子）",
        "138****0001",
        "none",
    )

    freeze_clock(T0 + dt.timedelta(hours=5))
    assert alert_tick()["escalated"] == 0  # the top of the ladder waits for ever
    moves = StateTransition.objects.filter(object_id=alert.pk, action="auto_escalate")
    assert moves.count() == 3 and {m.user.username for m in moves} == {"system"}


def test_acknowledging_stops_the_escalation(band, ladder, users, freeze_clock):
    freeze_clock(T0)
    read(band, "sos", True)
    alert = Alert.objects.get(device=band)
    freeze_clock(T0 + dt.timedelta(minutes=3))
    service.move(alert, "acknowledge", acting_user=ladder["carer"])
    freeze_clock(T0 + dt.timedelta(hours=2))
    assert alert_tick()["escalated"] == 0
    alert.refresh_from_db()
    assert (alert.status, alert.escalation_level, alert.acknowledged_by) == (
        "acknowledged",
        0,
        ladder["carer"],
    )
    assert told(alert, 1) == []


def test_staff_may_escalate_by_hand_even_after_acknowledging(band, ladder, freeze_clock):
    freeze_clock(T0)
    read(band, "sos", True)
    alert = Alert.objects.get(device=band)
    service.move(alert, "acknowledge", acting_user=ladder["carer"])
    service.move(alert, "escalate", acting_user=ladder["carer"], note="需要护士到场")
    assert (alert.status, alert.escalation_level) == ("escalated", 1)
    assert told(alert, 1) == ["nurse_fly"]


def test_without_its_own_ladder_an_institution_uses_the_default(band, resident, freeze_clock):
    freeze_clock(T0)
    read(band, "sos", True)
    alert = Alert.objects.get(device=band)
    assert [s.role for s in service.ladder_for(alert)] == ["carer", "nurse", "admin", "family"]
    assert alert.next_escalation_at == alert.raised_at + dt.timedelta(minutes=5)


def test_a_ladder_is_kept_by_its_own_administrator_only(home, users):
    from django.core.exceptions import PermissionDenied

    from yiyang.core.errors import ServiceError

    with pytest.raises(PermissionDenied):
        rule_service.set_ladder(home, [rule_service.StepIn("admin", 5)], acting_user=users["doctor_sj"])
    with pytest.raises(ServiceError) as exc:
        rule_service.set_ladder(
            home,
            [rule_service.StepIn("carer", 0), rule_service.StepIn("admin", 5)],
            acting_user=users["yly_admin"],
        )
    assert exc.value.field == "steps[0].wait_minutes"


def test_a_device_silent_too_long_raises_one_no_reading_alert(band, freeze_clock):
    from yiyang.devices.models import Device

    freeze_clock(T0)
    Device.objects.filter(pk=band.pk).update(last_seen_at=T0.astimezone() - dt.timedelta(minutes=59))
    assert alert_tick()["silent_devices"] == 0
    freeze_clock(T0 + dt.timedelta(minutes=2))
    assert alert_tick()["silent_devices"] == 1
    assert alert_tick()["silent_devices"] == 0  # still open: not raised or counted again
    [alert] = Alert.objects.filter(device=band, kind="no_reading")
    assert alert.count == 1 and alert.elder_id is None and alert.institution_id == band.institution_id


def test_the_alert_machine_walks_its_whole_table(band, users, freeze_clock):
    from yiyang.core.actors import system_user

    freeze_clock(T0)
    n = iter(range(1000))

    def make(state: str) -> Alert:
        read(band, "heart_rate", 150)
        alert = Alert.objects.get(dedup_key=f"elder:{band.elder_id}:heart_rate")
        Alert.objects.filter(pk=alert.pk).update(status=state, dedup_key=f"walk:{next(n)}")
        alert.refresh_from_db()
        return alert

    def user(state: str, action: str):  # type: ignore[no-untyped-def]
        return system_user() if action in ("notify", "auto_escalate") else users["yly_admin"]

    def extra(state: str, action: str) -> dict:
        return {"outcome": "handled"} if action == "resolve" else {}

    report = walk(service.ALERT, make=make, user=user, extra=extra, outsider=users["wjj"])
    assert report.allowed == len(service.ALERT.table)
