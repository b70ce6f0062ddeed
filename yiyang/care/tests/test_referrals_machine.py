"""The referral's state machine: draft → sent → accepted / declined → arrived → completed / returned;
cancelled before arrival. The sending side sends and cancels, the receiving side does the rest — by
institution, not only by permission. Sending opens the elder's archive to the receiving institution;
closing ends it at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from yiyang.care.models import Referral
from yiyang.care.services import referrals as service
from yiyang.core.errors import ServiceError
from yiyang.core.grants import grants_from
from yiyang.core.models import AccessGrant
from yiyang.core.scoping import elder_in_scope
from yiyang.core.testing.machines import walk

from .conftest import HOME, HOSPITAL

SENDER_ACTIONS = {"send", "cancel"}


@pytest.fixture
def make(users, inst, resident, today):  # type: ignore[no-untyped-def]
    """A green-channel referral from the welfare home to the county hospital, in a given state (set
    directly: the walk needs the state, not the way there)."""

    def in_state(state: str) -> Referral:
        r = Referral.objects.create(
            elder=resident,
            from_institution=inst[HOME],
            to_institution=inst[HOSPITAL],
            direction="up",
            urgency="green_channel",
            reason="突发胸痛",
            created_by=users["yly_admin"],
        )
        if state != "draft":
            Referral.objects.filter(pk=r.pk).update(status=state)
            r.refresh_from_db()
        return r

    return in_state


def _side(users):  # type: ignore[no-untyped-def]
    return lambda state, action: users["yly_admin"] if action in SENDER_ACTIONS else users["doctor_rmyy"]


def _extra(state: str, action: str) -> dict:
    return {"summary": "急性冠脉综合征，已行介入治疗，病情稳定出院。"} if action == "complete" else {}


def test_the_referral_machine_walks_its_whole_table(make, users):
    """The home sends and cancels, the hospital accepts, declines, receives, completes and returns;
    wjj (卫健: reads referrals, moves none) gets 403 and nothing moves."""
    report = walk(service.REFERRAL, make=make, user=_side(users), extra=_extra, outsider=users["wjj"])
    assert report.allowed == 9
    assert report.refused == 8 * 8 - 9
    assert ("arrived", "cancel", "refused") in report.pairs  # no cancelling once the elder has arrived
    assert ("sent", "complete", "refused") in report.pairs


@pytest.mark.parametrize(
    ("state", "action", "who"),
    [
        ("draft", "send", "doctor_rmyy"),  # the hospital cannot send the home's referral
        ("sent", "cancel", "doctor_rmyy"),
        ("sent", "accept", "yly_admin"),  # the home cannot accept its own referral
        ("sent", "decline", "yly_admin"),
        ("accepted", "arrive", "yly_admin"),
        ("arrived", "complete", "yly_admin"),
        ("arrived", "return", "yly_admin"),
        ("sent", "accept", "doctor_sj"),  # a township clinician holds referral.receive, not this side
    ],
)
def test_a_move_of_the_other_side_is_refused_by_institution(make, users, state, action, who):
    r = make(state)
    with pytest.raises(ServiceError) as refused:
        service.move(r, action, acting_user=users[who], reason="试一下", summary="小结")
    assert refused.value.status == 403 and refused.value.code == service.NOT_YOUR_SIDE
    assert "只有" in str(refused.value.message)
    r.refresh_from_db()
    assert r.status == state


def test_an_illegal_move_names_the_current_state_in_chinese(make, users):
    r = make("completed")
    with pytest.raises(ServiceError) as refused:
        service.move(r, "cancel", acting_user=users["yly_admin"], reason="不需要了")
    assert refused.value.status == 409 and refused.value.code == "TRANSITION_NOT_ALLOWED"
    assert "已完成" in refused.value.message


def test_declining_returning_and_cancelling_need_a_reason_and_completing_a_summary(make, users):
    for state, action, who in [
        ("sent", "decline", "doctor_rmyy"),
        ("arrived", "return", "doctor_rmyy"),
        ("sent", "cancel", "yly_admin"),
    ]:
        with pytest.raises(ServiceError) as refused:
            service.move(make(state), action, acting_user=users[who], reason="  ")
        assert refused.value.field == "reason"
    with pytest.raises(ServiceError) as refused:
        service.move(make("arrived"), "complete", acting_user=users["doctor_rmyy"], summary=" ")
    assert refused.value.field == "summary" and "小结" in refused.value.message


def test_each_state_keeps_its_time_and_the_closing_words(users, inst, resident, freeze_clock):
    start = freeze_clock(dt.datetime(2026, 11, 2, 9, 0))
    r = service.create_referral(
        resident,
        acting_user=users["yly_admin"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="green_channel",
        reason="突发胸痛",
        send=True,
    )
    assert (r.status, r.sent_at, r.sent_by) == ("sent", start, users["yly_admin"])
    freeze_clock(dt.datetime(2026, 11, 2, 9, 12))
    service.move(r, "accept", acting_user=users["doctor_rmyy"])
    freeze_clock(dt.datetime(2026, 11, 2, 9, 50))
    service.move(r, "arrive", acting_user=users["doctor_rmyy"])
    freeze_clock(dt.datetime(2026, 11, 9, 15, 0))
    service.move(r, "complete", acting_user=users["doctor_rmyy"], summary="冠心病，病情稳定出院。")
    r.refresh_from_db()
    assert (r.minutes_to_accept(), r.minutes_to_arrive()) == (12, 50)
    assert r.summary == "冠心病，病情稳定出院。" and r.closed_at is not None


# -------------------------------------------------------------------------------------- grants


def _sent(users, inst, elder) -> Referral:  # type: ignore[no-untyped-def]
    return service.create_referral(
        elder,
        acting_user=users["yly_admin"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="routine",
        reason="反复头晕，需专科检查",
        send=True,
    )


def test_sending_opens_the_elder_to_the_receiving_hospital_and_closing_ends_it(
    users, inst, resident, freeze_clock
):
    freeze_clock(dt.date(2026, 11, 2))
    assert not elder_in_scope(users["doctor_rmyy"], resident.pk)
    r = _sent(users, inst, resident)
    grant = grants_from(r).get()
    assert (grant.institution, grant.elder, grant.valid_from, grant.valid_to) == (
        inst[HOSPITAL],
        resident,
        dt.date(2026, 11, 2),
        None,
    )
    assert elder_in_scope(users["doctor_rmyy"], resident.pk)
    freeze_clock(dt.date(2026, 11, 5))
    service.move(r, "accept", acting_user=users["doctor_rmyy"])
    service.move(r, "arrive", acting_user=users["doctor_rmyy"])
    assert elder_in_scope(users["doctor_rmyy"], resident.pk)
    service.move(r, "complete", acting_user=users["doctor_rmyy"], summary="检查无异常。")
    # ended at once: the grant's last day is the day before the referral closed
    assert grants_from(r).get().valid_to == dt.date(2026, 11, 4)
    assert not elder_in_scope(users["doctor_rmyy"], resident.pk)


@pytest.mark.parametrize(
    ("steps", "who"),
    [
        (["decline"], "doctor_rmyy"),
        (["cancel"], "yly_admin"),
        (["accept", "arrive", "return"], "doctor_rmyy"),
    ],
)
def test_every_way_of_closing_ends_the_grant(users, inst, resident, today, steps, who):
    r = _sent(users, inst, resident)
    for action in steps:
        service.move(r, action, acting_user=users[who if action != "cancel" else "yly_admin"], reason="原因")
    assert (
        not AccessGrant.objects.active_on(today)
        .filter(source_type="care.referral", source_id=str(r.pk))
        .exists()
    )
    assert not elder_in_scope(users["doctor_rmyy"], resident.pk)


def test_a_draft_opens_nothing(users, inst, resident):
    r = service.create_referral(
        resident,
        acting_user=users["yly_admin"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="routine",
        reason="复查",
    )
    assert r.status == "draft" and not grants_from(r).exists()


# -------------------------------------------------------------------------------------- creating


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"direction": "down"}, "to_institution_id"),  # the home is below the hospital
        ({"direction": "sideways"}, "direction"),
        ({"urgency": "whenever"}, "urgency"),
        ({"reason": "   "}, "reason"),
        ({"reason": "长" * 201}, "reason"),
        ({"to": HOME}, "to_institution_id"),
    ],
)
def test_a_bad_referral_is_refused_naming_the_field(users, inst, resident, changes, field):
    args = {"direction": "up", "urgency": "routine", "reason": "复查"}
    to = inst[changes.pop("to", HOSPITAL)]
    args.update(changes)
    with pytest.raises(ServiceError) as refused:
        service.create_referral(resident, acting_user=users["yly_admin"], to_institution=to, **args)
    assert refused.value.field == field
    assert refused.value.status in (403, 409, 422)
    assert not Referral.objects.filter(elder=resident).exists()


def test_a_second_open_referral_to_the_same_hospital_is_refused(users, inst, resident):
    _sent(users, inst, resident)
    with pytest.raises(ServiceError) as refused:
        _sent(users, inst, resident)
    assert refused.value.status == 409


def test_an_officer_cannot_make_a_referral(users, inst, resident):
    with pytest.raises(PermissionDenied):
        service.create_referral(
            resident,
            acting_user=users["wjj"],
            to_institution=inst[HOSPITAL],
            direction="up",
            urgency="routine",
            reason="复查",
        )
