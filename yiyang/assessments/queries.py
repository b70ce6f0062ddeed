"""Reading assessments, always through the elder scope (:mod:`yiyang.core.scoping`).

A response is visible exactly when its elder is and the user holds the instrument's
``read_permission``; out of scope and missing are both 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from yiyang.core import clock
from yiyang.core.models import Elder, ElderStatus
from yiyang.core.scoping import has_perm, scope_elders

from .models import AssessmentResponse, ReassessmentTrigger
from .registry import all_instruments
from .services import ABILITY_INSTRUMENT

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User


def readable_instruments(user: User | AnonymousUser) -> list[str]:
    """Codes of the instruments whose responses ``user`` may read: each definition declares the
    permission (``read_permission``) — health data need health.view, ability levels elder.view."""
    return [i.code for i in all_instruments() if has_perm(user, i.read_permission)]


#: the permission that shows an assessment's item answers, sub-totals and judgements; without it a
#: reader (民政, which places and funds eldercare by ability level) sees the level and the category only
ITEMS_PERMISSION = "health.view"


def may_read_items(user: User | AnonymousUser) -> bool:
    """Whether ``user`` may read item answers (dementia, psychiatric diagnoses, falls, suicide events are
    answers of GB/T 42195, MZ/T 039 and 长护): health readers may; 民政 gets level and category."""
    return has_perm(user, ITEMS_PERMISSION)


def scope_responses(user: User | AnonymousUser) -> QuerySet[AssessmentResponse]:
    """Responses of elders in scope, of instruments the user may read."""
    return AssessmentResponse.objects.filter(
        elder__in=scope_elders(user), instrument_code__in=readable_instruments(user)
    ).select_related("elder", "assessor")


def get_response_for_user(user: User | AnonymousUser, pk: object) -> AssessmentResponse:
    try:
        pk = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    response = scope_responses(user).filter(pk=pk).first()
    if response is None:
        raise Http404
    return response


def history(
    elder: Elder, instrument_code: str | None = None, *, user: User | AnonymousUser
) -> QuerySet[AssessmentResponse]:
    """Every response of an already scoped elder that ``user`` may read (by instrument), newest first
    (drafts and superseded ones included)."""
    qs = AssessmentResponse.objects.filter(
        elder=elder, instrument_code__in=readable_instruments(user)
    ).select_related("assessor", "supersedes")
    if instrument_code:
        qs = qs.filter(instrument_code=instrument_code)
    return qs.order_by("-assessed_at", "-id")


def correction_of(response: AssessmentResponse) -> AssessmentResponse | None:
    """The response that superseded ``response``, if it was corrected."""
    return AssessmentResponse.objects.filter(supersedes=response).first()


def previous_of(response: AssessmentResponse) -> AssessmentResponse | None:
    """The current final response of the same instrument assessed before this one (what changed since)."""
    qs = (
        AssessmentResponse.objects.current()
        .filter(elder_id=response.elder_id, instrument_code=response.instrument_code)
        .exclude(pk=response.pk)
        .filter(
            Q(assessed_at__lt=response.assessed_at) | Q(assessed_at=response.assessed_at, pk__lt=response.pk)
        )
    )
    if response.supersedes_id:
        qs = qs.exclude(pk=response.supersedes_id)
    return qs.order_by("-assessed_at", "-id").first()


@dataclass
class Change:
    key: str
    label: str
    before: Any
    after: Any


def changes_since(response: AssessmentResponse, previous: AssessmentResponse | None) -> list[Change]:
    """Total, sub-totals and level that differ from the previous assessment (empty without one)."""
    if previous is None:
        return []
    out: list[Change] = []
    if previous.total != response.total:
        out.append(Change("total", "total", previous.total, response.total))
    for code in sorted(set(previous.subscores) | set(response.subscores)):
        if previous.subscores.get(code) != response.subscores.get(code):
            out.append(
                Change(f"section:{code}", code, previous.subscores.get(code), response.subscores.get(code))
            )
    if previous.level_code != response.level_code:
        out.append(Change("level", "level", previous.level_name or None, response.level_name or None))
    return out


@dataclass
class DueEntry:
    elder: Elder
    last_response_id: int | None
    last_assessed_at: dt.datetime | None
    level_name: str
    due: dt.date | None
    reasons: list[str] = field(default_factory=list)


def due_list(
    user: User | AnonymousUser,
    *,
    instrument_code: str = ABILITY_INSTRUMENT,
    on: dt.date | None = None,
    include_never: bool = False,
) -> list[DueEntry]:
    """Active elders in scope whose reassessment is due on ``on`` (default today): the last final
    assessment's due date has come, or a status change raised an immediate reassessment; with
    ``include_never`` also those never assessed with the instrument."""
    if instrument_code not in readable_instruments(user):
        return []
    on = on or clock.today()
    latest = (
        AssessmentResponse.objects.current()
        .filter(elder=OuterRef("pk"), instrument_code=instrument_code)
        .order_by("-assessed_at", "-id")
    )
    open_trigger = ReassessmentTrigger.objects.filter(
        elder=OuterRef("pk"), instrument_code=instrument_code, resolved_by__isnull=True
    )
    qs = (
        scope_elders(user)
        .filter(status=ElderStatus.ACTIVE)
        .annotate(
            last_id=Subquery(latest.values("pk")[:1]),
            last_at=Subquery(latest.values("assessed_at")[:1]),
            last_level=Subquery(latest.values("level_name")[:1]),
            due=Subquery(latest.values("reassessment_due")[:1]),
            triggered=Exists(open_trigger),
        )
    )
    wanted = Q(due__lte=on) | Q(triggered=True)
    if include_never:
        wanted |= Q(last_id__isnull=True)
    rows = qs.filter(wanted).order_by("due", "pk")
    reasons_by_elder: dict[int, list[str]] = {}
    for trigger in ReassessmentTrigger.objects.filter(
        elder__in=[e.pk for e in rows], instrument_code=instrument_code, resolved_by__isnull=True
    ):
        reasons_by_elder.setdefault(trigger.elder_id, []).append(trigger.reason)
    entries = []
    for elder in rows:
        reasons = list(reasons_by_elder.get(elder.pk, []))
        if elder.due is not None and elder.due <= on:
            reasons.insert(0, "due")
        if elder.last_id is None:
            reasons.insert(0, "never")
        entries.append(
            DueEntry(elder, elder.last_id, elder.last_at, elder.last_level or "", elder.due, reasons)
        )
    return entries
