"""Refusals name the field in Chinese as the record's own label (DESIGN §3), and every value of a
体检表 is checked against the form's data and the scales' ranges before anything is stored."""

import datetime as dt

import pytest

from yiyang.health import services
from yiyang.health.models import ChronicCase, ChronicFollowUp, Contract, HealthCheck

from .conftest import complete_check_data


@pytest.fixture
def future(today):
    return today + dt.timedelta(days=5)


def _json(data):
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else str(v) if hasattr(v, "quantize") else v)
        for k, v in data.items()
    }


def _refusal(call):
    with pytest.raises(services.ServiceError) as exc:
        call()
    return exc.value


def test_a_future_visit_date_names_the_follow_up_date(users, fresh_elder, today, future):
    elder = fresh_elder()
    case = services.enrol_case(
        elder, acting_user=users["doctor_sj"], disease="hypertension", diagnosed_on=today, source="screening"
    )
    err = _refusal(
        lambda: services.record_followup(
            case,
            acting_user=users["doctor_sj"],
            data={"visit_date": future, "method": "1", "systolic": 130, "diastolic": 80},
        )
    )
    assert (
        err.field == "visit_date" and err.message.startswith("随访日期：") and "visit_date" not in err.message
    )
    assert not ChronicFollowUp.objects.filter(case=case).exists()


def test_a_future_diagnosis_date_names_the_diagnosis_date(users, fresh_elder, future):
    elder = fresh_elder()
    err = _refusal(
        lambda: services.enrol_case(
            elder, acting_user=users["doctor_sj"], disease="diabetes", diagnosed_on=future, source="screening"
        )
    )
    assert err.field == "diagnosed_on" and err.message.startswith("确诊日期：")
    assert not ChronicCase.objects.filter(elder=elder).exists()


def test_a_future_signing_date_names_the_signing_date(users, sj_team, packages, fresh_elder, future):
    elder = fresh_elder()
    err = _refusal(
        lambda: services.sign_contract(
            elder,
            acting_user=users["doctor_sj"],
            team=sj_team,
            doctor=users["doctor_sj"],
            packages=[packages["ELDERLY"]],
            signed_on=future,
        )
    )
    assert err.field == "signed_on" and err.message.startswith("签约日期：")
    assert not Contract.objects.filter(elder=elder).exists()


def test_an_unknown_main_problem_row_is_refused(api_for, fresh_elder, today):
    elder = fresh_elder()
    data = _json(complete_check_data(today)) | {"elder_id": elder.pk, "main_problems": {"bogus": ["1"]}}
    r = api_for("doctor_sj").post("/api/v1/health-checks", data)
    assert r.status_code == 422, r.content
    err = r.json()["errors"][0]
    assert err["field"] == "main_problems.bogus" and "bogus" in err["message"]
    assert not HealthCheck.objects.filter(elder=elder).exists()


@pytest.mark.parametrize(
    ("field", "value"), [("cognitive_score", 9999), ("cognitive_score", 31), ("emotional_score", 31)]
)
def test_a_score_beyond_its_scale_is_refused(api_for, fresh_elder, field, value, today):
    elder = fresh_elder()
    data = _json(complete_check_data(today)) | {"elder_id": elder.pk, field: value}
    r = api_for("doctor_sj").post("/api/v1/health-checks", data)
    assert r.status_code == 422, r.content
    err = r.json()["errors"][0]
    assert err["field"] == field and err["code"] == "IMPLAUSIBLE"
    assert not HealthCheck.objects.filter(elder=elder).exists()


def test_a_score_within_its_scale_is_kept(api_for, fresh_elder, today):
    elder = fresh_elder()
    data = _json(complete_check_data(today)) | {"elder_id": elder.pk, "cognitive_score": 30}
    assert api_for("doctor_sj").post("/api/v1/health-checks", data).status_code == 201
    assert HealthCheck.objects.get(elder=elder).cognitive_score == 30
