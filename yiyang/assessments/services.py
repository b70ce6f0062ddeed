"""The only writers of assessments: save a draft, finalise, correct (supersede), request a reassessment.

Every function is one transaction, takes the actor keyword-only, checks the actor may assess with the
instrument (its ``required_roles``) and writes an audit row. Finalising a GB/T 42195 assessment sets the
elder's 失能/半失能 category from the final ability level (with the response as its source) and the date
the next assessment is due.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, ElderCategory, ElderCategoryCode, ElderStatus
from yiyang.core.scoping import require_perm
from yiyang.core.transitions import Rules, StateMachine, Transition, TransitionNotAllowed

from . import error_codes
from .engine import AnswerError, AnswerProblem, read_answers, score, subtotals
from .models import AssessmentResponse, ReassessmentTrigger, ResponseStatus
from .registry import UnknownInstrument, get_instrument
from .schema import Instrument

if TYPE_CHECKING:
    from yiyang.accounts.models import User

#: the instrument whose final level sets the elder's ability category
ABILITY_INSTRUMENT = "gbt42195"

#: where the level → 失能/半失能 mapping lives (data a county or 民政 may change; see the file's note)
ABILITY_CATEGORIES_FILE = Path(__file__).parent / "data" / "ability_categories.yaml"


def ability_categories() -> dict[str, Any]:
    """The level → category mapping per instrument (``settings.ABILITY_CATEGORIES`` overrides the file)."""
    override = getattr(settings, "ABILITY_CATEGORIES", None)
    if override:
        return dict(override)
    return _ability_file()


@functools.cache
def _ability_file() -> dict[str, Any]:
    return yaml.safe_load(ABILITY_CATEGORIES_FILE.read_text(encoding="utf-8"))


def ability_category(instrument_code: str, level_code: str | None) -> str | None:
    """失能 (``disabled``), 半失能 (``semi_disabled``) or None for a level of the instrument."""
    table = ability_categories().get(instrument_code) or {}
    value = table.get(str(level_code)) if level_code is not None else None
    return value if value in ABILITY_CATEGORY_CODES else None


ABILITY_CATEGORY_CODES = (ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (2024-02-29 + 12 → 2025-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------


def _instrument(code: str, version: str | None = None) -> Instrument:
    try:
        return get_instrument(code, version)
    except UnknownInstrument:
        if version is None:
            raise ServiceError(
                error_codes.INSTRUMENT_UNKNOWN,
                _("Unknown instrument “%(code)s”.") % {"code": code},
                field="instrument",
            ) from None
        raise ServiceError(
            error_codes.VERSION_UNKNOWN,
            _("Version %(version)s of %(code)s is no longer available; start a new assessment.")
            % {"version": version, "code": code},
            field="instrument",
        ) from None


def can_assess(user: User, instrument: Instrument) -> bool:
    """Whether ``user`` holds one of the instrument's ``required_roles`` and may fill assessments."""
    roles = {a.role for a in user.active_assignments}
    return bool(roles & set(instrument.required_roles)) and "assessment.fill" in user.permissions()


def _require_can_assess(user: User, instrument: Instrument) -> None:
    require_perm(user, "assessment.fill")
    if not can_assess(user, instrument):
        raise PermissionDenied(_("Your role may not fill in this instrument."))


def _refuse(problems: list[AnswerProblem]) -> ServiceError:
    return ServiceError(
        error_codes.ANSWER_INVALID,
        _("Some answers cannot be scored."),
        errors=[p.as_dict() for p in problems],
    )


def _check_assessed_at(elder: Elder, assessed_at: dt.datetime) -> None:
    if assessed_at > clock.now() + dt.timedelta(minutes=5):
        raise ServiceError(
            error_codes.ANSWER_INVALID, _("The assessment time cannot be in the future."), field="assessed_at"
        )
    if clock.local_date(assessed_at) < elder.birth_date:
        raise ServiceError(
            error_codes.ANSWER_INVALID,
            _("The assessment time cannot be before the birth date."),
            field="assessed_at",
        )


# --------------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------------


def _fill(response: AssessmentResponse, instrument: Instrument, answers: dict[str, Any]) -> None:
    """Store normalised answers and the running sub-totals (a draft may be incomplete)."""
    normalised, problems = read_answers(instrument, answers, partial=True)
    if problems:
        raise _refuse(problems)
    running = subtotals(instrument, normalised)
    response.answers = normalised
    response.total = running["total"]
    response.subscores = running["subscores"]
    response.result = {}
    response.level_code = response.level_name = response.level_reason = ""


def _check_supersedes(
    elder: Elder, instrument: Instrument, supersedes: AssessmentResponse
) -> AssessmentResponse:
    original = AssessmentResponse.objects.select_for_update().get(pk=supersedes.pk)
    if (
        original.elder_id != elder.pk
        or original.instrument_code != instrument.code
        or original.status != ResponseStatus.FINAL
    ):
        raise ServiceError(
            error_codes.SUPERSEDE_MISMATCH,
            _("A correction must replace a finalised assessment of the same elder and instrument."),
            field="supersedes",
        )
    if AssessmentResponse.objects.filter(supersedes=original).exists():
        raise ServiceError(
            error_codes.SUPERSEDE_MISMATCH,
            _("This assessment has already been corrected; correct the newest version instead."),
            field="supersedes",
        )
    return original


@transaction.atomic
def start_assessment(
    elder: Elder,
    *,
    acting_user: User,
    instrument_code: str,
    answers: dict[str, Any] | None = None,
    assessed_at: dt.datetime | None = None,
    note: str = "",
    supersedes: AssessmentResponse | None = None,
    finalise: bool = False,
) -> AssessmentResponse:
    """Create a response (a draft unless ``finalise``); ``supersedes`` makes it a correction.

    The caller has scoped ``elder`` (``get_elder_for_user``).
    """
    instrument = _instrument(instrument_code)
    _require_can_assess(acting_user, instrument)
    assessed_at = assessed_at or clock.now()
    _check_assessed_at(elder, assessed_at)
    original = _check_supersedes(elder, instrument, supersedes) if supersedes is not None else None
    if finalise:  # report every problem at once, missing answers included
        _normalised, problems = read_answers(instrument, answers or {})
        if problems:
            raise _refuse(problems)
    response = AssessmentResponse(
        elder=elder,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        assessor=acting_user,
        assessed_at=assessed_at,
        note=note,
        supersedes=original,
    )
    _fill(response, instrument, answers or {})
    response.save()
    audit.record(
        "create",
        user=acting_user,
        obj=response,
        changes={"elder": [None, elder.pk], "instrument": [None, f"{instrument.code}@{instrument.version}"]}
        | ({"supersedes": [None, original.pk]} if original else {}),
    )
    if finalise:
        return finalise_response(response, acting_user=acting_user)
    return response


@transaction.atomic
def update_draft(
    response: AssessmentResponse,
    *,
    acting_user: User,
    answers: dict[str, Any],
    assessed_at: dt.datetime | None = None,
    note: str | None = None,
) -> AssessmentResponse:
    """Replace a draft's answers (the fill page saves as the user goes). A final response is refused."""
    response = AssessmentResponse.objects.select_for_update().select_related("elder").get(pk=response.pk)
    instrument = _instrument(response.instrument_code, response.instrument_version)
    _require_can_assess(acting_user, instrument)
    if response.is_final:
        raise ServiceError(
            error_codes.RESPONSE_FINAL,
            _("A finalised assessment cannot be changed; record a correction instead."),
            status=409,
        )
    before = {
        "answers": response.answers,
        "assessed_at": response.assessed_at.isoformat(),
        "note": response.note,
    }
    if assessed_at is not None:
        _check_assessed_at(response.elder, assessed_at)
        response.assessed_at = assessed_at
    if note is not None:
        response.note = note
    _fill(response, instrument, answers)
    response.save()
    after = {
        "answers": response.answers,
        "assessed_at": response.assessed_at.isoformat(),
        "note": response.note,
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record("update", user=acting_user, obj=response, changes=changes)
    return response


# --------------------------------------------------------------------------------------------------
# Finalising
# --------------------------------------------------------------------------------------------------


def content_hash(response: AssessmentResponse) -> str:
    """SHA-256 over what a finalised response asserts: who assessed whom, when, with which instrument
    version, the answers and the resulting scores and level. Recomputing it later shows whether any of
    these was changed behind the application's back (the row itself is never edited)."""
    payload = {
        "elder": response.elder_id,
        "instrument": response.instrument_code,
        "version": response.instrument_version,
        "assessor": response.assessor_id,
        "assessed_at": response.assessed_at.astimezone(dt.UTC).isoformat(),
        "answers": response.answers,
        "total": response.total,
        "subscores": response.subscores,
        "level": response.level_code,
        "supersedes": response.supersedes_id,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hash_matches(response: AssessmentResponse) -> bool:
    return bool(response.content_hash) and response.content_hash == content_hash(response)


def _check_finalise(t: Transition) -> None:
    _require_can_assess(t.user, _instrument(t.obj.instrument_code, t.obj.instrument_version))


def _may_finalise(user: User, response: AssessmentResponse) -> bool:
    return can_assess(user, _instrument(response.instrument_code, response.instrument_version))


def _seal(t: Transition) -> None:
    """Score the complete answers and seal the response with its content hash."""
    response = t.obj
    instrument = _instrument(response.instrument_code, response.instrument_version)
    try:
        result = score(instrument, response.answers)
    except AnswerError as exc:
        raise _refuse(exc.problems) from None
    response.answers = result.answers
    response.total = result.total
    response.subscores = result.subscores
    response.result = result.as_dict()
    response.level_code = result.level.code if result.level else ""
    response.level_name = result.level.name if result.level else ""
    response.level_reason = (result.level_reason or "") if result.level is None else ""
    response.finalised_at = clock.now()
    if instrument.validity_months:
        response.reassessment_due = add_months(
            clock.local_date(response.assessed_at), instrument.validity_months
        )
    response.content_hash = content_hash(response)
    t.changes.update(
        {
            "total": [None, response.total],
            "level": [None, response.level_code or None],
            "content_hash": [None, response.content_hash],
        }
    )


def _apply_consequences(t: Transition) -> None:
    """The reassessment due date is set; open triggers are resolved; GB/T 42195 sets the category."""
    response = t.obj
    ReassessmentTrigger.objects.filter(
        elder=response.elder, instrument_code=response.instrument_code, resolved_by__isnull=True
    ).update(resolved_by=response)
    if response.instrument_code == ABILITY_INSTRUMENT and _is_latest(response):
        _apply_ability_category(response, acting_user=t.user)


#: 草稿 → 已定稿 (finalise). A final response is sealed: a correction is a new response, never a move back.
RESPONSE = StateMachine(
    AssessmentResponse,
    table={(ResponseStatus.DRAFT, "finalise"): (ResponseStatus.FINAL, "assessment.fill")},
    states=ResponseStatus,
    actions={"finalise": gettext_lazy("Finalise")},
    rules={
        "finalise": Rules(
            check=_check_finalise, before_save=_seal, after_save=_apply_consequences, may=_may_finalise
        ),
    },
    select_related=("elder",),
)


def finalise_response(response: AssessmentResponse, *, acting_user: User) -> AssessmentResponse:
    """Score, seal and apply a draft (``RESPONSE.apply(…, "finalise")``): the reassessment due date,
    open reassessment triggers resolved, and (GB/T 42195) the elder's ability category. A response
    already final keeps this entry point's refusal, RESPONSE_FINAL (409)."""
    try:
        return RESPONSE.apply(response, "finalise", acting_user=acting_user).obj
    except TransitionNotAllowed:
        raise ServiceError(
            error_codes.RESPONSE_FINAL, _("This assessment is already finalised."), status=409
        ) from None


def _is_latest(response: AssessmentResponse) -> bool:
    """Whether no other current final response of the instrument for the elder was assessed later."""
    return (
        not AssessmentResponse.objects.current()
        .filter(elder_id=response.elder_id, instrument_code=response.instrument_code)
        .exclude(pk=response.pk)
        .filter(assessed_at__gt=response.assessed_at)
        .exists()
    )


def _apply_ability_category(response: AssessmentResponse, *, acting_user: User) -> None:
    """Set 失能 or 半失能 (or neither) from the final GB/T 42195 level, linked to the response."""
    elder = response.elder
    wanted = ability_category(response.instrument_code, response.level_code)
    rows = ElderCategory.objects.filter(elder=elder, category__in=ABILITY_CATEGORY_CODES)
    before = sorted(rows.values_list("category", flat=True))
    rows.exclude(category=wanted).delete()
    source_ref = f"assessments.response:{response.pk}"
    if wanted is not None:
        ElderCategory.objects.update_or_create(
            elder=elder,
            category=wanted,
            defaults={
                "since": clock.local_date(response.assessed_at),
                "source": _("GB/T 42195 ability assessment: %(level)s") % {"level": response.level_name},
                "source_ref": source_ref,
            },
        )
    after = [wanted] if wanted else []
    audit.record(
        "update",
        user=acting_user,
        obj=elder,
        changes={"categories": [before, after]}
        if before != after
        else {"category_source": [None, source_ref]},
        reason=source_ref,
    )


# --------------------------------------------------------------------------------------------------
# Reassessment
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def request_reassessment(
    elder: Elder,
    *,
    acting_user: User,
    reason: str,
    instrument_code: str = ABILITY_INSTRUMENT,
    system: bool = False,
) -> ReassessmentTrigger:
    """即时评估: make a reassessment due at once (a change in the elder's condition or status).

    Asked for by a person, it needs their assessment.fill. Raised by the system as the consequence of
    a change someone else was allowed to record (``system=True``: an elder's return recorded by the
    institution's administrator), it needs no permission of its own; ``acting_user`` is then who caused
    it and is stored as such. An open trigger for the same elder and instrument is kept rather than
    duplicated.
    """
    if not system:
        require_perm(acting_user, "assessment.fill")
    instrument = _instrument(instrument_code)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(
            error_codes.ANSWER_INVALID,
            _("Give the reason for the reassessment (at least 2 characters)."),
            field="reason",
        )
    existing = ReassessmentTrigger.objects.filter(
        elder=elder, instrument_code=instrument.code, resolved_by__isnull=True
    ).first()
    if existing is not None:
        return existing
    trigger = ReassessmentTrigger.objects.create(
        elder=elder,
        instrument_code=instrument.code,
        reason=reason[:200],
        raised_by=acting_user,
        raised_at=clock.now(),
    )
    audit.record(
        "create",
        user=acting_user,
        obj=trigger,
        object_repr=f"{instrument.code} {elder}",
        changes={"elder": [None, elder.pk], "reason": [None, trigger.reason]},
    )
    return trigger


def on_elder_status_change(elder: Elder, *, to_status: str, changed_by: User, reason: str) -> None:
    """A return (moved out → active) makes the ability reassessment due at once; death or moving out
    takes the elder off the due list by status, so nothing is raised."""
    if to_status == ElderStatus.ACTIVE:
        request_reassessment(
            elder,
            acting_user=changed_by,
            reason=_("Status changed: %(reason)s") % {"reason": reason or ElderStatus(to_status).label},
            system=True,
        )
