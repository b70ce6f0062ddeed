"""The API of agreements, rounds and home visits: the contracts tooling relies on (issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiyang.care.models import Agreement, AgreementStatus, HomeVisit, Round
from yiyang.core.models import Elder, ElderCategory, Institution

from .factories import make_resident

PDF = b"%PDF-1.7\n%demo\n"


def _agreement(home_name: str, medical_name: str, **extra) -> Agreement:  # type: ignore[no-untyped-def]
    return Agreement.objects.filter(
        eldercare_institution__name=home_name, medical_institution__name=medical_name, **extra
    ).get()


def test_a_home_sees_its_agreements_and_a_hospital_its_own(api_for):
    """yly_admin (社会福利院) sees the home's agreements; doctor_rmyy those of 县人民医院; doctor_tp those of
    太平镇卫生院; 民政 every one of the county."""

    def homes(username: str) -> set[tuple[str, str]]:
        res = api_for(username).get("/api/v1/agreements", page_size=100)
        assert res.status_code == 200
        return {
            (a["eldercare_institution"]["name"], a["medical_institution"]["name"])
            for a in res.json()["results"]
        }

    assert homes("yly_admin") == {("江口县社会福利院", "江口县人民医院")}
    rmyy = homes("doctor_rmyy")
    assert {m for _h, m in rmyy} == {"江口县人民医院"} and len(rmyy) == 2
    assert {m for _h, m in homes("doctor_tp")} == {"江口县太平镇卫生院"}
    county = Agreement.objects.filter(eldercare_institution__region__code__startswith="520621").count()
    assert api_for("mzj").get("/api/v1/agreements", page_size=100).json()["count"] == county


def test_another_homes_agreement_is_404(api_for):
    other = _agreement("江口县梵净康养中心", "江口县中医医院")
    assert api_for("yly_admin").get(f"/api/v1/agreements/{other.pk}").status_code == 404
    assert api_for("mzj").get(f"/api/v1/agreements/{other.pk}").status_code == 200
    assert api_for("yly_admin").get("/api/v1/agreements/999999999").status_code == 404


def _payload(today: dt.date, **extra):  # type: ignore[no-untyped-def]
    tcm = Institution.objects.get(name="江口县中医医院")
    home = Institution.objects.get(name="江口县社会福利院")
    from yiyang.accounts.models import User

    body = {
        "eldercare_institution_id": home.pk,
        "medical_institution_id": tcm.pk,
        "services": ["rounds", "green_channel"],
        "round_frequency": "monthly",
        "responsible_doctor_id": User.objects.get(username="doctor_zyy").pk,
        "start_date": str(today),
        "end_date": str(today + dt.timedelta(days=364)),
        "green_accept_minutes": 15,
        "green_arrive_minutes": 60,
    }
    body.update(extra)
    return body


def test_create_upload_sign_and_read_the_history(api_for, today, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = api_for("yly_admin")
    res = api.post("/api/v1/agreements", _payload(today))
    assert res.status_code == 201, res.content
    body = res.json()
    assert (body["status"], body["in_force"], body["has_document"]) == ("draft", False, False)
    pk = body["id"]
    # signing before the document is uploaded: 422 on the document
    res = api.post(f"/api/v1/agreements/{pk}/transitions", {"action": "sign"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "document"
    # a text file named .pdf is refused; a PDF is stored
    bad = api.client.post(
        f"/api/v1/agreements/{pk}/document",
        {"document": SimpleUploadedFile("协议.pdf", b"hello")},
        **api.headers,
    )
    assert bad.status_code == 422 and "PDF" in bad.json()["errors"][0]["message"]
    good = api.client.post(
        f"/api/v1/agreements/{pk}/document", {"document": SimpleUploadedFile("协议.pdf", PDF)}, **api.headers
    )
    assert good.status_code == 200 and good.json()["has_document"] is True
    res = api.post(f"/api/v1/agreements/{pk}/transitions", {"action": "sign"})
    assert res.status_code == 200, res.content
    assert (res.json()["state"], res.json()["state_label"]) == ("active", "生效中")
    assert set(res.json()["allowed_actions"]) == {"renew", "terminate"}
    # an illegal move: 409 naming the current state
    res = api.post(f"/api/v1/agreements/{pk}/transitions", {"action": "sign"})
    assert res.status_code == 409
    assert res.json()["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED" and "生效中" in res.json()["detail"]
    history = api.get(f"/api/v1/agreements/{pk}/transitions").json()
    assert [h["action"] for h in history["history"]] == ["sign"]
    assert api.get(f"/api/v1/agreements/{pk}").json()["in_force"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"services": []}, "services"),
        ({"services": ["spa"]}, "services"),
        ({"round_frequency": ""}, "round_frequency"),
        ({"green_accept_minutes": None}, "green_accept_minutes"),
        ({"end_date": "2020-01-01"}, "end_date"),
        ({"responsible_doctor_id": 1}, "responsible_doctor_id"),
    ],
)
def test_bad_agreements_are_422_naming_the_field_in_chinese(api_for, today, change, field):
    before = Agreement.objects.count()
    res = api_for("yly_admin").post("/api/v1/agreements", _payload(today, **change))
    assert res.status_code == 422, res.content
    error = res.json()["errors"][0]
    assert error["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    assert Agreement.objects.count() == before


def test_a_non_party_cannot_draft_for_others(api_for, today):
    """The admin of 社会福利院 drafting between two other institutions: 403, nothing written."""
    other_home = Institution.objects.get(name="江口县梵净康养中心")
    res = api_for("yly_admin").post(
        "/api/v1/agreements", _payload(today, eldercare_institution_id=other_home.pk)
    )
    assert res.status_code == 403
    assert api_for("doctor_sj").post("/api/v1/agreements", _payload(today)).status_code == 403


def test_terminate_through_the_api_needs_a_reason(api_for):
    agreement = _agreement("江口县社会福利院", "江口县人民医院", status=AgreementStatus.ACTIVE)
    res = api_for("yly_admin").post(f"/api/v1/agreements/{agreement.pk}/transitions", {"action": "terminate"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "reason"
    res = api_for("yly_admin").post(
        f"/api/v1/agreements/{agreement.pk}/transitions", {"action": "terminate", "reason": "机构合并"}
    )
    assert res.status_code == 200 and res.json()["state"] == "terminated"


# -- rounds ---------------------------------------------------------------------------------------


def test_a_round_records_findings_that_reach_the_residents_archive(api_for, today):
    agreement = _agreement("江口县社会福利院", "江口县人民医院", status=AgreementStatus.ACTIVE)
    resident = Elder.objects.filter(
        residence_institution=agreement.eldercare_institution, status="active"
    ).first()
    api = api_for("doctor_rmyy2")  # the agreement's responsible doctor
    res = api.post(
        "/api/v1/rounds",
        {
            "agreement_id": agreement.pk,
            "visited_on": str(today),
            "summary": "例行巡诊",
            "findings": [
                {
                    "elder_id": resident.pk,
                    "findings": "血压 150/92mmHg",
                    "advice": "低盐饮食",
                    "prescription": "氨氯地平 5mg qd",
                    "follow_up_on": str(today + dt.timedelta(days=7)),
                }
            ],
        },
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["findings"][0]["elder_id"] == resident.pk
    assert {s["name"] for s in body["staff"]} == {"江口县人民医院 刘医生"}
    timeline = api.get(f"/api/v1/elders/{resident.pk}/timeline").json()
    entries = timeline["entries"] if "entries" in timeline else timeline["results"]
    assert any(e["kind"] == "round" and "150/92" in e["summary"] for e in entries)
    listed = api.get("/api/v1/rounds", agreement=agreement.pk).json()
    assert listed["results"][0]["id"] == body["id"]


def test_a_round_that_decides_urgent_referral_opens_a_green_channel_draft_for_the_home(api_for, today):
    """Issue 10: "A chronic follow-up or a round that decides urgent referral opens a draft referral
    prefilled with the reason." The home (the sending side) finds the draft and sends it."""
    agreement = _agreement("江口县社会福利院", "江口县人民医院", status=AgreementStatus.ACTIVE)
    resident = (
        Elder.objects.filter(residence_institution=agreement.eldercare_institution, status="active")
        .exclude(referrals__status__in=["draft", "sent", "accepted", "arrived"])
        .order_by("pk")
        .first()
    )
    res = api_for("doctor_rmyy2").post(
        "/api/v1/rounds",
        {
            "agreement_id": agreement.pk,
            "visited_on": str(today),
            "findings": [
                {"elder_id": resident.pk, "findings": "胸痛，血压 186/112mmHg", "refer_urgently": True}
            ],
        },
    )
    assert res.status_code == 201, res.content
    assert res.json()["findings"][0]["refer_urgently"] is True
    home = api_for("yly_admin")
    drafts = home.get("/api/v1/referrals", state="draft", elder=resident.pk).json()
    rows = drafts["results"] if isinstance(drafts, dict) else drafts
    assert len(rows) == 1
    draft = rows[0]
    assert (draft["urgency"], draft["direction"]) == ("green_channel", "up")
    assert draft["to_institution"] == "江口县人民医院"
    assert "巡诊" in draft["reason"]
    detail = home.get(f"/api/v1/referrals/{draft['id']}").json()
    assert "186/112" in detail["clinical_notes"]
    sent = home.post(f"/api/v1/referrals/{draft['id']}/transitions", {"action": "send"})
    assert sent.status_code == 200, sent.content


def test_a_round_naming_someone_elses_resident_is_refused(api_for, today, sj_elder):
    agreement = _agreement("江口县社会福利院", "江口县人民医院", status=AgreementStatus.ACTIVE)
    before = Round.objects.count()
    res = api_for("doctor_rmyy2").post(
        "/api/v1/rounds",
        {
            "agreement_id": agreement.pk,
            "visited_on": str(today),
            "findings": [{"elder_id": sj_elder.pk, "findings": "x"}],
        },
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "findings[0].elder_id"
    assert Round.objects.count() == before


def test_a_home_doctor_of_another_institution_cannot_record_its_rounds(api_for, today):
    agreement = _agreement("江口县社会福利院", "江口县人民医院", status=AgreementStatus.ACTIVE)
    res = api_for("doctor_sj").post(
        "/api/v1/rounds", {"agreement_id": agreement.pk, "visited_on": str(today)}
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "agreement_id"


def test_the_home_sees_its_rounds_and_not_anothers(api_for):
    rounds = api_for("yly_admin").get("/api/v1/rounds", page_size=100).json()["results"]
    assert rounds and {r["eldercare_institution"]["name"] for r in rounds} == {"江口县社会福利院"}


# -- home visits ----------------------------------------------------------------------------------


@pytest.fixture
def housebound(sj_elder):  # type: ignore[no-untyped-def]
    ElderCategory.objects.get_or_create(elder=sj_elder, category="disabled")
    return sj_elder


def _visit(elder: Elder, today: dt.date, staff: list[int], **extra):  # type: ignore[no-untyped-def]
    body = {
        "elder_id": elder.pk,
        "basis": "referred",
        "visited_on": str(today),
        "services": ["blood_pressure", "rehabilitation"],
        "staff_ids": staff,
        "family_present": "李梅",
        "family_relation": "女儿",
        "systolic": 146,
        "diastolic": 88,
        "findings": "卧床，骶尾部皮肤完好",
        "advice": "每两小时翻身",
    }
    body.update(extra)
    return body


def test_a_home_visit_by_two_staff_reaches_the_archive(api_for, users, today, housebound):
    api = api_for("doctor_sj")
    staff = [users["doctor_sj"].pk, users["nurse_sj"].pk]
    res = api.post("/api/v1/home-visits", _visit(housebound, today, staff))
    assert res.status_code == 201, res.content
    assert res.json()["services_label"] == "血压测量、康复指导"
    timeline = api.get(f"/api/v1/elders/{housebound.pk}/timeline").json()
    entries = timeline["entries"] if "entries" in timeline else timeline["results"]
    assert any(e["kind"] == "home_visit" and "146/88" in e["summary"] for e in entries)
    assert api.get("/api/v1/home-visits", elder=housebound.pk).json()["count"] >= 1
    # doctor_tp of another township sees none of it
    assert api_for("doctor_tp").get("/api/v1/home-visits", elder=housebound.pk).json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"staff_ids": "one"}, "staff_ids"),
        ({"family_present": " "}, "family_present"),
        ({"services": []}, "services"),
        ({"systolic": None}, "systolic"),
        ({"basis": "whim"}, "basis"),
        ({"findings": ""}, "findings"),
    ],
)
def test_bad_home_visits_are_refused_naming_the_field(api_for, users, today, housebound, change, field):
    staff = [users["doctor_sj"].pk, users["nurse_sj"].pk]
    if change.get("staff_ids") == "one":
        change = {"staff_ids": [users["doctor_sj"].pk]}
    before = HomeVisit.objects.count()
    res = api_for("doctor_sj").post("/api/v1/home-visits", _visit(housebound, today, staff, **change))
    assert res.status_code == 422, res.content
    assert res.json()["errors"][0]["field"] == field
    assert HomeVisit.objects.count() == before


def test_a_resident_of_a_home_gets_rounds_not_home_visits(api_for, users, today):
    home = Institution.objects.get(name="江口县社会福利院")
    resident = make_resident(
        home, managing_institution=Institution.objects.get(name="江口县双江街道中心卫生院")
    )
    staff = [users["doctor_sj"].pk, users["nurse_sj"].pk]
    res = api_for("doctor_sj").post(
        "/api/v1/home-visits", _visit(resident, today, staff, basis="application")
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "elder_id"
