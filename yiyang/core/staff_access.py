"""Who may read which staff record (工作人员): the scoping functions for :class:`~yiyang.core.staff.Staff`.

An institution's staff see their own institution's staff (with ``staff.view``); a 卫健 officer the
staff of every institution in their region subtree; a 民政 officer those of the eldercare institutions
in theirs. Out of scope and missing are both 404. Records that hang off a staff row (credentials,
attendance) are scoped through :func:`staff_scope_q` with their path to the staff row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db.models import Q, QuerySet

from .models import Institution
from .reach import Reach
from .scoping import has_perm, institution_reach_q, row_or_404
from .staff import Staff, StaffQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser


def institution_q(user: AnyUser, path: str = "") -> Q:
    """Rows whose institution (at ``path``, "" for institutions themselves) is in the user's staff scope."""
    return institution_reach_q(user, path)


def staff_scope_q(user: AnyUser, path: str = "") -> Q:
    """Rows whose staff member (at ``path``) the user may see."""
    return institution_q(user, f"{path}__institution" if path else "institution")


def scope_staff(user: AnyUser, perm: str = "staff.view") -> StaffQuerySet:
    qs = cast(StaffQuerySet, Staff.objects.all())
    if not has_perm(user, perm):
        return qs.none()
    return qs.filter(staff_scope_q(user)).select_related("institution")


def get_staff_for_user(user: AnyUser, pk: object, perm: str = "staff.view") -> Staff:
    return row_or_404(scope_staff(user, perm), pk)


def staff_institutions(user: AnyUser) -> QuerySet[Institution]:
    """Institutions whose staff the user may read (the filter choices of the staff pages)."""
    if not has_perm(user, "staff.view"):
        return Institution.objects.none()
    return Institution.objects.filter(institution_q(user)).order_by("region_id", "name")


def managed_staff_institutions(user: AnyUser) -> list[Institution]:
    """Institutions whose staff the user keeps (an institution administrator: their own)."""
    if not has_perm(user, "staff.manage"):
        return []
    return [
        a.institution
        for a in cast("User", user).active_assignments
        if a.reach == Reach.INSTITUTION and a.institution is not None
    ]
