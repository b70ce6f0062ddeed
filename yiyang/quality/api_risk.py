"""Admission risk assessments under /api/v1/: list (scoped; filter by institution, elder, kind, late),
record, read one; admissions awaiting their assessment; reassessments due and recording a change of
condition. Handlers parse, scope (:mod:`yiyang.quality.access_risk`), call
:mod:`yiyang.quality.services.risk` and respond; bad input is 4xx with field errors, never 500.

The findings (levels and flags) are health data: they are returned only to users with ``health.view``
(``findings`` is null otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution
from yiyang.core.scoping import get_elder_for_user, require_perm

from . import access_risk
from .models.risk import ReassessmentRequest, RiskAssessment
from .services import risk as services

router = Router(tags=["quality: risk assessments"])

Id = Annotated[int, Field(ge=1, le=2**53)]
MAX_PAGE_SIZE = 100


class FindingOut(Schema):
    flag: str
    flag_label: str
    instrument: str
    total: int | None
    level_code: str
    level: str
    flag_level: str
    response_id: int


class RiskAssessmentOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    institution_id: int
    institution_name: str
    stay_id: int | None
    admitted_on: dt.date | None
    kind: str
    kind_label: str
    assessed_at: dt.datetime
    assessor: str
    clock_start: dt.datetime | None
    due_at: dt.datetime | None
    rule_hours: int | None
    on_time: bool | None
    note: str
    findings: list[FindingOut] | None


class RiskPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[RiskAssessmentOut]


class RiskQuery(Schema):
    institution: Id | None = None
    elder: Id | None = None
    kind: str | None = Field(None, max_length=24)
    #: admission assessments made after the county's limit
    overdue: bool | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class RiskIn(Schema):
    elder_id: Id
    #: default: the one institution the user works at
    institution_id: Id | None = None
    kind: str = Field("admission", max_length=24)
    assessed_at: dt.datetime | None = None
    #: ``{"fall": {"1": 25, …}, "pressure_injury": {…}, "choking": {…}, "wandering": {…}, "scald": {…}}``
    screens: dict[str, Any]
    note: str = Field("", max_length=500)


class PendingOut(Schema):
    stay_id: int
    elder_id: int
    elder_name: str
    institution_id: int
    institution_name: str
    admitted_on: dt.date
    clock_start: dt.datetime
    due_at: dt.datetime
    rule_hours: int
    overdue: bool


class PendingQuery(Schema):
    institution: Id | None = None
    overdue: bool | None = None


class ReassessmentIn(Schema):
    elder_id: Id
    institution_id: Id | None = None
    detail: str = Field(..., max_length=300)


class ReassessmentOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    institution_id: int
    reason: str
    reason_label: str
    detail: str
    source_ref: str
    requested_at: dt.datetime
    resolved_by: int | None


def risk_out(ra: RiskAssessment, user: Any) -> dict[str, Any]:
    findings = None
    if access_risk.can_read_levels(user):
        findings = [
            {
                "flag": f.flag,
                "flag_label": f.get_flag_display(),
                "instrument": f.instrument_code,
                "total": f.total,
                "level_code": f.level_code,
                "level": f.level_name,
                "flag_level": f.flag_level,
                "response_id": f.response_id,
            }
            for f in ra.findings.all()
        ]
    return {
        "id": ra.pk,
        "elder_id": ra.elder_id,
        "elder_name": ra.elder.name,
        "institution_id": ra.institution_id,
        "institution_name": ra.institution.name,
        "stay_id": ra.stay_id,
        "admitted_on": ra.stay.admitted_on if ra.stay is not None else None,
        "kind": ra.kind,
        "kind_label": ra.get_kind_display(),
        "assessed_at": ra.assessed_at,
        "assessor": ra.assessor.display_name or ra.assessor.username,
        "clock_start": ra.clock_start,
        "due_at": ra.due_at,
        "rule_hours": ra.rule_hours,
        "on_time": ra.on_time,
        "note": ra.note,
        "findings": findings,
    }


def _request_out(r: ReassessmentRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "elder_id": r.elder_id,
        "elder_name": r.elder.name,
        "institution_id": r.institution_id,
        "reason": r.reason,
        "reason_label": r.get_reason_display(),
        "detail": r.detail,
        "source_ref": r.source_ref,
        "requested_at": r.requested_at,
        "resolved_by": r.resolved_by_id,
    }


def _institution(request: HttpRequest, institution_id: int | None) -> Institution:
    """The institution the user works at and records for (``institution_id`` or their only one)."""
    own = services.staff_institution_ids(request.user)
    if institution_id is None:
        if len(own) != 1:
            raise ServiceError(
                "REQUIRED", _("Institution: choose the institution you record for."), field="institution_id"
            )
        institution_id = own[0]
    if institution_id not in own:
        raise ServiceError(
            "INVALID",
            _("Institution: you can record only for the institution you work at."),
            field="institution_id",
            status=403,
        )
    return Institution.objects.get(pk=institution_id)


@router.get("/risk-assessments", response=RiskPage)
@scoped
def list_risk_assessments(request: HttpRequest, filters: Query[RiskQuery]) -> dict:
    """Risk assessments the user may read, newest first."""
    require_perm(request.user, "risk.view")
    qs = access_risk.scope_risk_assessments(request.user)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.overdue is not None:
        qs = qs.filter(kind="admission", on_time=not filters.overdue)
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start : start + filters.page_size])
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [risk_out(r, request.user) for r in rows],
    }


@router.post("/risk-assessments", response={201: RiskAssessmentOut})
@scoped
def create_risk_assessment(request: HttpRequest, payload: RiskIn) -> Status:
    """Record a risk assessment (``kind``: admission, change_of_condition, after_incident, periodic);
    an admission screens all five risks, a reassessment at least one."""
    require_perm(request.user, "risk.assess")
    elder = get_elder_for_user(request.user, payload.elder_id)
    institution = _institution(request, payload.institution_id)
    ra = services.record_risk_assessment(
        acting_user=request.user,
        elder=elder,
        institution=institution,
        kind=payload.kind,
        screens=payload.screens,
        assessed_at=payload.assessed_at,
        note=payload.note,
    )
    return Status(201, risk_out(access_risk.get_risk_assessment_for_user(request.user, ra.pk), request.user))


@router.get("/risk-assessments/pending", response=list[PendingOut])
@scoped
def pending_admissions(request: HttpRequest, filters: Query[PendingQuery]) -> list[dict]:
    """Current residents whose admission has no risk assessment yet, soonest deadline first;
    ``overdue=true``: only those past the county's limit."""
    require_perm(request.user, "risk.view")
    rows = access_risk.pending_admissions(
        request.user, institution_id=filters.institution, overdue_only=bool(filters.overdue)
    )
    return [
        {
            "stay_id": r.stay.pk,
            "elder_id": r.stay.elder_id,
            "elder_name": r.stay.elder.name,
            "institution_id": r.stay.institution_id,
            "institution_name": r.stay.institution.name,
            "admitted_on": r.stay.admitted_on,
            "clock_start": r.clock_start,
            "due_at": r.due_at,
            "rule_hours": r.hours,
            "overdue": r.overdue,
        }
        for r in rows
    ]


@router.get("/risk-assessments/reassessments", response=list[ReassessmentOut])
@scoped
def reassessments_due(request: HttpRequest, institution: Id | None = None) -> list[dict]:
    """Open reassessment requests (change of condition, after an incident), oldest first."""
    require_perm(request.user, "risk.view")
    return [_request_out(r) for r in access_risk.reassessments_due(request.user, institution_id=institution)]


@router.post("/risk-assessments/reassessments", response={201: ReassessmentOut})
@scoped
def request_reassessment(request: HttpRequest, payload: ReassessmentIn) -> Status:
    """病情变化: record what changed; the resident is listed as due for reassessment."""
    require_perm(request.user, "risk.request")
    elder = get_elder_for_user(request.user, payload.elder_id)
    institution = _institution(request, payload.institution_id)
    req = services.request_reassessment(
        acting_user=request.user, elder=elder, institution=institution, detail=payload.detail
    )
    return Status(201, _request_out(req))


@router.get("/risk-assessments/{assessment_id}", response=RiskAssessmentOut)
@scoped
def get_risk_assessment(request: HttpRequest, assessment_id: int) -> dict:
    require_perm(request.user, "risk.view")
    return risk_out(access_risk.get_risk_assessment_for_user(request.user, assessment_id), request.user)
