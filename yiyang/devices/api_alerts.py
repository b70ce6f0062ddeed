"""Alert endpoints under /api/v1/ (issue 17: rules and alerts).

- ``GET /alerts`` — the alerts you may read (scoped; see :mod:`yiyang.devices.access`), latest first,
  filtered by ``state`` (one state, or ``open``), ``kind``, ``elder``.
- ``GET /alerts/{id}`` — one alert with the actions you may take and who was notified.
- ``POST /alerts/{id}/transitions`` ``{"action": "acknowledge"|"resolve"|"escalate", "outcome",
  "note"}`` — an illegal move (or another action) is 409 naming the current state; ``resolve`` needs an
  ``outcome`` (``false_alarm``, ``handled``, ``hospital``, ``other``). ``GET`` the same path: history.
- ``POST /alerts/{id}/referral`` ``{"to_institution_id", "urgency", "reason"}`` — a draft referral of
  the alert's elder (201). ``POST /alerts/{id}/incident`` — 501 until the quality app is connected.
- ``GET``/``PUT /alert-thresholds/elders/{elder_id}`` — the thresholds in force for an elder and their
  origin; a doctor (``alertrule.change``) replaces the elder's own.
- ``GET``/``PUT /alert-thresholds/institutions/{institution_id}`` — an institution's thresholds; its
  clinicians (``alertrule.change``) replace them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.scoping import get_elder_for_user, get_institution_for_user, has_perm, scope_institutions
from yiyang.core.transitions import history_out, transition_out

from . import rules as rulebook
from .access import get_alert_for_user, notifications_of, scope_alerts
from .models.alerts import OPEN_ALERT_STATES, Alert, AlertKind, AlertStatus
from .services import alerts as service
from .services import rules as rule_service

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["devices"])

Id = Annotated[int, Field(ge=1, le=2**53)]


class AlertQuery(Schema):
    state: str = ""
    kind: str = ""
    elder: Id | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class NotificationOut(Schema):
    level: int
    role: str
    user: str
    contact: str
    channel: str
    at: dt.datetime
    read_at: dt.datetime | None


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    severity: str
    state: str
    state_label: str
    message: str
    elder_id: int | None
    elder_name: str
    institution_id: int | None
    institution: str
    device_serial: str
    place: str
    count: int
    first_value: Any
    last_value: Any
    first_at: dt.datetime
    last_at: dt.datetime
    escalation_level: int
    next_escalation_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    resolved_at: dt.datetime | None
    resolved_by: str
    outcome: str
    note: str
    referral_id: int | None
    allowed_actions: list[str]
    notifications: list[NotificationOut] | None = None


class AlertPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AlertOut]


class AlertTransitionIn(TransitionIn):
    """``acknowledge``; ``escalate``; ``resolve`` with its ``outcome``. ``note`` is kept with the move."""

    outcome: str = Field("", max_length=12)
    note: str = Field("", max_length=200)


class AlertReferralIn(Schema):
    to_institution_id: Id
    urgency: str = Field("green_channel", max_length=16)
    reason: str = Field("", max_length=200)


class ReferralMadeOut(Schema):
    alert_id: int
    referral_id: int
    referral_state: str


class ThresholdRowIn(Schema):
    type: str = Field(max_length=12)
    part: str = Field("", max_length=3)
    low: Decimal | None = None
    high: Decimal | None = None
    severity: str = Field("", max_length=8)
    note: str = Field("", max_length=200)


class ThresholdsIn(Schema):
    thresholds: list[ThresholdRowIn] = Field(max_length=20)


class ThresholdOut(Schema):
    type: str
    part: str
    low: float | None
    high: float | None
    unit: str
    severity: str
    origin: str
    source: str


class ThresholdsOut(Schema):
    elder_id: int
    thresholds: list[ThresholdOut]


def alert_out(a: Alert, user: Any, *, with_notifications: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "severity": a.severity,
        "state": a.status,
        "state_label": a.get_status_display(),
        "message": a.message,
        "elder_id": a.elder_id,
        "elder_name": a.elder.name if a.elder_id else "",  # type: ignore[union-attr]
        "institution_id": a.institution_id,
        "institution": a.institution.name if a.institution_id else "",  # type: ignore[union-attr]
        "device_serial": a.device.serial if a.device_id else "",  # type: ignore[union-attr]
        "place": a.place,
        "count": a.count,
        "first_value": a.first_value,
        "last_value": a.last_value,
        "first_at": a.first_at,
        "last_at": a.last_at,
        "escalation_level": a.escalation_level,
        "next_escalation_at": a.next_escalation_at,
        "acknowledged_at": a.acknowledged_at,
        "acknowledged_by": str(a.acknowledged_by) if a.acknowledged_by_id else "",
        "resolved_at": a.resolved_at,
        "resolved_by": str(a.resolved_by) if a.resolved_by_id else "",
        "outcome": a.outcome,
        "note": a.note,
        "referral_id": a.referral_id,
        "allowed_actions": service.allowed_actions(user, a),
    }
    if with_notifications:
        out["notifications"] = [
            {
                "level": n.level,
                "role": n.role,
                "user": str(n.user) if n.user_id else "",
                "contact": n.contact_name,
                "channel": n.channel,
                "at": n.created_at,
                "read_at": n.read_at,
            }
            for n in notifications_of(a)
        ]
    return out


def _choice(value: str, choices: list[str], field: str, label: str) -> str:
    if value and value not in choices:
        raise ServiceError(
            "INVALID", _("%(field)s: unknown value %(v)s.") % {"field": label, "v": value[:20]}, field=field
        )
    return value


@router.get("/alerts", response=AlertPage)
@scoped
def list_alerts(request: HttpRequest, filters: Query[AlertQuery]) -> dict:
    """Alerts you may read, latest first; ``state`` is one state or ``open`` (not yet resolved)."""
    qs = scope_alerts(request.user)
    state = _choice(filters.state, [*AlertStatus.values, "open"], "state", _("State"))
    if state == "open":
        qs = qs.filter(status__in=OPEN_ALERT_STATES)
    elif state:
        qs = qs.filter(status=state)
    if _choice(filters.kind, AlertKind.values, "kind", _("Alert")):
        qs = qs.filter(kind=filters.kind)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [alert_out(a, request.user) for a in rows],
    }


@router.get("/alerts/{alert_id}", response=AlertOut)
@scoped
def get_alert(request: HttpRequest, alert_id: int) -> dict:
    return alert_out(get_alert_for_user(request.user, alert_id), request.user, with_notifications=True)


@router.post("/alerts/{alert_id}/transitions", response=TransitionOut)
@scoped
def alert_transition(request: HttpRequest, alert_id: int, payload: AlertTransitionIn) -> dict:
    """acknowledge / escalate / resolve; an illegal move is 409 naming the current state."""
    alert = get_alert_for_user(request.user, alert_id)
    t = service.move(
        alert,
        payload.action,
        acting_user=cast("User", request.user),
        outcome=payload.outcome,
        note=payload.note,
        reason=payload.reason,
    )
    out = transition_out(t)
    out["allowed_actions"] = [a for a in out["allowed_actions"] if a in service.USER_ACTIONS]
    return out


@router.get("/alerts/{alert_id}/transitions", response=TransitionHistoryOut)
@scoped
def alert_transitions(request: HttpRequest, alert_id: int) -> dict:
    alert = get_alert_for_user(request.user, alert_id)
    out = history_out(service.ALERT, alert, request.user)
    out["allowed_actions"] = [a for a in out["allowed_actions"] if a in service.USER_ACTIONS]
    return out


@router.post("/alerts/{alert_id}/referral", response={201: ReferralMadeOut})
@scoped
def alert_referral(request: HttpRequest, alert_id: int, payload: AlertReferralIn) -> Status:
    """A draft referral of the alert's elder, made in one step (send it from the referral's page)."""
    user = cast("User", request.user)
    alert = get_alert_for_user(user, alert_id)
    if not has_perm(user, "alert.handle"):
        raise PermissionDenied("alert.handle")
    to = scope_institutions(user).filter(pk=payload.to_institution_id).first()
    if to is None:
        raise ServiceError("NOT_FOUND", _("Receiving institution: not found."), field="to_institution_id")
    referral = service.make_referral(
        alert, acting_user=user, to_institution=to, urgency=payload.urgency, reason=payload.reason
    )
    return Status(201, {"alert_id": alert.pk, "referral_id": referral.pk, "referral_state": referral.status})


@router.post("/alerts/{alert_id}/incident", response={201: dict})
@scoped
def alert_incident(request: HttpRequest, alert_id: int) -> Status:
    """An incident (不良事件) from the alert — 501 until the quality app's incidents are connected."""
    user = cast("User", request.user)
    alert = get_alert_for_user(user, alert_id)
    if not has_perm(user, "alert.handle"):
        raise PermissionDenied("alert.handle")
    incident = service.make_incident(alert, acting_user=user)
    return Status(201, {"alert_id": alert.pk, "incident_id": incident.pk})


def _thresholds_out(elder: Any) -> dict[str, Any]:
    institution_id = elder.residence_institution_id or elder.managing_institution_id
    limits = rulebook.limits_for(elder.pk, institution_id)
    return {
        "elder_id": elder.pk,
        "thresholds": [
            {
                "type": lim.type,
                "part": lim.part,
                "low": None if lim.low is None else float(lim.low),
                "high": None if lim.high is None else float(lim.high),
                "unit": lim.unit,
                "severity": lim.severity,
                "origin": lim.origin,
                "source": lim.source,
            }
            for lim in limits.values()
        ],
    }


@router.get("/alert-thresholds/elders/{elder_id}", response=ThresholdsOut)
@scoped
def elder_thresholds(request: HttpRequest, elder_id: int) -> dict:
    """The thresholds in force for the elder; ``origin`` is elder, institution or default."""
    elder = get_elder_for_user(request.user, elder_id)
    if not has_perm(request.user, "alert.view"):
        raise PermissionDenied("alert.view")
    return _thresholds_out(elder)


@router.put("/alert-thresholds/elders/{elder_id}", response=ThresholdsOut)
@scoped
def set_elder_thresholds(request: HttpRequest, elder_id: int, payload: ThresholdsIn) -> dict:
    """Replace the elder's own thresholds (a doctor: ``alertrule.change``); a type left out falls
    back to the institution's or the default."""
    elder = get_elder_for_user(request.user, elder_id, perm="alertrule.change")
    rows = [rule_service.ThresholdIn(**r.dict()) for r in payload.thresholds]
    rule_service.set_elder_thresholds(elder, rows, acting_user=cast("User", request.user))
    return _thresholds_out(elder)


class InstitutionThresholdsOut(Schema):
    institution_id: int
    thresholds: list[ThresholdOut]


def _institution_thresholds_out(institution: Any) -> dict[str, Any]:
    limits = rulebook.limits_for(None, institution.pk)
    return {
        "institution_id": institution.pk,
        "thresholds": [
            {
                "type": lim.type,
                "part": lim.part,
                "low": None if lim.low is None else float(lim.low),
                "high": None if lim.high is None else float(lim.high),
                "unit": lim.unit,
                "severity": lim.severity,
                "origin": lim.origin,
                "source": lim.source,
            }
            for lim in limits.values()
        ],
    }


@router.get("/alert-thresholds/institutions/{institution_id}", response=InstitutionThresholdsOut)
@scoped
def institution_thresholds(request: HttpRequest, institution_id: int) -> dict:
    """The thresholds in force for an institution's elders (before any elder's own)."""
    if not has_perm(request.user, "alert.view"):
        raise PermissionDenied("alert.view")
    return _institution_thresholds_out(get_institution_for_user(request.user, institution_id))


@router.put("/alert-thresholds/institutions/{institution_id}", response=InstitutionThresholdsOut)
@scoped
def set_institution_thresholds(request: HttpRequest, institution_id: int, payload: ThresholdsIn) -> dict:
    """Replace an institution's thresholds (its clinicians: ``alertrule.change``)."""
    institution = get_institution_for_user(request.user, institution_id)
    rows = [rule_service.ThresholdIn(**r.dict()) for r in payload.thresholds]
    rule_service.set_institution_thresholds(institution, rows, acting_user=cast("User", request.user))
    return _institution_thresholds_out(institution)
