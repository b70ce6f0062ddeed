"""Family sickbed and 互联网+护理服务 endpoints (mounted by ``care/api.py``).

``GET/POST /sickbeds``, ``POST /sickbeds/{id}/transitions`` (admit, review, discharge, cancel),
``POST /sickbeds/{id}/visits``; ``GET/POST /service-orders``, ``POST /service-orders/{id}/transitions``
(accept, reject, assign, check_in, check_out, rate, close, settle, cancel). Lists are scoped
(:mod:`yiyang.care.homecare_access`); out of scope is 404 like missing; a refused move is 409
``TRANSITION_NOT_ALLOWED`` naming the current state; bad input is 4xx with Chinese field errors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.accounts.models import User
from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.scoping import get_elder_for_user, require_perm
from yiyang.core.transitions import history_out, transition_out

from . import homecare_access as access
from .models import FamilySickbed, ServiceOrder, SickbedVisit
from .services import homecare as services

router = Router(tags=["care"])

Id = Annotated[int, Field(ge=1, le=2**53)]
MAX_PAGE_SIZE = 100


def _user(pk: int, field: str) -> User:
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ServiceError("INVALID", _("%(field)s: no such user.") % {"field": field}, field=field)
    return user


def _institution(pk: int) -> Institution:
    row = Institution.objects.filter(pk=pk).first()
    if row is None:
        raise ServiceError("INVALID", _("Institution: no such institution."), field="institution_id")
    return row


def _page(qs: Any, page: int, size: int) -> tuple[list, dict[str, int]]:
    return list(qs[(page - 1) * size : page * size]), {"count": qs.count(), "page": page, "page_size": size}


# ------------------------------------------------------------------------------------------ sickbeds


class SickbedIn(Schema):
    elder_id: Id
    institution_id: Id
    diagnosis_code: str = Field(min_length=1, max_length=10)
    doctor_id: Id
    nurse_id: Id
    criteria: list[Annotated[str, Field(max_length=32)]] = Field(max_length=20)
    care_plan: str = Field("", max_length=2000)
    visit_frequency: str = Field("weekly", max_length=16)
    applied_on: dt.date | None = None
    #: admit at once (建床 the same day): the bed is created and admitted in one step
    admit: bool = False
    planned_until: dt.date | None = None


class SickbedOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    institution_id: int
    status: str
    status_label: str
    diagnosis_code: str
    diagnosis_name: str
    criteria: list[str]
    doctor_id: int
    nurse_id: int
    care_plan: str
    visit_frequency: str
    applied_on: dt.date
    admitted_on: dt.date | None
    planned_until: dt.date | None
    last_reviewed_on: dt.date | None
    discharged_on: dt.date | None
    discharge_summary: str
    overdue_visits: int
    next_due: dt.date | None


class SickbedPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SickbedOut]


def sickbed_out(bed: FamilySickbed) -> dict[str, Any]:
    today = clock.today()
    due = [d for d in access.sickbed_due_visits(bed) if not d.cancelled and d.visit_id is None]
    return {
        "id": bed.pk,
        "elder_id": bed.elder_id,
        "elder_name": bed.elder.name,
        "institution_id": bed.institution_id,
        "status": bed.status,
        "status_label": services.SICKBED.state_label(bed.status),
        "diagnosis_code": bed.diagnosis_code,
        "diagnosis_name": bed.diagnosis_name,
        "criteria": bed.criteria,
        "doctor_id": bed.doctor_id,
        "nurse_id": bed.nurse_id,
        "care_plan": bed.care_plan,
        "visit_frequency": bed.visit_frequency,
        "applied_on": bed.applied_on,
        "admitted_on": bed.admitted_on,
        "planned_until": bed.planned_until,
        "last_reviewed_on": bed.last_reviewed_on,
        "discharged_on": bed.discharged_on,
        "discharge_summary": bed.discharge_summary,
        "overdue_visits": sum(1 for d in due if d.due_date < today) if bed.status == "admitted" else 0,
        "next_due": min((d.due_date for d in due if d.due_date >= today), default=None)
        if bed.status == "admitted"
        else None,
    }


class SickbedQuery(Schema):
    status: str | None = Field(None, max_length=12)
    elder: Id | None = None
    overdue: bool = False
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


@router.get("/sickbeds", response=SickbedPage)
@scoped
def list_sickbeds(request: HttpRequest, filters: Query[SickbedQuery]) -> dict:
    """家庭病床 in your scope, newest first; ``overdue=true`` keeps open beds with a planned visit missed."""
    qs = access.scope_sickbeds(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.overdue:
        qs = qs.filter(pk__in=access.overdue_visits(request.user).values("sickbed_id"))
    rows, meta = _page(qs.order_by("-applied_on", "-pk"), filters.page, filters.page_size)
    return {**meta, "results": [sickbed_out(b) for b in rows]}


@router.post("/sickbeds", response={201: SickbedOut})
@scoped
def create_sickbed(request: HttpRequest, payload: SickbedIn) -> Status:
    """家庭病床申请 (and 建床 at once with ``admit``): one transaction, nothing written on a refusal."""
    from django.db import transaction

    require_perm(request.user, "sickbed.change")
    elder = get_elder_for_user(request.user, payload.elder_id)
    with transaction.atomic():
        bed = services.apply_sickbed(
            elder,
            acting_user=request.user,  # type: ignore[arg-type]
            institution=_institution(payload.institution_id),
            diagnosis_code=payload.diagnosis_code,
            doctor=_user(payload.doctor_id, "doctor_id"),
            nurse=_user(payload.nurse_id, "nurse_id"),
            criteria=payload.criteria,
            care_plan=payload.care_plan,
            visit_frequency=payload.visit_frequency,
            applied_on=payload.applied_on,
        )
        if payload.admit:
            services.SICKBED.apply(
                bed,
                "admit",
                acting_user=request.user,
                admitted_on=payload.applied_on or clock.today(),
                planned_until=payload.planned_until,
            )
    return Status(201, sickbed_out(bed))


class SickbedTransitionIn(TransitionIn):
    """``admit`` (``admitted_on``, ``planned_until``), ``review`` (``reviewed_on``, conclusion in
    ``reason``, optional ``planned_until`` to extend), ``discharge`` (``discharged_on``, ``summary``),
    ``cancel`` (``reason``)."""

    admitted_on: dt.date | None = None
    planned_until: dt.date | None = None
    reviewed_on: dt.date | None = None
    discharged_on: dt.date | None = None
    summary: str = Field("", max_length=2000)


@router.post("/sickbeds/{sickbed_id}/transitions", response=TransitionOut)
@scoped
def sickbed_transition(request: HttpRequest, sickbed_id: int, payload: SickbedTransitionIn) -> dict:
    bed = access.get_sickbed_for_user(request.user, sickbed_id)
    extra = payload.dict(exclude={"action", "reason"}, exclude_none=True)
    t = services.SICKBED.apply(bed, payload.action, acting_user=request.user, reason=payload.reason, **extra)
    return transition_out(t)


@router.get("/sickbeds/{sickbed_id}/transitions", response=TransitionHistoryOut)
@scoped
def sickbed_transitions(request: HttpRequest, sickbed_id: int) -> dict:
    bed = access.get_sickbed_for_user(request.user, sickbed_id)
    return history_out(services.SICKBED, bed, request.user)


class VisitIn(Schema):
    visited_on: dt.date | None = None
    care_given: str = Field(min_length=1, max_length=2000)
    findings: str = Field("", max_length=2000)
    bp_systolic: int | None = Field(None, ge=0, le=400)
    bp_diastolic: int | None = Field(None, ge=0, le=400)


class VisitOut(Schema):
    id: int
    sickbed_id: int
    visited_on: dt.date
    visited_by: str
    care_given: str
    findings: str
    planned_visit: int | None


def visit_out(v: SickbedVisit) -> dict[str, Any]:
    due = getattr(v, "due_visit", None)
    return {
        "id": v.pk,
        "sickbed_id": v.sickbed_id,
        "visited_on": v.visited_on,
        "visited_by": v.visited_by.get_username(),
        "care_given": v.care_given,
        "findings": v.findings,
        "planned_visit": due.sequence if due else None,
    }


@router.post("/sickbeds/{sickbed_id}/visits", response={201: VisitOut})
@scoped
def create_visit(request: HttpRequest, sickbed_id: int, payload: VisitIn) -> Status:
    """查床/上门: a visit to an open bed (409 naming the state otherwise)."""
    bed = access.get_sickbed_for_user(request.user, sickbed_id)
    visit = services.record_visit(bed, acting_user=request.user, **payload.dict())  # type: ignore[arg-type]
    return Status(201, visit_out(visit))


# ------------------------------------------------------------------------------------- service orders


class OrderIn(Schema):
    elder_id: Id
    service_code: str = Field(min_length=1, max_length=32)
    institution_id: Id
    booked_at: dt.datetime
    channel: str = Field("", max_length=16)
    contact_name: str = Field("", max_length=40)
    contact_relation: str = Field("", max_length=20)
    doctor_order: str = Field("", max_length=120)
    note: str = Field("", max_length=200)


class OrderOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    institution_id: int
    service_code: str
    service_name: str
    status: str
    status_label: str
    channel: str
    booked_at: dt.datetime
    eligibility: list[dict]
    home_safety: dict
    nurse_id: int | None
    assigned_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    care_record: str
    rating: int | None
    complaint: str
    fee: Decimal
    settlement: str
    late: bool


class OrderPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[OrderOut]


def order_out(o: ServiceOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "elder_id": o.elder_id,
        "elder_name": o.elder.name,
        "institution_id": o.institution_id,
        "service_code": o.service_code,
        "service_name": o.service_name,
        "status": o.status,
        "status_label": services.SERVICE_ORDER.state_label(o.status),
        "channel": o.channel,
        "booked_at": o.booked_at,
        "eligibility": o.eligibility,
        "home_safety": o.home_safety,
        "nurse_id": o.nurse_id,
        "assigned_at": o.assigned_at,
        "checked_in_at": o.checked_in_at,
        "checked_out_at": o.checked_out_at,
        "care_record": o.care_record,
        "rating": o.rating,
        "complaint": o.complaint,
        "fee": o.fee,
        "settlement": o.settlement,
        "late": o.status in ("requested", "accepted", "assigned") and o.booked_at < clock.now(),
    }


class OrderQuery(Schema):
    status: str | None = Field(None, max_length=12)
    elder: Id | None = None
    #: mine: assigned to me; unassigned: waiting for acceptance or a nurse; late: booked time passed
    view: str = Field("", max_length=12)
    date: dt.date | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


@router.get("/service-orders", response=OrderPage)
@scoped
def list_orders(request: HttpRequest, filters: Query[OrderQuery]) -> dict:
    """互联网+护理服务 orders you may see (assigned to you, requested by you, your order desk's, or your
    elders'); ``view=mine|unassigned|late``; ``date`` keeps orders booked that day."""
    views = {
        "": access.scope_orders,
        "mine": lambda u: access.scope_orders(u).filter(nurse_id=u.pk),
        "unassigned": access.unassigned_orders,
        "late": access.late_orders,
    }
    if filters.view not in views:
        raise ServiceError("INVALID", _("view: one of mine, unassigned, late."), field="view")
    qs = views[filters.view](request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.date:
        start = timezone.make_aware(dt.datetime.combine(filters.date, dt.time.min))
        qs = qs.filter(booked_at__gte=start, booked_at__lt=start + dt.timedelta(days=1))
    rows, meta = _page(qs.order_by("booked_at", "pk"), filters.page, filters.page_size)
    return {**meta, "results": [order_out(o) for o in rows]}


@router.post("/service-orders", response={201: OrderOut})
@scoped
def create_order(request: HttpRequest, payload: OrderIn) -> Status:
    """线上申请: by staff, a family doctor, or on behalf of the family (``channel=family`` with the
    contact). The catalogue's conditions are checked; an unmet one is 422 naming it."""
    require_perm(request.user, "order.request")
    elder = get_elder_for_user(request.user, payload.elder_id)
    booked = payload.booked_at
    if timezone.is_naive(booked):
        booked = timezone.make_aware(booked)
    order = services.request_order(
        elder,
        acting_user=request.user,  # type: ignore[arg-type]
        service_code=payload.service_code,
        institution=_institution(payload.institution_id),
        booked_at=booked,
        channel=payload.channel,
        contact_name=payload.contact_name,
        contact_relation=payload.contact_relation,
        doctor_order=payload.doctor_order,
        note=payload.note,
    )
    return Status(201, order_out(order))


class OrderTransitionIn(TransitionIn):
    """``accept`` (``home_safety``: every item of the checklist true), ``reject`` (``reason``),
    ``assign`` (``nurse_id``), ``check_in``, ``check_out`` (``care_record``), ``rate`` (``rating`` 1–5,
    ``complaint``), ``close`` (``reason``), ``settle`` (``settlement``: settled | waived), ``cancel``."""

    home_safety: dict[str, bool] | None = None
    nurse_id: Id | None = None
    care_record: str = Field("", max_length=4000)
    rating: int | None = None
    complaint: str = Field("", max_length=300)
    settlement: str = Field("", max_length=10)


@router.post("/service-orders/{order_id}/transitions", response=TransitionOut)
@scoped
def order_transition(request: HttpRequest, order_id: int, payload: OrderTransitionIn) -> dict:
    order = access.get_order_for_user(request.user, order_id)
    extra = {
        "home_safety": payload.home_safety,
        "nurse": payload.nurse_id,
        "care_record": payload.care_record or None,
        "rating": payload.rating,
        "complaint": payload.complaint or None,
        "settlement": payload.settlement or None,
    }
    try:
        t = services.SERVICE_ORDER.apply(
            order,
            payload.action,
            acting_user=request.user,
            reason=payload.reason,
            **{k: v for k, v in extra.items() if v is not None},
        )
    except ServiceError as exc:
        if exc.field == "nurse":
            exc.field = "nurse_id"
        raise
    return transition_out(t)


@router.get("/service-orders/{order_id}/transitions", response=TransitionHistoryOut)
@scoped
def order_transitions(request: HttpRequest, order_id: int) -> dict:
    order = access.get_order_for_user(request.user, order_id)
    return history_out(services.SERVICE_ORDER, order, request.user)
