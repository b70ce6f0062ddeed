"""API shapes of agreements, in-house clinics, rounds and home visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from yiyang.core import clock
from yiyang.core.schemas import InstitutionRef, TransitionIn

from .models import Agreement, HomeVisit, InHouseClinic, Round, RoundFinding
from .services import agreements as agreement_services
from .services import home_visits as visit_services

Id = Annotated[int, Field(ge=1, le=2**53)]
Text = Annotated[str, Field(max_length=2000)]


class PageQuery(Schema):
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class AgreementQuery(PageQuery):
    status: str = ""
    institution: Id | None = None
    in_force_on: dt.date | None = None


class UserRef(Schema):
    id: int
    name: str


class AgreementIn(Schema):
    eldercare_institution_id: Id
    medical_institution_id: Id
    services: list[Annotated[str, Field(max_length=32)]] = Field(max_length=20)
    round_frequency: Annotated[str, Field(max_length=16)] = ""
    responsible_doctor_id: Id
    responsible_nurse_id: Id | None = None
    start_date: dt.date
    end_date: dt.date
    green_accept_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    green_arrive_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    number: Annotated[str, Field(max_length=40)] = ""
    note: Annotated[str, Field(max_length=200)] = ""


class AgreementOut(Schema):
    id: int
    number: str
    eldercare_institution: InstitutionRef
    medical_institution: InstitutionRef
    services: list[str]
    services_label: str
    round_frequency: str
    green_accept_minutes: int | None
    green_arrive_minutes: int | None
    responsible_doctor: UserRef | None
    responsible_nurse: UserRef | None
    signed_on: dt.date | None
    start_date: dt.date
    end_date: dt.date
    status: str
    status_label: str
    in_force: bool
    terminated_on: dt.date | None
    end_reason: str
    previous_id: int | None
    renewal_id: int | None
    has_document: bool
    days_left: int | None


class AgreementPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AgreementOut]


class AgreementTransitionIn(TransitionIn):
    """``sign`` (``signed_on``, default today); ``renew`` (``end_date``, ``signed_on``); ``terminate``
    (``reason``, ``terminated_on``: the last day in force, default today)."""

    signed_on: dt.date | None = None
    end_date: dt.date | None = None
    terminated_on: dt.date | None = None


def _user(u: Any) -> dict[str, Any] | None:
    return {"id": u.pk, "name": str(u)} if u is not None else None


def _inst(i: Any) -> dict[str, Any]:
    return {"id": i.pk, "name": i.name, "kind": i.kind}


def agreement_out(a: Agreement) -> dict[str, Any]:
    today = clock.today()
    renewal = getattr(a, "renewal", None) if a.pk else None
    return {
        "id": a.pk,
        "number": a.number,
        "eldercare_institution": _inst(a.eldercare_institution),
        "medical_institution": _inst(a.medical_institution),
        "services": list(a.services or []),
        "services_label": agreement_services.services_label(a.services or []),
        "round_frequency": a.round_frequency,
        "green_accept_minutes": a.green_accept_minutes,
        "green_arrive_minutes": a.green_arrive_minutes,
        "responsible_doctor": _user(a.responsible_doctor),
        "responsible_nurse": _user(a.responsible_nurse),
        "signed_on": a.signed_on,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "in_force": a.is_in_force_on(today),
        "terminated_on": a.terminated_on,
        "end_reason": a.end_reason,
        "previous_id": a.previous_id,
        "renewal_id": renewal.pk if renewal else None,
        "has_document": bool(a.document),
        "days_left": (a.effective_end - today).days if a.is_in_force_on(today) else None,
    }


class ClinicIn(Schema):
    eldercare_institution_id: Id
    kind: Annotated[str, Field(max_length=20)]
    licence_no: Annotated[str, Field(max_length=40)]
    valid_from: dt.date
    valid_to: dt.date | None = None
    name: Annotated[str, Field(max_length=100)] = ""


class ClinicOut(Schema):
    id: int
    eldercare_institution: InstitutionRef
    kind: str
    kind_label: str
    name: str
    licence_no: str
    valid_from: dt.date
    valid_to: dt.date | None
    valid_today: bool


def clinic_out(c: InHouseClinic) -> dict[str, Any]:
    return {
        "id": c.pk,
        "eldercare_institution": _inst(c.eldercare_institution),
        "kind": c.kind,
        "kind_label": str(c.get_kind_display()),
        "name": c.name,
        "licence_no": c.licence_no,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "valid_today": c.is_valid_on(clock.today()),
    }


class FindingSchema(Schema):
    elder_id: Id
    findings: Text
    advice: Text = ""
    prescription: Text = ""
    follow_up_on: dt.date | None = None
    refer_urgently: bool = False


class RoundIn(Schema):
    agreement_id: Id
    visited_on: dt.date
    staff_ids: list[Id] = Field(default_factory=list, max_length=20)
    other_staff: Annotated[str, Field(max_length=120)] = ""
    summary: Annotated[str, Field(max_length=4000)] = ""
    findings: list[FindingSchema] = Field(default_factory=list, max_length=500)


class FindingOut(Schema):
    elder_id: int
    elder_name: str
    findings: str
    advice: str
    prescription: str
    follow_up_on: dt.date | None
    refer_urgently: bool


class RoundOut(Schema):
    id: int
    agreement_id: int
    eldercare_institution: InstitutionRef
    medical_institution: InstitutionRef
    visited_on: dt.date
    staff: list[UserRef]
    other_staff: str
    summary: str
    planned_on: dt.date | None
    late: bool
    findings: list[FindingOut]


class RoundQuery(PageQuery):
    agreement: Id | None = None


class RoundPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[RoundOut]


def round_out(r: Round, findings: list[RoundFinding]) -> dict[str, Any]:
    planned = getattr(r, "planned", None)
    return {
        "id": r.pk,
        "agreement_id": r.agreement_id,
        "eldercare_institution": _inst(r.agreement.eldercare_institution),
        "medical_institution": _inst(r.agreement.medical_institution),
        "visited_on": r.visited_on,
        "staff": [_user(u) for u in r.staff.all()],
        "other_staff": r.other_staff,
        "summary": r.summary,
        "planned_on": planned.due_date if planned else None,
        "late": bool(planned and r.visited_on > planned.on_time_until),
        "findings": [
            {
                "elder_id": f.elder_id,
                "elder_name": f.elder.name,
                "findings": f.findings,
                "advice": f.advice,
                "prescription": f.prescription,
                "follow_up_on": f.follow_up_on,
                "refer_urgently": f.refer_urgently,
            }
            for f in findings
        ],
    }


class HomeVisitIn(Schema):
    elder_id: Id
    basis: Annotated[str, Field(max_length=16)]
    visited_on: dt.date
    services: list[Annotated[str, Field(max_length=32)]] = Field(max_length=10)
    staff_ids: list[Id] = Field(max_length=10)
    family_present: Annotated[str, Field(max_length=40)]
    family_relation: Annotated[str, Field(max_length=20)] = ""
    systolic: Annotated[int, Field(ge=0, le=400)] | None = None
    diastolic: Annotated[int, Field(ge=0, le=300)] | None = None
    glucose: Annotated[Decimal, Field(ge=0, le=99, max_digits=4, decimal_places=1)] | None = None
    findings: Text
    advice: Text = ""


class HomeVisitOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    institution: InstitutionRef
    basis: str
    basis_label: str
    visited_on: dt.date
    services: list[str]
    services_label: str
    staff: list[UserRef]
    family_present: str
    family_relation: str
    systolic: int | None
    diastolic: int | None
    glucose: Decimal | None
    findings: str
    advice: str


class HomeVisitQuery(PageQuery):
    elder: Id | None = None
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None


class HomeVisitPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[HomeVisitOut]


def home_visit_out(v: HomeVisit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "elder_id": v.elder_id,
        "elder_name": v.elder.name,
        "institution": _inst(v.institution),
        "basis": v.basis,
        "basis_label": str(v.get_basis_display()),
        "visited_on": v.visited_on,
        "services": list(v.services or []),
        "services_label": visit_services.services_label(v.services or []),
        "staff": [_user(u) for u in v.staff.all()],
        "family_present": v.family_present,
        "family_relation": v.family_relation,
        "systolic": v.systolic,
        "diastolic": v.diastolic,
        "glucose": v.glucose,
        "findings": v.findings,
        "advice": v.advice,
    }
