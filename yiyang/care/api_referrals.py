"""Referral endpoints: ``/api/v1/referrals`` (双向转诊 and the green channel).

- ``POST /referrals`` creates a **draft** (201) unless the body says ``"send": true``, in which case it
  is created and sent in one step (still 201; a refused send leaves no draft). A draft is sent later
  with ``POST /referrals/{id}/transitions {"action": "send"}``.
- ``GET /referrals`` lists what the caller may read (the sending side what it sent, the receiving side
  what was sent to it, 卫健 its region's), filtered by ``state``, ``direction``, ``urgency``, ``side``.
- ``GET /referrals/{id}`` one referral, with the green channel's timeliness and — while it is open and
  the elder is in the caller's scope — the archive summary.
- ``POST /referrals/{id}/transitions`` ``{"action", "reason", "summary"}``; ``GET`` its history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.schemas import TransitionHistoryOut, TransitionIn, TransitionOut
from yiyang.core.scoping import get_elder_for_user, scope_institutions
from yiyang.core.transitions import history_out, transition_out

from .access import get_referral_for_user, referral_archive_summary, scope_referrals
from .models.referrals import Referral, ReferralDirection, ReferralStatus, ReferralUrgency
from .services import referrals as service

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["care"])

Id = Annotated[int, Field(ge=1, le=2**53)]
MAX_PAGE_SIZE = 100


class ReferralIn(Schema):
    elder_id: Id
    to_institution_id: Id
    direction: str = Field(max_length=8)
    urgency: str = Field("routine", max_length=16)
    reason: str = Field(max_length=200)
    clinical_notes: str = Field("", max_length=2000)
    to_home: bool = False
    from_institution_id: Id | None = None
    #: create and send at once (otherwise a draft)
    send: bool = False


class ReferralTransitionIn(TransitionIn):
    """``send``, ``accept``, ``arrive``; ``decline``, ``return``, ``cancel`` with a ``reason``;
    ``complete`` with the ``summary`` (discharge or consultation summary)."""

    summary: str = Field("", max_length=4000)


class ReferralQuery(Schema):
    state: str = ""
    direction: str = ""
    urgency: str = ""
    side: str = ""
    elder: Id | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class TimelinessOut(Schema):
    accept_minutes: int | None
    accept_promised: int | None
    accept_late: bool | None
    arrive_minutes: int | None
    arrive_promised: int | None
    arrive_late: bool | None
    on_time: bool | None


class ReferralOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    from_institution_id: int
    from_institution: str
    to_institution_id: int
    to_institution: str
    direction: str
    urgency: str
    to_home: bool
    state: str
    state_label: str
    reason: str
    clinical_notes: str
    created_by: str
    sent_by: str
    created_at: Any
    sent_at: Any
    accepted_at: Any
    arrived_at: Any
    closed_at: Any
    decline_reason: str
    cancel_reason: str
    return_reason: str
    summary: str
    followup_id: int | None
    allowed_actions: list[str]
    timeliness: TimelinessOut | None
    archive_summary: dict[str, Any] | None = None


class ReferralPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ReferralOut]


def referral_out(r: Referral, user: Any, *, with_summary: bool = False) -> dict[str, Any]:
    t = service.timeliness(r) if r.is_green else None
    out: dict[str, Any] = {
        "id": r.pk,
        "elder_id": r.elder_id,
        "elder_name": r.elder.name,
        "from_institution_id": r.from_institution_id,
        "from_institution": r.from_institution.name,
        "to_institution_id": r.to_institution_id,
        "to_institution": r.to_institution.name,
        "direction": r.direction,
        "urgency": r.urgency,
        "to_home": r.to_home,
        "state": r.status,
        "state_label": r.get_status_display(),
        "reason": r.reason,
        "clinical_notes": r.clinical_notes,
        "created_by": str(r.created_by),
        "sent_by": str(r.sent_by) if r.sent_by_id else "",
        "created_at": r.created_at,
        "sent_at": r.sent_at,
        "accepted_at": r.accepted_at,
        "arrived_at": r.arrived_at,
        "closed_at": r.closed_at,
        "decline_reason": r.decline_reason,
        "cancel_reason": r.cancel_reason,
        "return_reason": r.return_reason,
        "summary": r.summary,
        "followup_id": r.followup_id,
        "allowed_actions": service.REFERRAL.available(user, r),
        "timeliness": None if t is None else {**t.__dict__, "on_time": t.on_time},
        "archive_summary": None,
    }
    if with_summary:
        summary = referral_archive_summary(user, r)
        out["archive_summary"] = summary.as_dict() if summary else None
    return out


def _choice(value: str, choices: list[str], field: str, label: str) -> str:
    if value and value not in choices:
        raise ServiceError(
            "INVALID", _("%(field)s: unknown value %(v)s.") % {"field": label, "v": value[:20]}, field=field
        )
    return value


@router.get("/referrals", response=ReferralPage)
@scoped
def list_referrals(request: HttpRequest, filters: Query[ReferralQuery]) -> dict:
    """Referrals you may read, newest first; ``side`` is ``sent`` or ``received``."""
    qs = scope_referrals(request.user)
    if _choice(filters.state, ReferralStatus.values, "state", _("State")):
        qs = qs.filter(status=filters.state)
    if _choice(filters.direction, ReferralDirection.values, "direction", _("Direction")):
        qs = qs.filter(direction=filters.direction)
    if _choice(filters.urgency, ReferralUrgency.values, "urgency", _("Urgency")):
        qs = qs.filter(urgency=filters.urgency)
    side = _choice(filters.side, ["sent", "received"], "side", _("Side"))
    if side == "sent":
        qs = qs.filter(from_institution__in=service.sending_institutions(request.user))
    elif side == "received":
        qs = qs.filter(to_institution__in=service.receiving_institutions(request.user))
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [referral_out(r, request.user) for r in rows],
    }


@router.post("/referrals", response={201: ReferralOut})
@scoped
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status:
    """发起转诊: a draft, or sent at once with ``"send": true``."""
    user = cast("User", request.user)
    if not service.sending_institutions(user):
        raise ServiceError(
            service.NOT_YOUR_SIDE,
            _("Your account is not attached to an institution that makes referrals."),
            status=403,
        )
    try:
        elder = get_elder_for_user(user, payload.elder_id)
    except Http404:
        raise ServiceError(
            "NOT_FOUND", _("Elder: not found among the elders you serve."), field="elder_id"
        ) from None
    institutions = scope_institutions(user)
    to = institutions.filter(pk=payload.to_institution_id).first()
    if to is None:
        raise ServiceError("NOT_FOUND", _("Receiving institution: not found."), field="to_institution_id")
    sender = None
    if payload.from_institution_id:
        sender = institutions.filter(pk=payload.from_institution_id).first()
        if sender is None:
            raise ServiceError(
                "NOT_FOUND", _("Referring institution: not found."), field="from_institution_id"
            )
    referral = service.create_referral(
        elder,
        acting_user=user,
        to_institution=to,
        direction=payload.direction,
        urgency=payload.urgency,
        reason=payload.reason,
        clinical_notes=payload.clinical_notes,
        from_institution=sender,
        to_home=payload.to_home,
        send=payload.send,
    )
    referral = get_referral_for_user(user, referral.pk)
    return Status(201, referral_out(referral, user))


@router.get("/referrals/{referral_id}", response=ReferralOut)
@scoped
def get_referral(request: HttpRequest, referral_id: int) -> dict:
    """One referral; ``archive_summary`` while it is open and the elder is in your scope."""
    referral = get_referral_for_user(request.user, referral_id)
    out = referral_out(referral, request.user, with_summary=True)
    if out["archive_summary"] is not None:
        core_services.record_view(
            referral.elder, acting_user=cast("User", request.user), what=_("Referral: archive summary")
        )
    return out


@router.post("/referrals/{referral_id}/transitions", response=TransitionOut)
@scoped
def referral_transition(request: HttpRequest, referral_id: int, payload: ReferralTransitionIn) -> dict:
    """The referral's state machine. A move the current state does not allow, or an unknown action, is
    409 ``TRANSITION_NOT_ALLOWED`` naming the current state; a move of the other side is 403."""
    referral = get_referral_for_user(request.user, referral_id)
    t = service.move(
        referral,
        payload.action,
        acting_user=cast("User", request.user),
        reason=payload.reason,
        summary=payload.summary,
    )
    return transition_out(t)


@router.get("/referrals/{referral_id}/transitions", response=TransitionHistoryOut)
@scoped
def referral_transitions(request: HttpRequest, referral_id: int) -> dict:
    """The referral's state, the actions you may take, and its moves, oldest first."""
    referral = get_referral_for_user(request.user, referral_id)
    return history_out(service.REFERRAL, referral, request.user)
