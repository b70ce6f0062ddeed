"""Who may read which bed, stay and care note (the pattern of :mod:`yiyang.monitoring.access`).

Beds and stays belong to an institution: its staff read those of the institutions they work at (a home
sees its own residents only, past and present); a 卫健 officer those of the institutions in their region,
a 民政 officer those of the eldercare institutions in their region. Out of scope and missing are both
404 (``get_*_for_user``). Care notes are read through the stay they belong to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from yiyang.core.models import Elder, ElderStatus, Institution
from yiyang.core.scoping import NOTHING, has_perm, institution_reach_q, row_or_404

from .models.stays import ACTIVE_STAY_STATUSES, Bed, CareNote, Stay

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

M = TypeVar("M", bound=Model)


def institution_q(user: User | AnonymousUser, path: str = "institution") -> Q:
    """The rows (``path``: to an :class:`Institution`, "" for institutions themselves) whose beds and
    stays ``user`` may read."""
    return institution_reach_q(user, path) if has_perm(user, "stay.view") else NOTHING


def _one(qs: QuerySet[M], pk: object) -> M:
    return row_or_404(qs, pk)


def scope_bed_institutions(user: User | AnonymousUser) -> QuerySet[Institution]:
    """Institutions whose occupancy ``user`` may read."""
    return Institution.objects.filter(institution_q(user, ""))


def get_bed_institution_for_user(user: User | AnonymousUser, pk: object) -> Institution:
    return _one(scope_bed_institutions(user).select_related("region"), pk)


def scope_beds(user: User | AnonymousUser) -> QuerySet[Bed]:
    return Bed.objects.filter(institution_q(user)).select_related("institution")


def get_bed_for_user(user: User | AnonymousUser, pk: object) -> Bed:
    return _one(scope_beds(user), pk)


def scope_stays(user: User | AnonymousUser) -> QuerySet[Stay]:
    """Stays of the institutions ``user`` may read, newest admission first."""
    return (
        Stay.objects.filter(institution_q(user))
        .select_related("elder", "institution", "bed")
        .order_by("-admitted_on", "-pk")
    )


def get_stay_for_user(user: User | AnonymousUser, pk: object) -> Stay:
    return _one(scope_stays(user), pk)


def active_stays(user: User | AnonymousUser) -> QuerySet[Stay]:
    return scope_stays(user).filter(status__in=ACTIVE_STAY_STATUSES)


def care_notes_of(stay: Stay) -> QuerySet[CareNote]:
    """The care notes of an already scoped stay, newest first."""
    return CareNote.objects.filter(stay=stay).select_related("done_by").order_by("-done_at", "-pk")


def stays_of_elder(user: User | AnonymousUser, elder_id: int) -> QuerySet[Stay]:
    return scope_stays(user).filter(elder_id=elder_id)


def admission_elders(institution: Institution) -> QuerySet[Elder]:
    """The elders an institution may admit: the active elders registered in its county (its catchment).
    Admission is how a home's relationship with an elder begins, so the elder is not yet in its scope;
    the admission writes the grant that opens the record (and its audit row)."""
    return Elder.objects.filter(region__code__startswith=institution.region_id[:6], status=ElderStatus.ACTIVE)


def get_admission_elder(user: User | AnonymousUser, institution: Institution, pk: object) -> Elder:
    """The elder ``pk`` if ``user`` may admit them to ``institution`` (staff with ``stay.change``), else
    404 — an elder of another county and a missing one look the same."""
    if not has_perm(user, "stay.change") or not user.is_authenticated:
        raise Http404
    return _one(admission_elders(institution).select_related("region"), pk)


def find_admission_elder(institution: Institution, id_number: str) -> Elder | None:
    """The elder of the catchment with exactly this ID number (the admission form's look-up: knowing the
    full number is knowing the person; a name search would list the county's elders to a home)."""
    from yiyang.core.search import id_number_index

    number = (id_number or "").strip().upper()
    if len(number) != 18:
        return None
    return admission_elders(institution).filter(id_number_index=id_number_index(number)).first()
