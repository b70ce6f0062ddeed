"""个人基本信息表 and 主要用药情况 screens: the page saves through the services, a refused item writes
nothing (not even a new archive), and an elder out of scope is a 404."""

import datetime as dt

from yiyang.core.models import AuditEvent
from yiyang.health.models import HealthArchive, Medication


def _basic_post(**extra):
    return {
        "blood_type": "1",
        "drug_allergies": ["2"],
        "allergy_other": "",
        "exposures": ["1"],
        "disabilities": ["1"],
        "genetic_disease": "",
        "family_father": ["2", "3"],
        "family_mother": ["1"],
        "surgeries-0-name": "阑尾切除术",
        "surgeries-0-date": "1998-05-03",
        "surgeries-3-name": "",  # a blank row added in the browser and left empty
        "traumas-0-name": "",
        "transfusions-0-name": "",
    } | extra


def test_basic_information_page_creates_the_archive_and_saves_the_items(client_for, fresh_elder):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    assert c.get(f"/health/elders/{elder.pk}/basic-information/").status_code == 200
    r = c.post(f"/health/elders/{elder.pk}/basic-information/", _basic_post())
    assert r.status_code == 302, r.content.decode()[:3000]
    archive = HealthArchive.objects.get(elder=elder)
    assert archive.blood_type == "1" and archive.drug_allergies == ["2"]
    assert archive.family_history == {"father": ["2", "3"], "mother": ["1"]}
    assert archive.surgeries == [{"name": "阑尾切除术", "date": "1998-05-03"}]
    assert AuditEvent.objects.filter(object_type="health.healtharchive", object_id=str(archive.pk)).exists()
    page = c.get(f"/health/elders/{elder.pk}/").content.decode()
    assert "阑尾切除术" in page and "青霉素" in page


def test_none_with_a_disability_is_refused_and_nothing_is_written(client_for, fresh_elder):
    """“无残疾” excludes the others; the refusal names the field and leaves no archive behind."""
    elder = fresh_elder()
    r = client_for("doctor_sj").post(
        f"/health/elders/{elder.pk}/basic-information/", _basic_post(disabilities=["1", "5"])
    )
    assert r.status_code == 200 and "残疾情况" in r.content.decode()
    assert not HealthArchive.objects.filter(elder=elder).exists()


def test_a_surgery_date_in_the_future_names_the_table_row_and_column(client_for, fresh_elder, today):
    elder = fresh_elder()
    future = (today + dt.timedelta(days=3)).isoformat()
    r = client_for("doctor_sj").post(
        f"/health/elders/{elder.pk}/basic-information/", _basic_post(**{"surgeries-0-date": future})
    )
    body = r.content.decode()
    assert r.status_code == 200 and "手术史第1行" in body and "日期" in body
    assert not HealthArchive.objects.filter(elder=elder).exists()


def test_basic_information_out_of_scope_is_404_and_officer_may_not_edit(client_for, fresh_elder):
    elder = fresh_elder()
    assert client_for("doctor_tp").get(f"/health/elders/{elder.pk}/basic-information/").status_code == 404
    assert (
        client_for("doctor_tp")
        .post(f"/health/elders/{elder.pk}/basic-information/", _basic_post())
        .status_code
        == 404
    )
    assert (
        client_for("wjj").post(f"/health/elders/{elder.pk}/basic-information/", _basic_post()).status_code
        == 403
    )
    assert not HealthArchive.objects.filter(elder=elder).exists()


def test_medication_added_in_place_and_stopped(client_for, fresh_elder):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    r = c.post(
        f"/health/elders/{elder.pk}/medications/",
        {"name": "硝苯地平缓释片", "route": "口服", "dose": "每日1次 每次20mg", "adherence": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "硝苯地平缓释片" in r.content.decode()
    assert "<html" not in r.content.decode()  # the fragment, not the page
    med = Medication.objects.get(elder=elder)
    assert med.active and med.adherence == "1"
    r = c.post(f"/health/medications/{med.pk}/stop/")
    assert r.status_code == 302
    med.refresh_from_db()
    assert not med.active


def test_medication_without_a_name_or_with_a_future_start_writes_nothing(client_for, fresh_elder, today):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    r = c.post(f"/health/elders/{elder.pk}/medications/", {"name": "", "route": "口服"})
    assert r.status_code == 200 and "药物名称" in r.content.decode()
    future = (today + dt.timedelta(days=1)).isoformat()
    r = c.post(f"/health/elders/{elder.pk}/medications/", {"name": "二甲双胍", "started_on": future})
    assert r.status_code == 200 and "开始用药日期" in r.content.decode()
    assert not Medication.objects.filter(elder=elder).exists()


def test_medications_out_of_scope_are_404(client_for, users, fresh_elder):
    from yiyang.health import services

    elder = fresh_elder()
    med = services.add_medication(elder, acting_user=users["doctor_sj"], data={"name": "阿司匹林肠溶片"})
    tp = client_for("doctor_tp")
    assert tp.get(f"/health/elders/{elder.pk}/medications/").status_code == 404
    assert tp.post(f"/health/elders/{elder.pk}/medications/", {"name": "x"}).status_code == 404
    assert tp.post(f"/health/medications/{med.pk}/stop/").status_code == 404
    med.refresh_from_db()
    assert med.active and Medication.objects.filter(elder=elder).count() == 1
