"""Assessments API: stateless scoring and the instrument catalogue (public: no personal data).

Answers that cannot be scored are a 422 whose ``errors`` name each item in Chinese; nothing a caller
sends can cause a 500.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yiyang.core.access import public
from yiyang.core.errors import ServiceError

from . import error_codes
from .describe import describe_instrument
from .engine import AnswerError, score
from .registry import UnknownInstrument, all_instruments, get_instrument
from .schema import Instrument
from .schemas import InstrumentSummaryOut, ScoreIn, ScoreOut

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
