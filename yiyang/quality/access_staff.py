"""Who may read which credential and training record. Built on the registry's staff scope
(:mod:`yiyang.core.staff_access`): a certificate or an attendance row is visible to whoever may see the
staff member; a training session to its organiser's staff and to the officers of its region.

A county session (no organising institution) is seen by the officers of the county and by the staff of
every institution in it (each sees only its own staff's attendance rows). 民政 officers see the
sessions of eldercare institutions and the county's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from yiyang.core.models import ELDERCARE_KINDS
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_range
from yiyang.core.scoping import NOTHING, has_perm
from yiyang.core.staff_access import staff_scope_q

from .models import Attendance, Qualification, TrainingSession

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser


def _pk(pk: object) -> int:
    try:
        number = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


def scope_qualifications(user: AnyUser) -> QuerySet[Qualification]:
    if not has_perm(user, "staff.view"):
        return Qualification.objects.none()
    return Qualification.objects.filter(staff_scope_q(user, "staff")).select_related("staff__institution")


def get_qualification_for_user(user: AnyUser, pk: object) -> Qualification:
    row = scope_qualifications(user).filter(pk=_pk(pk)).first()
    if row is None:
        raise Http404
    return row


def session_scope_q(user: AnyUser) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.reach == Reach.REGION and a.region_id:
            q |= Q(region__code__range=subtree_range(a.region_id))
        elif a.reach == Reach.REGION_ELDERCARE and a.region_id:
            q |= Q(region__code__range=subtree_range(a.region_id)) & (
                Q(organiser__isnull=True) | Q(organiser__kind__in=ELDERCARE_KINDS)
            )
        elif a.reach == Reach.INSTITUTION and a.institution is not None:
            county = a.institution.region_id[:6].ljust(12, "0")
            q |= Q(organiser_id=a.institution_id) | Q(organiser__isnull=True, region_id=county)
    return q


def scope_sessions(user: AnyUser) -> QuerySet[TrainingSession]:
    if not has_perm(user, "training.view"):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(session_scope_q(user)).select_related("organiser", "region")


def get_session_for_user(user: AnyUser, pk: object) -> TrainingSession:
    row = scope_sessions(user).filter(pk=_pk(pk)).first()
    if row is None:
        raise Http404
    return row


def scope_attendances(user: AnyUser) -> QuerySet[Attendance]:
    """Attendance rows of staff the user may see (a county session's list shows each home its own)."""
    if not has_perm(user, "training.view"):
        return Attendance.objects.none()
    return Attendance.objects.filter(
        staff_scope_q(user, "staff"), session__in=scope_sessions(user)
    ).select_related("staff__institution", "session")
