"""Demonstration-county scorecards (示范县评分): the definition format, scoring, and the self-assessment →
review → final score workflow.

A scorecard is data (``scorecards/<code>.yaml``): headings, items, points, and how each item is scored —
``indicator`` (the materialised value of an indicator against point bands) or ``evidence`` (the county
uploads a document, photo or meeting record with its self-assessed points; a reviewer accepts it with
full or partial points). The shipped file is the checklist *derived* from the 江口县 plan with example
points, labelled so on every page and export; a county loads the official table when it has it.

Transitions live in one table (``TRANSITIONS``), moved by the core state machine ``SCORECARD``; every move
is a ``ScorecardEvent`` row, a core history row and an audit row.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.core.scoping import require_perm
from yiyang.core.transitions import Rules, StateMachine, Transition

from . import engine, error_codes
from .models import IndicatorValue, ScorecardAssessment, ScorecardEvent, ScorecardItemScore, ScorecardStatus
from .periods import parse_period
from .registry import get_indicator
from .schema import CODE_PATTERN, Source
from .services import _check_evidence, queue_missing

if TYPE_CHECKING:
    from yiyang.accounts.models import User

SCORECARDS_DIR = Path(__file__).resolve().parent / "scorecards"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Spec):
    min: Decimal
    points: Decimal = Field(ge=0)


class IndicatorScoring(_Spec):
    """Points from an indicator's value: the first band whose ``min`` the value reaches (bands high→low)."""

    type: Literal["indicator"]
    indicator: str = Field(pattern=CODE_PATTERN)
    bands: list[Band] = Field(min_length=1)


class EvidenceScoring(_Spec):
    """Points a reviewer awards after seeing the evidence (``evidence`` names what is expected)."""

    type: Literal["evidence"]
    evidence: str = Field(min_length=1)


Scoring = Annotated[IndicatorScoring | EvidenceScoring, Field(discriminator="type")]


class Item(_Spec):
    code: str = Field(pattern=r"^[A-Z][0-9]{1,2}$")
    text: str = Field(min_length=1)
    target: str = ""
    points: Decimal = Field(gt=0)
    scoring: Scoring

    @model_validator(mode="after")
    def _bands_fit(self) -> Item:
        if isinstance(self.scoring, IndicatorScoring):
            mins = [b.min for b in self.scoring.bands]
            if mins != sorted(mins, reverse=True):
                raise ValueError(f"{self.code}: bands must go from the highest min down")
            if any(b.points > self.points for b in self.scoring.bands):
                raise ValueError(f"{self.code}: a band gives more than the item's points")
        return self


class Heading(_Spec):
    name: str = Field(min_length=1)
    items: list[Item] = Field(min_length=1)


class Scorecard(_Spec):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    #: shown wherever the scorecard is (e.g. 依据实施方案整理（示例分值）)
    label: str = ""
    derived: bool = False
    source: Source
    headings: list[Heading] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Scorecard:
        codes = [i.code for h in self.headings for i in h.items]
        if len(codes) != len(set(codes)):
            raise ValueError("item codes must be unique")
        if self.derived and not self.label:
            raise ValueError("a derived scorecard must carry a label saying so")
        return self

    @property
    def items(self) -> list[Item]:
        return [i for h in self.headings for i in h.items]

    def item(self, code: str) -> Item:
        for i in self.items:
            if i.code == code:
                return i
        raise KeyError(code)

    @property
    def total_points(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal(0))


class ScorecardDefinitionError(Exception):
    pass


def load_file(path: Path) -> Scorecard:
    try:
        card = Scorecard.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as exc:
        raise ScorecardDefinitionError(f"{path.name}: {exc}") from exc
    if card.code != path.stem:
        raise ScorecardDefinitionError(f"{path.name}: code {card.code!r} does not match the file name")
    for item in card.items:
        if isinstance(item.scoring, IndicatorScoring):
            get_indicator(item.scoring.indicator)
    return card


@functools.cache
def all_scorecards() -> dict[str, Scorecard]:
    return {c.code: c for c in (load_file(p) for p in sorted(SCORECARDS_DIR.glob("*.yaml")))}


def get_scorecard(code: str) -> Scorecard:
    try:
        return all_scorecards()[code]
    except KeyError:
        raise ServiceError("UNKNOWN_SCORECARD", _("No scorecard has this code."), field="scorecard") from None


def band_points(scoring: IndicatorScoring, value: Decimal | None) -> Decimal:
    if value is None:
        return Decimal(0)
    for band in scoring.bands:
        if value >= band.min:
            return band.points
    return Decimal(0)


# --------------------------------------------------------------------------------------------------
# Workflow
# --------------------------------------------------------------------------------------------------

#: (state, action) → (new state, permission); the machine (``SCORECARD``) is declared below the rules
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (ScorecardStatus.DRAFT, "submit"): (ScorecardStatus.SUBMITTED, "scorecard.edit"),
    (ScorecardStatus.SUBMITTED, "return"): (ScorecardStatus.DRAFT, "scorecard.review"),
    (ScorecardStatus.SUBMITTED, "finalise"): (ScorecardStatus.FINAL, "scorecard.review"),
}


def _indicator_value(code: str, region: Region, period_label: str) -> tuple[Decimal | None, bool]:
    """The materialised value and whether it is still pending. Never computed here (a request): a
    missing value is asked of the next drain (``services.queue_missing``) and reads as pending."""
    row = IndicatorValue.objects.filter(indicator_code=code, region=region, period=period_label).first()
    if row is None and engine.source_problem(code) is None:
        queue_missing(region.code, [period_label])
        return None, True
    return (row.value if row is not None and row.source_available else None), False


def refresh_indicator_items(assessment: ScorecardAssessment) -> list[str]:
    """Score the indicator items from the materialised values (at creation, at submission, and while a
    draft still waits for values). Returns the items whose values are still being computed: they keep
    no points (not zero) until the values are there."""
    card = get_scorecard(assessment.scorecard_code)
    pending = []
    for row in assessment.items.all():
        item = card.item(row.item_code)
        if isinstance(item.scoring, IndicatorScoring):
            value, waiting = _indicator_value(item.scoring.indicator, assessment.region, assessment.period)
            if waiting:
                pending.append(row.item_code)
            row.indicator_value = value
            row.self_points = None if waiting else band_points(item.scoring, value)
            row.save(update_fields=["indicator_value", "self_points"])
    return pending


def awaiting_values(assessment: ScorecardAssessment) -> bool:
    """Whether indicator items still wait for their values (they hold no points yet)."""
    card = get_scorecard(assessment.scorecard_code)
    return any(
        isinstance(card.item(r.item_code).scoring, IndicatorScoring) and r.self_points is None
        for r in assessment.items.all()
    )


@transaction.atomic
def refresh_pending_items(assessment: ScorecardAssessment) -> list[str]:
    """A draft whose indicator values were still being computed picks them up once they are there."""
    pending = refresh_indicator_items(assessment)
    _totals(assessment)
    assessment.save(update_fields=["self_total"])
    return pending


def _totals(assessment: ScorecardAssessment) -> None:
    card = get_scorecard(assessment.scorecard_code)
    self_total = Decimal(0)
    final_total = Decimal(0)
    for row in assessment.items.all():
        item = card.item(row.item_code)
        self_total += row.self_points or 0
        if isinstance(item.scoring, IndicatorScoring):
            final_total += row.self_points or 0
        else:
            final_total += row.review_points or 0
    assessment.self_total = self_total
    assessment.final_total = final_total if assessment.status == ScorecardStatus.FINAL else None


@transaction.atomic
def start_assessment(
    *, acting_user: User, scorecard_code: str, region: Region, period: str
) -> ScorecardAssessment:
    """A new self-assessment of ``region`` (a county in the user's scope) against a scorecard."""
    require_perm(acting_user, "scorecard.edit")
    card = get_scorecard(scorecard_code)
    label = parse_period(period).label
    assessment = ScorecardAssessment.objects.create(
        scorecard_code=card.code,
        scorecard_version=card.version,
        region=region,
        period=label,
        created_by=acting_user,
    )
    ScorecardItemScore.objects.bulk_create(
        [ScorecardItemScore(assessment=assessment, item_code=i.code) for i in card.items]
    )
    refresh_indicator_items(assessment)
    _totals(assessment)
    assessment.save()
    audit.record(
        "create",
        user=acting_user,
        obj=assessment,
        changes={"scorecard": [None, f"{card.code}@{card.version}"]},
    )
    return assessment


def _points(item: Item, value: Any, field: str) -> Decimal:
    try:
        points = Decimal(str(value))
    except Exception:
        raise ServiceError(
            error_codes.POINTS_OUT_OF_RANGE, _("Points must be a number."), field=field
        ) from None
    if points < 0 or points > item.points:
        raise ServiceError(
            error_codes.POINTS_OUT_OF_RANGE,
            _("Points must be between 0 and %(max)s.") % {"max": item.points},
            field=field,
        )
    return points


@transaction.atomic
def self_assess_item(
    assessment: ScorecardAssessment,
    *,
    acting_user: User,
    item_code: str,
    points: Any,
    note: str = "",
    evidence: UploadedFile | None = None,
) -> ScorecardItemScore:
    """The county's own points for an evidence item, with its explanation and evidence file."""
    require_perm(acting_user, "scorecard.edit")
    if assessment.status != ScorecardStatus.DRAFT:
        raise ServiceError(
            error_codes.SCORECARD_STATE, _("Only a draft self-assessment can be changed."), status=409
        )
    item = get_scorecard(assessment.scorecard_code).item(item_code)
    if not isinstance(item.scoring, EvidenceScoring):
        raise ServiceError(
            error_codes.SCORECARD_STATE, _("This item is scored from its indicator."), field="points"
        )
    _check_evidence(evidence)
    row = assessment.items.get(item_code=item_code)
    old = row.self_points
    row.self_points = _points(item, points, "points")
    row.self_note = note.strip()[:500]
    if evidence is not None:
        row.evidence_name = (evidence.name or "")[:200]
        row.evidence.save(Path(evidence.name or "evidence").name, evidence, save=False)
    row.save()
    _totals(assessment)
    assessment.save(update_fields=["self_total"])
    audit.record(
        "update",
        user=acting_user,
        obj=assessment,
        field=item_code,
        changes={"self_points": [str(old) if old is not None else None, str(row.self_points)]},
    )
    return row


def _check_submit(t: Transition) -> None:
    card = get_scorecard(t.obj.scorecard_code)
    missing = [
        r.item_code
        for r in t.obj.items.all()
        if isinstance(card.item(r.item_code).scoring, EvidenceScoring) and r.self_points is None
    ]
    if missing:
        raise ServiceError(
            error_codes.SCORECARD_STATE,
            _("Self-assess every item before submitting: %(items)s.") % {"items": "、".join(missing)},
        )
    pending = refresh_indicator_items(t.obj)  # scored from the values as they are now
    if pending:
        raise ServiceError(
            error_codes.VALUES_PENDING,
            _("The indicator values of %(items)s are still being computed; submit again in a minute.")
            % {"items": "、".join(pending)},
            status=409,
        )


def _on_submit(t: Transition) -> None:
    t.obj.submitted_at = clock.now()
    _totals(t.obj)


def submit(assessment: ScorecardAssessment, *, acting_user: User) -> ScorecardAssessment:
    """上报: the county sends its complete self-assessment for review."""
    SCORECARD.apply(assessment, "submit", acting_user=acting_user)
    return assessment


def _prepared_by(user: Any, assessment: ScorecardAssessment) -> bool:
    """Whether ``user`` prepared the self-assessment (started or submitted it): the four-eyes rule
    keeps them from reviewing their own work."""
    if assessment.created_by_id == user.pk:
        return True
    return assessment.events.filter(action="submit", by_id=user.pk).exists()


def _require_other_reviewer(user: Any, assessment: ScorecardAssessment) -> None:
    if _prepared_by(user, assessment):
        raise ServiceError(
            error_codes.SCORECARD_STATE,
            _("You prepared this self-assessment, so someone else must review it."),
            status=403,
        )


@transaction.atomic
def review_item(
    assessment: ScorecardAssessment, *, acting_user: User, item_code: str, points: Any, note: str = ""
) -> ScorecardItemScore:
    """A reviewer accepts an evidence item with full or partial points (or none)."""
    require_perm(acting_user, "scorecard.review")
    _require_other_reviewer(acting_user, assessment)
    if assessment.status != ScorecardStatus.SUBMITTED:
        raise ServiceError(
            error_codes.SCORECARD_STATE, _("Only a submitted self-assessment is reviewed."), status=409
        )
    item = get_scorecard(assessment.scorecard_code).item(item_code)
    if not isinstance(item.scoring, EvidenceScoring):
        raise ServiceError(
            error_codes.SCORECARD_STATE, _("This item is scored from its indicator."), field="points"
        )
    row = assessment.items.get(item_code=item_code)
    old = row.review_points
    row.review_points = _points(item, points, "points")
    row.review_note = note.strip()[:500]
    row.save(update_fields=["review_points", "review_note"])
    audit.record(
        "update",
        user=acting_user,
        obj=assessment,
        field=item_code,
        changes={"review_points": [str(old) if old is not None else None, str(row.review_points)]},
    )
    return row


def _not_preparer(user: Any, assessment: ScorecardAssessment) -> bool:
    return not _prepared_by(user, assessment)


def _check_review(t: Transition) -> None:
    _require_other_reviewer(t.user, t.obj)


def _check_finalise(t: Transition) -> None:
    _require_other_reviewer(t.user, t.obj)
    card = get_scorecard(t.obj.scorecard_code)
    pending = [
        r.item_code
        for r in t.obj.items.all()
        if isinstance(card.item(r.item_code).scoring, EvidenceScoring) and r.review_points is None
    ]
    if pending:
        raise ServiceError(
            error_codes.SCORECARD_STATE,
            _("Review every evidence item before the final score: %(items)s.")
            % {"items": "、".join(pending)},
        )


def _on_finalise(t: Transition) -> None:
    t.obj.reviewed_by = t.user
    t.obj.reviewed_at = clock.now()
    _totals(t.obj)


def _write_event(t: Transition) -> None:
    """ScorecardEvent stays the scorecard's own history (the page lists it, the four-eyes rule reads
    who submitted), written beside the generic history in the same transaction."""
    ScorecardEvent.objects.create(
        assessment=t.obj,
        from_status=t.from_state,
        to_status=t.to_state,
        action=t.action,
        by=t.user,
        reason=t.reason[:200],
    )


#: self-assessment → submitted → final, or back to draft with a reason; each move a ScorecardEvent,
#: a core StateTransition and an audit row
SCORECARD = StateMachine(
    ScorecardAssessment,
    table=TRANSITIONS,
    states=ScorecardStatus,
    actions={
        "submit": gettext_lazy("Submit for review"),
        "return": gettext_lazy("Return for revision"),
        "finalise": gettext_lazy("Confirm the final score"),
    },
    rules={
        "submit": Rules(check=_check_submit, before_save=_on_submit, after_save=_write_event),
        "return": Rules(
            reason_required=True, check=_check_review, after_save=_write_event, may=_not_preparer
        ),
        "finalise": Rules(
            check=_check_finalise, before_save=_on_finalise, after_save=_write_event, may=_not_preparer
        ),
    },
)


def finalise(assessment: ScorecardAssessment, *, acting_user: User) -> ScorecardAssessment:
    """定分: a reviewer other than the preparer, every evidence item reviewed."""
    SCORECARD.apply(assessment, "finalise", acting_user=acting_user)
    return assessment


def return_for_revision(
    assessment: ScorecardAssessment, *, acting_user: User, reason: str
) -> ScorecardAssessment:
    """退回: back to draft, with the reason the county reads."""
    if not reason.strip():
        raise ServiceError("REASON_REQUIRED", _("Say why it goes back."), field="reason")
    SCORECARD.apply(assessment, "return", acting_user=acting_user, reason=reason)
    return assessment


def can_act(user: Any, assessment: ScorecardAssessment, action: str) -> bool:
    """Whether to offer the button: the table, the permission and the four-eyes rule."""
    return SCORECARD.can(user, assessment, action)
