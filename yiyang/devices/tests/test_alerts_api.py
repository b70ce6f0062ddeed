"""The alert API contract: ``GET /api/v1/alerts`` (scoped, filter by state), ``POST
/api/v1/alerts/{id}/transitions`` {"action", "outcome", "note"} (409 naming the state, 422 with field
errors), the one-step referral, and an elder's thresholds."""

from __future__ import annotations

import pytest

from yiyang.care.models import Referral
from yiyang.care.tests.factories import make_home, make_resident, make_user
from yiyang.core.models import Institution
from yiyang.devices.models import Alert, ThresholdRule

from . import alerts_fixtures
from .alerts_helpers import make_device, read

_fresh_rules = alerts_fixtures._fresh_rules
home = alerts_fixtures.home
resident = alerts_fixtures.resident
band = alerts_fixtures.band

URL = "/api/v1/alerts"


@pytest.fixture
def alert(band) -> Alert:  # type: ignore[no-untyped-def]
    read(band, "fall", True)
    return Alert.objects.get(device=band)


@pytest.fixture
def other_home_alert(demo_db) -> Alert:  # type: ignore[no-untyped-def]
    """An alert of another home of the county, whose administrator is admin_other."""
    other = make_home("江口县测试敬老院")
    make_user("admin_other", "institution_admin", other)
    elder = make_resident(other)
    read(make_device(elder, other), "sos", True)
    return Alert.objects.get(elder=elder)


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


def test_staff_see_their_homes_alerts_and_not_another_homes(api_for, alert, other_home_alert):
    assert alert.pk in ids(api_for("yly_admin").get(URL))
    assert other_home_alert.pk not in ids(api_for("yly_admin").get(URL))
    assert ids(api_for("admin_other").get(URL)) == {other_home_alert.pk}
    # another home's alert is a 404, for reading and for moving alike
    assert api_for("yly_admin").get(f"{URL}/{other_home_alert.pk}").status_code == 404
    r = api_for("yly_admin").post(f"{URL}/{other_home_alert.pk}/transitions", {"action": "acknowledge"})
    assert r.status_code == 404
    assert Alert.objects.get(pk=other_home_alert.pk).status == "notified"


def test_a_township_doctor_sees_none_of_the_homes_alerts(api_for, alert):
    assert alert.pk not in ids(api_for("doctor_tp").get(URL))
    assert api_for("sysadmin").get(URL).json()["count"] == 0


def test_the_county_officer_reads_but_cannot_handle(api_for, alert):
    wjj = api_for("wjj")
    assert alert.pk in ids(wjj.get(URL))
    r = wjj.post(f"{URL}/{alert.pk}/transitions", {"action": "acknowledge"})
    assert r.status_code == 403
    assert wjj.get(f"{URL}/{alert.pk}").json()["allowed_actions"] == []


def test_filter_by_state(api_for, alert, users):
    api = api_for("yly_admin")
    assert alert.pk in ids(api.get(URL, state="notified"))
    assert alert.pk in ids(api.get(URL, state="open"))
    assert alert.pk not in ids(api.get(URL, state="resolved"))
    r = api.get(URL, state="closed")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "state"


def test_acknowledge_then_resolve_with_an_outcome(api_for, alert):
    api = api_for("yly_admin")
    detail = api.get(f"{URL}/{alert.pk}").json()
    assert detail["allowed_actions"] == ["acknowledge", "escalate", "resolve"]
    assert [n["user"] for n in detail["notifications"]] == ["江口县社会福利院 院长"]

    r = api.post(f"{URL}/{alert.pk}/transitions", {"action": "acknowledge", "note": "已到房间查看"})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "acknowledged"
    assert r.json()["allowed_actions"] == ["escalate", "resolve"]

    r = api.post(
        f"{URL}/{alert.pk}/transitions", {"action": "resolve", "outcome": "hospital", "note": "已送县医院"}
    )
    assert r.status_code == 200, r.content
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.note) == ("resolved", "hospital", "已送县医院")


def test_resolve_needs_an_outcome(api_for, alert):
    api = api_for("yly_admin")
    r = api.post(f"{URL}/{alert.pk}/transitions", {"action": "resolve"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "outcome"
    r = api.post(f"{URL}/{alert.pk}/transitions", {"action": "resolve", "outcome": "fixed"})
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["field"] == "outcome" and "误报" in err["message"]
    r = api.post(f"{URL}/{alert.pk}/transitions", {"action": "resolve", "outcome": "other"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    assert Alert.objects.get(pk=alert.pk).status == "notified"


def test_illegal_moves_are_409_naming_the_current_state(api_for, alert):
    api = api_for("yly_admin")
    api.post(f"{URL}/{alert.pk}/transitions", {"action": "resolve", "outcome": "false_alarm"})
    for action in ("acknowledge", "resolve", "escalate", "notify", "auto_escalate", "dance"):
        r = api.post(f"{URL}/{alert.pk}/transitions", {"action": action, "outcome": "handled"})
        assert r.status_code == 409, (action, r.content)
        body = r.json()
        assert body["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
        assert "已处理" in body["errors"][0]["message"]  # the state's Chinese label


def test_bad_input_is_a_field_error_not_a_500(api_for, alert):
    r = api_for("yly_admin").post(f"{URL}/{alert.pk}/transitions", {"action": "", "note": "x" * 300})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} >= {"action", "note"}
    assert api_for("yly_admin").get(f"{URL}/abc").status_code in (404, 422)


def test_an_alert_becomes_a_draft_referral_in_one_step(api_for, alert, resident):
    hospital = Institution.objects.get(name="江口县人民医院")
    api = api_for("yly_admin")
    r = api.post(f"{URL}/{alert.pk}/referral", {"to_institution_id": hospital.pk})
    assert r.status_code == 201, r.content
    referral = Referral.objects.get(pk=r.json()["referral_id"])
    assert (referral.elder, referral.status, referral.direction, referral.urgency) == (
        resident,
        "draft",
        "up",
        "green_channel",
    )
    assert "跌倒" in referral.reason
    assert Alert.objects.get(pk=alert.pk).referral_id == referral.pk
    again = api.post(f"{URL}/{alert.pk}/referral", {"to_institution_id": hospital.pk})
    assert again.status_code == 409


def test_an_incident_is_not_connected_yet(api_for, alert):
    r = api_for("yly_admin").post(f"{URL}/{alert.pk}/incident")
    assert r.status_code == 501


def test_a_doctor_sets_an_elders_thresholds_through_the_api(sj_elder, users):
    from django.test import Client

    from yiyang.accounts.models import ApiToken

    url = f"/api/v1/alert-thresholds/elders/{sj_elder.pk}"
    body = {"thresholds": [{"type": "bp", "part": "sys", "high": 170}, {"type": "spo2", "low": 88}]}

    def put(username: str, data: dict):  # type: ignore[no-untyped-def]
        token = ApiToken.issue(users[username])
        return Client().put(url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    r = put("doctor_sj", body)
    assert r.status_code == 200, r.content
    got = {(t["type"], t["part"]): t for t in r.json()["thresholds"]}
    assert got[("bp", "sys")]["high"] == 170 and got[("bp", "sys")]["origin"] == "elder"
    assert got[("spo2", "")]["low"] == 88
    assert got[("heart_rate", "")]["origin"] == "default"
    assert ThresholdRule.objects.filter(elder=sj_elder).count() == 2

    assert put("wjj", body).status_code == 403  # reads health records, changes none
    assert put("doctor_tp", body).status_code == 404  # another township's elder
    bad = put("doctor_sj", {"thresholds": [{"type": "spo2", "low": 95, "high": 90}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "thresholds[0].high"
    assert ThresholdRule.objects.filter(elder=sj_elder).count() == 2


def test_a_centres_clinicians_set_its_thresholds_and_only_theirs(users, sj_elder):
    from django.test import Client

    from yiyang.accounts.models import ApiToken

    centre = sj_elder.managing_institution
    url = f"/api/v1/alert-thresholds/institutions/{centre.pk}"

    def put(username: str, data: dict):  # type: ignore[no-untyped-def]
        token = ApiToken.issue(users[username])
        return Client().put(url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    r = put("doctor_sj", {"thresholds": [{"type": "glucose", "high": 13.9, "note": "本院糖尿病管理方案"}]})
    assert r.status_code == 200, r.content
    got = {(t["type"], t["part"]): t for t in r.json()["thresholds"]}
    assert got[("glucose", "")]["high"] == 13.9 and got[("glucose", "")]["origin"] == "institution"
    assert put("doctor_tp", {"thresholds": []}).status_code == 403  # another centre's clinician
    assert put("yly_admin", {"thresholds": []}).status_code == 403  # not a clinician
    assert ThresholdRule.objects.filter(institution=centre).count() == 1
