"""Who may read which alert (the devices app's scoping layer for alerts and alert rules).

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

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q, QuerySet
from django.http import Http404

from yiyang.core.models import ELDERCARE_KINDS
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_prefix, subtree_range
from yiyang.core.scoping import NOTHING, granted_elder_ids, has_perm

from .models.alerts import Alert, AlertNotification
from .models.rules import ThresholdRule

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser

SCOPED_MODELS = (Alert, AlertNotification, ThresholdRule)


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
    try:
        number = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    row = scope_alerts(user).filter(pk=number).first()
    if row is None:
        raise Http404
    return row


def notifications_of(alert: Alert) -> QuerySet[AlertNotification]:
    """The alert's notification rows (the caller has scoped the alert)."""
    return AlertNotification.objects.filter(alert=alert).select_related("user").order_by("created_at", "pk")


def elder_overrides(elder: Any) -> QuerySet[ThresholdRule]:
    """An elder's own thresholds (the caller has scoped the elder)."""
    return ThresholdRule.objects.filter(elder=elder).order_by("type", "part")
