"""Endpoints of agreements, in-house clinics, rounds and home visits (mounted by ``care/api.py``).

Handlers parse, scope (:mod:`yiyang.care.access`), call a service and respond; out of scope is 404
like missing; refusals are 4xx with Chinese field errors (``ServiceError``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionOut
from yiyang.core.scoping import get_elder_for_user, get_institution_for_user, has_perm
from yiyang.core.transitions import history_out, transition_out

from . import access
from .schemas_agreements import (
    AgreementIn,
    AgreementOut,
    AgreementPage,
    AgreementQuery,
    AgreementTransitionIn,
    ClinicIn,
    ClinicOut,
    HomeVisitIn,
    HomeVisitOut,
    HomeVisitPage,
    HomeVisitQuery,
    RoundIn,
    RoundOut,
    RoundPage,
    RoundQuery,
    agreement_out,
    clinic_out,
    home_visit_out,
    round_out,
)
from .services import agreements as agreement_services
from .services import clinics as clinic_services
from .services import home_visits as visit_services
from .services import rounds as round_services

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["care"])


def _page(qs: Any, q: Any) -> tuple[list, dict[str, int]]:
    return list(qs[(q.page - 1) * q.page_size : q.page * q.page_size]), {
        "count": qs.count(),
        "page": q.page,
        "page_size": q.page_size,
    }


def _staff_user(pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        labels = {
            "responsible_doctor_id": _("Responsible doctor"),
            "responsible_nurse_id": _("Responsible nurse"),
            "staff_ids": _("Staff"),
        }
        raise ServiceError(
            "INVALID", _("%(field)s: no such user.") % {"field": labels.get(field, field)}, field=field
        )
    return user


def _institution(request: HttpRequest, pk: int, field: str) -> Any:
    try:
        return get_institution_for_user(request.user, pk)
    except Exception:
        raise ServiceError("INVALID", _("Institution: not found."), field=field) from None


# -------------------------------------------------------------------------------------- agreements


@router.get("/agreements", response=AgreementPage)
@scoped
def list_agreements(request: HttpRequest, filters: Query[AgreementQuery]) -> dict:
    """医养签约协议 in your scope: a home its own, a medical institution its own, officers their region's."""
    qs = access.scope_agreements(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.institution:
        qs = qs.filter(eldercare_institution_id=filters.institution) | qs.filter(
            medical_institution_id=filters.institution
        )
    if filters.in_force_on:
        qs = qs.filter(agreement_services.in_force_q(filters.in_force_on))
    rows, meta = _page(qs.order_by("-start_date", "-pk"), filters)
    return {**meta, "results": [agreement_out(a) for a in rows]}


@router.post("/agreements", response={201: AgreementOut})
@scoped
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Status:
    """A draft agreement (草稿): sign it with ``POST …/transitions {"action": "sign"}`` once the signed
    document is uploaded (``POST …/document``)."""
    if not has_perm(request.user, "agreement.manage"):
        raise PermissionDenied
    home = _institution(request, payload.eldercare_institution_id, "eldercare_institution_id")
    medical = _institution(request, payload.medical_institution_id, "medical_institution_id")
    terms = agreement_services.Terms(
        services=payload.services,
        round_frequency=payload.round_frequency,
        responsible_doctor=_staff_user(payload.responsible_doctor_id, "responsible_doctor_id"),
        responsible_nurse=_staff_user(payload.responsible_nurse_id, "responsible_nurse_id"),
        start_date=payload.start_date,
        end_date=payload.end_date,
        green_accept_minutes=payload.green_accept_minutes,
        green_arrive_minutes=payload.green_arrive_minutes,
        number=payload.number,
        note=payload.note,
    )
    agreement = agreement_services.create_agreement(
        acting_user=cast("User", request.user),
        eldercare_institution=home,
        medical_institution=medical,
        terms=terms,
    )
    return Status(201, agreement_out(agreement))


@router.get("/agreements/{agreement_id}", response=AgreementOut)
@scoped
def get_agreement(request: HttpRequest, agreement_id: int) -> dict:
    return agreement_out(access.get_agreement_for_user(request.user, agreement_id))


@router.post("/agreements/{agreement_id}/document", response=AgreementOut)
@scoped
def upload_document(request: HttpRequest, agreement_id: int, document: File[UploadedFile]) -> dict:
    """The signed document: a PDF, JPEG or PNG (recognised by content) of at most 10 MB."""
    agreement = access.get_agreement_for_user(request.user, agreement_id)
    agreement = agreement_services.attach_document(
        agreement, acting_user=cast("User", request.user), upload=document
    )
    return agreement_out(agreement)


@router.post("/agreements/{agreement_id}/transitions", response=TransitionOut)
@scoped
def agreement_transition(request: HttpRequest, agreement_id: int, payload: AgreementTransitionIn) -> dict:
    """The agreement's state machine: ``sign``, ``renew`` (``end_date``), ``terminate`` (``reason``,
    ``terminated_on``). ``expire`` is the system's. A move the state does not allow is 409
    ``TRANSITION_NOT_ALLOWED`` naming the current state."""
    agreement = access.get_agreement_for_user(request.user, agreement_id)
    extra = {
        k: v
        for k, v in {
            "signed_on": payload.signed_on,
            "end_date": payload.end_date,
            "terminated_on": payload.terminated_on,
        }.items()
        if v is not None
    }
    t = agreement_services.AGREEMENT.apply(
        agreement, payload.action, acting_user=request.user, reason=payload.reason, **extra
    )
    return transition_out(t)


@router.get("/agreements/{agreement_id}/transitions", response=TransitionHistoryOut)
@scoped
def agreement_transitions(request: HttpRequest, agreement_id: int) -> dict:
    agreement = access.get_agreement_for_user(request.user, agreement_id)
    return history_out(agreement_services.AGREEMENT, agreement, request.user)


# ---------------------------------------------------------------------------------------- clinics


@router.get("/inhouse-clinics", response=list[ClinicOut])
@scoped
def list_clinics(request: HttpRequest) -> list:
    return [clinic_out(c) for c in access.scope_clinics(request.user)[:500]]


@router.post("/inhouse-clinics", response={201: ClinicOut})
@scoped
def create_clinic(request: HttpRequest, payload: ClinicIn) -> Status:
    if not has_perm(request.user, "clinic.manage"):
        raise PermissionDenied
    home = _institution(request, payload.eldercare_institution_id, "eldercare_institution_id")
    clinic = clinic_services.register_clinic(
        home,
        acting_user=cast("User", request.user),
        kind=payload.kind,
        licence_no=payload.licence_no,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        name=payload.name,
    )
    return Status(201, clinic_out(clinic))


# ----------------------------------------------------------------------------------------- rounds


@router.get("/rounds", response=RoundPage)
@scoped
def list_rounds(request: HttpRequest, filters: Query[RoundQuery]) -> dict:
    """Rounds under the agreements in your scope; each round's findings only for residents you may see."""
    qs = access.scope_rounds(request.user)
    if filters.agreement:
        qs = qs.filter(agreement_id=filters.agreement)
    rows, meta = _page(qs, filters)
    findings: dict[int, list] = {}
    for f in access.visible_findings(request.user, [r.pk for r in rows]):
        findings.setdefault(f.round_id, []).append(f)
    return {**meta, "results": [round_out(r, findings.get(r.pk, [])) for r in rows]}


@router.post("/rounds", response={201: RoundOut})
@scoped
def create_round(request: HttpRequest, payload: RoundIn) -> Status:
    """巡诊记录 under an agreement in force that day, with findings per resident seen."""
    if not has_perm(request.user, "round.record"):
        raise PermissionDenied
    try:
        agreement = access.get_agreement_for_user(request.user, payload.agreement_id)
    except Exception:
        raise ServiceError("INVALID", _("Agreement: not found."), field="agreement_id") from None
    staff = [_staff_user(pk, "staff_ids") for pk in payload.staff_ids]
    record = round_services.record_round(
        agreement,
        acting_user=cast("User", request.user),
        visited_on=payload.visited_on,
        staff=staff,
        other_staff=payload.other_staff,
        summary=payload.summary,
        findings=[round_services.FindingIn(**f.dict()) for f in payload.findings],
    )
    record = access.get_round_for_user(request.user, record.pk)
    findings = list(access.visible_findings(request.user, [record.pk]))
    return Status(201, round_out(record, findings))


# ------------------------------------------------------------------------------------ home visits


@router.get("/home-visits", response=HomeVisitPage)
@scoped
def list_home_visits(request: HttpRequest, filters: Query[HomeVisitQuery]) -> dict:
    """上门服务 records of the elders in your scope, newest first."""
    qs = access.scope_home_visits(request.user)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.year:
        qs = qs.filter(visited_on__year=filters.year)
    rows, meta = _page(qs, filters)
    return {**meta, "results": [home_visit_out(v) for v in rows]}


@router.post("/home-visits", response={201: HomeVisitOut})
@scoped
def create_home_visit(request: HttpRequest, payload: HomeVisitIn) -> Status:
    if not has_perm(request.user, "homevisit.record"):
        raise PermissionDenied
    try:
        elder = get_elder_for_user(request.user, payload.elder_id)
    except Exception:
        raise ServiceError("INVALID", _("Elder: not found."), field="elder_id") from None
    visit = visit_services.record_home_visit(
        elder,
        acting_user=cast("User", request.user),
        basis=payload.basis,
        visited_on=payload.visited_on,
        services=payload.services,
        staff=[_staff_user(pk, "staff_ids") for pk in payload.staff_ids],
        family_present=payload.family_present,
        family_relation=payload.family_relation,
        systolic=payload.systolic,
        diastolic=payload.diastolic,
        glucose=payload.glucose,
        findings=payload.findings,
        advice=payload.advice,
    )
    return Status(201, home_visit_out(visit))
