"""A chronic follow-up that decides 紧急转诊 opens a draft green-channel referral, prefilled with the
reason (health sends a signal; care opens the draft), and the 2-week check after a referral is a due
item on the doctor's work list."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.models import Referral
from yiyang.core.grants import grants_from
from yiyang.health import queries, services
from yiyang.health.models import ChronicCase

from .conftest import HOSPITAL, SJ


@pytest.fixture
def case(users, sj_elder, today):  # type: ignore[no-untyped-def]
    existing = ChronicCase.objects.filter(elder=sj_elder, disease="hypertension", closed_on=None).first()
    return existing or services.enrol_case(
        sj_elder,
        acting_user=users["doctor_sj"],
        disease="hypertension",
        diagnosed_on=today - dt.timedelta(days=400),
        source="outpatient",
        enrolled_on=today - dt.timedelta(days=100),
    )


def _visit(case, users, day, **values):  # type: ignore[no-untyped-def]
    return services.record_followup(
        case, acting_user=users["doctor_sj"], data={"visit_date": day, "method": "1", **values}
    )


def test_an_urgent_referral_decision_opens_a_prefilled_draft(users, case, today):
    fu = _visit(case, users, today, systolic=186, diastolic=112)
    assert fu.action == "urgent_referral"
    draft = Referral.objects.get(followup_id=fu.pk)
    assert (draft.status, draft.urgency, draft.direction) == ("draft", "green_channel", "up")
    assert (draft.from_institution.name, draft.to_institution.name) == (SJ, HOSPITAL)
    assert draft.elder == case.elder and draft.created_by == users["doctor_sj"]
    assert draft.reason == fu.referral_reason and "186" in draft.reason
    assert not grants_from(draft).exists()  # nothing is open until the doctor sends it


def test_a_routine_or_recheck_decision_opens_none(users, case, today):
    fu = _visit(case, users, today, systolic=128, diastolic=78)
    assert fu.action != "urgent_referral"
    assert not Referral.objects.filter(followup_id=fu.pk).exists()


def test_the_doctor_finds_the_draft_and_sends_it(client_for, users, case, today):
    fu = _visit(case, users, today, systolic=190, diastolic=100)
    draft = Referral.objects.get(followup_id=fu.pk)
    page = client_for("doctor_sj").get(f"/care/referrals/{draft.pk}/")
    assert page.status_code == 200 and "发送" in page.content.decode()
    r = client_for("doctor_sj").post(f"/care/referrals/{draft.pk}/transition/", {"action": "send"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent"


def test_the_two_week_check_after_a_referral_is_due_on_the_work_list(users, case, today):
    fu = _visit(case, users, today - dt.timedelta(days=13), systolic=186, diastolic=100)
    assert fu.next_visit_date == today + dt.timedelta(days=1)
    listed = queries.work_list(users["doctor_sj"], today, today + dt.timedelta(days=6))["referral_checks"]
    assert fu in listed
    # the check is done by the next follow-up: the item leaves the list
    _visit(case, users, today, systolic=138, diastolic=84)
    listed = queries.work_list(users["doctor_sj"], today, today + dt.timedelta(days=6))["referral_checks"]
    assert fu not in listed
    # another township's doctor never sees it
    assert (
        fu
        not in queries.work_list(users["doctor_tp"], today, today + dt.timedelta(days=6))["referral_checks"]
    )


def test_the_work_list_page_shows_the_referral_check(client_for, users, case, today):
    _visit(case, users, today - dt.timedelta(days=10), systolic=186, diastolic=100)
    page = client_for("doctor_sj").get("/health/worklist/").content.decode()
    assert "转诊后" in page and case.elder.name in page
