"""The health API: scoped lists and writes, Chinese field errors, out-of-scope 404, never 500."""

import datetime as dt

import pytest

from yiyang.health import services
from yiyang.health.models import ChronicFollowUp, Contract, HealthCheck

from .conftest import complete_check_data


@pytest.fixture
def day(today):
    return today - dt.timedelta(days=3)


def _json(data):
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else str(v) if hasattr(v, "quantize") else v)
        for k, v in data.items()
    }


def test_post_and_list_health_checks(api_for, fresh_elder, day):
    """doctor_sj posts a complete check; it is listed by elder and year and comes back complete."""
    elder = fresh_elder()
    api = api_for("doctor_sj")
    r = api.post("/api/v1/health-checks", _json(complete_check_data(day)) | {"elder_id": elder.pk})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["is_complete"] is True and body["bmi"] == "23.4"
    listed = api.get("/api/v1/health-checks", elder=elder.pk, year=day.year).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert api.get("/api/v1/health-checks", elder=elder.pk, year=day.year - 1).json()["count"] == 0


def test_implausible_value_is_a_chinese_field_error(api_for, fresh_elder, day):
    elder = fresh_elder()
    data = _json(complete_check_data(day)) | {
        "elder_id": elder.pk,
        "bp_left_systolic": 30,
        "bp_left_diastolic": 20,
    }
    r = api_for("doctor_sj").post("/api/v1/health-checks", data)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "bp_left_systolic" and err["code"] == "IMPLAUSIBLE"
    assert err["message"].startswith("左侧收缩压（mmHg）：30 不可能")
    assert not HealthCheck.objects.filter(elder=elder).exists()


def test_unusual_value_needs_confirmation(api_for, fresh_elder, day):
    elder = fresh_elder()
    data = _json(complete_check_data(day)) | {
        "elder_id": elder.pk,
        "bp_left_systolic": 250,
        "bp_left_diastolic": 100,
    }
    api = api_for("doctor_sj")
    r = api.post("/api/v1/health-checks", data)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "UNUSUAL"
    assert api.post("/api/v1/health-checks", data | {"confirm_warnings": True}).status_code == 201


def test_bad_option_and_bad_types_are_4xx(api_for, fresh_elder, day):
    elder = fresh_elder()
    api = api_for("doctor_sj")
    r = api.post(
        "/api/v1/health-checks", {"elder_id": elder.pk, "check_date": day.isoformat(), "self_rating": "9"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "self_rating"
    r = api.post("/api/v1/health-checks", {"elder_id": elder.pk, "check_date": "yesterday"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "check_date"
    r = api.post(
        "/api/v1/health-checks", {"elder_id": elder.pk, "check_date": day.isoformat(), "symptoms": ["99"]}
    )
    assert r.status_code == 422
    r = api.post(
        "/api/v1/health-checks", {"elder_id": elder.pk, "check_date": day.isoformat(), "exercise_years": -3}
    )
    assert r.status_code == 422


def test_doctor_tp_gets_404_on_a_shuangjiang_elders_records(api_for, users, fresh_elder, day):
    """Out of scope is 404 like missing: doctor_tp cannot read or write a 双江 elder's records."""
    elder = fresh_elder()
    check = services.record_health_check(elder, acting_user=users["doctor_sj"], data=complete_check_data(day))
    case = services.enrol_case(
        elder, acting_user=users["doctor_sj"], disease="hypertension", diagnosed_on=day, source="outpatient"
    )
    tp = api_for("doctor_tp")
    assert tp.get(f"/api/v1/health-checks/{check.pk}").status_code == 404
    assert tp.get(f"/api/v1/elders/{elder.pk}/timeline").status_code == 404
    assert tp.get("/api/v1/health-checks", elder=elder.pk).json()["count"] == 0
    r = tp.post("/api/v1/health-checks", _json(complete_check_data(day)) | {"elder_id": elder.pk})
    assert r.status_code == 404
    r = tp.post(
        "/api/v1/chronic-followups",
        {"case_id": case.pk, "visit_date": day.isoformat(), "method": "1", "systolic": 130, "diastolic": 80},
    )
    assert r.status_code == 404
    assert HealthCheck.objects.filter(elder=elder).count() == 1


def test_officer_reads_but_cannot_write(api_for, fresh_elder, day):
    elder = fresh_elder()
    wjj = api_for("wjj")
    assert wjj.get("/api/v1/health-checks", elder=elder.pk).status_code == 200
    r = wjj.post("/api/v1/health-checks", _json(complete_check_data(day)) | {"elder_id": elder.pk})
    assert r.status_code == 403
    assert api_for("mzj").get(f"/api/v1/elders/{elder.pk}/timeline").status_code == 404


def test_followup_api_returns_the_decision(api_for, users, fresh_elder, today, day):
    elder = fresh_elder()
    api = api_for("doctor_sj")
    case = api.post(
        "/api/v1/chronic-cases",
        {
            "elder_id": elder.pk,
            "disease": "hypertension",
            "diagnosed_on": day.isoformat(),
            "source": "outpatient",
        },
    ).json()
    r = api.post(
        "/api/v1/chronic-followups",
        {
            "case_id": case["id"],
            "visit_date": today.isoformat(),
            "method": "2",
            "systolic": 182,
            "diastolic": 96,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["action"] == "urgent_referral" and r.json()["rule"] == "A"
    assert api.get("/api/v1/chronic-followups", case=case["id"]).json()["count"] == 1
    r = api.post(
        "/api/v1/chronic-followups", {"case_id": case["id"], "visit_date": today.isoformat(), "method": "1"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "systolic"
    assert ChronicFollowUp.objects.filter(case_id=case["id"]).count() == 1


def test_contracts_api_sign_list_and_end(api_for, users, sj_team, packages, fresh_elder, today):
    elder = fresh_elder()
    api = api_for("doctor_sj")
    body = {
        "elder_id": elder.pk,
        "team_id": sj_team.pk,
        "doctor_id": users["doctor_sj"].pk,
        "packages": ["BASIC", "ELDERLY"],
        "signed_on": today.isoformat(),
    }
    r = api.post("/api/v1/contracts", body)
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["services_due"] == 0 and sorted(created["packages"]) == ["BASIC", "ELDERLY"]
    assert api.post("/api/v1/contracts", body).status_code == 409
    listed = api.get("/api/v1/contracts", elder=elder.pk, valid_on=today.isoformat()).json()
    assert listed["count"] == 1
    r = api.post(f"/api/v1/contracts/{created['id']}/end", {"ended_on": today.isoformat(), "reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end_reason"
    r = api.post(
        f"/api/v1/contracts/{created['id']}/end", {"ended_on": today.isoformat(), "reason": "迁出本县"}
    )
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert api_for("doctor_tp").get("/api/v1/contracts", elder=elder.pk).json()["count"] == 0
    assert Contract.objects.filter(elder=elder).count() == 1


def test_family_doctor_sees_a_contracted_elders_timeline(
    api_for, users, sj_team, packages, fresh_elder, today, day
):
    elder = fresh_elder()
    services.sign_contract(
        elder,
        acting_user=users["doctor_sj"],
        team=sj_team,
        doctor=users["doctor_sj"],
        packages=[packages["ELDERLY"]],
        signed_on=today,
    )
    services.record_health_check(elder, acting_user=users["doctor_sj"], data=complete_check_data(day))
    r = api_for("jtys_test").get(f"/api/v1/elders/{elder.pk}/timeline")
    assert r.status_code == 200
    kinds = [e["kind"] for e in r.json()["results"]]
    assert kinds[:2] == ["contract", "check"]  # newest first
    only = api_for("jtys_test").get(f"/api/v1/elders/{elder.pk}/timeline", kind="check").json()["results"]
    assert [e["kind"] for e in only] == ["check"]
    assert api_for("jtys_test").get(f"/api/v1/elders/{elder.pk}/timeline", kind="nonsense").status_code == 422


def test_timeline_names_a_delivered_service_by_its_package_name(
    api_for, users, sj_team, packages, fresh_elder, today
):
    """The timeline reads 年度健康体检, not the service code annual_check."""
    elder = fresh_elder()
    contract = services.sign_contract(
        elder,
        acting_user=users["doctor_sj"],
        team=sj_team,
        doctor=users["doctor_sj"],
        packages=[packages["ELDERLY"]],
        signed_on=today,
    )
    services.record_delivery(
        contract, acting_user=users["doctor_sj"], item_code="annual_check", delivered_on=today, place="clinic"
    )
    entries = (
        api_for("doctor_sj").get(f"/api/v1/elders/{elder.pk}/timeline", kind="service").json()["results"]
    )
    assert any("年度健康体检" in str(e) for e in entries), entries
    assert not any("annual_check" in str(e) for e in entries)
