"""The one scoping layer (DESIGN §2): every query for records a user may see starts here.

Pages, the API, exports and background tasks call ``scope_elders`` / ``get_elder_for_user`` (and the
institution equivalents) instead of ``Elder.objects``. Scope is data: a user's role assignments, each
bound to a region subtree (a 12-digit code prefix) or an institution. Out of scope and missing look
the same to the caller — both are 404 — so scoping never confirms that a record exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from yiyang.accounts.roles import Role

from . import clock
from .models import ELDERCARE_KINDS, Elder, Institution
from .regions import subtree_prefix, subtree_range

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

NOTHING = Q(pk__in=[])


def has_perm(user: User | AnonymousUser, perm: str) -> bool:
    """Whether any of the user's roles carries ``perm`` (e.g. ``elder.reveal``)."""
    if not user.is_authenticated:
        return False
    return perm in user.permissions()


def require_perm(user: User | AnonymousUser, perm: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(perm)


def elder_scope_q(user: User | AnonymousUser) -> Q:
    """The filter that selects the elders ``user`` may see: the union over their role assignments."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.role == Role.HEALTH_OFFICER and a.region_id:
            q |= Q(region__code__range=subtree_range(a.region_id))
        elif a.role == Role.CIVIL_OFFICER and a.region_id:
            q |= Q(
                residence_institution__region__code__startswith=subtree_prefix(a.region_id),
                residence_institution__kind__in=ELDERCARE_KINDS,
            )
        elif a.role in (Role.CLINICIAN, Role.INSTITUTION_ADMIN) and a.institution_id:
            q |= Q(managing_institution_id=a.institution_id) | Q(residence_institution_id=a.institution_id)
        elif a.role == Role.FAMILY_DOCTOR and a.team_id:
            q |= Q(pk__in=team_elder_ids(a.team_id))
    return q


def team_elder_ids(team_id: int) -> QuerySet:
    """Elders with a family-doctor contract in force today with the team (DESIGN §2)."""
    contract = apps.get_model("health", "Contract")
    return contract.objects.valid_on(clock.today()).filter(team_id=team_id).values("elder_id")


def scope_elders(user: User | AnonymousUser, perm: str = "elder.view") -> QuerySet[Elder]:
    """Every elder ``user`` may see with ``perm``; an empty queryset when the role lacks it."""
    if not has_perm(user, perm):
        return Elder.objects.none()
    return Elder.objects.filter(elder_scope_q(user))


def get_elder_for_user(user: User | AnonymousUser, pk: object, perm: str = "elder.view") -> Elder:
    """The elder ``pk`` if ``user`` may see it, else 404 (the same answer as for a missing record).

    A user who can see the elder but lacks ``perm`` (an officer asked to edit) gets 403.
    """
    try:
        pk = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    elder = Elder.objects.filter(elder_scope_q(user), pk=pk).select_related("region").first()
    if elder is None or not has_perm(user, "elder.view"):
        raise Http404
    if perm != "elder.view" and not has_perm(user, perm):
        raise PermissionDenied(perm)
    return elder


def elder_in_scope(user: User | AnonymousUser, elder_id: int) -> bool:
    return scope_elders(user).filter(pk=elder_id).exists()


def institution_scope_q(user: User | AnonymousUser) -> Q:
    """Institutions are reference data, but still scoped: an officer sees their region's (民政: the
    eldercare ones), institution staff see the institutions of their own county, a sysadmin sees all."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.role == Role.SYSADMIN:
            return Q()
        if a.role == Role.HEALTH_OFFICER and a.region_id:
            q |= Q(region__code__startswith=subtree_prefix(a.region_id))
        elif a.role == Role.CIVIL_OFFICER and a.region_id:
            q |= Q(region__code__startswith=subtree_prefix(a.region_id), kind__in=ELDERCARE_KINDS)
        elif a.institution_id:
            q |= Q(region__code__startswith=a.institution.region_id[:6])
        elif a.team_id:
            q |= Q(region__code__startswith=a.team.institution.region_id[:6])
    return q


def scope_institutions(user: User | AnonymousUser) -> QuerySet[Institution]:
    if not has_perm(user, "institution.view"):
        return Institution.objects.none()
    return Institution.objects.filter(institution_scope_q(user))


def get_institution_for_user(user: User | AnonymousUser, pk: object) -> Institution:
    try:
        pk = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    inst = scope_institutions(user).filter(pk=pk).select_related("region").first()
    if inst is None:
        raise Http404
    return inst


def managed_institutions(user: User | AnonymousUser) -> list[Institution]:
    """Institutions whose elders the user may register (their own, for clinicians and admins)."""
    if not user.is_authenticated:
        return []
    return [
        a.institution
        for a in user.active_assignments
        if a.role in (Role.CLINICIAN, Role.INSTITUTION_ADMIN) and a.institution is not None
    ]


def region_scope_prefixes(user: User | AnonymousUser) -> list[str]:
    """Region prefixes that bound what a user browses in the region tree (officers: their region;
    staff: their institution's county)."""
    if not user.is_authenticated:
        return []
    prefixes: list[str] = []
    for a in user.active_assignments:
        if a.role == Role.SYSADMIN:
            return [""]
        if a.region_id:
            prefixes.append(subtree_prefix(a.region_id))
        elif a.institution_id:
            prefixes.append(a.institution.region_id[:6])
        elif a.team_id:
            prefixes.append(a.team.institution.region_id[:6])
    return prefixes


def region_scope_q(user: User | AnonymousUser, field: str = "region") -> Q:
    """The filter that keeps rows whose region (``field``: a path to a :class:`Region`) lies in one of
    the user's region subtrees (:func:`region_scope_prefixes`), for records kept per region rather than
    per elder (reports, scorecards, recompute runs). Each subtree is a code range, so the database
    answers it from the foreign key's index instead of the caller filtering rows in Python."""
    q = NOTHING
    for prefix in region_scope_prefixes(user):
        if not prefix:
            return Q()
        q |= Q(**{f"{field}__code__range": (prefix.ljust(12, "0"), prefix.ljust(12, "9"))})
    return q
