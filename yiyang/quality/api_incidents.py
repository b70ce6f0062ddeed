"""不良事件 and the pressure-injury register under /api/v1/. Handlers parse, scope
(:mod:`yiyang.quality.access_incidents`), call :mod:`yiyang.quality.services.incidents` and respond;
out of scope is 404 like missing, an illegal move 409, bad input 422 with every field's error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.transitions import history_out, transition_out

from . import access_incidents as access
from .models.incidents import Incident, PressureInjury, PressureInjuryRecord
from .services import incidents as services

router = Router(tags=["quality: incidents and pressure injuries"])

Id = Annotated[int, Field(ge=1, le=2**53)]
MAX_PAGE_SIZE = 100


# -- schemas ---------------------------------------------------------------------------------------------


class IncidentIn(Schema):
    institution_id: Id
    kind: str = Field(..., max_length=20)
    occurred_at: dt.datetime
    place: str = Field(..., max_length=60)
    description: str = Field(..., max_length=2000)
    severity: str = Field(..., max_length=4)
    immediate_action: str = Field(..., max_length=2000)
    elder_id: Id | None = None
    family_informed: str = Field("", max_length=40)
    family_informed_at: dt.datetime | None = None
    doctor_informed: str = Field("", max_length=40)
    doctor_informed_at: dt.datetime | None = None
    follow_up: str = Field("", max_length=2000)
    #: kind 压力性损伤: link an entry of the register, or describe the new entry
    pressure_injury_id: Id | None = None
    pi_site: str = Field("", max_length=40)
    pi_stage: str = Field("", max_length=12)
    pi_origin: str = Field("", max_length=12)
    pi_device_related: bool = False


class IncidentOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    elder_id: int | None
    elder_name: str
    stay_id: int | None
    kind: str
    kind_label: str
    occurred_at: dt.datetime
    place: str
    description: str
    severity: str
    severity_label: str
    immediate_action: str
    family_informed: str
    family_informed_at: dt.datetime | None
    doctor_informed: str
    doctor_informed_at: dt.datetime | None
    follow_up: str
    cause_analysis: str
    improvement: str
    closure_note: str
    closed_at: dt.datetime | None
    state: str
    state_label: str
    reported_by: str
    reported_at: dt.datetime
    pressure_injury_id: int | None
    allowed_actions: list[str]


class IncidentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[IncidentOut]


class IncidentQuery(Schema):
    kind: str | None = Field(None, max_length=20)
    state: str | None = Field(None, max_length=12)
    institution: Id | None = None
    elder: Id | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class IncidentTransitionIn(TransitionIn):
    """``analyse`` (``cause_analysis``, ``improvement``), ``close`` (``follow_up`` if not given yet),
    ``reopen`` (a reason)."""

    cause_analysis: str = Field("", max_length=2000)
    improvement: str = Field("", max_length=2000)
    follow_up: str = Field("", max_length=2000)


class PressureInjuryIn(Schema):
    institution_id: Id
    elder_id: Id
    site: str = Field(..., max_length=40)
    stage: str = Field(..., max_length=12)
    origin: str = Field(..., max_length=12)
    first_found_on: dt.date
    device_related: bool = False
    note: str = Field("", max_length=200)


class PressureRecordIn(Schema):
    recorded_on: dt.date
    stage: str = Field(..., max_length=12)
    length_cm: Decimal | None = Field(None, ge=0, le=999)
    width_cm: Decimal | None = Field(None, ge=0, le=999)
    healed: bool = False
    note: str = Field("", max_length=300)


class PressureRecordOut(Schema):
    id: int
    recorded_on: dt.date
    stage: str
    stage_label: str
    length_cm: Decimal | None
    width_cm: Decimal | None
    healed: bool
    note: str
    recorded_by: str


class PressureInjuryOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    elder_id: int
    elder_name: str
    incident_id: int | None
    site: str
    stage: str
    stage_label: str
    current_stage: str
    current_stage_label: str
    origin: str
    origin_label: str
    device_related: bool
    first_found_on: dt.date
    serious_since: dt.date | None
    healed_on: dt.date | None
    note: str
    records: list[PressureRecordOut] | None = None


class PressureInjuryPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PressureInjuryOut]


class PressureInjuryQuery(Schema):
    institution: Id | None = None
    elder: Id | None = None
    origin: str | None = Field(None, max_length=12)
    open: bool | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


# -- output --------------------------------------------------------------------------------------------


def incident_out(i: Incident, user: Any) -> dict[str, Any]:
    injury = getattr(i, "pressure_injury", None) if i.kind == "pressure_injury" else None
    return {
        "id": i.pk,
        "institution_id": i.institution_id,
        "institution_name": i.institution.name,
        "elder_id": i.elder_id,
        "elder_name": i.elder.name if i.elder else "",
        "stay_id": i.stay_id,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "occurred_at": i.occurred_at,
        "place": i.place,
        "description": i.description,
        "severity": i.severity,
        "severity_label": i.get_severity_display(),
        "immediate_action": i.immediate_action,
        "family_informed": i.family_informed,
        "family_informed_at": i.family_informed_at,
        "doctor_informed": i.doctor_informed,
        "doctor_informed_at": i.doctor_informed_at,
        "follow_up": i.follow_up,
        "cause_analysis": i.cause_analysis,
        "improvement": i.improvement,
        "closure_note": i.closure_note,
        "closed_at": i.closed_at,
        "state": i.status,
        "state_label": i.get_status_display(),
        "reported_by": i.reported_by.get_full_name() or i.reported_by.get_username(),
        "reported_at": i.reported_at,
        "pressure_injury_id": injury.pk if injury else None,
        "allowed_actions": services.INCIDENT.available(user, i),
    }


def _record_out(r: PressureInjuryRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "recorded_on": r.recorded_on,
        "stage": r.stage,
        "stage_label": r.get_stage_display(),
        "length_cm": r.length_cm,
        "width_cm": r.width_cm,
        "healed": r.healed,
        "note": r.note,
        "recorded_by": r.recorded_by.get_full_name() or r.recorded_by.get_username(),
    }


def injury_out(p: PressureInjury, *, records: bool = False) -> dict[str, Any]:
    out = {
        "id": p.pk,
        "institution_id": p.institution_id,
        "institution_name": p.institution.name,
        "elder_id": p.elder_id,
        "elder_name": p.elder.name,
        "incident_id": p.incident_id,
        "site": p.site,
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        "current_stage": p.current_stage,
        "current_stage_label": p.get_current_stage_display(),
        "origin": p.origin,
        "origin_label": p.get_origin_display(),
        "device_related": p.device_related,
        "first_found_on": p.first_found_on,
        "serious_since": p.serious_since,
        "healed_on": p.healed_on,
        "note": p.note,
        "records": None,
    }
    if records:
        out["records"] = [_record_out(r) for r in access.records_of(p)]
    return out


def _day_bounds(date_from: dt.date | None, date_to: dt.date | None) -> dict[str, dt.datetime]:
    tz = clock.zone()
    out = {}
    if date_from:
        out["occurred_at__gte"] = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    if date_to:
        out["occurred_at__lt"] = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return out


# -- incidents -------------------------------------------------------------------------------------------


@router.get("/incidents", response=IncidentPage)
@scoped
def list_incidents(request: HttpRequest, filters: Query[IncidentQuery]) -> dict:
    """Incidents you may read (a home: its own; 卫健: its region; 民政: the region's eldercare
    institutions), latest first; filter by ``kind``, ``state``, ``institution``, ``elder`` and the
    day of occurrence (``date_from`` … ``date_to``, inclusive)."""
    qs = access.scope_incidents(request.user).select_related("pressure_injury")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(status=filters.state)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    qs = qs.filter(**_day_bounds(filters.date_from, filters.date_to))
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [incident_out(i, request.user) for i in rows],
    }


@router.post("/incidents", response={201: IncidentOut})
@scoped
def create_incident(request: HttpRequest, payload: IncidentIn) -> Status:
    """上报: staff of the institution report an incident about one of its residents (kind 其他 may name
    none); kind 压力性损伤 registers the injury (``pi_*``) or links ``pressure_injury_id``."""
    institution = access.get_incident_institution_for_user(request.user, payload.institution_id)
    incident = services.report(
        acting_user=request.user, institution=institution, data=payload.model_dump(exclude={"institution_id"})
    )
    incident = access.get_incident_for_user(request.user, incident.pk)
    return Status(201, incident_out(incident, request.user))


@router.get("/incidents/{incident_id}", response=IncidentOut)
@scoped
def get_incident(request: HttpRequest, incident_id: int) -> dict:
    return incident_out(access.get_incident_for_user(request.user, incident_id), request.user)


@router.post("/incidents/{incident_id}/transitions", response=TransitionOut)
@scoped
def incident_transition(request: HttpRequest, incident_id: int, payload: IncidentTransitionIn) -> dict:
    """The incident's life cycle (``quality.services.incidents.INCIDENT``): reported → analysed →
    closed, reopened back to analysed; an illegal move is 409 naming the current state."""
    incident = access.get_incident_for_user(request.user, incident_id)
    t = services.move(
        incident,
        payload.action,
        acting_user=request.user,
        reason=payload.reason,
        cause_analysis=payload.cause_analysis or None,
        improvement=payload.improvement or None,
        follow_up=payload.follow_up or None,
    )
    return transition_out(t)


@router.get("/incidents/{incident_id}/transitions", response=TransitionHistoryOut)
@scoped
def incident_transitions(request: HttpRequest, incident_id: int) -> dict:
    incident = access.get_incident_for_user(request.user, incident_id)
    return history_out(services.INCIDENT, incident, request.user)


# -- the pressure-injury register ------------------------------------------------------------------------


@router.get("/pressure-injuries", response=PressureInjuryPage)
@scoped
def list_pressure_injuries(request: HttpRequest, filters: Query[PressureInjuryQuery]) -> dict:
    """The register entries you may read, latest found first; filter by ``institution``, ``elder``,
    ``origin`` (facility | admission), ``open`` (not healed) and the day first found."""
    qs = access.scope_pressure_injuries(request.user)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.origin:
        qs = qs.filter(origin=filters.origin)
    if filters.open is not None:
        qs = qs.filter(healed_on__isnull=filters.open)
    if filters.date_from:
        qs = qs.filter(first_found_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(first_found_on__lte=filters.date_to)
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {"count": qs.count(), "page": page, "page_size": size, "results": [injury_out(p) for p in rows]}


@router.post("/pressure-injuries", response={201: PressureInjuryOut})
@scoped
def create_pressure_injury(request: HttpRequest, payload: PressureInjuryIn) -> Status:
    """登记 an injury without an incident (typically present on admission)."""
    institution = access.get_incident_institution_for_user(request.user, payload.institution_id)
    injury = services.register_injury(
        acting_user=request.user, institution=institution, data=payload.model_dump(exclude={"institution_id"})
    )
    injury = access.get_pressure_injury_for_user(request.user, injury.pk)
    return Status(201, injury_out(injury, records=True))


@router.get("/pressure-injuries/{injury_id}", response=PressureInjuryOut)
@scoped
def get_pressure_injury(request: HttpRequest, injury_id: int) -> dict:
    return injury_out(access.get_pressure_injury_for_user(request.user, injury_id), records=True)


@router.post("/pressure-injuries/{injury_id}/records", response={201: PressureInjuryOut})
@scoped
def add_pressure_record(request: HttpRequest, injury_id: int, payload: PressureRecordIn) -> Status:
    """A progress record: the stage now, the size, the care; ``healed: true`` closes the entry."""
    injury = access.get_pressure_injury_for_user(request.user, injury_id)
    services.record_progress(injury, acting_user=request.user, data=payload.model_dump())
    injury = access.get_pressure_injury_for_user(request.user, injury_id)
    return Status(201, injury_out(injury, records=True))
