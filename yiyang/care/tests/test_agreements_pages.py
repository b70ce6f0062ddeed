"""The agreements pages in Chinese for each role: the home's 医疗服务, the hospital's agreements and
round recording, home visits, and the county's coverage view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiyang.care.models import Agreement, AgreementStatus, HomeVisit, Round
from yiyang.core.models import ElderCategory, Institution


def _html(res) -> str:  # type: ignore[no-untyped-def]
    assert res.status_code == 200, res.status_code
    return res.content.decode()


def test_the_homes_medical_services_page(client_for):
    """yly_admin sees the home's clinic, its agreement with 县人民医院, the next round and the block
    where open referrals will be listed."""
    html = _html(client_for("yly_admin").get("/care/medical/"))
    assert "江口县社会福利院" in html and "医务室" in html
    assert "江口县人民医院" in html and "下次巡诊" in html
    assert 'id="open-referrals"' in html
    # another home's page is not theirs to open
    other = Institution.objects.get(name="江口县梵净康养中心")
    assert client_for("yly_admin").get("/care/medical/", {"institution": other.pk}).status_code == 404


@pytest.mark.parametrize("username", ["wjj", "mzj", "yly_admin", "doctor_rmyy", "doctor_sj"])
def test_the_agreements_list_renders_for_each_role(client_for, username):
    html = _html(client_for(username).get("/care/agreements/"))
    assert "<h1>医养签约" in html and "协议编号" in html
    assert "未按计划巡诊" in html  # the missed and late rounds of the agreements in scope


def test_the_coverage_view_lists_homes_with_neither_clinic_nor_agreement(client_for):
    html = _html(client_for("mzj").get("/care/coverage/"))
    assert "江口县德旺乡敬老院" in html  # its agreement was terminated: a gap
    assert "既无内设医务室也无有效协议" in html
    assert "即将到期的协议" in html  # 桃映 and 闵孝 end within 60 days
    assert "未巡诊" in html or "未按计划巡诊" in html
    assert client_for("doctor_sj").get("/care/coverage/").status_code == 403


def test_the_menu_shows_each_role_its_entries(client_for):
    assert "医养覆盖" in _html(client_for("mzj").get("/"))
    home = _html(client_for("yly_admin").get("/"))
    assert "医疗服务" in home and "医养签约" in home
    assert "上门服务" in _html(client_for("doctor_sj").get("/"))


def test_a_hospital_doctor_records_a_round_on_the_page(client_for, users):
    agreement = Agreement.objects.get(
        eldercare_institution__name="江口县社会福利院", medical_institution__name="江口县人民医院"
    )
    client = client_for("doctor_rmyy2")  # the agreement's responsible doctor
    html = _html(client.get(f"/care/agreements/{agreement.pk}/"))
    assert "巡诊计划" in html and "记录巡诊" in html
    form = _html(client.get(f"/care/agreements/{agreement.pk}/rounds/new/"))
    resident = agreement.eldercare_institution.residents.filter(status="active").first()
    assert resident.name in form
    before = Round.objects.count()
    res = client.post(
        f"/care/agreements/{agreement.pk}/rounds/new/",
        {
            "visited_on": str(dt.date.today()),
            "staff": [users["doctor_rmyy2"].pk],
            f"seen_{resident.pk}": "on",
            f"findings_{resident.pk}": "",
        },
    )
    assert "所见：每位巡诊老人都须填写。" in _html(res)  # the refusal names the resident's field
    assert Round.objects.count() == before
    res = client.post(
        f"/care/agreements/{agreement.pk}/rounds/new/",
        {
            "visited_on": str(dt.date.today()),
            "staff": [users["doctor_rmyy2"].pk],
            f"seen_{resident.pk}": "on",
            f"findings_{resident.pk}": "双下肢水肿减轻",
        },
    )
    assert res.status_code == 302 and Round.objects.count() == before + 1


def test_a_home_admin_drafts_uploads_and_signs_on_the_pages(client_for, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("yly_admin")
    home = Institution.objects.get(name="江口县社会福利院")
    tcm = Institution.objects.get(name="江口县中医医院")
    assert "新建协议" in _html(client.get("/care/agreements/"))
    res = client.post(
        "/care/agreements/new/",
        {
            "eldercare_institution": home.pk,
            "medical_institution": tcm.pk,
            "services": ["rounds"],
            "round_frequency": "monthly",
            "responsible_doctor": users["doctor_zyy"].pk,
            "start_date": str(dt.date.today()),
            "end_date": str(dt.date.today() + dt.timedelta(days=364)),
        },
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    agreement = Agreement.objects.filter(eldercare_institution=home, medical_institution=tcm).latest("pk")
    url = f"/care/agreements/{agreement.pk}/"
    assert "草稿" in _html(client.get(url))
    client.post(url, {"action": "document", "document": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n")})
    client.post(url, {"action": "sign"})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert client.get(f"/care/agreements/{agreement.pk}/document/").status_code == 200


def test_a_home_visit_is_recorded_on_the_page(client_for, users, sj_elder):
    ElderCategory.objects.get_or_create(elder=sj_elder, category="semi_disabled")
    client = client_for("doctor_sj")
    assert sj_elder.name in _html(client.get("/care/home-visits/new/", {"elder": sj_elder.pk}))
    data = {
        "elder": sj_elder.pk,
        "basis": "referred",
        "visited_on": str(dt.date.today()),
        "services": ["consultation"],
        "staff": [users["doctor_sj"].pk],
        "family_present": "王芳",
        "findings": "精神可",
    }
    assert "至少两名" in _html(client.post("/care/home-visits/new/", data))
    data["staff"] = [users["doctor_sj"].pk, users["nurse_sj"].pk]
    before = HomeVisit.objects.count()
    assert client.post("/care/home-visits/new/", data).status_code == 302
    assert HomeVisit.objects.count() == before + 1
    listed = _html(client.get("/care/home-visits/"))
    assert sj_elder.name in listed and "保健咨询" in listed
