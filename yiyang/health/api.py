"""Health endpoints: checks, chronic cases and follow-ups, contracts, the elder's timeline.

Handlers parse, scope (:mod:`yiyang.health.queries`, which starts from core scoping), call a service
and respond. Out of scope is 404 like missing; refusals are 4xx with Chinese field errors.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionOut
from yiyang.core.scoping import has_perm
from yiyang.core.transitions import history_out, transition_out

from . import queries, services
from .models import ServicePackage, TeamMember
from .schemas import (
    CaseIn,
    CaseOut,
    CheckPage,
    ContractIn,
    ContractOut,
    ContractPage,
    ContractTransitionIn,
    EndContractIn,
    FollowUpIn,
    FollowUpOut,
    FollowUpPage,
    HealthCheckIn,
    HealthCheckOut,
    Id,
    TimelineOut,
    Year,
    contract_out,
)

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["health"])
MAX_PAGE_SIZE = 100


class ListQuery(Schema):
    elder: Id | None = None
    year: Year | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


def _page(qs: Any, q: ListQuery) -> tuple[list, dict[str, int]]:
    page, size = max(1, q.page), min(max(1, q.page_size), MAX_PAGE_SIZE)
    return list(qs[(page - 1) * size : page * size]), {"count": qs.count(), "page": page, "page_size": size}


def _require(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


# ------------------------------------------------------------------------------------------ checks


@router.get("/health-checks", response=CheckPage)
@scoped
def list_checks(request: HttpRequest, filters: Query[ListQuery]) -> dict:
    """健康体检表 in your scope, newest first; filter by ``elder`` and ``year``."""
    qs = queries.scope_checks(request.user)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.year:
        qs = qs.filter(year=filters.year)
    rows, meta = _page(qs.order_by("-check_date", "-pk"), filters)
    services.record_list_view(
        acting_user=request.user, elders=[r.elder for r in rows], what=_("Health checks (list)")
    )
    return {**meta, "results": rows}


@router.get("/health-checks/{check_id}", response=HealthCheckOut)
@scoped
def get_check(request: HttpRequest, check_id: int) -> Any:
    check = queries.get_check(request.user, check_id)
    core_services.record_view(check.elder, acting_user=request.user)
    return check


@router.post("/health-checks", response={201: HealthCheckOut})
@scoped
def create_check(request: HttpRequest, payload: HealthCheckIn) -> Status:
    """Record a 健康体检表. Impossible values answer 422 ``IMPLAUSIBLE``; unusual ones 422
    ``CONFIRM_WARNINGS`` until sent again with ``confirm_warnings: true``."""
    _require(request, "health.change")
    elder = queries.get_health_elder(request.user, payload.elder_id)
    data = payload.dict(exclude={"elder_id", "confirm_warnings"}, exclude_unset=True)
    check = services.record_health_check(
        elder, acting_user=request.user, data=data, confirm_warnings=payload.confirm_warnings
    )
    return Status(201, check)


# ----------------------------------------------------------------------------------------- chronic


@router.get("/chronic-cases", response=list[CaseOut])
@scoped
def list_cases(request: HttpRequest, elder: Id | None = None, disease: str = "") -> Any:
    qs = queries.scope_cases(request.user)
    if elder:
        qs = qs.filter(elder_id=elder)
    if disease:
        qs = qs.filter(disease=disease)
    rows = list(qs.order_by("pk")[:MAX_PAGE_SIZE])
    services.record_list_view(
        acting_user=request.user, elders=[r.elder for r in rows], what=_("Chronic disease cases (list)")
    )
    return rows


@router.post("/chronic-cases", response={201: CaseOut})
@scoped
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    """纳入高血压/2型糖尿病患者管理."""
    _require(request, "health.change")
    elder = queries.get_health_elder(request.user, payload.elder_id)
    case = services.enrol_case(
        elder,
        acting_user=request.user,
        disease=payload.disease,
        diagnosed_on=payload.diagnosed_on,
        source=payload.source,
        enrolled_on=payload.enrolled_on,
    )
    return Status(201, case)


class FollowUpQuery(ListQuery):
    case: Id | None = None


@router.get("/chronic-followups", response=FollowUpPage)
@scoped
def list_followups(request: HttpRequest, filters: Query[FollowUpQuery]) -> dict:
    qs = queries.scope_followups(request.user)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.case:
        qs = qs.filter(case_id=filters.case)
    if filters.year:
        qs = qs.filter(visit_date__year=filters.year)
    rows, meta = _page(qs.order_by("-visit_date", "-pk"), filters)
    services.record_list_view(
        acting_user=request.user, elders=[r.elder for r in rows], what=_("Chronic disease follow-ups (list)")
    )
    return {**meta, "results": rows}


@router.post("/chronic-followups", response={201: FollowUpOut})
@scoped
def create_followup(request: HttpRequest, payload: FollowUpIn) -> Status:
    """随访服务记录: classification, next step and next visit date are computed from the standard's
    decision table and returned."""
    _require(request, "health.change")
    case = queries.get_case(request.user, payload.case_id)
    data = payload.dict(exclude={"case_id"}, exclude_unset=True)
    return Status(201, services.record_followup(case, acting_user=request.user, data=data))


# --------------------------------------------------------------------------------------- contracts


class ContractQuery(ListQuery):
    team: Id | None = None
    valid_on: dt.date | None = None


@router.get("/contracts", response=ContractPage)
@scoped
def list_contracts(request: HttpRequest, filters: Query[ContractQuery]) -> dict:
    """Family-doctor contracts in your scope; ``valid_on`` keeps those in force that day."""
    qs = queries.scope_contracts(request.user).prefetch_related("packages")
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.valid_on:
        qs = queries.valid_contracts(qs, filters.valid_on)
    rows, meta = _page(qs.order_by("-start_date", "-pk"), filters)
    services.record_list_view(
        acting_user=request.user, elders=[r.elder for r in rows], what=_("Family doctor contracts (list)")
    )
    day = clock.today()
    return {**meta, "results": [contract_out(c, day, queries.contract_fulfilment(c, day)) for c in rows]}


def _team_for(request: HttpRequest, team_id: int) -> Any:
    return queries.get_team(request.user, team_id)


@router.post("/contracts", response={201: ContractOut})
@scoped
def create_contract(request: HttpRequest, payload: ContractIn) -> Status:
    """签约: one contract per elder at a time; the services due are generated from the packages."""
    _require(request, "contract.change")
    elder = queries.get_health_elder(request.user, payload.elder_id)
    team = _team_for(request, payload.team_id)
    member = (
        TeamMember.objects.filter(team=team, user_id=payload.doctor_id, is_active=True)
        .select_related("user")
        .first()
    )
    if member is None:
        raise ServiceError(
            "DOCTOR_NOT_IN_TEAM", _("Family doctor: must be a member of the team."), field="doctor_id"
        )
    packages = list(ServicePackage.objects.filter(code__in=payload.packages, is_active=True))
    if len(packages) != len(set(payload.packages)):
        raise ServiceError("INVALID", _("Service packages: unknown code."), field="packages")
    try:
        contract = services.sign_contract(
            elder,
            acting_user=request.user,
            team=team,
            doctor=member.user,
            packages=packages,
            signed_on=payload.signed_on,
            start_date=payload.start_date,
            end_date=payload.end_date,
            signer=payload.signer,
            proxy_name=payload.proxy_name,
            proxy_relation=payload.proxy_relation,
        )
    except ServiceError as exc:
        if exc.field in ("team", "doctor"):  # the payload names them team_id, doctor_id
            exc.field = f"{exc.field}_id"
        raise
    day = clock.today()
    return Status(201, contract_out(contract, day, queries.contract_fulfilment(contract, day)))


@router.post("/contracts/{contract_id}/end", response=ContractOut)
@scoped
def end_contract(request: HttpRequest, contract_id: int, payload: EndContractIn) -> dict:
    _require(request, "contract.change")
    contract = queries.get_contract(request.user, contract_id)
    contract = services.end_contract(
        contract, acting_user=request.user, ended_on=payload.ended_on, reason=payload.reason
    )
    day = clock.today()
    return contract_out(contract, day, queries.contract_fulfilment(contract, day))


@router.post("/contracts/{contract_id}/transitions", response=TransitionOut)
@scoped
def contract_transition(request: HttpRequest, contract_id: int, payload: ContractTransitionIn) -> dict:
    """The contract's state machine: ``end`` (解约; ``ended_on``, ``reason``) or ``renew`` (续约;
    ``signed_on``). A move the current state does not allow, or an unknown action, is 409
    ``TRANSITION_NOT_ALLOWED`` naming the current state."""
    contract = queries.get_contract(request.user, contract_id)
    t = services.CONTRACT.apply(
        contract,
        payload.action,
        acting_user=request.user,
        reason=payload.reason,
        ended_on=payload.ended_on,
        signed_on=payload.signed_on,
    )
    return transition_out(t)


@router.get("/contracts/{contract_id}/transitions", response=TransitionHistoryOut)
@scoped
def contract_transitions(request: HttpRequest, contract_id: int) -> dict:
    """The contract's state, the actions you may take, and its moves, oldest first."""
    contract = queries.get_contract(request.user, contract_id)
    core_services.record_view(
        contract.elder, acting_user=cast("User", request.user), what=_("Family doctor contract")
    )
    return history_out(services.CONTRACT, contract, request.user)


# ---------------------------------------------------------------------------------------- timeline


@router.get("/elders/{elder_id}/timeline", response=TimelineOut)
@scoped
def elder_timeline(
    request: HttpRequest,
    elder_id: int,
    kind: str = "",
    year: Year | None = None,
    page: Annotated[int, Field(ge=1, le=1000)] = 1,
) -> dict:
    """Everything recorded about the elder, newest first; ``kind`` is a comma-separated subset of
    check, assessment, followup, tcm, contract, service, education, diagnosis, and the kinds other apps
    register (rounds, home visits, referrals, stays…)."""
    elder = queries.get_health_elder(request.user, elder_id)
    kinds = [k for k in kind.split(",") if k] or None
    if kinds and not set(kinds) <= {k for k, _label in queries.timeline_kinds()}:
        raise ServiceError("INVALID", _("kind: unknown record type."), field="kind")
    if page < 1 or page > 1000:
        raise Http404
    entries, more = queries.timeline(elder, kinds=kinds, year=year, page=page)
    core_services.record_view(elder, acting_user=request.user)
    return {
        "elder_id": elder.pk,
        "page": page,
        "has_more": more,
        "results": [
            {"date": e.day, "kind": e.kind, "title": e.title, "summary": e.summary, "id": e.pk}
            for e in entries
        ],
    }
