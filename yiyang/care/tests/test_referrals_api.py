"""The referral API's contract: ``POST /api/v1/referrals`` (a draft, or sent with ``"send": true``),
``GET /api/v1/referrals`` scoped to each side, ``GET /api/v1/referrals/{id}`` with the archive summary
while open, ``POST|GET /api/v1/referrals/{id}/transitions``; refusals are 4xx in Chinese, never 500."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.models import Referral

from .conftest import HOME, HOSPITAL, TP

URL = "/api/v1/referrals"


def _body(elder, inst, **changes):  # type: ignore[no-untyped-def]
    body = {
        "elder_id": elder.pk,
        "to_institution_id": inst[HOSPITAL].pk,
        "direction": "up",
        "urgency": "green_channel",
        "reason": "突发胸闷气促",
    }
    body.update(changes)
    return body


def _move(api, pk, action, **more):  # type: ignore[no-untyped-def]
    return api.post(f"{URL}/{pk}/transitions", {"action": action, **more})


def test_creating_makes_a_draft_and_sending_is_the_first_action(api_for, inst, resident):
    home = api_for("yly_admin")
    r = home.post(URL, _body(resident, inst))
    assert r.status_code == 201, r.content
    created = r.json()
    assert (created["state"], created["allowed_actions"]) == ("draft", ["send", "cancel"])
    assert (created["from_institution"], created["to_institution"]) == (HOME, HOSPITAL)
    # the hospital does not see a draft
    assert api_for("doctor_rmyy").get(f"{URL}/{created['id']}").status_code == 404
    sent = _move(home, created["id"], "send")
    assert sent.status_code == 200 and sent.json()["state"] == "sent"
    assert sent.json()["transition"]["to_label"] == "已发出待接收"


def test_send_true_creates_and_sends_in_one_step(api_for, inst, resident):
    r = api_for("yly_admin").post(URL, _body(resident, inst, send=True))
    assert r.status_code == 201 and r.json()["state"] == "sent" and r.json()["sent_at"]


def test_the_whole_journey_through_the_api(api_for, inst, resident):
    home, hospital = api_for("yly_admin"), api_for("doctor_rmyy")
    pk = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    got = hospital.get(f"{URL}/{pk}").json()
    assert got["allowed_actions"] == ["accept", "decline"]
    assert got["archive_summary"] is not None  # open: the hospital reads the archive in brief
    assert set(got["archive_summary"]) >= {"problems", "medications", "allergies", "ability_level"}
    assert _move(hospital, pk, "accept").json()["state"] == "accepted"
    assert _move(hospital, pk, "arrive").json()["state"] == "arrived"
    done = _move(hospital, pk, "complete", summary="诊断：不稳定型心绞痛。建议：按时服药，两周后复诊。")
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert hospital.get(f"{URL}/{pk}").json()["archive_summary"] is None  # closed: no more archive
    history = home.get(f"{URL}/{pk}/transitions").json()
    assert [h["action"] for h in history["history"]] == ["send", "accept", "arrive", "complete"]
    # the summary lands in the elder's archive timeline (health's endpoint), for the home
    timeline = home.get(f"/api/v1/elders/{resident.pk}/timeline", kind="referral").json()
    assert timeline["results"][0]["kind"] == "referral"
    assert "不稳定型心绞痛" in timeline["results"][0]["summary"]
    # …and the hospital no longer reads the elder's archive at all
    assert hospital.get(f"/api/v1/elders/{resident.pk}/timeline").status_code == 404


def test_an_illegal_move_is_409_naming_the_state_in_chinese(api_for, inst, resident):
    home, hospital = api_for("yly_admin"), api_for("doctor_rmyy")
    pk = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    r = _move(hospital, pk, "complete", summary="小结")
    assert r.status_code == 409
    body = r.json()
    assert body["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert "已发出待接收" in body["detail"]
    assert _move(hospital, pk, "fly").status_code == 409


def test_a_move_of_the_other_side_is_403(api_for, inst, resident):
    home, hospital = api_for("yly_admin"), api_for("doctor_rmyy")
    pk = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    r = _move(home, pk, "accept")
    assert r.status_code == 403 and "江口县人民医院" in r.json()["detail"]
    assert _move(hospital, pk, "cancel", reason="不要了").status_code == 403
    assert Referral.objects.get(pk=pk).status == "sent"


def test_declining_without_a_reason_names_the_field(api_for, inst, resident):
    home, hospital = api_for("yly_admin"), api_for("doctor_rmyy")
    pk = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    r = _move(hospital, pk, "decline")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = _move(hospital, pk, "decline", reason="床位已满，请转县中医医院")
    assert r.json()["state"] == "declined"
    assert hospital.get(f"{URL}/{pk}").json()["decline_reason"] == "床位已满，请转县中医医院"


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"direction": "sideways"}, 422, "direction"),
        ({"urgency": "asap"}, 422, "urgency"),
        ({"reason": ""}, 422, "reason"),
        ({"reason": "x" * 201}, 422, "reason"),
        ({"to_institution_id": 999999999}, 422, "to_institution_id"),
        ({"elder_id": 999999999}, 422, "elder_id"),
        ({"elder_id": "abc"}, 422, "elder_id"),
        ({"direction": "down"}, 422, "to_institution_id"),
        ({"reason": "胸痛\u0000"}, 422, "reason"),
    ],
)
def test_bad_input_is_a_chinese_4xx_and_writes_nothing(api_for, inst, resident, changes, status, field):
    before = Referral.objects.count()
    r = api_for("yly_admin").post(URL, _body(resident, inst, **changes))
    assert r.status_code == status, r.content
    errors = r.json()["errors"]
    assert any(e["field"] == field for e in errors), errors
    assert Referral.objects.count() == before


def test_a_body_that_is_not_an_object_is_refused(api_for):
    r = api_for("yly_admin").client.post(
        URL, "[1,2]", content_type="application/json", **api_for("yly_admin").headers
    )
    assert 400 <= r.status_code < 500


def test_an_officer_reads_but_cannot_create(api_for, inst, resident):
    r = api_for("wjj").post(URL, _body(resident, inst))
    assert r.status_code == 403


# -------------------------------------------------------------------------------------- scope


def test_each_side_lists_its_own_and_another_township_sees_none(api_for, inst, resident, sj_elder):
    home, hospital = api_for("yly_admin"), api_for("doctor_rmyy")
    sent = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    sj = api_for("doctor_sj").post(
        URL, _body(sj_elder, inst, urgency="routine", reason="血压控制不佳，需调整方案", send=True)
    )
    assert sj.status_code == 201, sj.content
    sj_id = sj.json()["id"]

    def ids(api, **params):  # type: ignore[no-untyped-def]
        return {r["id"] for r in api.get(URL, **params).json()["results"]}

    assert sent in ids(home) and sj_id not in ids(home)
    assert {sent, sj_id} <= ids(hospital, side="received")
    sent_by_hospital = hospital.get(URL, side="sent", page_size=100).json()["results"]
    assert {r["direction"] for r in sent_by_hospital} <= {"down"}  # the demo's downward referrals
    assert {sent, sj_id}.isdisjoint({r["id"] for r in sent_by_hospital})
    assert sj_id in ids(api_for("doctor_sj")) and sent not in ids(api_for("doctor_sj"))
    tp = api_for("doctor_tp")
    seen_by_tp = tp.get(URL, page_size=100).json()["results"]
    assert {sent, sj_id}.isdisjoint({r["id"] for r in seen_by_tp})
    assert all(TP in (r["from_institution"], r["to_institution"]) for r in seen_by_tp)
    assert tp.get(f"{URL}/{sj_id}").status_code == 404
    assert _move(tp, sj_id, "accept").status_code == 404
    assert {sent, sj_id} <= ids(api_for("wjj"))  # the county sees its region's referrals


def test_filters_by_state_direction_and_urgency(api_for, inst, resident):
    home = api_for("yly_admin")
    pk = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    assert pk in {r["id"] for r in home.get(URL, state="sent", urgency="green_channel").json()["results"]}
    assert pk not in {r["id"] for r in home.get(URL, state="draft").json()["results"]}
    assert pk not in {r["id"] for r in home.get(URL, direction="down").json()["results"]}
    bad = home.get(URL, state="flying")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"


def test_green_channel_timeliness_against_the_agreement(api_for, users, inst, resident, freeze_clock):
    from yiyang.care.models import Agreement

    freeze_clock(dt.datetime(2026, 10, 1, 8, 0))
    Agreement.objects.create(
        eldercare_institution=inst[HOME],
        medical_institution=inst[HOSPITAL],
        services=["rounds", "green_channel"],
        green_accept_minutes=15,
        green_arrive_minutes=60,
        signed_on=dt.date(2026, 1, 1),
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        status="active",
    )
    home, hospital = api_for("yly_admin"), api_for("doctor_rmyy")
    pk = home.post(URL, _body(resident, inst, send=True)).json()["id"]
    freeze_clock(dt.datetime(2026, 10, 1, 8, 10))
    _move(hospital, pk, "accept")
    freeze_clock(dt.datetime(2026, 10, 1, 9, 20))
    _move(hospital, pk, "arrive")
    t = hospital.get(f"{URL}/{pk}").json()["timeliness"]
    assert t == {
        "accept_minutes": 10,
        "accept_promised": 15,
        "accept_late": False,
        "arrive_minutes": 80,
        "arrive_promised": 60,
        "arrive_late": True,
        "on_time": False,
    }


def test_without_a_green_channel_agreement_there_is_no_promise(api_for, inst, sj_elder):
    pk = api_for("doctor_sj").post(URL, {**_body(sj_elder, inst), "send": True}).json()["id"]
    t = api_for("doctor_rmyy").get(f"{URL}/{pk}").json()["timeliness"]
    assert (t["accept_promised"], t["on_time"]) == (None, None)


def test_a_township_centre_cannot_refer_up_to_another_township_centre(api_for, inst, sj_elder):
    r = api_for("doctor_sj").post(
        URL, _body(sj_elder, inst, to_institution_id=inst[TP].pk, urgency="routine")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to_institution_id"
    assert "上转" in r.json()["detail"]


def test_a_family_doctor_refers_for_the_team_institution_and_sees_what_they_sent(api_for, users, inst):
    from yiyang.core.scoping import scope_elders

    elder = scope_elders(users["jtys_sj"]).filter(referrals__isnull=True).order_by("pk").first()
    assert elder is not None
    fd = api_for("jtys_sj")
    r = fd.post(URL, _body(elder, inst, urgency="routine", reason="血糖控制差，需调整方案", send=True))
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["from_institution"] == "江口县双江街道中心卫生院"
    assert pk in {x["id"] for x in fd.get(URL).json()["results"]}
    assert pk in {x["id"] for x in api_for("doctor_sj").get(URL, side="sent").json()["results"]}
    assert _move(fd, pk, "accept").status_code == 403  # family doctors send; hospitals receive
