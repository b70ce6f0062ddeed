"""Inspection and rectification endpoints under /api/v1/ (issue 12 contract).

- ``GET /inspections`` (scoped; ``kind``, ``institution``, ``year``) and ``POST /inspections``
  ``{"institution_id", "kind", "inspected_on", "items": [{"code", "judgement", "note", "evidence_ids"}],
  "checklist_code", "note"}`` → 201, submitted at once: every finding opens a rectification item.
- ``GET /inspections/{id}``: the inspection with its items.
- ``POST /inspection-evidence`` (multipart ``file``, ``institution_id``): a PDF/JPEG/PNG ≤ 10 MB → ``{"id"}``.
- ``GET /rectifications`` (scoped; ``state``, ``institution``, ``overdue``): overdue first.
- ``POST /rectifications/{id}/transitions`` ``{"action", "reason", "evidence_ids", "measure",
  "responsible"}``; illegal moves 409 naming the current state. ``GET`` its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.transitions import history_out, transition_out

from .access_inspections import (
    get_inspection_for_user,
    get_rectification_for_user,
    inspectable_institutions,
    scope_inspections,
    scope_rectifications,
)
from .models import Inspection, InspectionKind, RectificationItem, RectificationStatus
from .models.inspections import OPEN_STATES
from .services import inspections as service

router = Router(tags=["quality"])

Id = Annotated[int, Field(ge=1, le=2**53)]


class ItemIn(Schema):
    code: str = Field(min_length=1, max_length=20)
    judgement: str = Field("", max_length=16)
    note: str = Field("", max_length=500)
    evidence_ids: list[Id] = Field(default_factory=list, max_length=20)


class InspectionIn(Schema):
    institution_id: Id
    kind: str = Field(max_length=16)
    inspected_on: dt.date
    items: list[ItemIn] = Field(default_factory=list, max_length=300)
    checklist_code: str = Field("", max_length=40)
    note: str = Field("", max_length=500)


class ItemOut(Schema):
    code: str
    section: str
    requirement: str
    evidence_required: bool
    judgement: str
    note: str
    evidence_ids: list[int]


class InspectionOut(Schema):
    id: int
    institution_id: int
    institution: str
    kind: str
    kind_label: str
    checklist_code: str
    checklist_version: str
    checklist_title: str
    checklist_label: str
    inspected_on: dt.date
    status: str
    created_by: str
    submitted_at: Any
    rectification_ids: list[int]
    items: list[ItemOut] | None = None


class InspectionQuery(Schema):
    kind: str = ""
    institution: Id | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class InspectionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[InspectionOut]


class EvidenceOut(Schema):
    id: int
    kind: str
    size: int
    institution_id: int


class RectificationOut(Schema):
    id: int
    institution_id: int
    institution: str
    inspection_id: int
    inspection_kind: str
    inspection_kind_label: str
    item_code: str
    problem: str
    measure: str
    responsible: str
    deadline: dt.date
    deadline_estimated: bool
    overdue: bool
    escalated_on: dt.date | None
    state: str
    state_label: str
    submitted_at: Any
    verified_at: Any
    closed_on_time: bool
    reopen_count: int
    evidence_ids: list[int]
    allowed_actions: list[str]


class RectificationQuery(Schema):
    state: str = ""
    institution: Id | None = None
    overdue: bool | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 50


class RectificationPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[RectificationOut]


class RectificationTransitionIn(TransitionIn):
    """``start`` (``measure``, ``responsible``), ``submit`` (``evidence_ids``), ``verify``, ``reopen``
    (``reason``), ``resume``."""

    evidence_ids: list[Id] = Field(default_factory=list, max_length=20)
    measure: str = Field("", max_length=800)
    responsible: str = Field("", max_length=40)


def inspection_out(i: Inspection, *, with_items: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": i.pk,
        "institution_id": i.institution_id,
        "institution": i.institution.name,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "checklist_code": i.checklist_code,
        "checklist_version": i.checklist_version,
        "checklist_title": i.checklist_title,
        "checklist_label": i.checklist_label,
        "inspected_on": i.inspected_on,
        "status": i.status,
        "created_by": str(i.created_by),
        "submitted_at": i.submitted_at,
        "rectification_ids": list(i.rectifications.values_list("pk", flat=True)),
        "items": None,
    }
    if with_items:
        out["items"] = [
            {
                "code": it.code,
                "section": it.section,
                "requirement": it.requirement,
                "evidence_required": it.evidence_required,
                "judgement": it.judgement,
                "note": it.note,
                "evidence_ids": [e.pk for e in it.evidence.all()],
            }
            for it in i.items.prefetch_related("evidence")
        ]
    return out


def rectification_out(r: RectificationItem, user: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "institution_id": r.institution_id,
        "institution": r.institution.name,
        "inspection_id": r.inspection_id,
        "inspection_kind": r.inspection.kind,
        "inspection_kind_label": r.inspection.get_kind_display(),
        "item_code": r.inspection_item.code,
        "problem": r.problem,
        "measure": r.measure,
        "responsible": r.responsible,
        "deadline": r.deadline,
        "deadline_estimated": r.deadline_estimated,
        "overdue": r.overdue,
        "escalated_on": r.escalated_on,
        "state": r.status,
        "state_label": r.get_status_display(),
        "submitted_at": r.submitted_at,
        "verified_at": r.verified_at,
        "closed_on_time": r.closed_on_time,
        "reopen_count": r.reopen_count,
        "evidence_ids": [e.pk for e in r.evidence.all()],
        "allowed_actions": service.RECTIFICATION.available(user, r),
    }


def _institution(request: HttpRequest, pk: int) -> Any:
    inst = inspectable_institutions(request.user).filter(pk=pk).first()
    if inst is None:
        raise ServiceError(
            "NOT_FOUND", _("Institution: not found among those you inspect."), field="institution_id"
        )
    return inst


@router.get("/inspections", response=InspectionPage)
@scoped
def list_inspections(request: HttpRequest, filters: Query[InspectionQuery]) -> dict:
    """Inspections you may read, newest first."""
    qs = scope_inspections(request.user)
    if filters.kind:
        if filters.kind not in InspectionKind.values:
            raise ServiceError("INVALID", _("Inspection type: unknown value."), field="kind")
        qs = qs.filter(kind=filters.kind)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.year:
        qs = qs.filter(inspected_on__year=filters.year)
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [inspection_out(i) for i in rows],
    }


@router.post("/inspections", response={201: InspectionOut})
@scoped
def create_inspection(request: HttpRequest, payload: InspectionIn) -> Status:
    """A 自查 or 防火检查 of your institution, or a 核查 visit of one in your region."""
    institution = _institution(request, payload.institution_id)
    inspection = service.create_inspection(
        acting_user=cast("Any", request.user),
        institution=institution,
        kind=payload.kind,
        inspected_on=payload.inspected_on,
        items=[service.ItemInput(i.code, i.judgement, i.note, i.evidence_ids) for i in payload.items],
        checklist_code=payload.checklist_code or None,
        note=payload.note,
    )
    return Status(201, inspection_out(get_inspection_for_user(request.user, inspection.pk), with_items=True))


@router.get("/inspections/{inspection_id}", response=InspectionOut)
@scoped
def get_inspection(request: HttpRequest, inspection_id: int) -> dict:
    return inspection_out(get_inspection_for_user(request.user, inspection_id), with_items=True)


@router.post("/inspection-evidence", response={201: EvidenceOut})
@scoped
def upload_evidence(request: HttpRequest, file: File[UploadedFile], institution_id: Form[int]) -> Status:
    """One evidence file (PDF, JPEG or PNG recognised by content, at most 10 MB) for an institution."""
    institution = _institution(request, institution_id)
    if not (
        service.may_inspect(request.user, institution, "self")
        or service.may_inspect(request.user, institution, "verification")
    ):
        raise PermissionDenied
    e = service.store_evidence(file, acting_user=cast("Any", request.user), institution=institution)
    return Status(201, {"id": e.pk, "kind": e.kind, "size": e.size, "institution_id": e.institution_id})


def ledger_rows(
    user: Any, *, state: str = "", institution: int | None = None, overdue: bool | None = None
) -> Any:
    """The scoped 台账, filtered; overdue items first (then by deadline)."""
    qs = scope_rectifications(user).select_related("inspection_item").prefetch_related("evidence")
    if state:
        if state not in RectificationStatus.values:
            raise ServiceError("INVALID", _("State: unknown value %(v)s.") % {"v": state[:20]}, field="state")
        qs = qs.filter(status=state)
    if institution:
        qs = qs.filter(institution_id=institution)
    today = clock.today()
    if overdue is True:
        qs = service.overdue(qs, today)
    elif overdue is False:
        qs = qs.exclude(status__in=OPEN_STATES, deadline__lt=today)
    late = Case(
        When(status__in=OPEN_STATES, deadline__lt=today, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(_late=late).order_by("_late", "deadline", "pk")


@router.get("/rectifications", response=RectificationPage)
@scoped
def list_rectifications(request: HttpRequest, filters: Query[RectificationQuery]) -> dict:
    """The 整改台账 you may read: your institution's, or every institution's in your region."""
    qs = ledger_rows(
        request.user, state=filters.state, institution=filters.institution, overdue=filters.overdue
    )
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [rectification_out(r, request.user) for r in rows],
    }


@router.get("/rectifications/{item_id}", response=RectificationOut)
@scoped
def get_rectification(request: HttpRequest, item_id: int) -> dict:
    return rectification_out(get_rectification_for_user(request.user, item_id), request.user)


@router.post("/rectifications/{item_id}/transitions", response=TransitionOut)
@scoped
def rectification_transition(request: HttpRequest, item_id: int, payload: RectificationTransitionIn) -> dict:
    """A move of the item: illegal in its state → 409 naming the state; not yours → 403."""
    item = get_rectification_for_user(request.user, item_id)
    t = service.move(
        item,
        payload.action,
        acting_user=cast("Any", request.user),
        reason=payload.reason,
        evidence_ids=payload.evidence_ids,
        measure=payload.measure,
        responsible=payload.responsible,
    )
    return transition_out(t)


@router.get("/rectifications/{item_id}/transitions", response=TransitionHistoryOut)
@scoped
def rectification_transitions(request: HttpRequest, item_id: int) -> dict:
    item = get_rectification_for_user(request.user, item_id)
    return history_out(service.RECTIFICATION, item, request.user)
