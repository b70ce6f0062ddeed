"""不良事件 through /api/v1/incidents: who may report and read what, the life cycle with its 409s, bad
input answered with field errors (never 500), the pressure-injury register, and the signal the risk
assessment listens to, sent once per report after the commit."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.tests.factories import make_user
from yiyang.quality.models import Incident, PressureInjury
from yiyang.quality.signals import incident_reported

from .incidents_fixtures import *  # noqa: F403  (the incident tests' fixtures)
from .incidents_fixtures import report_data, stay_in

pytestmark = pytest.mark.django_db


def _post(api, institution, stay, **extra):  # type: ignore[no-untyped-def]
    return api.post("/api/v1/incidents", {"institution_id": institution.pk, **report_data(stay, **extra)})


def test_a_carer_reports_a_fall_of_a_resident_of_the_home(api_as, carer, welfare, resident):
    api = api_as(carer)
    r = _post(api, welfare, resident)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind_label"] == "跌倒"
    assert body["state"] == "reported"
    assert body["stay_id"] == resident.pk
    assert body["severity_label"].startswith("Ⅲ级")
    assert body["allowed_actions"] == []  # a carer reports; the administrator analyses and closes


def test_the_report_is_announced_once_after_the_commit(
    api_for, welfare, resident, django_capture_on_commit_callbacks
):
    heard: list[Incident] = []

    def listener(sender, incident, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(incident)

    incident_reported.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            r = _post(api_for("yly_admin"), welfare, resident)
        assert r.status_code == 201
        assert heard == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        incident_reported.disconnect(listener)
    assert len(heard) == 1
    assert (heard[0].elder_id, heard[0].institution_id, heard[0].kind) == (
        resident.elder_id,
        welfare.pk,
        "fall",
    )


def test_a_refused_report_announces_nothing(api_for, welfare, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        r = _post(api_for("yly_admin"), welfare, resident, severity="V")
    assert r.status_code == 422
    assert callbacks == []


def test_bad_input_is_422_with_every_field_named(api_for, welfare, resident):
    api = api_for("yly_admin")
    r = _post(api, welfare, resident, kind="fire", place="", severity="", occurred_at="2999-01-01T10:00:00")
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"kind", "place", "severity", "occurred_at"} <= fields
    assert all(e["message"] for e in r.json()["errors"])
    # malformed types and sizes are refused by the schema, also as 422
    assert _post(api, welfare, resident, occurred_at="yesterday").status_code == 422
    assert _post(api, welfare, resident, place="走" * 61).status_code == 422
    assert _post(api, welfare, resident, elder_id="abc").status_code == 422
    assert api.post("/api/v1/incidents", {"institution_id": welfare.pk}).status_code == 422
    assert Incident.objects.filter(institution=welfare, elder=resident.elder).count() == 0


def test_a_resident_is_required_except_for_kind_other(api_for, welfare, resident):
    api = api_for("yly_admin")
    r = _post(api, welfare, resident, elder_id=None)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "elder_id"
    r = _post(api, welfare, resident, elder_id=None, kind="other", description="探视家属在台阶处绊倒")
    assert r.status_code == 201 and r.json()["elder_id"] is None


def test_the_resident_must_have_stayed_in_the_home_that_day(api_for, welfare, hospital, today):
    left = stay_in(welfare, today - dt.timedelta(days=300), today - dt.timedelta(days=30))
    r = _post(api_for("yly_admin"), welfare, left)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "NOT_RESIDENT"
    elsewhere = stay_in(hospital, today - dt.timedelta(days=10))
    assert _post(api_for("yly_admin"), welfare, elsewhere).status_code == 422


def test_staff_report_only_for_their_own_institution(api_for, welfare, hospital, today):
    stay = stay_in(hospital, today - dt.timedelta(days=5))
    assert _post(api_for("yly_admin"), hospital, stay).status_code == 404  # not even readable
    assert _post(api_for("wjj"), welfare, stay_in(welfare, today - dt.timedelta(days=5))).status_code == 403


def test_scope_a_home_sees_its_own_the_county_sees_all_civil_affairs_sees_eldercare(
    api_for, api_as, welfare, hospital, resident, today
):
    mine = _post(api_for("yly_admin"), welfare, resident).json()["id"]
    rmyy = make_user("nurse_rmyy_t", "clinician", hospital)
    theirs = _post(api_as(rmyy), hospital, stay_in(hospital, today - dt.timedelta(days=3)))
    assert theirs.status_code == 201, theirs.content
    theirs_id = theirs.json()["id"]

    def ids(user):  # type: ignore[no-untyped-def]
        return {
            i["id"]
            for i in api_for(user)
            .get("/api/v1/incidents", page_size=100, date_from=str(today - dt.timedelta(days=1)))
            .json()["results"]
        }

    assert mine in ids("yly_admin") and theirs_id not in ids("yly_admin")
    assert {mine, theirs_id} <= ids("wjj")
    assert mine in ids("mzj") and theirs_id not in ids("mzj")  # a hospital is not an eldercare institution
    assert ids("admin_sj") & {mine, theirs_id} == set()
    assert api_for("admin_sj").get(f"/api/v1/incidents/{mine}").status_code == 404
    assert api_for("mzj").get(f"/api/v1/incidents/{theirs_id}").status_code == 404
    assert api_for("wjj").get(f"/api/v1/incidents/{theirs_id}").status_code == 200
    assert api_for("jtys_sj").get("/api/v1/incidents").json()["count"] == 0


def test_filters_kind_state_institution_and_dates(api_for, welfare, resident, today):
    api = api_for("yly_admin")
    _post(api, welfare, resident)
    _post(
        api,
        welfare,
        resident,
        kind="scald",
        place="房间",
        occurred_at=f"{today - dt.timedelta(days=20)}T10:00:00",
    )
    scalds = api.get("/api/v1/incidents", kind="scald", elder=resident.elder_id).json()
    assert scalds["count"] == 1
    recent = api.get(
        "/api/v1/incidents", elder=resident.elder_id, date_from=str(today - dt.timedelta(days=1))
    ).json()
    assert [r["kind"] for r in recent["results"]] == ["fall"]
    assert api.get("/api/v1/incidents", elder=resident.elder_id, state="closed").json()["count"] == 0
    assert api.get("/api/v1/incidents", date_from="2026-13-01").status_code == 422


def test_the_life_cycle_and_its_409s(api_for, welfare, resident):
    admin = api_for("yly_admin")
    pk = _post(admin, welfare, resident).json()["id"]
    url = f"/api/v1/incidents/{pk}/transitions"
    r = admin.post(url, {"action": "close", "follow_up": "恢复良好"})
    assert r.status_code == 409
    assert "已上报" in r.json()["detail"]
    assert admin.post(url, {"action": "analyse", "cause_analysis": "夜间照明不足"}).status_code == 422
    r = admin.post(url, {"action": "analyse", "cause_analysis": "夜间照明不足", "improvement": "加装夜灯"})
    assert r.status_code == 200 and r.json()["state"] == "analysed"
    assert admin.post(url, {"action": "close"}).status_code == 422  # no follow-up yet
    assert admin.post(url, {"action": "close", "follow_up": "一周后复查恢复良好"}).json()["state"] == "closed"
    assert admin.post(url, {"action": "close"}).status_code == 409
    assert admin.post(url, {"action": "reopen"}).status_code == 422  # a reason is required
    assert admin.post(url, {"action": "reopen", "reason": "同类事件再次发生"}).json()["state"] == "analysed"
    assert admin.post(url, {"action": "fly"}).status_code == 409
    history = admin.get(url).json()["history"]
    assert [h["action"] for h in history] == ["analyse", "close", "reopen"]
    assert history[-1]["user"] == "yly_admin"
    # officers read but do not move; others do not see it at all
    assert api_for("wjj").post(url, {"action": "close", "follow_up": "x"}).status_code == 403
    assert api_for("admin_sj").post(url, {"action": "close"}).status_code == 404


def test_a_pressure_injury_incident_registers_the_injury(api_for, welfare, resident):
    api = api_for("yly_admin")
    r = _post(
        api, welfare, resident, kind="pressure_injury", pi_site="骶尾部", pi_stage="2", pi_origin="facility"
    )
    assert r.status_code == 201, r.content
    injury = PressureInjury.objects.get(pk=r.json()["pressure_injury_id"])
    assert (injury.elder_id, injury.stage, injury.origin, injury.incident_id) == (
        resident.elder_id,
        "2",
        "facility",
        r.json()["id"],
    )
    assert injury.serious_since == injury.first_found_on
    missing = _post(api, welfare, resident, kind="pressure_injury")
    assert {e["field"] for e in missing.json()["errors"]} >= {"pi_site", "pi_stage", "pi_origin"}


def test_the_register_present_on_admission_progress_and_healing(api_for, welfare, resident, today):
    api = api_for("yly_admin")
    body = {
        "institution_id": welfare.pk,
        "elder_id": resident.elder_id,
        "site": "足跟",
        "stage": "1",
        "origin": "admission",
        "first_found_on": str(resident.admitted_on),
    }
    r = api.post("/api/v1/pressure-injuries", body)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    # found on the day of admission: it cannot be new in the home
    bad = api.post("/api/v1/pressure-injuries", {**body, "origin": "facility"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "origin"
    r = api.post(
        f"/api/v1/pressure-injuries/{pk}/records",
        {
            "recorded_on": str(today - dt.timedelta(days=50)),
            "stage": "2",
            "length_cm": "2.5",
            "width_cm": "1.5",
        },
    )
    assert r.status_code == 201
    assert r.json()["current_stage"] == "2" and r.json()["serious_since"] == str(
        today - dt.timedelta(days=50)
    )
    r = api.post(
        f"/api/v1/pressure-injuries/{pk}/records", {"recorded_on": str(today), "stage": "2", "healed": True}
    )
    assert r.json()["healed_on"] == str(today) and len(r.json()["records"]) == 3
    again = api.post(f"/api/v1/pressure-injuries/{pk}/records", {"recorded_on": str(today), "stage": "2"})
    assert again.status_code == 422
    listed = api.get("/api/v1/pressure-injuries", elder=resident.elder_id).json()
    assert listed["count"] == 1 and listed["results"][0]["origin_label"] == "入院带入"
    assert api_for("admin_sj").get(f"/api/v1/pressure-injuries/{pk}").status_code == 404
    assert api_for("mzj").get(f"/api/v1/pressure-injuries/{pk}").status_code == 200
