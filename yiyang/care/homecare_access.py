"""Who may read which family sickbed and which 互联网+护理服务 order (the pattern of
:mod:`yiyang.care.access`): ``scope_*`` filter in the database, ``get_*_for_user`` answer 404 for out
of scope and missing alike. Pages and the API read these records only through this module.

- Sickbeds: those of the elders the user reaches (:func:`yiyang.core.scoping.scope_elders`; admission
  grants the sickbed's doctor and nurse the elder while the bed is open).
- Orders: an order is not every colleague's business. A user sees the orders

  * assigned to them (the nurse's "my orders"),
  * they requested,
  * of an institution whose orders they dispatch: its administrators and the staff its home-nursing
    roster marks as dispatchers (:class:`~yiyang.care.models.HomeNurse` ``is_dispatcher``) — the order
    desk, with the unassigned ones;
  * of elders they reach through a region (officers) or a family-doctor team.

  A clinician who neither dispatches nor is assigned does not see her institution's other orders.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from yiyang.accounts.roles import Role
from yiyang.core import clock
from yiyang.core.models import MEDICAL_KINDS
from yiyang.core.scoping import has_perm, scope_elders

from .models import FamilySickbed, HomeNurse, ServiceOrder, SickbedDueVisit
from .models.homecare import OPEN_ORDER_STATES, OrderStatus, SickbedStatus

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


def staff_institution_ids(user: AnyUser) -> set[int]:
    """Institutions where the user works as clinician or administrator."""
    if not user.is_authenticated:
        return set()
    return {
        a.institution_id
        for a in user.active_assignments  # type: ignore[union-attr]
        if a.role in (Role.CLINICIAN, Role.INSTITUTION_ADMIN) and a.institution_id
    }


def runs_homecare(user: AnyUser) -> bool:
    """Whether the user works where family sickbeds and home nursing orders are run: at a medical
    institution, or beyond one institution (an officer, a family doctor). An eldercare home's staff do
    not: a home admits no family sickbed and takes no nursing order."""
    if not user.is_authenticated:
        return False
    for a in user.active_assignments:  # type: ignore[union-attr]
        if a.institution_id is None or (a.institution is not None and a.institution.kind in MEDICAL_KINDS):
            return True
    return False


def dispatch_institution_ids(user: AnyUser) -> set[int]:
    """Institutions whose orders the user dispatches: administered ones, and those whose roster marks
    the user as a dispatcher (while they still work there)."""
    if not user.is_authenticated or not has_perm(user, "order.dispatch"):
        return set()
    admin = {
        a.institution_id
        for a in user.active_assignments  # type: ignore[union-attr]
        if a.role == Role.INSTITUTION_ADMIN and a.institution_id
    }
    roster = set(
        HomeNurse.objects.filter(user=user, is_dispatcher=True, is_active=True).values_list(
            "institution_id", flat=True
        )
    )
    return admin | (roster & staff_institution_ids(user))


# ------------------------------------------------------------------------------------------ sickbeds


def scope_sickbeds(user: AnyUser) -> QuerySet[FamilySickbed]:
    if not has_perm(user, "sickbed.view"):
        return FamilySickbed.objects.none()
    return FamilySickbed.objects.filter(elder__in=scope_elders(user)).select_related(
        "elder", "institution", "doctor", "nurse"
    )


def get_sickbed_for_user(user: AnyUser, pk: object) -> FamilySickbed:
    row = scope_sickbeds(user).filter(pk=_pk(pk)).first()
    if row is None:
        raise Http404
    return row


def overdue_visits(user: AnyUser, day: dt.date | None = None) -> QuerySet[SickbedDueVisit]:
    """Planned visits of open sickbeds in scope, due before ``day`` and not made, oldest first."""
    day = day or clock.today()
    return (
        SickbedDueVisit.objects.filter(
            sickbed__in=scope_sickbeds(user).filter(status=SickbedStatus.ADMITTED),
            cancelled=False,
            visit__isnull=True,
            due_date__lt=day,
        )
        .select_related("sickbed__elder", "sickbed__nurse", "sickbed__doctor")
        .order_by("due_date", "pk")
    )


def sickbed_due_visits(sickbed: FamilySickbed) -> QuerySet[SickbedDueVisit]:
    """The planned visits of an already scoped sickbed."""
    return SickbedDueVisit.objects.filter(sickbed=sickbed).select_related("visit").order_by("sequence")


def sickbed_visits(sickbed: FamilySickbed) -> QuerySet:
    return sickbed.visits.select_related("visited_by").order_by("-visited_on", "-pk")


# -------------------------------------------------------------------------------------------- orders


def scope_orders(user: AnyUser) -> QuerySet[ServiceOrder]:
    if not has_perm(user, "order.view"):
        return ServiceOrder.objects.none()
    branches = Q(nurse_id=user.pk) | Q(requested_by_id=user.pk)
    desks = dispatch_institution_ids(user)
    if desks:
        branches |= Q(institution_id__in=desks)
    roles = {a.role for a in user.active_assignments}  # type: ignore[union-attr]
    if roles & {Role.HEALTH_OFFICER, Role.CIVIL_OFFICER, Role.FAMILY_DOCTOR}:
        branches |= Q(elder__in=scope_elders(user))
    return ServiceOrder.objects.filter(branches).select_related("elder", "institution", "nurse")


def get_order_for_user(user: AnyUser, pk: object) -> ServiceOrder:
    row = scope_orders(user).filter(pk=_pk(pk)).first()
    if row is None:
        raise Http404
    return row


def my_orders(user: AnyUser, day: dt.date | None = None) -> QuerySet[ServiceOrder]:
    """The orders assigned to the user booked on ``day`` (today), and any still in service."""
    day = day or clock.today()
    return (
        scope_orders(user)
        .filter(nurse_id=user.pk)
        .filter(
            Q(booked_at__date=day, status__in=[*OPEN_ORDER_STATES, OrderStatus.DONE, OrderStatus.CLOSED])
            | Q(status=OrderStatus.IN_SERVICE)
        )
        .order_by("booked_at", "pk")
    )


def unassigned_orders(user: AnyUser) -> QuerySet[ServiceOrder]:
    """Orders in scope waiting for acceptance or a nurse, soonest booking first."""
    return (
        scope_orders(user)
        .filter(status__in=[OrderStatus.REQUESTED, OrderStatus.ACCEPTED])
        .order_by("booked_at", "pk")
    )


def late_orders(user: AnyUser, now: dt.datetime | None = None) -> QuerySet[ServiceOrder]:
    """Orders in scope whose booked time has passed without a check-in."""
    now = now or clock.now()
    return (
        scope_orders(user)
        .filter(
            status__in=[OrderStatus.REQUESTED, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED],
            booked_at__lt=now,
        )
        .order_by("booked_at", "pk")
    )


def roster(institution_ids: set[int], *, active_only: bool = True) -> QuerySet[HomeNurse]:
    """The home-nursing roster of institutions (no elder data)."""
    qs = HomeNurse.objects.filter(institution_id__in=institution_ids).select_related("user", "institution")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("institution__name", "-is_active", "user__username")
