"""Beds and stays under /api/v1/: an institution's beds with occupancy, admissions, the stay's moves
and care notes. Handlers parse, scope (:mod:`yiyang.care.access_stays`), call
:mod:`yiyang.care.services.stays` and respond; out of scope is 404 like missing, a refused move or a
taken bed 409 with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, cast

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.transitions import history_out, transition_out

from . import access_stays, occupancy
from .models.stays import Bed, Stay
from .services import stays as services

router = Router(tags=["care: beds and stays"])

Id = Annotated[int, Field(ge=1, le=2**53)]
MAX_PAGE_SIZE = 100


# -- schemas ---------------------------------------------------------------------------------------------


class StayBriefOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    status: str
    mode: str
    admitted_on: dt.date


class BedOut(Schema):
    id: int
    institution_id: int
    building: str
    floor: str
    room: str
    number: str
    label: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    stay: StayBriefOut | None


class KindCountOut(Schema):
    kind: str
    kind_label: str
    total: int
    occupied: int
    reserved: int
    free: int
    out_of_service: int
    declared: bool


class BedsOut(Schema):
    institution_id: int
    institution_name: str
    summary: list[KindCountOut]
    results: list[BedOut]


class RoomBedsIn(Schema):
    building: str = Field("", max_length=40)
    floor: str = Field("", max_length=10)
    room: str = Field(..., min_length=1, max_length=20)
    kind: str = Field(..., min_length=1, max_length=20)
    count: int = Field(..., ge=1, le=services.MAX_BEDS_PER_REQUEST)
    first_number: int = Field(1, ge=1, le=999)


class BedServiceIn(Schema):
    """Take a free bed out of service (``in_service: false``: repairs, isolation) or put it back."""

    in_service: bool
    reason: str = Field("", max_length=200)


class StayIn(Schema):
    elder_id: Id
    institution_id: Id
    bed_id: Id
    mode: Literal["care", "medical"] = "care"
    admitted_on: dt.date | None = None
    source: str = Field("home", max_length=20)
    guardian_name: str = Field("", max_length=40)
    guardian_relation: str = Field("", max_length=20)
    guardian_phone: str = Field("", max_length=20)
    note: str = Field("", max_length=200)


class StayOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    institution_id: int
    institution_name: str
    bed_id: int | None
    bed_label: str
    bed_kind: str
    status: str
    status_label: str
    mode: str
    admitted_on: dt.date
    source: str
    care_level_code: str
    care_level: str
    contract_id: int | None
    guardian_name: str
    guardian_phone: str
    leave_since: dt.date | None
    ended_on: dt.date | None
    destination: str
    allowed_actions: list[str]


class StayPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[StayOut]


class StayQuery(Schema):
    institution: Id | None = None
    elder: Id | None = None
    status: str | None = Field(None, max_length=12)
    active: bool | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class StayTransitionIn(TransitionIn):
    """``transfer`` (``bed_id``), ``leave``, ``return``, ``to_medical`` / ``to_care`` (optionally a new
    ``bed_id``), ``discharge`` (``destination``), ``death``; ``date`` defaults to today."""

    bed_id: Id | None = None
    date: dt.date | None = None
    destination: str = Field("", max_length=20)


class CareNoteIn(Schema):
    kind: str = Field(..., min_length=1, max_length=20)
    content: str = Field(..., min_length=1, max_length=1000)
    done_at: dt.datetime | None = None


class CareNoteOut(Schema):
    id: int
    kind: str
    kind_label: str
    content: str
    done_at: dt.datetime
    done_by: str


# -- output --------------------------------------------------------------------------------------------


def _brief(stay: Stay | None) -> dict | None:
    if stay is None:
        return None
    return {
        "id": stay.pk,
        "elder_id": stay.elder_id,
        "elder_name": stay.elder.name,
        "status": stay.status,
        "mode": stay.mode,
        "admitted_on": stay.admitted_on,
    }


def bed_out(bed: Bed, stay: Stay | None) -> dict[str, Any]:
    return {
        "id": bed.pk,
        "institution_id": bed.institution_id,
        "building": bed.building,
        "floor": bed.floor,
        "room": bed.room,
        "number": bed.number,
        "label": bed.label,
        "kind": bed.kind,
        "kind_label": bed.get_kind_display(),
        "status": bed.status,
        "status_label": bed.get_status_display(),
        "stay": _brief(stay),
    }


def stay_out(stay: Stay, user: Any) -> dict[str, Any]:
    return {
        "id": stay.pk,
        "elder_id": stay.elder_id,
        "elder_name": stay.elder.name,
        "institution_id": stay.institution_id,
        "institution_name": stay.institution.name,
        "bed_id": stay.bed_id,
        "bed_label": stay.bed.label if stay.bed else "",
        "bed_kind": stay.bed.kind if stay.bed else "",
        "status": stay.status,
        "status_label": stay.get_status_display(),
        "mode": stay.mode,
        "admitted_on": stay.admitted_on,
        "source": stay.source,
        "care_level_code": stay.care_level_code,
        "care_level": stay.care_level,
        "contract_id": stay.contract_id,
        "guardian_name": stay.guardian_name,
        "guardian_phone": stay.guardian_phone_masked,
        "leave_since": stay.leave_since,
        "ended_on": stay.ended_on,
        "destination": stay.destination,
        "allowed_actions": services.STAY.available(user, stay),
    }


def _kind_out(k: occupancy.KindCount) -> dict[str, Any]:
    return {
        "kind": k.kind,
        "kind_label": k.label,
        "total": k.total,
        "occupied": k.occupied,
        "reserved": k.reserved,
        "free": k.free,
        "out_of_service": k.out_of_service,
        "declared": k.declared,
    }


# -- beds ----------------------------------------------------------------------------------------------


@router.get("/institutions/{institution_id}/beds", response=BedsOut)
@scoped
def list_beds(request: HttpRequest, institution_id: int) -> dict:
    """The institution's beds, each with the stay that holds it (``stay`` null when free), and the
    counts by kind (``declared``: the institution has entered no beds, the total is its declared
    capacity)."""
    institution = access_stays.get_bed_institution_for_user(request.user, institution_id)
    return {
        "institution_id": institution.pk,
        "institution_name": institution.name,
        "summary": [_kind_out(k) for k in occupancy.by_kind(institution)],
        "results": [bed_out(b, s) for b, s in occupancy.beds_with_stays(institution)],
    }


@router.post("/institutions/{institution_id}/beds", response={201: list[BedOut]})
@scoped
def create_beds(request: HttpRequest, institution_id: int, payload: RoomBedsIn) -> Status:
    """The beds of one room: ``count`` beds numbered from ``first_number``, all of ``kind``."""
    institution = access_stays.get_bed_institution_for_user(request.user, institution_id)
    beds = services.create_room_beds(
        acting_user=request.user,
        institution=institution,
        building=payload.building,
        floor=payload.floor,
        room=payload.room,
        kind=payload.kind,
        count=payload.count,
        first_number=payload.first_number,
    )
    return Status(201, [bed_out(b, None) for b in beds])


@router.post("/beds/{bed_id}/service", response=BedOut)
@scoped
def set_bed_service(request: HttpRequest, bed_id: int, payload: BedServiceIn) -> dict:
    """Out of service and back: only a free bed goes out of service (an occupied or reserved one is
    409 with a Chinese message); putting back a bed that is in service changes nothing."""
    bed = access_stays.get_bed_for_user(request.user, bed_id)
    bed = services.set_bed_in_service(
        bed, acting_user=request.user, in_service=payload.in_service, reason=payload.reason
    )
    return bed_out(bed, access_stays.active_stays(request.user).filter(bed=bed).first())


# -- stays ---------------------------------------------------------------------------------------------


@router.get("/stays", response=StayPage)
@scoped
def list_stays(request: HttpRequest, filters: Query[StayQuery]) -> dict:
    """Stays you may read (a home: its own), newest admission first; filter by ``institution``,
    ``elder``, ``status`` or ``active``."""
    qs = access_stays.scope_stays(request.user)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.active is not None:
        from .models.stays import ACTIVE_STAY_STATUSES

        qs = (
            qs.filter(status__in=ACTIVE_STAY_STATUSES)
            if filters.active
            else qs.exclude(status__in=ACTIVE_STAY_STATUSES)
        )
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [stay_out(s, request.user) for s in rows],
    }


@router.post("/stays", response={201: StayOut})
@scoped
def create_stay(request: HttpRequest, payload: StayIn) -> Status:
    """入住: the elder (of the institution's county) takes a free bed; 409 when the bed is taken or the
    elder already stays somewhere."""
    institution = access_stays.get_bed_institution_for_user(request.user, payload.institution_id)
    elder = access_stays.get_admission_elder(request.user, institution, payload.elder_id)
    stay = services.admit(
        acting_user=request.user,
        elder=elder,
        institution=institution,
        bed_id=payload.bed_id,
        mode=payload.mode,
        admitted_on=payload.admitted_on,
        source=payload.source,
        guardian_name=payload.guardian_name,
        guardian_relation=payload.guardian_relation,
        guardian_phone=payload.guardian_phone,
        note=payload.note,
    )
    stay = access_stays.get_stay_for_user(request.user, stay.pk)
    return Status(201, stay_out(stay, request.user))


@router.get("/stays/{stay_id}", response=StayOut)
@scoped
def get_stay(request: HttpRequest, stay_id: int) -> dict:
    stay = access_stays.get_stay_for_user(request.user, stay_id)
    core_services.record_view(
        stay.elder, acting_user=cast(Any, request.user), what=str(Stay._meta.verbose_name)
    )
    return stay_out(stay, request.user)


@router.post("/stays/{stay_id}/transitions", response=TransitionOut)
@scoped
def stay_transition(request: HttpRequest, stay_id: int, payload: StayTransitionIn) -> dict:
    """The stay's state machine (``care.services.stays.STAY``)."""
    stay = access_stays.get_stay_for_user(request.user, stay_id)
    t = services.move(
        stay,
        payload.action,
        acting_user=request.user,
        reason=payload.reason,
        bed_id=payload.bed_id,
        date=payload.date,
        destination=payload.destination,
    )
    return transition_out(t)


@router.get("/stays/{stay_id}/transitions", response=TransitionHistoryOut)
@scoped
def stay_transitions(request: HttpRequest, stay_id: int) -> dict:
    stay = access_stays.get_stay_for_user(request.user, stay_id)
    return history_out(services.STAY, stay, request.user)


@router.get("/stays/{stay_id}/care-notes", response=list[CareNoteOut])
@scoped
def list_care_notes(request: HttpRequest, stay_id: int) -> list[dict]:
    stay = access_stays.get_stay_for_user(request.user, stay_id)
    return [_note_out(n) for n in access_stays.care_notes_of(stay)[:200]]


@router.post("/stays/{stay_id}/care-notes", response={201: CareNoteOut})
@scoped
def create_care_note(request: HttpRequest, stay_id: int, payload: CareNoteIn) -> Status:
    stay = access_stays.get_stay_for_user(request.user, stay_id)
    note = services.add_care_note(
        stay, acting_user=request.user, kind=payload.kind, content=payload.content, done_at=payload.done_at
    )
    return Status(201, _note_out(note))


def _note_out(note: Any) -> dict[str, Any]:
    return {
        "id": note.pk,
        "kind": note.kind,
        "kind_label": note.get_kind_display(),
        "content": note.content,
        "done_at": note.done_at,
        "done_by": note.done_by.get_full_name() or note.done_by.get_username(),
    }
