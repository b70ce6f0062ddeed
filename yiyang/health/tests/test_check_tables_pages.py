"""The 体检表's 现存主要健康问题 / 住院 / 用药 / 接种 tables and the link to a stored self-care
assessment, on the check page: rows added in place (htmx), saved through the service, refused with
the table, row and column named, nothing written on a refusal; out of scope is a 404."""

import datetime as dt

import pytest

from yiyang.assessments import services as assessment_services
from yiyang.core import clock
from yiyang.health.models import HealthCheck

from .conftest import complete_check_data


@pytest.fixture
def month(today):
    return today.strftime("%Y-%m")


def _post(**extra):
    data = complete_check_data(clock.today())
    post = {k: v for k, v in data.items() if not isinstance(v, list)}
    post |= {"symptoms": ["1"], "guidance": ["2"]}
    return post | extra


@pytest.fixture
def tables(today, month):
    return {
        "mp_heart": ["3"],
        "mp_eye": ["4"],
        "hospital_stays-0-kind": "hospital",
        "hospital_stays-0-admitted": month,
        "hospital_stays-0-discharged": month,
        "hospital_stays-0-reason": "肺炎",
        "hospital_stays-0-institution": "江口县人民医院",
        "hospital_stays-0-record_no": "A123",
        "medications-0-name": "硝苯地平缓释片",
        "medications-0-route": "口服",
        "medications-0-dose": "每日1次 每次20mg",
        "medications-0-duration": "2年",
        "medications-0-adherence": "1",
        "medications-4-name": "二甲双胍",  # a row added in the browser: numbers need not be consecutive
        "vaccinations-0-name": "流感疫苗",
        "vaccinations-0-date": today.isoformat(),
        "vaccinations-0-institution": "双江街道中心卫生院",
    }


def test_add_row_returns_a_numbered_row_and_the_next_button(client_for):
    r = client_for("doctor_sj").get("/health/rows/medications/", {"n": "3"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and 'name="medications-3-name"' in body
    assert "n=4" in body and 'hx-swap-oob="true"' in body
    assert client_for("doctor_sj").get("/health/rows/elders/").status_code == 404


def test_check_page_saves_the_tables(client_for, fresh_elder, today, month, tables):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    r = c.post(f"/health/elders/{elder.pk}/checks/new/", _post(**tables))
    assert r.status_code == 302, r.content.decode()[:3000]
    check = HealthCheck.objects.get(elder=elder)
    assert check.main_problems == {"heart": ["3"], "eye": ["4"]}
    assert check.hospital_stays[0]["reason"] == "肺炎" and check.hospital_stays[0]["admitted"] == month
    assert [m["name"] for m in check.medications] == ["硝苯地平缓释片", "二甲双胍"]
    assert check.vaccinations == [
        {"name": "流感疫苗", "date": today.isoformat(), "institution": "双江街道中心卫生院"}
    ]
    detail = c.get(f"/health/checks/{check.pk}/").content.decode()
    assert "肺炎" in detail and "心绞痛" in detail and "住院史" in detail


def test_a_stay_without_a_reason_is_refused_naming_table_row_and_column(client_for, fresh_elder, tables):
    elder = fresh_elder()
    r = client_for("doctor_sj").post(
        f"/health/elders/{elder.pk}/checks/new/", _post(**tables | {"hospital_stays-0-reason": ""})
    )
    body = r.content.decode()
    assert r.status_code == 200 and "住院治疗情况第1行：原因为必填项" in body
    assert not HealthCheck.objects.filter(elder=elder).exists()


def test_discharge_before_admission_and_not_found_with_a_disease_are_refused(
    client_for, fresh_elder, today, tables
):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    earlier = (today.replace(day=1) - dt.timedelta(days=40)).strftime("%Y-%m")
    r = c.post(
        f"/health/elders/{elder.pk}/checks/new/", _post(**tables | {"hospital_stays-0-discharged": earlier})
    )
    assert r.status_code == 200 and "不能早于入院" in r.content.decode()
    r = c.post(f"/health/elders/{elder.pk}/checks/new/", _post(**tables | {"mp_heart": ["1", "3"]}))
    assert r.status_code == 200 and "心脏疾病" in r.content.decode()
    assert not HealthCheck.objects.filter(elder=elder).exists()


def _selfcare(elder, user, answers):
    return assessment_services.start_assessment(
        elder, acting_user=user, instrument_code="selfcare", answers=answers, finalise=True
    )


def test_check_takes_the_self_care_level_from_a_linked_assessment(client_for, users, fresh_elder):
    """The chosen finalised self-care assessment sets the level (and score), whatever was ticked."""
    elder = fresh_elder()
    response = _selfcare(elder, users["doctor_sj"], {"1": "3", "2": "1", "3": "0", "4": "0", "5": "1"})
    c = client_for("doctor_sj")
    page = c.get(f"/health/elders/{elder.pk}/checks/new/").content.decode()
    assert f'value="{response.pk}"' in page
    r = c.post(
        f"/health/elders/{elder.pk}/checks/new/", _post(selfcare_level="1", selfcare_response=response.pk)
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    check = HealthCheck.objects.get(elder=elder)
    assert check.selfcare_response == response
    assert check.selfcare_level == response.level_code == "2" and check.selfcare_score == 5


def test_another_elders_assessment_cannot_be_linked(client_for, users, fresh_elder):
    elder, other = fresh_elder(), fresh_elder()
    foreign = _selfcare(other, users["doctor_sj"], {"1": "0", "2": "0", "3": "0", "4": "0", "5": "0"})
    r = client_for("doctor_sj").post(
        f"/health/elders/{elder.pk}/checks/new/", _post(selfcare_response=foreign.pk)
    )
    assert r.status_code == 200
    assert not HealthCheck.objects.filter(elder=elder).exists()


def test_correcting_a_check_keeps_its_tables_editable(client_for, fresh_elder, tables):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    c.post(f"/health/elders/{elder.pk}/checks/new/", _post(**tables))
    check = HealthCheck.objects.get(elder=elder)
    page = c.get(f"/health/checks/{check.pk}/edit/").content.decode()
    assert "硝苯地平缓释片" in page and 'name="medications-1-name"' in page
    r = c.post(
        f"/health/checks/{check.pk}/edit/",
        _post(**{k: v for k, v in tables.items() if not k.startswith("medications")}),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    check.refresh_from_db()
    assert check.medications == [] and check.hospital_stays[0]["reason"] == "肺炎"


def test_check_pages_out_of_scope_are_404(client_for, fresh_elder, tables):
    elder = fresh_elder()
    client_for("doctor_sj").post(f"/health/elders/{elder.pk}/checks/new/", _post(**tables))
    check = HealthCheck.objects.get(elder=elder)
    tp = client_for("doctor_tp")
    assert tp.get(f"/health/checks/{check.pk}/edit/").status_code == 404
    assert tp.post(f"/health/checks/{check.pk}/edit/", _post()).status_code == 404
    check.refresh_from_db()
    assert check.medications
