"""The one scoping layer (DESIGN §2): every query for records a user may see starts here.

Pages, the API, exports and background tasks call ``scope_elders`` / ``get_elder_for_user`` (and the
institution equivalents) instead of ``Elder.objects``. Scope is data, read from two places only:

- role scope: each role assignment reaches elders from its binding — a region subtree (a 12-digit
  code prefix), an institution — as its role's :class:`~yiyang.core.reach.Reach` says;
- access grants (:class:`~yiyang.core.models.AccessGrant`): the elders granted, today, to the user,
  to a team they are bound to or to an institution they work at. Services of the domain apps write
  them when a relationship opens a record (a family-doctor contract, …); the registry never asks a
  domain app who may see what and imports none.

Each branch is a query on indexed columns, combined so that the database keeps using them
(:func:`scope_elders`): an OR with a sub-query ("managed by my centre OR IN (granted to my team)")
cannot use any index, and PostgreSQL read every elder for the count and for the page. Out of scope
and missing look the same to the caller — both are 404 — so scoping never confirms that a record
exists.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import F, Lookup, Model, Q, QuerySet
from django.http import Http404

from . import clock
from .models import ELDERCARE_KINDS, AccessGrant, Elder, Institution
from .reach import Reach
from .regions import subtree_prefix, subtree_range

M = TypeVar("M", bound=Model)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import RoleAssignment, User

NOTHING = Q(pk__in=[])


class InIdSet(Lookup):
    """``lhs`` is one of the values a sub-query returns, with the sub-query run first.

    On PostgreSQL this is ``lhs = ANY(ARRAY(<sub-query>))``: the set is computed once and the rows are
    fetched by primary key, then counted or sorted. With a plain ``IN (<sub-query>)`` the planner may
    walk an index in the order asked for (the list's region order), testing each row, in the hope of
    meeting the few elders in scope early; they sit together in one township, and at 1,000,000 elders
    a family doctor's first page read half the table that way. Elsewhere (SQLite) it is ``IN``.
    """

    lookup_name = "in_id_set"
    prepare_rhs = False

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


def has_perm(user: User | AnonymousUser, perm: str) -> bool:
    """Whether any of the user's roles carries ``perm`` (e.g. ``elder.reveal``)."""
    if not user.is_authenticated:
        return False
    return perm in user.permissions()


def institution_reach_q(user: User | AnonymousUser, path: str = "institution") -> Q:
    """Rows whose institution (at ``path``; "" for institutions themselves) the user's assignments reach:
    their own institution, their region's (卫健), or their region's eldercare ones (民政). The caller
    checks the permission; this is the reach that every institution-held record shares."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    own = f"{path}_id" if path else "pk"
    p = f"{path}__" if path else ""
    q = NOTHING
    for a in user.active_assignments:
        if a.reach == Reach.INSTITUTION and a.institution_id:
            q |= Q(**{own: a.institution_id})
        elif a.reach == Reach.REGION and a.region_id:
            q |= Q(**{f"{p}region__code__range": subtree_range(a.region_id)})
        elif a.reach == Reach.REGION_ELDERCARE and a.region_id:
            q |= Q(**{f"{p}region__code__range": subtree_range(a.region_id), f"{p}kind__in": ELDERCARE_KINDS})
    return q


def row_or_404(qs: QuerySet[M], pk: object) -> M:
    """The row ``pk`` of an already scoped queryset, else 404 — out of scope and missing look alike.

    ``pk`` comes from a URL or a JSON body: anything that is not a positive integer a database key can
    hold (a word, 10**30, which overflows SQLite and PostgreSQL bigints) is a 404, never a 500."""
    try:
        number = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    row = qs.filter(pk=number).first()
    if row is None:
        raise Http404
    return row


def require_perm(user: User | AnonymousUser, perm: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(perm)


def _role_branch(a: RoleAssignment) -> tuple[Q, bool] | None:
    """The elders one role assignment reaches from its binding, as a filter on indexed columns, and
    whether the branch is broad (a region: up to every elder) rather than one institution's."""
    reach = a.reach
    if reach == Reach.REGION and a.region_id:
        return Q(region__code__range=subtree_range(a.region_id)), True
    if reach == Reach.REGION_ELDERCARE and a.region_id:
        q = Q(
            residence_institution__region__code__startswith=subtree_prefix(a.region_id),
            residence_institution__kind__in=ELDERCARE_KINDS,
        )
        return q, True
    if reach == Reach.INSTITUTION and a.institution_id:
        return Q(managing_institution_id=a.institution_id) | Q(
            residence_institution_id=a.institution_id
        ), False
    return None


def _role_branches(user: User | AnonymousUser) -> list[tuple[Q, bool]]:
    if not user.is_authenticated or not user.is_active:
        return []
    return [b for b in (_role_branch(a) for a in user.active_assignments) if b is not None]


def grantee_q(user: User | AnonymousUser) -> Q:
    """The grants that count for ``user``: their own, their teams' and their institutions'."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = Q(user_id=user.pk)
    assignments = user.active_assignments
    teams = sorted({a.team_id for a in assignments if a.reach == Reach.TEAM and a.team_id})
    institutions = sorted(
        {a.institution_id for a in assignments if a.reach == Reach.INSTITUTION and a.institution_id}
    )
    if teams:
        q |= Q(team_id__in=teams)
    if institutions:
        q |= Q(institution_id__in=institutions)
    return q


def granted_elder_ids(user: User | AnonymousUser, day: dt.date | None = None) -> QuerySet:
    """``elder_id`` of every grant in force on ``day`` (default today) for ``user``."""
    return AccessGrant.objects.active_on(day or clock.today()).filter(grantee_q(user)).values("elder_id")


def elder_scope_q(user: User | AnonymousUser) -> Q:
    """A row filter for the elders ``user`` may see: role scope OR granted. Meant for one elder
    (``pk=…``); lists use :func:`scope_elders`, which keeps each branch on its index."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    return reduce(or_, (q for q, _broad in _role_branches(user)), NOTHING) | Q(pk__in=granted_elder_ids(user))


def scope_elders(user: User | AnonymousUser, perm: str = "elder.view") -> QuerySet[Elder]:
    """Every elder ``user`` may see with ``perm``; an empty queryset when the role lacks it.

    Each branch stays on its own index:

    - one role branch alone is a plain filter (an officer's region: the planner walks the region
      index and stops at a page);
    - institution branches and grants are one OR of indexed conditions with the granted ids read
      first as an array (:class:`InIdSet`), which PostgreSQL answers with one bitmap of index scans;
    - a region branch with anything else is the set of primary keys of the UNION of the branches,
      read first: OR'd with a region, the other branches would leave the planner no index to walk
      the region's elders in order.

    The grants branch is left out when the user has no grant at all (one index probe)."""
    if not has_perm(user, perm):
        return Elder.objects.none()
    branches = _role_branches(user)
    grants = granted_elder_ids(user) if AccessGrant.objects.filter(grantee_q(user)).exists() else None
    if grants is None and len(branches) == 1:
        return Elder.objects.filter(branches[0][0])
    if not branches and grants is None:
        return Elder.objects.none()
    if not any(broad for _q, broad in branches):
        q = reduce(or_, (q for q, _broad in branches), NOTHING)
        return Elder.objects.filter(q | Q(InIdSet(F("pk"), grants)) if grants is not None else q)
    arms = [Elder.objects.filter(q).values("pk") for q, _broad in branches]
    if grants is not None:
        arms.append(grants)
    return Elder.objects.filter(InIdSet(F("pk"), arms[0].union(*arms[1:])))


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
    return has_perm(user, "elder.view") and Elder.objects.filter(elder_scope_q(user), pk=elder_id).exists()


def institution_scope_q(user: User | AnonymousUser) -> Q:
    """Institutions are reference data, but still scoped: an officer sees their region's (民政: the
    eldercare ones), institution staff see the institutions of their own county, a sysadmin sees all."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.reach == Reach.REFERENCE:
            return Q()
        if a.reach == Reach.REGION and a.region_id:
            q |= Q(region__code__startswith=subtree_prefix(a.region_id))
        elif a.reach == Reach.REGION_ELDERCARE and a.region_id:
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
        if a.reach == Reach.INSTITUTION and a.institution is not None
    ]


def region_scope_prefixes(user: User | AnonymousUser) -> list[str]:
    """Region prefixes that bound what a user browses in the region tree (officers: their region;
    staff: their institution's county)."""
    if not user.is_authenticated:
        return []
    prefixes: list[str] = []
    for a in user.active_assignments:
        if a.reach == Reach.REFERENCE:
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
