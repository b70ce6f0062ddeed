"""django-ninja In/Out schemas of the health API. Inputs are the service inputs; the 体检表 schema is
generated from the model so every row of the form can be sent, each optional but ``check_date``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from ninja.orm import create_schema
from pydantic import Field

from yiyang.core.schemas import TransitionIn

from .fields import CHECK_COMPUTED_FIELDS, CHECK_INPUT_FIELDS, FOLLOWUP_DECISION_FIELDS, FOLLOWUP_INPUT_FIELDS
from .models import ChronicFollowUp, Contract, HealthCheck

#: a record id as the API accepts it (beyond this no row can exist)
Id = Annotated[int, Field(ge=1, le=2**53)]
Year = Annotated[int, Field(ge=1900, le=2100)]

_CheckFields = create_schema(
    HealthCheck,
    name="HealthCheckFields",
    fields=[f for f in CHECK_INPUT_FIELDS if f != "check_date"],
    optional_fields="__all__",
)


class HealthCheckIn(_CheckFields):  # type: ignore[misc,valid-type]
    elder_id: Id
    check_date: dt.date
    confirm_warnings: bool = False


HealthCheckOut = create_schema(
    HealthCheck,
    name="HealthCheckOut",
    fields=[
        "id",
        "elder",
        "year",
        "institution",
        "doctor",
        *CHECK_COMPUTED_FIELDS,
        *CHECK_INPUT_FIELDS,
    ],
)


class CheckPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[HealthCheckOut]  # type: ignore[valid-type]


_FollowUpFields = create_schema(
    ChronicFollowUp,
    name="FollowUpFields",
    fields=[f for f in FOLLOWUP_INPUT_FIELDS if f not in ("visit_date", "method")],
    optional_fields="__all__",
)


class FollowUpIn(_FollowUpFields):  # type: ignore[misc,valid-type]
    case_id: Id
    visit_date: dt.date
    method: str


FollowUpOut = create_schema(
    ChronicFollowUp,
    name="FollowUpOut",
    fields=[
        "id",
        "case",
        "elder",
        *FOLLOWUP_DECISION_FIELDS,
        "doctor",
        *FOLLOWUP_INPUT_FIELDS,
    ],
)


class FollowUpPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[FollowUpOut]  # type: ignore[valid-type]


class CaseIn(Schema):
    elder_id: Id
    disease: str
    diagnosed_on: dt.date
    source: str
    enrolled_on: dt.date | None = None


class CaseOut(Schema):
    id: int
    elder_id: Id
    disease: str
    icd10_code: str
    diagnosed_on: dt.date
    source: str
    enrolled_on: dt.date
    closed_on: dt.date | None
    next_visit_due: dt.date | None


class ContractIn(Schema):
    elder_id: Id
    team_id: Id
    doctor_id: Id
    packages: list[str]
    signed_on: dt.date
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    signer: str = "self"
    proxy_name: str = ""
    proxy_relation: str = ""


class ContractOut(Schema):
    id: int
    elder_id: Id
    team_id: Id
    doctor_id: Id
    signed_on: dt.date
    start_date: dt.date
    end_date: dt.date
    signer: str
    status: str
    ended_on: dt.date | None
    end_reason: str
    renewal_of_id: int | None
    packages: list[str]
    services_due: int
    services_delivered: int
    fulfilment_rate: Decimal | None


class ContractPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ContractOut]


class EndContractIn(Schema):
    ended_on: dt.date
    reason: str


class ContractTransitionIn(TransitionIn):
    """``end`` with ``ended_on`` (the last day in force) and a ``reason``; ``renew`` with ``signed_on``
    (the renewal keeps the team, doctor and packages; its id is in the history row's details)."""

    ended_on: dt.date | None = None
    signed_on: dt.date | None = None


class TimelineEntryOut(Schema):
    date: dt.date
    kind: str
    title: str
    summary: str
    id: int


class TimelineOut(Schema):
    elder_id: Id
    page: int
    has_more: bool
    results: list[TimelineEntryOut]


def contract_out(contract: Contract, day: dt.date, fulfilment: Any) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "elder_id": contract.elder_id,
        "team_id": contract.team_id,
        "doctor_id": contract.doctor_id,
        "signed_on": contract.signed_on,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "signer": contract.signer,
        "status": contract.status,
        "ended_on": contract.ended_on,
        "end_reason": contract.end_reason,
        "renewal_of_id": contract.renewal_of_id,
        "packages": [p.code for p in contract.packages.all()],
        "services_due": fulfilment.due,
        "services_delivered": fulfilment.delivered,
        "fulfilment_rate": fulfilment.rate,
    }
