"""Signing opens the home's residents to the agreement's responsible doctor and nurse — only those
residents, only while the agreement is in force (DESIGN §2: scope is data)."""

from __future__ import annotations

import datetime as dt

from yiyang.care.services import agreements as svc
from yiyang.core.models import Elder
from yiyang.core.scoping import scope_elders

from .factories import make_resident


def _sees(user, elder) -> bool:  # type: ignore[no-untyped-def]
    return scope_elders(user).filter(pk=elder.pk).exists()


def test_signing_opens_the_homes_residents_to_the_doctor_and_nobody_elses(draft, tcm_admin, zyy, users):
    agreement = draft()
    resident = make_resident(agreement.eldercare_institution)
    elsewhere = make_resident(None)
    assert not _sees(zyy, resident)
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    assert _sees(zyy, resident)
    assert not _sees(zyy, elsewhere)
    # another doctor of the same hospital is not the agreement's team
    assert not _sees(users["doctor_rmyy"], resident)


def test_a_resident_who_moves_in_after_signing_is_covered_and_one_who_leaves_is_not(
    freeze_clock, today, draft, tcm_admin, zyy
):
    agreement = draft()
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    newcomer = make_resident(None)
    assert not _sees(zyy, newcomer)
    newcomer.residence_institution = agreement.eldercare_institution
    newcomer.save()
    assert _sees(zyy, newcomer)
    freeze_clock(today + dt.timedelta(days=3))
    newcomer.residence_institution = None
    newcomer.save()
    assert not _sees(zyy, newcomer)


def test_a_bulk_move_is_covered_by_the_daily_job(draft, tcm_admin, zyy):
    agreement = draft()
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    moved = make_resident(None)
    Elder.objects.filter(pk=moved.pk).update(residence_institution=agreement.eldercare_institution)
    assert not _sees(zyy, moved)  # no signal on a bulk update
    svc.run_daily()
    assert _sees(zyy, moved)


def test_termination_closes_the_residents_after_the_last_day(freeze_clock, today, draft, tcm_admin, zyy):
    agreement = draft()
    resident = make_resident(agreement.eldercare_institution)
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    svc.AGREEMENT.apply(agreement, "terminate", acting_user=tcm_admin, reason="协商解除", terminated_on=today)
    assert _sees(zyy, resident)  # the last day in force
    freeze_clock(today + dt.timedelta(days=1))
    assert not _sees(zyy, resident)


def test_expiry_closes_the_residents_after_the_end_date(freeze_clock, today, draft, tcm_admin, zyy):
    agreement = draft(end_date=today + dt.timedelta(days=2))
    resident = make_resident(agreement.eldercare_institution)
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    freeze_clock(today + dt.timedelta(days=2))
    assert _sees(zyy, resident)
    freeze_clock(today + dt.timedelta(days=3))
    svc.run_daily()
    assert not _sees(zyy, resident)


def test_a_draft_opens_nothing(draft, zyy):
    agreement = draft()
    resident = make_resident(agreement.eldercare_institution)
    assert not _sees(zyy, resident)
