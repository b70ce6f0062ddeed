"""API shapes of registry records. Personal fields go out masked; only /reveal returns a clear value."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = None
    has_children: bool = False


class InstitutionRef(Schema):
    id: int
    name: str
    kind: str


class BedOut(Schema):
    kind: str
    label: str
    count: int


class DepartmentOut(Schema):
    kind: str
    name: str


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    grade: str
    ownership: str
    region: str
    region_path: str
    uscc: str | None
    medical_licence_no: str
    eldercare_filing_no: str
    has_inhouse_clinic: bool
    elder_friendly_declared: bool
    beds: list[BedOut]
    departments: list[DepartmentOut]


class ContactIn(Schema):
    name: str = Field(max_length=40)
    relation: str = Field(max_length=20)
    phone: str = Field(max_length=20)


class ContactOut(Schema):
    name: str
    relation: str
    phone: str  # masked


class ElderIn(Schema):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=30)
    region: str = Field(description="12-digit code of the village or community")
    living_situation: str
    residence_status: str = "registered_resident"
    phone: str = ""
    address: str = ""
    ethnicity: str = ""
    categories: list[str] = []
    managing_institution_id: int | None = None
    residence_institution_id: int | None = None
    emergency_contacts: list[ContactIn] | None = None


class ElderPatch(Schema):
    name: str | None = None
    id_number: str | None = None
    region: str | None = None
    living_situation: str | None = None
    residence_status: str | None = None
    phone: str | None = None
    address: str | None = None
    ethnicity: str | None = None
    categories: list[str] | None = None
    managing_institution_id: int | None = None
    residence_institution_id: int | None = None
    emergency_contacts: list[ContactIn] | None = None


class ElderOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    age: int
    id_number: str  # masked: first 6, last 2
    phone: str  # masked
    region: str
    region_path: str
    living_situation: str
    residence_status: str
    categories: list[str]
    managing_institution: InstitutionRef | None
    residence_institution: InstitutionRef | None
    status: str
    status_date: dt.date | None


class ElderDetailOut(ElderOut):
    ethnicity: str
    address: str  # masked
    emergency_contacts: list[ContactOut]


class ElderPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ElderOut]


class RevealIn(Schema):
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str


class StatusIn(Schema):
    to_status: Literal["active", "deceased", "moved_out"]
    effective_date: dt.date
    reason: str = ""


class AuditOut(Schema):
    at: dt.datetime
    username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    field: str
    reason: str
    ip: str | None
    channel: str
    changes: dict


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AuditOut]


# -- state machines (core.transitions): POST/GET /api/v1/<records>/{id}/transitions ------------------


class TransitionIn(Schema):
    """A move of a record's state machine. An action the record's current state does not allow, or
    one the machine does not know, is 409 ``TRANSITION_NOT_ALLOWED``; apps extend this with the
    action's own arguments."""

    action: str = Field(min_length=1, max_length=32)
    reason: str = Field("", max_length=200)


class TransitionRowOut(Schema):
    id: int
    action: str
    action_label: str
    from_state: str
    from_label: str
    to_state: str
    to_label: str
    user: str
    at: dt.datetime
    reason: str
    details: dict


class TransitionOut(Schema):
    """The record's state after the move, the actions the caller may take next, and the history row."""

    id: int
    state: str
    state_label: str
    allowed_actions: list[str]
    transition: TransitionRowOut


class TransitionHistoryOut(Schema):
    id: int
    state: str
    state_label: str
    allowed_actions: list[str]
    history: list[TransitionRowOut]


class ElderTransitionIn(TransitionIn):
    """``record_death``, ``move_out`` or ``move_back``, each with the date it took effect."""

    effective_date: dt.date | None = None
