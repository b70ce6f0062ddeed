"""Monitoring endpoints: indicator definitions, materialised values by region and period, league tables,
drill-down lists, targets and recompute runs. Handlers parse, check the region against the user's scope
(:mod:`.values`, over ``core.scoping``), call the engine or a service, respond; 4xx in Chinese."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator

from yiyang.core.access import scoped
from yiyang.core.errors import INSTITUTION_OUT_OF_SCOPE, ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.scoping import get_institution_for_user, has_perm
from yiyang.core.transitions import history_out, transition_out

from . import drilldown, engine, error_codes, services
from .access import get_declaration_for_user, get_run_for_user, get_scorecard_for_user, scope_declarations
from .models import ComputeRun, Declaration, ScorecardAssessment, Target
from .periods import PeriodError, parse_period

if TYPE_CHECKING:
    from yiyang.accounts.models import User

from .values import (
    ValueRow,
    can_view_indicators,
    child_rows,
    number,
    region_for_user,
    rows_for,
    visible_indicator,
    visible_indicators,
)

router = Router(tags=["monitoring"])
MAX_PAGE_SIZE = 100


class IndicatorOut(Schema):
    code: str
    version: str
    name: str
    unit: str
    direction: str
    domain: str
    declared: bool
    key: bool
    source_available: bool
    source: str


class ValueOut(Schema):
    code: str
    name: str
    unit: str
    region: str
    period: str
    numerator: float | None
    denominator: float | None
    value: float | None
    target: float | None
    target_op: str | None
    status: str
    light: str
    shortfall: int | None
    computed_at: datetime | None
    #: a rate over 60/65+ residents: "declared" (统计人口) or "registry" (登记人口, fallback); else null
    population_source: str | None = None
    #: 建档率 (registry ÷ declared population, %) when a population is declared
    registry_coverage: float | None = None


class LeagueOut(Schema):
    region: str
    region_name: str
    value: ValueOut


class SubjectOut(Schema):
    id: str
    name: str
    detail: str
    region_path: str
    in_numerator: bool


class SubjectPage(Schema):
    kind: str
    count: int
    page: int
    page_size: int
    results: list[SubjectOut]


class TargetOut(Schema):
    id: int
    indicator: str
    region: str
    period: str
    op: str
    value: float
    source: str


def _not_a_flag(v: Any) -> Any:
    """A JSON true/false is not a threshold: pass it on as text for the service to refuse by name."""
    return str(v).lower() if isinstance(v, bool) else v


TargetNumber = Annotated[str | float, BeforeValidator(_not_a_flag)]


class TargetIn(Schema):
    indicator: str
    region: str
    period: str
    op: str = ">="
    value: TargetNumber
    source: str = Field("", max_length=200)


class PopulationIn(Schema):
    region: str
    year: int
    group: str = "65+"
    count: int
    source: str = Field("", max_length=200)


class PopulationOut(Schema):
    id: int
    region: str
    year: int
    group: str
    count: int
    source: str


class TargetChange(Schema):
    op: str = ">="
    value: TargetNumber
    source: str = Field("", max_length=200)


class DeclarationOut(Schema):
    id: int
    indicator: str
    institution: int
    institution_name: str
    value: bool
    effective_date: date
    note: str
    evidence_name: str
    evidence_url: str | None
    declared_by: str
    declared_at: datetime


class DeclarationPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[DeclarationOut]


class DeclarationQuery(Schema):
    indicator: str = ""
    institution: int | None = None
    page: int = 1
    page_size: int = 20


class DeclarationIn(Schema):
    indicator: str
    institution: int
    value: bool = True
    effective_date: date
    note: str = Field("", max_length=500)


class RunIn(Schema):
    region: str
    periods: list[str]


class RunOut(Schema):
    id: int
    region: str
    periods: list[str]
    status: str
    done: int
    total: int
    percent: int
    error: str


class ValuesQuery(Schema):
    region: str
    period: str


class DrillQuery(Schema):
    region: str
    period: str
    part: str = "out"
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=1000)


def _require_view(request: HttpRequest) -> None:
    if not can_view_indicators(request.user):
        raise PermissionDenied


def _period(text: str):  # type: ignore[no-untyped-def]
    try:
        return parse_period(text)
    except PeriodError:
        raise ServiceError(
            error_codes.INVALID_PERIOD,
            _("Period must be a year (2026), a quarter (2026Q1) or a month (2026-03)."),
            field="period",
        ) from None


def value_out(r: ValueRow) -> dict[str, Any]:
    return {
        "code": r.indicator.code,
        "name": r.indicator.name,
        "unit": r.indicator.unit,
        "region": r.region_code,
        "period": r.period,
        "numerator": number(r.numerator),
        "denominator": number(r.denominator),
        "value": number(r.value, places=2),
        "target": number(r.target.value) if r.target else None,
        "target_op": r.target.op if r.target else None,
        "status": r.judgement.status,
        "light": r.judgement.light,
        "shortfall": r.judgement.shortfall,
        "computed_at": r.computed_at,
        "population_source": r.population_source,
        "registry_coverage": number(r.registry_coverage),
    }


@router.get("/monitoring/indicators", response=list[IndicatorOut])
@scoped
def list_indicators(request: HttpRequest) -> list[dict]:
    """The indicator definitions you may see, and whether their source records exist here."""
    _require_view(request)
    return [
        {
            "code": i.code,
            "version": i.version,
            "name": i.name,
            "unit": i.unit,
            "direction": i.direction,
            "domain": i.domain,
            "declared": i.declared,
            "key": i.key,
            "source_available": engine.source_problem(i.code) is None,
            "source": i.source.document,
        }
        for i in visible_indicators(request.user)
    ]


@router.get("/monitoring/values", response=list[ValueOut])
@scoped
def list_values(request: HttpRequest, q: Query[ValuesQuery]) -> list[dict]:
    """Materialised values for a region and period (status ``not_computed`` until a recompute)."""
    _require_view(request)
    period = _period(q.period)
    region = region_for_user(request.user, q.region)
    return [value_out(r) for r in rows_for(region.code, period, visible_indicators(request.user))]


@router.get("/monitoring/values/{code}/children", response=list[LeagueOut])
@scoped
def league(request: HttpRequest, code: str, q: Query[ValuesQuery]) -> list[dict]:
    """One indicator for every region directly below ``region`` (the league table), best first."""
    _require_view(request)
    period = _period(q.period)
    region = region_for_user(request.user, q.region)
    ind = visible_indicator(request.user, code)
    return [
        {"region": c.code, "region_name": c.name, "value": value_out(r)}
        for c, r in child_rows(ind, region, period)
    ]


@router.get("/monitoring/values/{code}/drilldown", response=SubjectPage)
@scoped
def drill(request: HttpRequest, code: str, q: Query[DrillQuery]) -> dict:
    """The elders / institutions behind a value: ``part`` = ``out`` (not in the numerator), ``in`` or
    ``all``; only those in your scope."""
    _require_view(request)
    period = _period(q.period)
    region = region_for_user(request.user, q.region)
    ind = visible_indicator(request.user, code)
    kind, qs = drilldown.subjects(request.user, ind, region, period, q.part)
    page, size = max(1, q.page), min(max(1, q.page_size), MAX_PAGE_SIZE)
    count = qs.count()
    objects = list(qs[(page - 1) * size : page * size])
    _kind, inside = drilldown.subjects(request.user, ind, region, period, "in")
    inside_ids = set(inside.filter(pk__in=[o.pk for o in objects]).values_list("pk", flat=True))
    table = drilldown.rows(kind, objects, inside_ids)
    results = []
    for r in table:
        if kind == "elder":
            detail = f"{r['sex_label']} {r['age']}岁 {r['id_number']}"
        elif kind == "institution":
            detail = r["kind_label"]
        else:
            detail = ""
        results.append(
            {
                "id": str(r["id"]),
                "name": r["name"],
                "detail": detail,
                "region_path": r["region_path"],
                "in_numerator": r["in_numerator"],
            }
        )
    return {"kind": kind, "count": count, "page": page, "page_size": size, "results": results}


@router.get("/monitoring/targets", response=list[TargetOut])
@scoped
def list_targets(request: HttpRequest, region: str, period: str = "") -> list[dict]:
    """Targets that apply at ``region`` (its own and its ancestors'), optionally for one period."""
    _require_view(request)
    r = region_for_user(request.user, region)
    chain = engine.ancestors_within(r.code, r.code[:2].ljust(12, "0"))
    codes = {i.code for i in visible_indicators(request.user)}
    qs = Target.objects.filter(region_code__in=chain, indicator_code__in=codes)
    if period:
        p = _period(period)
        qs = qs.filter(period__in={p.label, str(p.year)})
    return [_target_out(t) for t in qs]


def _target_out(t: Target) -> dict:
    return {
        "id": t.pk,
        "indicator": t.indicator_code,
        "region": t.region_code,
        "period": t.period,
        "op": t.op,
        "value": float(t.value),
        "source": t.source,
    }


def _require_set_targets(request: HttpRequest) -> None:
    if not has_perm(request.user, "indicator.declare"):
        raise PermissionDenied


def _scoped_target(request: HttpRequest, target_id: int) -> Target:
    """A target of a region in the user's area (an ancestor's target is read-only: 404 like a missing one)."""
    target = Target.objects.filter(pk=target_id).first() if 0 < target_id < 2**63 else None
    if target is None:
        raise Http404
    region_for_user(request.user, target.region_code)
    return target


@router.post("/monitoring/targets", response={200: TargetOut, 201: TargetOut})
@scoped
def set_target(request: HttpRequest, payload: TargetIn) -> Status:
    """Set the target of an indicator for a region of your area and a period (卫健). An existing target
    for the same indicator, region and period is replaced (200); a new one answers 201."""
    _require_set_targets(request)
    region = region_for_user(request.user, payload.region)
    target = services.set_target(
        acting_user=request.user,
        indicator_code=payload.indicator,
        region=region,
        period=payload.period,
        op=payload.op,
        value=payload.value,
        source=payload.source,
    )
    return Status(201 if getattr(target, "created", False) else 200, _target_out(target))


@router.post("/monitoring/populations", response={200: PopulationOut})
@scoped
def declare_population(request: HttpRequest, payload: PopulationIn) -> dict:
    """Declare the statistical population (60+ or 65+ residents) of a region of your area for a year, with
    its source (卫健). It becomes the denominator of the rates over that population; 建档率 shows beside."""
    _require_set_targets(request)
    region = region_for_user(request.user, payload.region)
    row = services.declare_population(
        acting_user=cast("User", request.user),
        region=region,
        year=payload.year,
        group=payload.group,
        count=payload.count,
        source=payload.source,
    )
    return {
        "id": row.pk,
        "region": row.region_id,
        "year": row.year,
        "group": row.group,
        "count": row.count,
        "source": row.source,
    }


@router.put("/monitoring/targets/{target_id}", response=TargetOut)
@scoped
def replace_target(request: HttpRequest, target_id: int, payload: TargetChange) -> dict:
    """Replace a target's comparison, value and source (its indicator, region and period stay)."""
    _require_set_targets(request)
    target = _scoped_target(request, target_id)
    region = region_for_user(request.user, target.region_code)
    target = services.set_target(
        acting_user=request.user,
        indicator_code=target.indicator_code,
        region=region,
        period=target.period,
        op=payload.op,
        value=payload.value,
        source=payload.source,
    )
    return _target_out(target)


@router.delete("/monitoring/targets/{target_id}", response={204: None})
@scoped
def delete_target(request: HttpRequest, target_id: int) -> Status:
    """Remove a target of your area; an ancestor region's or the year's target applies again."""
    _require_set_targets(request)
    services.remove_target(acting_user=request.user, target=_scoped_target(request, target_id))
    return Status(204, None)


def _run_out(run: ComputeRun) -> dict:
    return {
        "id": run.pk,
        "region": run.region_id,
        "periods": run.periods.get("periods", []),
        "status": run.status,
        "done": run.done,
        "total": run.total,
        "percent": run.percent,
        "error": run.error,
    }


@router.post("/monitoring/recompute", response={202: RunOut})
@scoped
def recompute(request: HttpRequest, payload: RunIn) -> Status:
    """Queue a recompute of every indicator for the region (and below) and the periods."""
    if not has_perm(request.user, "indicator.recompute"):
        raise PermissionDenied
    region = region_for_user(request.user, payload.region)
    if not payload.periods:
        raise ServiceError(error_codes.INVALID_PERIOD, _("Give at least one period."), field="periods")
    run = services.request_recompute(acting_user=request.user, region=region, periods=payload.periods)
    run.refresh_from_db()
    return Status(202, _run_out(run))


@router.get("/monitoring/runs/{run_id}", response=RunOut)
@scoped
def get_run(request: HttpRequest, run_id: int) -> dict:
    """A recompute run's progress (runs you may see: those of regions in your scope)."""
    _require_view(request)
    return _run_out(get_run_for_user(request.user, run_id))


# --------------------------------------------------------------------------------------------------
# Declarations (申报): the page's rules — declaring needs indicator.declare, institutions in your area
# --------------------------------------------------------------------------------------------------

MAX_ID = 2**63 - 1


def _declaration_out(d: Declaration) -> dict:
    return {
        "id": d.pk,
        "indicator": d.indicator_code,
        "institution": d.institution_id,
        "institution_name": d.institution.name,
        "value": d.value,
        "effective_date": d.effective_date,
        "note": d.note,
        "evidence_name": d.evidence_name,
        "evidence_url": reverse("monitoring:declaration-evidence", args=[d.pk]) if d.evidence else None,
        "declared_by": str(d.declared_by),
        "declared_at": d.declared_at,
    }


def _require_declare(request: HttpRequest) -> None:
    if not has_perm(request.user, "indicator.declare"):
        raise PermissionDenied


@router.get("/monitoring/declarations", response=DeclarationPage)
@scoped
def list_declarations(request: HttpRequest, q: Query[DeclarationQuery]) -> dict:
    """Declarations of institutions in your area, newest first; filter by indicator or institution."""
    _require_view(request)
    qs = scope_declarations(request.user)
    if q.indicator:
        qs = qs.filter(indicator_code=q.indicator)
    if q.institution is not None:
        qs = qs.filter(institution_id=q.institution) if 0 < q.institution <= MAX_ID else qs.none()
    page, size = max(1, q.page), min(max(1, q.page_size), MAX_PAGE_SIZE)
    count = qs.count()
    rows = list(qs[(page - 1) * size : page * size]) if page <= count // size + 1 else []
    return {"count": count, "page": page, "page_size": size, "results": [_declaration_out(d) for d in rows]}


@router.post("/monitoring/declarations", response={201: DeclarationOut})
@scoped
def create_declaration(request: HttpRequest, payload: DeclarationIn) -> Status:
    """Record that an institution of your area holds (``value`` true) or no longer holds a declared
    indicator (IR-3 老年友善, IR-7 绿色通道) from ``effective_date`` (卫健). Attach the evidence file with
    ``POST …/declarations/{id}/evidence``."""
    _require_declare(request)
    try:
        institution = get_institution_for_user(request.user, payload.institution)
    except Http404:
        raise ServiceError(
            INSTITUTION_OUT_OF_SCOPE, _("Choose an institution in your area."), field="institution"
        ) from None
    decl = services.declare(
        acting_user=request.user,
        institution=institution,
        indicator_code=payload.indicator,
        value=payload.value,
        effective_date=payload.effective_date,
        note=payload.note,
    )
    return Status(201, _declaration_out(decl))


@router.post("/monitoring/declarations/{declaration_id}/evidence", response=DeclarationOut)
@scoped
def upload_evidence(request: HttpRequest, declaration_id: int, evidence: File[UploadedFile]) -> dict:
    """Attach the evidence file (multipart field ``evidence``: PDF, OFD, image, Word or Excel, 20 MB at
    most) to a declaration of your area recorded without one; evidence once attached stays (409)."""
    _require_declare(request)
    decl = get_declaration_for_user(request.user, declaration_id)
    services.attach_evidence(decl, acting_user=request.user, evidence=evidence)
    return _declaration_out(decl)


# --------------------------------------------------------------------------------------------------
# Scorecards (示范县评分): the page's rules — scorecard.edit or scorecard.review, a region in your area
# --------------------------------------------------------------------------------------------------


def _scoped_assessment(request: HttpRequest, assessment_id: int) -> ScorecardAssessment:
    """The page's rule: 403 without a scorecard permission, then 404 outside your area."""
    if not (has_perm(request.user, "scorecard.edit") or has_perm(request.user, "scorecard.review")):
        raise PermissionDenied
    return get_scorecard_for_user(request.user, assessment_id)


@router.post("/monitoring/scorecards/{assessment_id}/transitions", response=TransitionOut)
@scoped
def scorecard_transition(request: HttpRequest, assessment_id: int, payload: TransitionIn) -> dict:
    """Move a self-assessment: ``submit`` (the county), ``return`` with a ``reason`` or ``finalise`` (a
    reviewer who did not prepare it). A move the current state does not allow, or an unknown action,
    is 409 ``TRANSITION_NOT_ALLOWED`` naming the current state."""
    from .scorecards import SCORECARD

    a = _scoped_assessment(request, assessment_id)
    return transition_out(SCORECARD.apply(a, payload.action, acting_user=request.user, reason=payload.reason))


@router.get("/monitoring/scorecards/{assessment_id}/transitions", response=TransitionHistoryOut)
@scoped
def scorecard_transitions(request: HttpRequest, assessment_id: int) -> dict:
    """The self-assessment's state, the actions you may take, and every move, oldest first."""
    from .scorecards import SCORECARD

    return history_out(SCORECARD, _scoped_assessment(request, assessment_id), request.user)
