"""不良事件 and the pressure-injury register: reporting an incident, its life cycle (analysis, closure,
reopening), registering a pressure injury and following it to healing. The only writers of
:mod:`yiyang.quality.models.incidents`.

Who: the staff of an institution (carers, nurses, doctors, its administrator: ``incident.report``)
report incidents and keep the register of their own institution; its administrator (``incident.manage``)
analyses, closes and reopens. Officers read (``incident.view``, :mod:`yiyang.quality.access_incidents`).

A report names a resident who stays (or stayed, on that day) in the institution: the stay is found and
kept with the incident. An incident of kind 压力性损伤 creates its register entry in the same
transaction (or links one already registered for that resident). After the commit the report is
announced with :data:`yiyang.quality.signals.incident_reported` (the risk assessment listens).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from yiyang.care.models.stays import Stay
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, Institution
from yiyang.core.reach import Reach
from yiyang.core.scoping import require_perm
from yiyang.core.transitions import Rules, StateMachine, Transition

from ..models.incidents import (
    SERIOUS_STAGES,
    Incident,
    IncidentKind,
    IncidentStatus,
    PressureInjury,
    PressureInjuryRecord,
    PressureOrigin,
    PressureStage,
    Severity,
)
from ..signals import incident_reported

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

INVALID = "INVALID"
REQUIRED = "REQUIRED"
#: the resident did not stay in the institution on the day (422 on ``elder_id``)
NOT_RESIDENT = "NOT_RESIDENT"
MAX_TEXT = 2000


# -- who works where ---------------------------------------------------------------------------------


def staff_institution_ids(user: User | AnonymousUser) -> list[int]:
    """Institutions the user works at: where they report incidents and keep the register."""
    if not user.is_authenticated:
        return []
    return sorted(
        {
            a.institution_id
            for a in user.active_assignments
            if a.reach == Reach.INSTITUTION and a.institution_id
        }
    )


def _require_staff(user: User | AnonymousUser, institution_id: int, perm: str) -> User:
    require_perm(user, perm)
    if institution_id not in staff_institution_ids(user):
        raise PermissionDenied(perm)
    return user  # type: ignore[return-value]


# -- checking input ----------------------------------------------------------------------------------


class _Errors:
    """Collects every field error of a form, so the form shows them all at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str, code: str = INVALID) -> None:
        self.items.append({"field": field, "code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise ServiceError(first["code"], first["message"], field=first["field"], errors=list(self.items))


def _text(errors: _Errors, data: dict[str, Any], name: str, label: str, *, required: bool, limit: int) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors.add(name, _("%(field)s: required.") % {"field": label}, REQUIRED)
    elif len(value) > limit:
        errors.add(name, _("%(field)s: at most %(n)s characters.") % {"field": label, "n": limit})
    return value


def _choice(errors: _Errors, data: dict[str, Any], name: str, label: str, choices: Any) -> str:
    value = str(data.get(name) or "").strip()
    if not value:
        errors.add(name, _("%(field)s: required.") % {"field": label}, REQUIRED)
    elif value not in choices.values:
        errors.add(name, _("%(field)s: choose one of the list.") % {"field": label})
    return value


def _moment(
    errors: _Errors, data: dict[str, Any], name: str, label: str, *, required: bool
) -> dt.datetime | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            errors.add(name, _("%(field)s: required.") % {"field": label}, REQUIRED)
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            errors.add(name, _("%(field)s: give a date and time (YYYY-MM-DD HH:MM).") % {"field": label})
            return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12, 0))
    if not isinstance(value, dt.datetime):
        errors.add(name, _("%(field)s: give a date and time (YYYY-MM-DD HH:MM).") % {"field": label})
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=clock.zone())
    if value > clock.now() + dt.timedelta(minutes=5):
        errors.add(name, _("%(field)s: cannot be in the future.") % {"field": label})
    elif value.year < 2000:
        errors.add(name, _("%(field)s: give a date and time (YYYY-MM-DD HH:MM).") % {"field": label})
    return value


def _day(errors: _Errors, data: dict[str, Any], name: str, label: str, *, required: bool) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            errors.add(name, _("%(field)s: required.") % {"field": label}, REQUIRED)
        return None
    if isinstance(value, dt.datetime):
        value = clock.local_date(value)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors.add(name, _("%(field)s: give a date (YYYY-MM-DD).") % {"field": label})
            return None
    if not isinstance(value, dt.date):
        errors.add(name, _("%(field)s: give a date (YYYY-MM-DD).") % {"field": label})
        return None
    if value > clock.today():
        errors.add(name, _("%(field)s: cannot be in the future.") % {"field": label})
    elif value.year < 2000:
        errors.add(name, _("%(field)s: give a date (YYYY-MM-DD).") % {"field": label})
    return value


def _int_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 < number < 2**53 else -1


def stay_on(institution_id: int, elder_id: int, day: dt.date) -> Stay | None:
    """The elder's stay in the institution that covers ``day`` (admitted on or before it, not ended
    before it), latest first."""
    return (
        Stay.objects.filter(institution_id=institution_id, elder_id=elder_id, admitted_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .order_by("-admitted_on", "-pk")
        .first()
    )


def residents_of(institution_id: int, day: dt.date | None = None) -> list[Elder]:
    """The residents of the institution on ``day`` (default today), for the report form's list."""
    day = day or clock.today()
    ids = (
        Stay.objects.filter(institution_id=institution_id, admitted_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .values("elder_id")
    )
    return list(Elder.objects.filter(pk__in=ids).order_by("name", "pk"))


# -- reporting ---------------------------------------------------------------------------------------


def report(*, acting_user: User | AnonymousUser, institution: Institution, data: dict[str, Any]) -> Incident:
    """上报不良事件. ``data``: kind, occurred_at, place, description, severity, immediate_action,
    elder_id (required but for kind 其他), family_informed(_at), doctor_informed(_at), follow_up;
    for kind 压力性损伤 either ``pressure_injury_id`` (an entry already in the register) or the entry's
    ``pi_site``, ``pi_stage``, ``pi_origin`` (and ``pi_device_related``).

    Every field error is collected (422 with ``errors``); nothing is written unless all is well."""
    user = _require_staff(acting_user, institution.pk, "incident.report")
    errors = _Errors()
    kind = _choice(errors, data, "kind", _("Kind of incident"), IncidentKind)
    occurred_at = _moment(errors, data, "occurred_at", _("Occurred at"), required=True)
    place = _text(errors, data, "place", pgettext("incident", "Place"), required=True, limit=60)
    description = _text(errors, data, "description", _("What happened"), required=True, limit=MAX_TEXT)
    severity = _choice(errors, data, "severity", _("Severity"), Severity)
    action = _text(errors, data, "immediate_action", _("Immediate action"), required=True, limit=MAX_TEXT)
    family = _text(errors, data, "family_informed", _("Family member told"), required=False, limit=40)
    family_at = _moment(errors, data, "family_informed_at", _("Family told at"), required=False)
    doctor = _text(errors, data, "doctor_informed", _("Doctor told"), required=False, limit=40)
    doctor_at = _moment(errors, data, "doctor_informed_at", _("Doctor told at"), required=False)
    follow_up = _text(
        errors, data, "follow_up", pgettext("incident", "Follow-up"), required=False, limit=MAX_TEXT
    )
    if family_at and not family:
        errors.add("family_informed", _("Family member told: say who was told."), REQUIRED)
    if doctor_at and not doctor:
        errors.add("doctor_informed", _("Doctor told: say who was told."), REQUIRED)
    for name, at in (("family_informed_at", family_at), ("doctor_informed_at", doctor_at)):
        if at and occurred_at and at < occurred_at:
            errors.add(name, _("Told at: cannot be before the incident."))
    elder_id = _int_or_none(data.get("elder_id"))
    elder: Elder | None = None
    stay: Stay | None = None
    if elder_id == -1:
        errors.add("elder_id", _("Resident: choose one of the list."))
    elif elder_id is None:
        if kind and kind != IncidentKind.OTHER:
            errors.add(
                "elder_id", _("Resident: required (only an incident of kind Other may name none)."), REQUIRED
            )
    elif occurred_at is not None:
        stay = stay_on(institution.pk, elder_id, clock.local_date(occurred_at))
        if stay is None:
            errors.add(
                "elder_id",
                _("Resident: did not stay in this institution on the day of the incident."),
                NOT_RESIDENT,
            )
        else:
            elder = stay.elder
    injury_spec: dict[str, Any] | None = None
    linked: PressureInjury | None = None
    if kind == IncidentKind.PRESSURE_INJURY:
        pi_id = _int_or_none(data.get("pressure_injury_id"))
        if pi_id == -1:
            errors.add("pressure_injury_id", _("Pressure injury: choose one of the register."))
        elif pi_id is not None:
            linked = PressureInjury.objects.filter(
                pk=pi_id, institution=institution, elder_id=elder_id or 0, incident__isnull=True
            ).first()
            if linked is None:
                errors.add(
                    "pressure_injury_id",
                    _("Pressure injury: not in this resident's register, or already linked to an incident."),
                )
        else:
            injury_spec = {
                "site": _text(errors, data, "pi_site", _("Site"), required=True, limit=40),
                "stage": _choice(errors, data, "pi_stage", _("Stage"), PressureStage),
                "origin": _choice(errors, data, "pi_origin", _("Origin"), PressureOrigin),
                "device_related": bool(data.get("pi_device_related")),
            }
    errors.raise_if_any()
    assert occurred_at is not None
    with transaction.atomic():
        incident = Incident.objects.create(
            institution=institution,
            elder=elder,
            stay=stay,
            kind=kind,
            occurred_at=occurred_at,
            place=place,
            description=description,
            severity=severity,
            immediate_action=action,
            family_informed=family,
            family_informed_at=family_at,
            doctor_informed=doctor,
            doctor_informed_at=doctor_at,
            follow_up=follow_up,
            reported_by=user,
        )
        audit.record("create", user=user, obj=incident)
        if linked is not None:
            linked.incident = incident
            linked.save(update_fields=["incident"])
            audit.record("update", user=user, obj=linked, changes={"incident": [None, incident.pk]})
        elif injury_spec is not None:
            assert elder is not None
            _create_injury(
                user=user,
                institution=institution,
                elder=elder,
                stay=stay,
                incident=incident,
                first_found_on=clock.local_date(occurred_at),
                **injury_spec,
            )
        transaction.on_commit(lambda: incident_reported.send(sender=Incident, incident=incident))
    return incident


# -- the life cycle ----------------------------------------------------------------------------------


def _analyse(t: Transition) -> None:
    for name, label in (("cause_analysis", _("Cause analysis")), ("improvement", _("Improvement measures"))):
        value = str(t.extra.get(name) or "").strip()
        if len(value) > MAX_TEXT:
            raise ServiceError(
                INVALID,
                _("%(field)s: at most %(n)s characters.") % {"field": label, "n": MAX_TEXT},
                field=name,
            )
        t.change(name, getattr(t.obj, name), value)
        setattr(t.obj, name, value)


def _close(t: Transition) -> None:
    follow_up = str(t.extra.get("follow_up") or "").strip()
    if follow_up:
        if len(follow_up) > MAX_TEXT:
            raise ServiceError(
                INVALID,
                _("%(field)s: at most %(n)s characters.")
                % {"field": pgettext("incident", "Follow-up"), "n": MAX_TEXT},
                field="follow_up",
            )
        t.change("follow_up", t.obj.follow_up, follow_up)
        t.obj.follow_up = follow_up
    if not t.obj.follow_up:
        raise ServiceError(
            REQUIRED, _("Follow-up: say how the resident is now before closing."), field="follow_up"
        )
    now = clock.now()
    t.change("closed_at", t.obj.closed_at, now)
    t.obj.closed_at = now
    t.obj.closure_note = t.reason[:200]


def _reopen(t: Transition) -> None:
    t.change("closed_at", t.obj.closed_at, None)
    t.obj.closed_at = None


def _own_institution(user: Any, incident: Incident) -> bool:
    return incident.institution_id in staff_institution_ids(user)


def _check_own(t: Transition) -> None:
    if not _own_institution(t.user, t.obj):
        raise PermissionDenied("incident.manage")


INCIDENT = StateMachine(
    Incident,
    table={
        (IncidentStatus.REPORTED, "analyse"): (IncidentStatus.ANALYSED, "incident.manage"),
        (IncidentStatus.ANALYSED, "analyse"): (IncidentStatus.ANALYSED, "incident.manage"),
        (IncidentStatus.ANALYSED, "close"): (IncidentStatus.CLOSED, "incident.manage"),
        (IncidentStatus.CLOSED, "reopen"): (IncidentStatus.ANALYSED, "incident.manage"),
    },
    states=IncidentStatus,
    actions={
        "analyse": gettext_lazy("Record the cause analysis"),
        "close": pgettext_lazy("incident", "Close"),
        "reopen": pgettext_lazy("incident", "Reopen"),
    },
    rules={
        "analyse": Rules(
            requires={
                "cause_analysis": gettext_lazy("Cause analysis"),
                "improvement": gettext_lazy("Improvement measures"),
            },
            check=_check_own,
            before_save=_analyse,
            may=_own_institution,
        ),
        "close": Rules(check=_check_own, before_save=_close, may=_own_institution),
        "reopen": Rules(reason_required=True, check=_check_own, before_save=_reopen, may=_own_institution),
    },
)


def move(
    incident: Incident, action: str, *, acting_user: User | AnonymousUser, reason: str = "", **extra: Any
) -> Transition:
    """One move of the incident's life cycle (the caller has scoped the incident)."""
    return INCIDENT.apply(incident, action, acting_user=acting_user, reason=reason, **extra)


# -- the pressure-injury register --------------------------------------------------------------------


def _create_injury(
    *,
    user: User,
    institution: Institution,
    elder: Elder,
    stay: Stay | None,
    incident: Incident | None,
    site: str,
    stage: str,
    origin: str,
    first_found_on: dt.date,
    device_related: bool = False,
    note: str = "",
) -> PressureInjury:
    injury = PressureInjury.objects.create(
        institution=institution,
        elder=elder,
        stay=stay,
        incident=incident,
        site=site,
        stage=stage,
        current_stage=stage,
        origin=origin,
        device_related=device_related,
        first_found_on=first_found_on,
        serious_since=first_found_on if stage in SERIOUS_STAGES else None,
        note=note,
        recorded_by=user,
    )
    PressureInjuryRecord.objects.create(
        injury=injury, recorded_on=first_found_on, stage=stage, note=note, recorded_by=user
    )
    audit.record("create", user=user, obj=injury)
    return injury


def register_injury(
    *, acting_user: User | AnonymousUser, institution: Institution, data: dict[str, Any]
) -> PressureInjury:
    """压力性损伤登记 without an incident: typically one present on admission (入院带入). ``data``:
    elder_id, site, stage, origin, first_found_on, device_related, note. A 院内新发 injury found on the
    day of admission is refused: within 24 hours of admission it counts as present on admission."""
    user = _require_staff(acting_user, institution.pk, "incident.report")
    errors = _Errors()
    site = _text(errors, data, "site", _("Site"), required=True, limit=40)
    stage = _choice(errors, data, "stage", _("Stage"), PressureStage)
    origin = _choice(errors, data, "origin", _("Origin"), PressureOrigin)
    found = _day(errors, data, "first_found_on", _("First found on"), required=True)
    note = _text(errors, data, "note", _("Note"), required=False, limit=200)
    elder_id = _int_or_none(data.get("elder_id"))
    stay = None
    if elder_id is None:
        errors.add("elder_id", _("%(field)s: required.") % {"field": _("Resident")}, REQUIRED)
    elif elder_id == -1:
        errors.add("elder_id", _("Resident: choose one of the list."))
    elif found is not None:
        stay = stay_on(institution.pk, elder_id, found)
        if stay is None:
            errors.add("elder_id", _("Resident: did not stay in this institution on that day."), NOT_RESIDENT)
        elif origin == PressureOrigin.FACILITY and found <= stay.admitted_on:
            errors.add(
                "origin",
                _("Origin: found on the day of admission, so it counts as present on admission."),
            )
    errors.raise_if_any()
    assert stay is not None and found is not None
    with transaction.atomic():
        return _create_injury(
            user=user,
            institution=institution,
            elder=stay.elder,
            stay=stay,
            incident=None,
            site=site,
            stage=stage,
            origin=origin,
            first_found_on=found,
            device_related=bool(data.get("device_related")),
            note=note,
        )


def _decimal(errors: _Errors, data: dict[str, Any], name: str, label: str) -> Decimal | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.add(name, _("%(field)s: give a number.") % {"field": label})
        return None
    if not (0 < number < 1000):
        errors.add(name, _("%(field)s: between 0.1 and 999.9.") % {"field": label})
        return None
    return number.quantize(Decimal("0.1"))


def record_progress(
    injury: PressureInjury, *, acting_user: User | AnonymousUser, data: dict[str, Any]
) -> PressureInjuryRecord:
    """One progress record (换药/评估): the stage now, the size, the care; ``healed`` closes the entry
    with that day as its healed date. A healed entry takes no more records."""
    user = _require_staff(acting_user, injury.institution_id, "incident.report")
    errors = _Errors()
    day = _day(errors, data, "recorded_on", _("Recorded on"), required=True)
    stage = _choice(errors, data, "stage", _("Stage"), PressureStage)
    length = _decimal(errors, data, "length_cm", _("Length (cm)"))
    width = _decimal(errors, data, "width_cm", _("Width (cm)"))
    note = _text(errors, data, "note", _("Care and progress"), required=False, limit=300)
    healed = bool(data.get("healed"))
    if injury.healed_on is not None:
        errors.add(
            "healed", _("This pressure injury healed on %(day)s.") % {"day": injury.healed_on}, "HEALED"
        )
    if day is not None and day < injury.first_found_on:
        errors.add("recorded_on", _("Recorded on: cannot be before the day it was first found."))
    errors.raise_if_any()
    assert day is not None
    with transaction.atomic():
        row = PressureInjury.objects.select_for_update().get(pk=injury.pk)
        if row.healed_on is not None:
            raise ServiceError(
                "HEALED",
                _("This pressure injury healed on %(day)s.") % {"day": row.healed_on},
                field="healed",
                status=409,
            )
        record = PressureInjuryRecord.objects.create(
            injury=row,
            recorded_on=day,
            stage=stage,
            length_cm=length,
            width_cm=width,
            healed=healed,
            note=note,
            recorded_by=user,
        )
        changes: dict[str, list[Any]] = {}
        if row.current_stage != stage:
            changes["current_stage"] = [row.current_stage, stage]
            row.current_stage = stage
        if stage in SERIOUS_STAGES and (row.serious_since is None or day < row.serious_since):
            changes["serious_since"] = [str(row.serious_since or ""), day.isoformat()]
            row.serious_since = day
        if healed:
            changes["healed_on"] = [None, day.isoformat()]
            row.healed_on = day
        row.save()
        audit.record("update", user=user, obj=row, changes=changes)
    injury.__dict__.update({k: getattr(row, k) for k in ("current_stage", "serious_since", "healed_on")})
    return record


#: which incident a device alert becomes (the rest are 其他: an emergency call, smoke, a reading)
ALERT_KINDS = {"fall": IncidentKind.FALL, "door": IncidentKind.WANDERING}


def open_from_alert(alert: Any, *, acting_user: User | AnonymousUser) -> Incident:
    """上报不良事件 from a smart-care alert in one step (issue 17: an alert can become an incident).

    The report is filled from the alert — kind, the moment it was first seen, the device's place, the
    resident — and goes through :func:`report`, so the same rules and the same permission apply (staff of
    the institution that handles the alert). Severity starts at Ⅲ级 (it happened; no lasting harm known
    yet) and the description says so: the administrator grades it in the analysis."""
    institution = alert.institution
    if institution is None and alert.elder_id is not None:
        elder = alert.elder
        institution = elder.residence_institution or elder.managing_institution
    if institution is None:
        raise ServiceError(
            "INCIDENT_NO_INSTITUTION",
            _("This alert has no institution to report an incident to."),
            field="alert",
        )
    kind = ALERT_KINDS.get(alert.kind, IncidentKind.OTHER)
    place = (alert.device.place if alert.device_id else "") or str(_("Where the device is"))
    data = {
        "kind": kind,
        "occurred_at": alert.first_at,
        "place": place[:60],
        "description": _(
            "From device alert #%(id)s (%(kind)s), first at %(at)s, %(count)s reading(s). Severity to be "
            "confirmed in the analysis."
        )
        % {
            "id": alert.pk,
            "kind": alert.get_kind_display(),
            "at": timezone.localtime(alert.first_at).strftime("%Y-%m-%d %H:%M"),
            "count": alert.count,
        },
        "severity": Severity.LEVEL_3,
        "immediate_action": _("Responded to the device alert; see the alert's record."),
        "elder_id": alert.elder_id,
    }
    return report(acting_user=acting_user, institution=institution, data=data)
