"""Who may read which inspection, rectification item and evidence file (the 台账's scope).

An institution's staff read their own institution's; a 卫健 officer reads every institution of their
region subtree; a 民政 officer the eldercare institutions (养老机构, 日间照料, 互助幸福院, 医养结合机构) of
theirs. Out of scope and missing are both 404. Every model in :data:`SCOPED_MODELS` is queried only here
and in ``quality.services.inspections``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from yiyang.core.models import ELDERCARE_KINDS, Institution
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_prefix
from yiyang.core.scoping import NOTHING, has_perm, institution_reach_q, row_or_404

from .models import EvidenceFile, FireCheckObligation, Inspection, RectificationItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=Model)

SCOPED_MODELS: tuple[type[Model], ...] = (Inspection, RectificationItem, EvidenceFile, FireCheckObligation)

#: institutions held to inspections and monthly fire checks (养老机构, 日间照料中心, 医养结合机构)
INSPECTED_KINDS = ("eldercare_home", "day_care_centre", "integrated_care")


def institution_q(user: AnyUser, field: str = "institution") -> Q:
    """Rows whose institution (``field``) the user reads: their own, or their region's."""
    return institution_reach_q(user, field)


def _one(qs: QuerySet[M], pk: object) -> M:
    return row_or_404(qs, pk)


def scope_inspections(user: AnyUser) -> QuerySet[Inspection]:
    if not has_perm(user, "inspection.view"):
        return Inspection.objects.none()
    return (
        Inspection.objects.filter(institution_q(user))
        .select_related("institution", "created_by")
        .order_by("-inspected_on", "-pk")
    )


def get_inspection_for_user(user: AnyUser, pk: object) -> Inspection:
    return _one(scope_inspections(user), pk)


def scope_rectifications(user: AnyUser) -> QuerySet[RectificationItem]:
    """The 台账 rows the user reads (``ledger.view``)."""
    if not has_perm(user, "ledger.view"):
        return RectificationItem.objects.none()
    return RectificationItem.objects.filter(institution_q(user)).select_related(
        "institution", "inspection", "verified_by"
    )


def get_rectification_for_user(user: AnyUser, pk: object) -> RectificationItem:
    return _one(scope_rectifications(user), pk)


def scope_evidence(user: AnyUser) -> QuerySet[EvidenceFile]:
    if not has_perm(user, "inspection.view"):
        return EvidenceFile.objects.none()
    return EvidenceFile.objects.filter(institution_q(user))


def get_evidence_for_user(user: AnyUser, pk: object) -> EvidenceFile:
    return _one(scope_evidence(user), pk)


def scope_obligations(user: AnyUser) -> QuerySet[FireCheckObligation]:
    if not has_perm(user, "inspection.view"):
        return FireCheckObligation.objects.none()
    return FireCheckObligation.objects.filter(institution_q(user)).select_related("institution", "met_by")


def inspectable_institutions(user: AnyUser) -> QuerySet[Institution]:
    """Institutions held to inspections that the user reads, by region and name."""
    if not user.is_authenticated:
        return Institution.objects.none()
    return (
        Institution.objects.filter(kind__in=INSPECTED_KINDS, is_active=True)
        .filter(_self_q(user))
        .order_by("region_id", "name")
    )


def _self_q(user: AnyUser) -> Q:
    """:func:`institution_q` for the institution table itself."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.reach == Reach.REGION and a.region_id:
            q |= Q(region__code__startswith=subtree_prefix(a.region_id))
        elif a.reach == Reach.REGION_ELDERCARE and a.region_id:
            q |= Q(region__code__startswith=subtree_prefix(a.region_id), kind__in=sorted(ELDERCARE_KINDS))
        elif a.reach == Reach.INSTITUTION and a.institution_id:
            q |= Q(pk=a.institution_id)
    return q


def own_institution_ids(user: AnyUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return [
        a.institution_id for a in user.active_assignments if a.reach == Reach.INSTITUTION and a.institution_id
    ]
