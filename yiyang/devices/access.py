"""The devices app's scoping layer: devices and readings, alerts and alert rules.

Who may read which device and which readings.

Devices (``device.view``): an institution's staff see the devices their institution registered; an
officer sees those of the institutions in their region, and the devices of elders in their scope that
no institution holds. Readings are an elder's health data: only with ``health.view``, only for elders in
the reader's elder scope (:func:`yiyang.core.scoping.scope_elders`).

Every model in :data:`SCOPED_MODELS` is queried only here and in services (the scope guard).

Who may read which alert (the devices app's scoping layer for alerts and alert rules).

- An institution's staff (administrator, doctor, nurse, carer) see the alerts their institution
  handles and those of the elders who live there.
- A family-doctor team member sees the alerts of the elders granted to their team (a contract in
  force) and those handed to their team.
- A 卫健 officer sees the alerts of their region (the handling institution's or the elder's village);
  a 民政 officer those handled by the region's eldercare institutions. Both read only (no
  ``alert.handle``).
- Anyone else sees none; out of scope is 404 like missing (:func:`get_alert_for_user`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Model, Q, QuerySet

from yiyang.care.access import institution_party_q
from yiyang.core.models import ELDERCARE_KINDS
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_prefix, subtree_range
from yiyang.core.scoping import NOTHING, granted_elder_ids, has_perm, row_or_404, scope_elders

from .models import Device, Reading
from .models.alerts import Alert, AlertNotification
from .models.rules import ThresholdRule

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User
    from yiyang.core.models import Elder

    AnyUser = User | AnonymousUser

SCOPED_MODELS: tuple[type[Model], ...] = (Device, Alert, AlertNotification, ThresholdRule)


def scope_devices(user: AnyUser) -> QuerySet[Device]:
    if not has_perm(user, "device.view"):
        return Device.objects.none()
    q = institution_party_q(user, "institution") | Q(
        institution__isnull=True, elder__in=scope_elders(user).values("pk")
    )
    return Device.objects.filter(q).select_related("elder", "institution").order_by("serial")


def get_device_for_user(user: AnyUser, pk: object) -> Device:
    return row_or_404(scope_devices(user), pk)


def active_q(day: dt.date) -> Q:
    return Q(active_from__lte=day) & (Q(active_to__isnull=True) | Q(active_to__gte=day))


def devices_of_elder(elder: Elder) -> QuerySet[Device]:
    """The devices bound to an already scoped elder."""
    return Device.objects.filter(elder=elder).order_by("-active_from", "serial")


def readings_of_elder(user: AnyUser, elder: Elder) -> QuerySet[Reading]:
    """An elder's readings, if ``user`` may read the elder's health data (none otherwise)."""
    if (
        not has_perm(user, "health.view")
        or not scope_elders(user, "health.view").filter(pk=elder.pk).exists()
    ):
        return Reading.objects.none()
    return Reading.objects.filter(elder=elder)


def alert_scope_q(user: AnyUser) -> Q:
    if not user.is_authenticated or not user.is_active or not has_perm(user, "alert.view"):
        return NOTHING
    user = cast("User", user)
    q = NOTHING
    teams: set[int] = set()
    for a in user.active_assignments:
        if a.reach == Reach.INSTITUTION and a.institution_id:
            q |= Q(institution_id=a.institution_id) | Q(elder__residence_institution_id=a.institution_id)
        elif a.reach == Reach.TEAM and a.team_id:
            teams.add(a.team_id)
        elif a.reach == Reach.REGION and a.region_id:
            lo, hi = subtree_range(a.region_id)
            q |= Q(institution__region__code__range=(lo, hi)) | Q(elder__region__code__range=(lo, hi))
        elif a.reach == Reach.REGION_ELDERCARE and a.region_id:
            q |= Q(
                institution__region__code__startswith=subtree_prefix(a.region_id),
                institution__kind__in=ELDERCARE_KINDS,
            )
    if teams:
        q |= Q(team_id__in=sorted(teams)) | Q(elder_id__in=granted_elder_ids(user))
    return q


def scope_alerts(user: AnyUser) -> QuerySet[Alert]:
    """Every alert ``user`` may read, the latest first (none without ``alert.view``)."""
    q = alert_scope_q(user)
    if q is NOTHING:
        return Alert.objects.none()
    return (
        Alert.objects.filter(q)
        .select_related("elder", "device", "institution", "acknowledged_by", "resolved_by")
        .order_by("-last_at", "-pk")
    )


def get_alert_for_user(user: AnyUser, pk: object) -> Alert:
    return row_or_404(scope_alerts(user), pk)


def notifications_of(alert: Alert) -> QuerySet[AlertNotification]:
    """The alert's notification rows (the caller has scoped the alert)."""
    return AlertNotification.objects.filter(alert=alert).select_related("user").order_by("created_at", "pk")


def elder_overrides(elder: Any) -> QuerySet[ThresholdRule]:
    """An elder's own thresholds (the caller has scoped the elder)."""
    return ThresholdRule.objects.filter(elder=elder).order_by("type", "part")
