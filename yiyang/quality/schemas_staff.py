"""API shapes of staff, certificates and training sessions. The phone is only ever the masked copy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from yiyang.core import clock
from yiyang.core.schemas import InstitutionRef
from yiyang.core.staff import Staff

from .models import Attendance, Qualification, TrainingSession

Id = Annotated[int, Field(ge=1, le=2**53)]


class PageQuery(Schema):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class StaffQuery(PageQuery):
    institution: Id | None = None
    post: Annotated[str, Field(max_length=16)] = ""
    #: true: in post today; false: left; empty: both
    active: bool | None = None


class StaffIn(Schema):
    institution_id: Id
    name: Annotated[str, Field(max_length=200)]
    sex: Annotated[str, Field(max_length=8)]
    post: Annotated[str, Field(max_length=20)]
    phone: Annotated[str, Field(max_length=30)] = ""
    hired_on: dt.date | None = None
    left_on: dt.date | None = None
    user_id: Id | None = None


class QualificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    level: str
    number: str
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    valid_today: bool
    has_evidence: bool


class StaffOut(Schema):
    id: int
    institution: InstitutionRef
    name: str
    sex: str
    post: str
    post_label: str
    #: masked (138****1234): the number in clear only through the page's audited reveal
    phone: str
    hired_on: dt.date | None
    left_on: dt.date | None
    active: bool
    user_id: int | None
    qualifications: list[QualificationOut]


class StaffPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[StaffOut]


def _inst(i: Any) -> dict:
    return {"id": i.pk, "name": i.name, "kind": i.kind}


def qualification_out(q: Qualification, today: dt.date) -> dict:
    return {
        "id": q.pk,
        "kind": q.kind,
        "kind_label": q.get_kind_display(),
        "level": q.level,
        "number": q.number,
        "issuer": q.issuer,
        "issued_on": q.issued_on,
        "valid_until": q.valid_until,
        "valid_today": q.is_valid_on(today),
        "has_evidence": bool(q.evidence),
    }


def staff_out(s: Staff) -> dict:
    today = clock.today()
    return {
        "id": s.pk,
        "institution": _inst(s.institution),
        "name": s.name,
        "sex": s.sex,
        "post": s.post,
        "post_label": s.get_post_display(),
        "phone": s.phone_masked,
        "hired_on": s.hired_on,
        "left_on": s.left_on,
        "active": s.is_active_on(today),
        "user_id": s.user_id,
        "qualifications": [qualification_out(q, today) for q in s.qualifications.all()],
    }


class TrainingQuery(PageQuery):
    institution: Id | None = None
    topic: Annotated[str, Field(max_length=16)] = ""
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None


class AttendanceIn(Schema):
    staff_id: Id
    attended: bool = True
    hours: Annotated[Decimal, Field(ge=0, le=80)] | None = None
    passed: bool | None = None
    score: Annotated[int, Field(ge=0, le=100)] | None = None


class TrainingIn(Schema):
    #: empty: a county session (an officer's, for their region)
    organiser_id: Id | None = None
    topic: Annotated[str, Field(max_length=16)]
    title: Annotated[str, Field(max_length=200)]
    held_on: dt.date
    hours: Annotated[Decimal, Field(ge=0, le=1000)]
    place: Annotated[str, Field(max_length=200)] = ""
    content: Annotated[str, Field(max_length=4000)] = ""
    attendances: list[AttendanceIn] = Field(default_factory=list, max_length=2000)


class AttendanceOut(Schema):
    staff_id: int
    staff_name: str
    institution_id: int
    attended: bool
    hours: Decimal
    passed: bool | None
    score: int | None


class TrainingOut(Schema):
    id: int
    topic: str
    topic_label: str
    title: str
    organiser: InstitutionRef | None
    region: str
    held_on: dt.date
    hours: Decimal
    place: str
    content: str
    #: the attendance rows of staff you may see (a county session: your institution's)
    attendances: list[AttendanceOut]


class TrainingPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[TrainingOut]


def training_out(session: TrainingSession, rows: list[Attendance]) -> dict:
    return {
        "id": session.pk,
        "topic": session.topic,
        "topic_label": session.get_topic_display(),
        "title": session.title,
        "organiser": _inst(session.organiser) if session.organiser else None,
        "region": session.region_id,
        "held_on": session.held_on,
        "hours": session.hours,
        "place": session.place,
        "content": session.content,
        "attendances": [
            {
                "staff_id": a.staff_id,
                "staff_name": a.staff.name,
                "institution_id": a.staff.institution_id,
                "attended": a.attended,
                "hours": a.hours,
                "passed": a.passed,
                "score": a.score,
            }
            for a in rows
        ],
    }
