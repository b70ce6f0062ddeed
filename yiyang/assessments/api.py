"""Assessments API: stateless scoring and the instrument catalogue (public: no personal data), and
stored assessments of an elder (scoped: an elder out of scope is 404, like a missing one).

Handlers parse, scope, call a service, respond. Answers that cannot be scored are a 422 whose
``errors`` name each item in Chinese; nothing a caller sends can cause a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from yiyang.core import services as core_services
from yiyang.core.access import public, scoped
from yiyang.core.errors import ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.scoping import get_elder_for_user
from yiyang.core.transitions import history_out, transition_out

from . import error_codes, services
from .describe import describe_instrument
from .engine import AnswerError, score
from .models import AssessmentResponse
from .queries import due_list, get_response_for_user, history, may_read_items
from .registry import UnknownInstrument, all_instruments, get_instrument
from .schema import Instrument
from .schemas import (
    DraftIn,
    DueOut,
    InstrumentSummaryOut,
    ReassessmentIn,
    ResponseIn,
    ResponseOut,
    ScoreIn,
    ScoreOut,
)

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["assessments"])


def instrument_or_error(code: str, *, field: str = "instrument") -> Instrument:
    """The current instrument ``code``, or a 422 naming the field and the available codes."""
    try:
        return get_instrument(code)
    except UnknownInstrument:
        codes = ", ".join(i.code for i in all_instruments())
        raise ServiceError(
            error_codes.INSTRUMENT_UNKNOWN,
            _("Unknown instrument “%(code)s”; available: %(codes)s.") % {"code": code, "codes": codes},
            field=field,
        ) from None


def answer_error(exc: AnswerError) -> ServiceError:
    """One 422 carrying every item at fault (field = item code, Chinese message naming the item)."""
    return ServiceError(
        error_codes.ANSWER_INVALID,
        _("Some answers cannot be scored."),
        errors=[p.as_dict() for p in exc.problems],
    )


@router.post("/assessments/score", response=ScoreOut, auth=None)
@public
def score_answers(request: HttpRequest, payload: ScoreIn) -> dict[str, Any]:
    """Score answers without storing them. ``items`` maps item codes to an option score or option code."""
    instrument = instrument_or_error(payload.instrument)
    try:
        return score(instrument, payload.items).as_dict()
    except AnswerError as exc:
        raise answer_error(exc) from None


@router.get("/assessments/instruments", response=list[InstrumentSummaryOut], auth=None)
@public
def list_instruments(request: HttpRequest) -> list[Instrument]:
    """Every instrument with its current version."""
    return all_instruments()


@router.get("/assessments/instruments/{code}", auth=None)
@public
def describe(request: HttpRequest, code: str) -> dict[str, Any]:
    """One instrument's definition: sections, items with codes, options with scores, levels and rules."""
    try:
        return describe_instrument(get_instrument(code))
    except UnknownInstrument:
        raise Http404 from None


# --------------------------------------------------------------------------------------------------
# Stored assessments
# --------------------------------------------------------------------------------------------------


def response_out(response: AssessmentResponse, *, items: bool = True) -> dict[str, Any]:
    """The response as the API shows it; with ``items=False`` (a reader without health access) the
    answers, scores, judgements and note are left out: the level and the category remain."""
    superseded_by = getattr(response, "superseded_by", None)
    out = {
        "id": response.pk,
        "elder": response.elder_id,
        "instrument": response.instrument_code,
        "version": response.instrument_version,
        "status": response.status,
        "answers": response.answers,
        "total": response.total,
        "subscores": response.subscores,
        "level_code": response.level_code,
        "level_name": response.level_name,
        "level_reason": response.level_reason,
        "result": response.result,
        "assessor": response.assessor.get_username(),
        "assessed_at": response.assessed_at,
        "finalised_at": response.finalised_at,
        "content_hash": response.content_hash,
        "supersedes": response.supersedes_id,
        "superseded_by": superseded_by.pk if superseded_by else None,
        "reassessment_due": response.reassessment_due,
        "note": response.note,
        "category": services.ability_category(response.instrument_code, response.level_code) or "",
        "items_shown": items,
    }
    if not items:
        out.update(answers={}, total=None, subscores={}, level_reason="", result={}, note="")
    return out


@router.post("/elders/{elder_id}/assessments", response={201: ResponseOut})
@scoped
def create_assessment(request: HttpRequest, elder_id: int, payload: ResponseIn) -> Status:
    """Store an assessment of the elder: a draft, or finalised at once with ``finalise``.
    ``supersedes`` names the finalised response this one corrects (both are kept)."""
    elder = get_elder_for_user(request.user, elder_id)
    original = get_response_for_user(request.user, payload.supersedes) if payload.supersedes else None
    response = services.start_assessment(
        elder,
        acting_user=request.user,
        instrument_code=payload.instrument,
        answers=payload.items,
        assessed_at=payload.assessed_at,
        note=payload.note,
        supersedes=original,
        finalise=payload.finalise,
    )
    return Status(201, response_out(response))


@router.get("/elders/{elder_id}/assessments", response=list[ResponseOut])
@scoped
def list_assessments(request: HttpRequest, elder_id: int, instrument: str = "") -> list[dict[str, Any]]:
    """The elder's assessments, newest first (drafts and corrected ones included)."""
    elder = get_elder_for_user(request.user, elder_id)
    items = may_read_items(request.user)
    rows = [response_out(r, items=items) for r in history(elder, instrument or None, user=request.user)]
    core_services.record_view(elder, acting_user=request.user)
    return rows


@router.get("/assessments/responses/{response_id}", response=ResponseOut)
@scoped
def get_assessment(request: HttpRequest, response_id: int) -> dict[str, Any]:
    response = get_response_for_user(request.user, response_id)
    core_services.record_view(response.elder, acting_user=request.user)
    return response_out(response, items=may_read_items(request.user))


@router.put("/assessments/responses/{response_id}", response=ResponseOut)
@scoped
def save_draft(request: HttpRequest, response_id: int, payload: DraftIn) -> dict[str, Any]:
    """Replace a draft's answers; a finalised response is refused with 409."""
    response = get_response_for_user(request.user, response_id)
    response = services.update_draft(
        response,
        acting_user=request.user,
        answers=payload.items,
        assessed_at=payload.assessed_at,
        note=payload.note,
    )
    return response_out(response)


@router.post("/assessments/responses/{response_id}/finalise", response=ResponseOut)
@scoped
def finalise(request: HttpRequest, response_id: int) -> dict[str, Any]:
    """Score, seal with the content hash, and apply (due date; GB/T 42195: the elder's category)."""
    response = get_response_for_user(request.user, response_id)
    return response_out(services.finalise_response(response, acting_user=request.user))


@router.post("/assessments/responses/{response_id}/transitions", response=TransitionOut)
@scoped
def response_transition(request: HttpRequest, response_id: int, payload: TransitionIn) -> dict[str, Any]:
    """The response's state machine: ``finalise`` a draft (as ``…/finalise``). A final response moves
    no further (a correction is a new response): 409 ``TRANSITION_NOT_ALLOWED`` naming its state."""
    response = get_response_for_user(request.user, response_id)
    t = services.RESPONSE.apply(response, payload.action, acting_user=request.user, reason=payload.reason)
    return transition_out(t)


@router.get("/assessments/responses/{response_id}/transitions", response=TransitionHistoryOut)
@scoped
def response_transitions(request: HttpRequest, response_id: int) -> dict[str, Any]:
    """The response's state, the actions you may take, and its moves."""
    response = get_response_for_user(request.user, response_id)
    core_services.record_view(response.elder, acting_user=cast("User", request.user))
    return history_out(services.RESPONSE, response, request.user)


@router.post("/elders/{elder_id}/assessments/reassessment", response={201: dict})
@scoped
def request_reassessment(request: HttpRequest, elder_id: int, payload: ReassessmentIn) -> Status:
    """即时评估: the elder's condition changed; the assessment is due at once."""
    elder = get_elder_for_user(request.user, elder_id)
    trigger = services.request_reassessment(
        elder, acting_user=request.user, reason=payload.reason, instrument_code=payload.instrument
    )
    return Status(
        201, {"id": trigger.pk, "reason": trigger.reason, "raised_at": trigger.raised_at.isoformat()}
    )


@router.get("/assessments/due", response=list[DueOut])
@scoped
def due(
    request: HttpRequest,
    instrument: str = services.ABILITY_INSTRUMENT,
    on: dt.date | None = None,
    include_never: bool = False,
) -> list[dict[str, Any]]:
    """Elders in your scope whose reassessment is due (date reached or status changed)."""
    instrument_or_error(instrument)
    return [
        {
            "elder": e.elder.pk,
            "name": e.elder.name,
            "last_response": e.last_response_id,
            "last_assessed_at": e.last_assessed_at,
            "level": e.level_name,
            "due": e.due,
            "reasons": e.reasons,
        }
        for e in due_list(request.user, instrument_code=instrument, on=on, include_never=include_never)
    ]
