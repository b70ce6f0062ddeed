"""Alerts: raising and counting them (storm control), their state machine, notifications along the
escalation ladder, the per-minute tick, and turning an alert into a referral (or, once the quality app
offers it, an incident).

- **Storm control**: one open alert per ``dedup_key`` — the elder and kind, or the device and kind for a
  detector that watches a place (smoke) or has no elder. A repeat adds one to ``count`` and moves
  ``last_at``/``last_value`` in one UPDATE; a partial unique index makes two workers racing to open the
  same alert end with one.
- **States** (:data:`ALERT`): new → notified (the system tells the ladder's first rung) → acknowledged
  → resolved with an outcome; while nobody acknowledges, the tick moves it up the ladder (escalated,
  level + 1). Staff may escalate by hand, and resolve from any open state (a false alarm seen on the
  spot).
- **Notifications** are in-app rows, one per recipient and rung (who, when). There is no SMS or phone
  gateway: a family contact's row records the contact and ``channel = "none"``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock
from yiyang.core.actors import system_user
from yiyang.core.errors import ServiceError
from yiyang.core.models import AccessGrant, Elder, Institution
from yiyang.core.transitions import SYSTEM_MOVE, Rules, StateMachine, Transition

from .. import rules as rulebook
from ..models.alerts import (
    OPEN_ALERT_STATES,
    UNACKNOWLEDGED_STATES,
    Alert,
    AlertKind,
    AlertNotification,
    AlertOutcome,
    AlertStatus,
)
from ..models.devices import Device
from ..models.rules import EscalationLadder, StepRole

if TYPE_CHECKING:
    from yiyang.accounts.models import User

logger = logging.getLogger(__name__)

INVALID = "INVALID"
TOP_OF_LADDER = "ALERT_TOP_OF_LADDER"
NO_ELDER = "ALERT_NO_ELDER"
NOT_AVAILABLE = "NOT_AVAILABLE"
MAX_NOTE = 200


# --------------------------------------------------------------------------------------------------
# The ladder
# --------------------------------------------------------------------------------------------------


class Step:
    """One rung in force for an alert: whom (a role, or named users), and minutes to wait."""

    def __init__(self, role: str, wait_minutes: int, user_ids: list[int] | None = None) -> None:
        self.role = role
        self.wait_minutes = wait_minutes
        self.user_ids = user_ids or []


def ladder_for(alert: Alert) -> list[Step]:
    """The alert's institution's ladder, else its team's, else the default of ``rules.yaml``."""
    ladder = None
    if alert.institution_id:
        ladder = EscalationLadder.objects.filter(institution_id=alert.institution_id).first()
    if ladder is None and alert.team_id:
        ladder = EscalationLadder.objects.filter(team_id=alert.team_id).first()
    if ladder is not None:
        steps = [
            Step(s.role, s.wait_minutes, [u.pk for u in s.users.all()])
            for s in ladder.steps.prefetch_related("users").order_by("position")
        ]
        if steps:
            return steps
    return [Step(s.role, s.wait_minutes) for s in rulebook.rulebook().escalation]


def _staff(institution_id: int | None, role: str) -> list[Any]:
    from yiyang.accounts.models import User

    if not institution_id:
        return []
    return list(
        User.objects.filter(
            is_active=True, role_assignments__institution_id=institution_id, role_assignments__role=role
        )
        .distinct()
        .order_by("pk")
    )


def _team_members(team_id: int | None) -> list[Any]:
    from yiyang.accounts.models import User

    if not team_id:
        return []
    return list(
        User.objects.filter(is_active=True, role_assignments__team_id=team_id).distinct().order_by("pk")
    )


def _notify(alert: Alert, level: int, steps: list[Step]) -> int:
    """Write the notification rows of rung ``level``; returns how many recipients were told."""
    from yiyang.accounts.models import User

    if level >= len(steps):
        return 0
    step = steps[level]
    now = clock.now()
    rows: list[AlertNotification] = []
    if step.role == StepRole.FAMILY:
        if alert.elder_id:
            for c in alert.elder.emergency_contacts.all():  # type: ignore[union-attr]
                rows.append(
                    AlertNotification(
                        alert=alert,
                        level=level,
                        role=step.role,
                        contact_name=f"{c.name}（{c.relation}）"[:40],
                        contact_phone_masked=c.phone_masked,
                        channel="none",
                        created_at=now,
                    )
                )
    else:
        if step.user_ids:
            users = list(User.objects.filter(pk__in=step.user_ids, is_active=True))
        elif step.role in (StepRole.CARER, StepRole.NURSE):
            # a home without clinicians' accounts: its administrator is told rather than nobody
            users = (
                _staff(alert.institution_id, Role.CLINICIAN)
                or _team_members(alert.team_id)
                or _staff(alert.institution_id, Role.INSTITUTION_ADMIN)
            )
        elif step.role == StepRole.ADMIN:
            users = _staff(alert.institution_id, Role.INSTITUTION_ADMIN)
        else:  # the family-doctor team
            users = _team_members(alert.team_id)
        rows = [
            AlertNotification(alert=alert, level=level, role=step.role, user=u, created_at=now) for u in users
        ]
    AlertNotification.objects.bulk_create(rows)
    return len(rows)


def _due(level: int, steps: list[Step]) -> dt.datetime | None:
    """When the alert moves past rung ``level`` if nobody acknowledges (None on the last rung)."""
    if level + 1 >= len(steps):
        return None
    return clock.now() + dt.timedelta(minutes=steps[level].wait_minutes)


# --------------------------------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------------------------------


def _on_notify(t: Transition) -> None:
    steps = ladder_for(t.obj)
    t.obj.next_escalation_at = _due(t.obj.escalation_level, steps)
    t.extra["_steps"] = steps


def _after_notify(t: Transition) -> None:
    told = _notify(t.obj, t.obj.escalation_level, t.extra.pop("_steps"))
    t.details["notified"] = told


def _check_escalate(t: Transition) -> None:
    steps = ladder_for(t.obj)
    if t.obj.escalation_level + 1 >= len(steps):
        raise ServiceError(
            TOP_OF_LADDER,
            _("This alert is already at the top of the escalation ladder."),
            field="action",
            status=409,
        )
    t.extra["_steps"] = steps


def _on_escalate(t: Transition) -> None:
    steps = t.extra["_steps"]
    old = t.obj.escalation_level
    t.obj.escalation_level = old + 1
    t.change("escalation_level", old, old + 1)
    t.details["level"] = old + 1
    t.details["to"] = steps[old + 1].role
    t.obj.next_escalation_at = _due(old + 1, steps)


def _on_acknowledge(t: Transition) -> None:
    t.obj.acknowledged_at = clock.now()
    t.obj.acknowledged_by = t.user
    t.obj.next_escalation_at = None


def _check_resolve(t: Transition) -> None:
    outcome = t.extra.get("outcome")
    if outcome not in AlertOutcome.values:
        raise ServiceError(
            INVALID,
            _("Outcome: choose one of %(choices)s.")
            % {"choices": "、".join(str(lbl) for lbl in AlertOutcome.labels)},
            field="outcome",
        )
    note = t.extra.get("note") or ""
    if len(note) > MAX_NOTE:
        raise ServiceError(
            INVALID, _("Note: too long (at most %(n)s characters).") % {"n": MAX_NOTE}, field="note"
        )
    if outcome == AlertOutcome.OTHER and not note.strip() and not t.reason:
        raise ServiceError(INVALID, _("Note: say what happened when the outcome is “Other”."), field="note")


def _on_resolve(t: Transition) -> None:
    a = t.obj
    a.resolved_at = clock.now()
    a.resolved_by = t.user
    a.outcome = t.extra["outcome"]
    a.note = (t.extra.get("note") or t.reason or "").strip()[:MAX_NOTE]
    a.next_escalation_at = None
    t.change("outcome", "", a.outcome)


S = AlertStatus
HANDLE = "alert.handle"

#: new → notified → acknowledged → resolved; notified/escalated → escalated (up the ladder).
ALERT = StateMachine(
    Alert,
    table={
        (S.NEW, "notify"): (S.NOTIFIED, SYSTEM_MOVE),
        (S.NEW, "acknowledge"): (S.ACKNOWLEDGED, HANDLE),
        (S.NOTIFIED, "acknowledge"): (S.ACKNOWLEDGED, HANDLE),
        (S.ESCALATED, "acknowledge"): (S.ACKNOWLEDGED, HANDLE),
        (S.NOTIFIED, "auto_escalate"): (S.ESCALATED, SYSTEM_MOVE),
        (S.ESCALATED, "auto_escalate"): (S.ESCALATED, SYSTEM_MOVE),
        (S.NOTIFIED, "escalate"): (S.ESCALATED, HANDLE),
        (S.ESCALATED, "escalate"): (S.ESCALATED, HANDLE),
        (S.ACKNOWLEDGED, "escalate"): (S.ESCALATED, HANDLE),
        (S.NEW, "resolve"): (S.RESOLVED, HANDLE),
        (S.NOTIFIED, "resolve"): (S.RESOLVED, HANDLE),
        (S.ESCALATED, "resolve"): (S.RESOLVED, HANDLE),
        (S.ACKNOWLEDGED, "resolve"): (S.RESOLVED, HANDLE),
    },
    states=AlertStatus,
    actions={
        "notify": pgettext_lazy("alert", "Notify"),
        "acknowledge": pgettext_lazy("alert", "Acknowledge"),
        "escalate": pgettext_lazy("alert", "Escalate"),
        "auto_escalate": gettext_lazy("Escalate (nobody acknowledged)"),
        "resolve": pgettext_lazy("alert", "Resolve"),
    },
    rules={
        "notify": Rules(before_save=_on_notify, after_save=_after_notify),
        "auto_escalate": Rules(check=_check_escalate, before_save=_on_escalate, after_save=_after_notify),
        "escalate": Rules(check=_check_escalate, before_save=_on_escalate, after_save=_after_notify),
        "acknowledge": Rules(before_save=_on_acknowledge),
        "resolve": Rules(
            requires={"outcome": gettext_lazy("Outcome")}, check=_check_resolve, before_save=_on_resolve
        ),
    },
    select_related=("elder",),
)
#: the actions a person takes (the API and the board accept only these)
USER_ACTIONS = ("acknowledge", "escalate", "resolve")


def move(
    alert: Alert, action: str, *, acting_user: User, outcome: str = "", note: str = "", reason: str = ""
) -> Transition:
    """One move by a person: ``acknowledge``, ``escalate`` or ``resolve`` (with ``outcome``). Any
    other action is refused as the machine refuses an illegal one (409 naming the state)."""
    from yiyang.core.transitions import TransitionNotAllowed

    if action not in USER_ACTIONS:
        raise TransitionNotAllowed(ALERT, alert.status, action)
    extra: dict[str, Any] = {}
    if action == "resolve":
        extra = {"outcome": outcome or None, "note": note}
    elif note:
        extra = {"note": note}
    return ALERT.apply(alert, action, acting_user=acting_user, reason=reason or note, **extra)


def allowed_actions(user: Any, alert: Alert) -> list[str]:
    return [a for a in ALERT.available(user, alert) if a in USER_ACTIONS]


# --------------------------------------------------------------------------------------------------
# Raising alerts
# --------------------------------------------------------------------------------------------------


def _team_of(elder: Elder) -> int | None:
    """The family-doctor team granted the elder today (their contract), if any."""
    row = (
        AccessGrant.objects.active_on(clock.today())
        .filter(elder=elder, team__isnull=False)
        .values_list("team_id", flat=True)
        .first()
    )
    return row


def handling_institution(device: Device | None, elder: Elder | None) -> int | None:
    if device is not None and device.institution_id:
        return device.institution_id
    if elder is not None:
        return elder.residence_institution_id or elder.managing_institution_id
    return None


def raise_alert(
    *,
    kind: str,
    severity: str,
    at: dt.datetime,
    elder: Elder | None = None,
    device: Device | None = None,
    value: Any = None,
    message: str = "",
    per_place: bool = False,
    count_repeats: bool = True,
) -> Alert:
    """Open an alert, or count a repeat on the open one (storm control). A new alert is notified at
    once (the ladder's first rung) by the system actor. ``count_repeats=False`` leaves an open alert
    as it is (the tick's "no reading" check, which would otherwise count every minute)."""
    if per_place or elder is None:
        if device is None:
            raise ValueError("an alert without an elder needs its device")
        key = f"device:{device.pk}:{kind}"
        elder = None
    else:
        key = f"elder:{elder.pk}:{kind}"
    open_ = Alert.objects.filter(dedup_key=key, status__in=OPEN_ALERT_STATES)
    if not count_repeats:
        found = open_.first()
        if found is not None:
            return found
    elif open_.update(count=F("count") + 1, last_at=Greatest(F("last_at"), at), last_value=value):
        return open_.get()
    if not message:
        with translation.override(settings.LANGUAGE_CODE):
            message = str(AlertKind(kind).label)
    institution_id = handling_institution(device, elder)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                severity=severity,
                dedup_key=key,
                elder=elder,
                device=device,
                institution_id=institution_id,
                team_id=_team_of(elder) if elder is not None and institution_id is None else None,
                place=(device.place if device is not None else "")[:100],
                message=message[:200],
                first_value=value,
                last_value=value,
                first_at=at,
                last_at=at,
            )
            system = system_user()
            audit.record(
                "create", user=system, obj=alert, changes={"kind": [None, kind], "severity": [None, severity]}
            )
            ALERT.apply(alert, "notify", acting_user=system)
    except IntegrityError:
        # another worker opened it between our UPDATE and INSERT: count this reading on theirs
        if count_repeats:
            open_.update(count=F("count") + 1, last_at=Greatest(F("last_at"), at), last_value=value)
        return open_.get()
    return alert


# --------------------------------------------------------------------------------------------------
# The tick (Celery beat every minute; a runserver thread in the embedded demo)
# --------------------------------------------------------------------------------------------------


def escalate_due(now: dt.datetime | None = None) -> int:
    """Move every unacknowledged alert whose rung has timed out one rung up, as the system actor."""
    now = now or clock.now()
    system = system_user()
    moved = 0
    due = Alert.objects.filter(
        status__in=[S.NOTIFIED, S.ESCALATED], next_escalation_at__isnull=False, next_escalation_at__lte=now
    ).order_by("next_escalation_at", "pk")
    for alert in due[:500]:
        try:
            ALERT.apply(alert, "auto_escalate", acting_user=system)
            moved += 1
        except ServiceError as exc:
            # acknowledged meanwhile, or at the top: nothing more to do for it
            logger.info("alert %s not escalated: %s", alert.pk, exc.message)
            Alert.objects.filter(pk=alert.pk, status__in=UNACKNOWLEDGED_STATES).update(
                next_escalation_at=None
            )
    return moved


def check_silent_devices(now: dt.datetime | None = None) -> int:
    """Raise a "no reading" alert for each active device of a watched kind that has been silent for
    longer than its kind's minutes (``silence_minutes`` in ``rules.yaml``); a device never heard from
    is not watched yet. One open alert per device: the check never counts repeats."""
    now = now or clock.now()
    today = clock.local_date(now)
    silence = rulebook.rulebook().silence_minutes
    raised = 0
    for kind, minutes in silence.items():
        silent = Device.objects.filter(
            Q(active_to__isnull=True) | Q(active_to__gte=today),
            kind=kind,
            active_from__lte=today,
            last_seen_at__lt=now - dt.timedelta(minutes=minutes),
        ).select_related("elder")
        open_keys = set(
            Alert.objects.filter(kind=AlertKind.NO_READING, status__in=OPEN_ALERT_STATES).values_list(
                "dedup_key", flat=True
            )
        )
        for device in silent.iterator():
            if f"device:{device.pk}:{AlertKind.NO_READING}" in open_keys:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                message = _("No reading from %(device)s for more than %(n)s minutes") % {
                    "device": f"{device.get_kind_display()} {device.serial}",
                    "n": minutes,
                }
            raise_alert(
                kind=AlertKind.NO_READING,
                severity="warning",
                at=now,
                elder=device.elder,
                device=device,
                message=message,
                per_place=True,
                count_repeats=False,
            )
            raised += 1
    return raised


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    return {"escalated": escalate_due(now), "silent_devices": check_silent_devices(now)}


# --------------------------------------------------------------------------------------------------
# One step to a referral or an incident
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def make_referral(
    alert: Alert,
    *,
    acting_user: User,
    to_institution: Institution,
    urgency: str = "green_channel",
    reason: str = "",
) -> Any:
    """A **draft** upward referral of the alert's elder to ``to_institution`` through the care app's
    service (its own rules: the user's side, the route, no second open referral); the alert keeps its
    id. The caller has scoped the alert and the institution."""
    from yiyang.care.services import referrals as referral_service

    if alert.elder_id is None:
        raise ServiceError(
            NO_ELDER, _("This alert concerns a place, not an elder: nobody to refer."), field="alert"
        )
    if alert.referral_id:
        raise ServiceError(
            "ALERT_ALREADY_REFERRED",
            _("A referral was already made from this alert."),
            field="alert",
            status=409,
        )
    text = (reason or "").strip() or _("Alert: %(what)s (%(at)s)") % {
        "what": alert.message,
        "at": alert.first_at.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M"),
    }
    referral = referral_service.create_referral(
        alert.elder,  # type: ignore[arg-type]
        acting_user=acting_user,
        to_institution=to_institution,
        direction="up",
        urgency=urgency,
        reason=text[:200],
        clinical_notes=_("Made from alert #%(id)s: %(what)s; %(n)s readings.")
        % {"id": alert.pk, "what": alert.message, "n": alert.count},
    )
    Alert.objects.filter(pk=alert.pk).update(referral_id=referral.pk)
    alert.referral_id = referral.pk
    audit.record("update", user=acting_user, obj=alert, changes={"referral": [None, referral.pk]})
    return referral


#: INCIDENT HOOK (issue 12, quality app — being built in parallel; NOT DONE HERE). When the quality app
#: offers a service that opens an incident (不良事件) from an alert, register it at merge:
#: ``INCIDENT_MAKER = quality.services.incidents.open_from_alert`` with the signature
#: ``(alert, *, acting_user) -> incident``. Until then :func:`make_incident` refuses with 501.
INCIDENT_MAKER: Callable[..., Any] | None = None


def make_incident(alert: Alert, *, acting_user: User) -> Any:
    if INCIDENT_MAKER is None:
        raise ServiceError(
            NOT_AVAILABLE,
            _("Incidents cannot be recorded from alerts yet: the incident module is not connected."),
            field="alert",
            status=501,
        )
    return INCIDENT_MAKER(alert, acting_user=acting_user)


def mark_read(alert: Alert, user: Any) -> int:
    """The user has seen the alert: their notification rows about it are read (who read it, when)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return AlertNotification.objects.filter(alert=alert, user=user, read_at__isnull=True).update(
        read_at=clock.now()
    )


def unread_count(user: Any) -> int:
    """Notifications to the user about alerts still waiting for acknowledgement, not yet read."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return AlertNotification.objects.filter(
        user=user, read_at__isnull=True, alert__status__in=UNACKNOWLEDGED_STATES
    ).count()
