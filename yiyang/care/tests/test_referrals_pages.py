"""The referral pages in Chinese: 发起转诊 (from the elder's page), each side's list, the detail with its
history, the hospital's 转诊接收 queue, the county's green-channel timeliness, the "open referrals"
fragment; scope is the API's (out of scope is 404) and a bad form names the field."""

from __future__ import annotations

import pytest

from yiyang.care.models import Referral
from yiyang.care.services import referrals as service

from .conftest import HOSPITAL


@pytest.fixture
def sent(users, inst, resident):  # type: ignore[no-untyped-def]
    return service.create_referral(
        resident,
        acting_user=users["yly_admin"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="green_channel",
        reason="突发胸痛伴大汗",
        send=True,
    )


def test_the_menu_offers_referrals_to_those_who_use_them(client_for):
    home = client_for("yly_admin").get("/").content.decode()
    assert "双向转诊" in home and "转诊接收" in home
    officer = client_for("wjj").get("/").content.decode()
    assert "双向转诊" in officer and "转诊接收" not in officer
    assert "双向转诊" not in client_for("mzj").get("/").content.decode()


def test_the_elder_page_and_the_archive_start_a_referral(client_for, resident, sj_elder):
    page = client_for("yly_admin").get(f"/elders/{resident.pk}/").content.decode()
    assert f"/care/referrals/new/?elder={resident.pk}" in page and "发起转诊" in page
    archive = client_for("doctor_sj").get(f"/health/elders/{sj_elder.pk}/").content.decode()
    assert f"/care/referrals/new/?elder={sj_elder.pk}" in archive


def test_the_form_sends_a_referral(client_for, inst, resident):
    c = client_for("yly_admin")
    form = c.get(f"/care/referrals/new/?elder={resident.pk}")
    assert form.status_code == 200 and "转诊原因" in form.content.decode()
    r = c.post(
        "/care/referrals/new/",
        {
            "elder": resident.pk,
            "direction": "up",
            "urgency": "green_channel",
            "to_institution": inst[HOSPITAL].pk,
            "reason": "突发胸痛",
            "send": "1",
        },
    )
    assert r.status_code == 302
    referral = Referral.objects.get(elder=resident)
    assert (referral.status, referral.urgency) == ("sent", "green_channel")


def test_a_bad_form_names_the_field_in_chinese_and_saves_nothing(client_for, inst, resident):
    r = client_for("yly_admin").post(
        "/care/referrals/new/",
        {
            "elder": resident.pk,
            "direction": "down",
            "urgency": "routine",
            "to_institution": inst[HOSPITAL].pk,
            "reason": "复查",
        },
    )
    assert r.status_code == 200
    assert "下转应转往" in r.content.decode()
    assert not Referral.objects.filter(elder=resident).exists()


def test_an_elder_out_of_scope_is_404_on_the_form(client_for, sj_elder):
    assert client_for("yly_admin").get(f"/care/referrals/new/?elder={sj_elder.pk}").status_code == 404
    assert client_for("wjj").get("/care/referrals/new/").status_code == 403


def test_the_queue_lists_the_referral_with_its_clock_for_the_hospital_only(client_for, sent):
    queue = client_for("doctor_rmyy").get("/care/referrals/queue/").content.decode()
    assert sent.elder.name in queue and "绿色通道" in queue and "接收" in queue
    assert client_for("doctor_tp").get("/care/referrals/queue/").status_code == 200
    assert sent.elder.name not in client_for("doctor_tp").get("/care/referrals/queue/").content.decode()
    assert client_for("wjj").get("/care/referrals/queue/").status_code == 403


def test_the_detail_shows_the_archive_summary_to_the_hospital_while_open(client_for, users, sent):
    url = f"/care/referrals/{sent.pk}/"
    page = client_for("doctor_rmyy").get(url).content.decode()
    assert "档案摘要" in page and "最近能力等级" in page
    service.move(sent, "decline", acting_user=users["doctor_rmyy"], reason="床位已满")
    page = client_for("doctor_rmyy").get(url).content.decode()
    assert "档案摘要" not in page and "床位已满" in page and "已拒绝" in page
    assert client_for("doctor_tp").get(url).status_code == 404


def test_moves_from_the_page_and_an_illegal_one_is_explained(client_for, sent):
    c = client_for("doctor_rmyy")
    c.post(f"/care/referrals/{sent.pk}/transition/", {"action": "accept"})
    sent.refresh_from_db()
    assert sent.status == "accepted"
    r = c.post(f"/care/referrals/{sent.pk}/transition/", {"action": "complete", "summary": "x"}, follow=True)
    assert "当前状态为“已接收”" in r.content.decode()
    r = client_for("yly_admin").post(
        f"/care/referrals/{sent.pk}/transition/", {"action": "arrive"}, follow=True
    )
    assert "只有接收本次转诊的江口县人民医院可以执行此操作" in r.content.decode()
    sent.refresh_from_db()
    assert sent.status == "accepted"


def test_lists_for_each_side_and_the_county(client_for, sent):
    assert sent.elder.name in client_for("yly_admin").get("/care/referrals/?side=sent").content.decode()
    assert sent.elder.name in client_for("doctor_rmyy").get("/care/referrals/?side=received").content.decode()
    assert sent.elder.name in client_for("wjj").get("/care/referrals/?urgency=green_channel").content.decode()
    assert sent.elder.name not in client_for("doctor_tp").get("/care/referrals/").content.decode()


def test_the_county_sees_green_channel_timeliness(client_for, sent):
    page = client_for("wjj").get("/care/referrals/green-channel/").content.decode()
    assert "绿色通道及时率" in page and HOSPITAL in page
    assert client_for("wjj").get("/care/referrals/green-channel/?days=abc").status_code == 200


def test_the_open_referrals_fragment_for_the_homes_medical_services_page(client_for, sent):
    r = client_for("yly_admin").get("/care/referrals/fragments/open/")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body
    assert "未结束的转诊" in body and sent.elder.name in body


def test_a_draft_can_be_changed_and_sent_from_its_page(client_for, inst, users, resident):
    draft = service.create_referral(
        resident,
        acting_user=users["yly_admin"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="routine",
        reason="复查",
    )
    c = client_for("yly_admin")
    assert "保存草稿" in c.get(f"/care/referrals/{draft.pk}/").content.decode()
    c.post(
        f"/care/referrals/{draft.pk}/transition/",
        {
            "action": "send",
            "to_institution": inst[HOSPITAL].pk,
            "urgency": "green_channel",
            "reason": "胸痛加重",
        },
    )
    draft.refresh_from_db()
    assert (draft.status, draft.urgency, draft.reason) == ("sent", "green_channel", "胸痛加重")
