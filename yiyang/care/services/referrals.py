"""双向转诊 and the green channel: creating a referral, its state machine, the access grant it writes,
and the green channel's timeliness against the agreement's promise.

Who may move a referral is decided twice: by permission (``referral.send`` / ``referral.receive``, the
table) and by institution — the sending side (the institution the referral came from) sends and cancels,
the receiving side (the institution it went to) accepts, declines, receives, completes and returns.
A user of the other side, or of neither, is refused (403) even with the permission.

Sending writes an access grant to the receiving institution for the elder; closing the referral
(completed, returned, declined, cancelled) ends it, effective at once: the grant's last day is the day
before the referral closed (a grant opened the same day is removed), so the receiving side no longer
reads the archive after it has sent its summary back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock, grants
from yiyang.core.errors import ServiceError
from yiyang.core.models import HOSPITAL_KINDS, Elder, Institution, InstitutionKind
from yiyang.core.scoping import has_perm, require_perm
from yiyang.core.transitions import Rules, StateMachine, Transition

from ..models import Agreement, AgreementService, AgreementStatus
from ..models.referrals import (
    OPEN_STATES,
    Referral,
    ReferralDirection,
    ReferralStatus,
    ReferralUrgency,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

INVALID = "INVALID"
NOT_YOUR_SIDE = "REFERRAL_NOT_YOUR_SIDE"
ALREADY_OPEN = "REFERRAL_ALREADY_OPEN"

#: The level of care an institution gives, for the direction of a referral: upward goes to a higher
#: level, downward to a lower one. Eldercare institutions, village clinics and community stations are
#: the first level; township and community centres (and medical nursing homes, hospices) the second;
#: hospitals the third.
LEVELS: dict[str, int] = {
    InstitutionKind.ELDERCARE_HOME: 1,
    InstitutionKind.DAY_CARE_CENTRE: 1,
    InstitutionKind.INTEGRATED_CARE: 1,
    InstitutionKind.VILLAGE_CLINIC: 1,
    InstitutionKind.COMMUNITY_HEALTH_STATION: 1,
    InstitutionKind.TOWNSHIP_HEALTH_CENTRE: 2,
    InstitutionKind.COMMUNITY_HEALTH_CENTRE: 2,
    InstitutionKind.NURSING_HOME: 2,
    InstitutionKind.HOSPICE_CENTRE: 2,
    InstitutionKind.GENERAL_HOSPITAL: 3,
    InstitutionKind.TCM_HOSPITAL: 3,
    InstitutionKind.REHAB_HOSPITAL: 3,
}
MAX_REASON = 200
MAX_NOTES = 2000
MAX_SUMMARY = 4000


# --------------------------------------------------------------------------------------------------
# Sides
# --------------------------------------------------------------------------------------------------


def sending_institutions(user: User | AnonymousUser) -> list[Institution]:
    """The institutions ``user`` may send referrals for: their own (clinician, administrator), and the
    institution of their family-doctor team."""
    if not user.is_authenticated or not has_perm(user, "referral.send"):
        return []
    out: dict[int, Institution] = {}
    for a in user.active_assignments:
        if a.role in (Role.CLINICIAN, Role.INSTITUTION_ADMIN) and a.institution is not None:
            out.setdefault(a.institution.pk, a.institution)
    for a in user.active_assignments:
        if a.role == Role.FAMILY_DOCTOR and a.team is not None:
            out.setdefault(a.team.institution.pk, a.team.institution)
    return list(out.values())


def receiving_institutions(user: User | AnonymousUser) -> list[Institution]:
    """The institutions ``user`` receives referrals for: the one they work at (clinician, administrator)."""
    if not user.is_authenticated or not has_perm(user, "referral.receive"):
        return []
    out: dict[int, Institution] = {}
    for a in user.active_assignments:
        if a.role in (Role.CLINICIAN, Role.INSTITUTION_ADMIN) and a.institution is not None:
            out.setdefault(a.institution.pk, a.institution)
    return list(out.values())


def is_sender(user: User | AnonymousUser, referral: Referral) -> bool:
    return referral.from_institution_id in {i.pk for i in sending_institutions(user)}


def is_receiver(user: User | AnonymousUser, referral: Referral) -> bool:
    return referral.to_institution_id in {i.pk for i in receiving_institutions(user)}


def _sender_only(t: Transition) -> None:
    if not is_sender(t.user, t.obj):
        raise ServiceError(
            NOT_YOUR_SIDE,
            _("Only %(name)s, which made this referral, can do this.") % {"name": t.obj.from_institution},
            field="action",
            status=403,
        )


def _receiver_only(t: Transition) -> None:
    if not is_receiver(t.user, t.obj):
        raise ServiceError(
            NOT_YOUR_SIDE,
            _("Only %(name)s, which receives this referral, can do this.") % {"name": t.obj.to_institution},
            field="action",
            status=403,
        )


# --------------------------------------------------------------------------------------------------
# The green channel's promise
# --------------------------------------------------------------------------------------------------


def green_agreement(a: Institution, b: Institution, day: dt.date) -> Agreement | None:
    """The agreement in force on ``day`` between the two institutions (either way round) that covers
    the green channel, the one with the tightest promise first."""
    candidates = Agreement.objects.filter(
        Q(eldercare_institution=a, medical_institution=b) | Q(eldercare_institution=b, medical_institution=a),
        start_date__lte=day,
    ).exclude(status=AgreementStatus.DRAFT)
    found = [x for x in candidates if x.covers(AgreementService.GREEN_CHANNEL) and x.is_in_force_on(day)]
    found.sort(key=lambda x: (x.green_accept_minutes or 10**9, x.pk))
    return found[0] if found else None


@dataclass(frozen=True)
class Timeliness:
    """A green-channel referral's times against the promise: minutes taken (None while waiting),
    promised (None without an agreement), and whether it is late (None when unknown)."""

    accept_minutes: int | None
    accept_promised: int | None
    accept_late: bool | None
    arrive_minutes: int | None
    arrive_promised: int | None
    arrive_late: bool | None

    @property
    def late(self) -> bool:
        return bool(self.accept_late or self.arrive_late)

    @property
    def on_time(self) -> bool | None:
        """On time: measured and within every promise; None when there is nothing to measure against."""
        if self.accept_late is None and self.arrive_late is None:
            return None
        return not self.late


def _late(taken: int | None, promised: int | None, waited: int | None) -> bool | None:
    if promised is None:
        return None
    if taken is not None:
        return taken > promised
    if waited is not None and waited > promised:
        return True  # still waiting and already past the promise
    return None


def timeliness(referral: Referral, now: dt.datetime | None = None) -> Timeliness:
    """Time to acceptance and to arrival, measured from sending, against the promise kept on the
    referral when it was sent. A referral still waiting past its promise is late already."""
    now = now or clock.now()
    waited = (
        int((now - referral.sent_at).total_seconds() // 60)
        if referral.sent_at and referral.status in OPEN_STATES
        else None
    )
    accept = referral.minutes_to_accept()
    arrive = referral.minutes_to_arrive()
    accept_wait = waited if referral.status == ReferralStatus.SENT else None
    arrive_wait = waited if referral.status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED) else None
    return Timeliness(
        accept_minutes=accept,
        accept_promised=referral.promised_accept_minutes,
        accept_late=_late(accept, referral.promised_accept_minutes, accept_wait),
        arrive_minutes=arrive,
        arrive_promised=referral.promised_arrive_minutes,
        arrive_late=_late(arrive, referral.promised_arrive_minutes, arrive_wait),
    )


# --------------------------------------------------------------------------------------------------
# Creating and editing
# --------------------------------------------------------------------------------------------------


def _clean_text(value: Any, field: str, label: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not text:
        raise ServiceError(INVALID, _("%(field)s: required.") % {"field": label}, field=field)
    if len(text) > limit:
        raise ServiceError(
            INVALID,
            _("%(field)s: too long (at most %(n)s characters).") % {"field": label, "n": limit},
            field=field,
        )
    return text


def _check_route(
    from_institution: Institution, to_institution: Institution, direction: str, urgency: str
) -> None:
    if direction not in ReferralDirection.values:
        raise ServiceError(INVALID, _("Direction: choose upward or downward."), field="direction")
    if urgency not in ReferralUrgency.values:
        raise ServiceError(INVALID, _("Urgency: choose green channel or routine."), field="urgency")
    if to_institution.pk == from_institution.pk:
        raise ServiceError(
            INVALID, _("Receiving institution: cannot be your own institution."), field="to_institution_id"
        )
    if not to_institution.is_active:
        raise ServiceError(
            INVALID,
            _("Receiving institution: %(name)s is no longer in service.") % {"name": to_institution.name},
            field="to_institution_id",
        )
    here, there = LEVELS.get(from_institution.kind), LEVELS.get(to_institution.kind)
    if there is None:
        raise ServiceError(
            INVALID,
            _("Receiving institution: %(name)s takes no referrals.") % {"name": to_institution.name},
            field="to_institution_id",
        )
    if here is None:
        raise ServiceError(
            INVALID,
            _("Your institution %(name)s cannot make referrals.") % {"name": from_institution.name},
            field="from_institution_id",
        )
    if direction == ReferralDirection.UP and there <= here:
        raise ServiceError(
            INVALID,
            _(
                "Receiving institution: an upward referral goes to a higher level of care "
                "(a hospital, or a township centre from a home or village clinic), not to %(name)s."
            )
            % {"name": to_institution.name},
            field="to_institution_id",
        )
    if direction == ReferralDirection.DOWN and there >= here:
        raise ServiceError(
            INVALID,
            _(
                "Receiving institution: a downward referral goes to a township or community centre or an "
                "eldercare institution, not to %(name)s."
            )
            % {"name": to_institution.name},
            field="to_institution_id",
        )
    if direction == ReferralDirection.DOWN and urgency == ReferralUrgency.GREEN_CHANNEL:
        raise ServiceError(
            INVALID, _("Urgency: the green channel is for upward referrals only."), field="urgency"
        )


def _pick_sender(user: User, from_institution: Institution | None) -> Institution:
    mine = sending_institutions(user)
    if not mine:
        raise ServiceError(
            NOT_YOUR_SIDE,
            _("Your account is not attached to an institution that makes referrals."),
            status=403,
        )
    if from_institution is None:
        return mine[0]
    if from_institution.pk not in {i.pk for i in mine}:
        raise ServiceError(
            NOT_YOUR_SIDE,
            _("Referring institution: you do not work for %(name)s.") % {"name": from_institution.name},
            field="from_institution_id",
            status=403,
        )
    return from_institution


def _refuse_duplicate(elder: Elder, to_institution: Institution, exclude: int | None = None) -> None:
    qs = Referral.objects.filter(
        elder=elder, to_institution=to_institution, status__in=[ReferralStatus.DRAFT, *OPEN_STATES]
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ServiceError(
            ALREADY_OPEN,
            _("This elder already has an open referral to %(name)s.") % {"name": to_institution.name},
            field="to_institution_id",
            status=409,
        )


@transaction.atomic
def create_referral(
    elder: Elder,
    *,
    acting_user: User,
    to_institution: Institution,
    direction: str,
    urgency: str,
    reason: str,
    clinical_notes: str = "",
    from_institution: Institution | None = None,
    to_home: bool = False,
    followup_id: int | None = None,
    send: bool = False,
) -> Referral:
    """发起转诊: a draft referral of an elder the caller has scoped; with ``send`` it is sent at once
    (one transaction: a refused send leaves no draft behind)."""
    require_perm(acting_user, "referral.send")
    sender = _pick_sender(acting_user, from_institution)
    reason = _clean_text(reason, "reason", _("Reason for referral"), MAX_REASON, required=True)
    notes = _clean_text(clinical_notes, "clinical_notes", _("Clinical notes"), MAX_NOTES, required=False)
    _check_route(sender, to_institution, direction, urgency)
    if to_home and direction != ReferralDirection.DOWN:
        raise ServiceError(
            INVALID, _("Rehabilitation at home: only for a downward referral."), field="to_home"
        )
    _refuse_duplicate(elder, to_institution)
    referral = Referral.objects.create(
        elder=elder,
        from_institution=sender,
        to_institution=to_institution,
        direction=direction,
        urgency=urgency,
        to_home=bool(to_home),
        reason=reason,
        clinical_notes=notes,
        followup_id=followup_id,
        created_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=referral,
        changes={
            "elder": [None, elder.pk],
            "from_institution": [None, sender.pk],
            "to_institution": [None, to_institution.pk],
            "direction": [None, direction],
            "urgency": [None, urgency],
        },
    )
    if send:
        REFERRAL.apply(referral, "send", acting_user=acting_user)
    return referral


@transaction.atomic
def update_draft(
    referral: Referral,
    *,
    acting_user: User,
    to_institution: Institution,
    urgency: str,
    reason: str,
    clinical_notes: str = "",
) -> Referral:
    """Change a draft before sending (a draft a follow-up opened names the county hospital)."""
    require_perm(acting_user, "referral.send")
    row = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_institution")
        .get(pk=referral.pk)
    )
    if row.status != ReferralStatus.DRAFT:
        raise ServiceError(
            "TRANSITION_NOT_ALLOWED",
            _("The current state is “%(state)s”: only a draft can be changed.")
            % {"state": row.get_status_display()},
            status=409,
        )
    if not is_sender(acting_user, row):
        raise PermissionDenied("referral.send")
    reason = _clean_text(reason, "reason", _("Reason for referral"), MAX_REASON, required=True)
    notes = _clean_text(clinical_notes, "clinical_notes", _("Clinical notes"), MAX_NOTES, required=False)
    _check_route(row.from_institution, to_institution, row.direction, urgency)
    _refuse_duplicate(row.elder, to_institution, exclude=row.pk)
    before = {"to_institution": row.to_institution_id, "urgency": row.urgency, "reason": row.reason}
    row.to_institution, row.urgency, row.reason, row.clinical_notes = to_institution, urgency, reason, notes
    row.save(update_fields=["to_institution", "urgency", "reason", "clinical_notes"])
    after = {"to_institution": to_institution.pk, "urgency": urgency, "reason": reason}
    audit.record("update", user=acting_user, obj=row, changes=audit.diff(before, after))
    referral.__dict__.update({k: v for k, v in row.__dict__.items() if k != "_state"})
    return row


def open_draft_from_followup(followup: Any, *, acting_user: User) -> Referral | None:
    """A chronic follow-up decided 紧急转诊: open a green-channel draft, prefilled with the follow-up's
    reason, from the follow-up's institution to the county's general hospital (the doctor may change
    the destination before sending). Runs in the follow-up's transaction. Nothing is opened when the
    follow-up's institution cannot refer upward or the county has no hospital."""
    sender = followup.institution
    if LEVELS.get(sender.kind, 3) >= 3:
        return None
    hospitals = Institution.objects.filter(
        kind__in=HOSPITAL_KINDS, is_active=True, region__code__startswith=sender.region_id[:6]
    ).order_by(
        # the general hospital first, then TCM, then rehabilitation
        "kind",
        "pk",
    )
    to = hospitals.filter(kind=InstitutionKind.GENERAL_HOSPITAL).first() or hospitals.first()
    if to is None:
        return None
    if Referral.objects.filter(followup_id=followup.pk).exists():
        return None
    reason = (followup.referral_reason or _("Chronic disease follow-up: urgent referral"))[:MAX_REASON]
    referral = Referral.objects.create(
        elder=followup.elder,
        from_institution=sender,
        to_institution=to,
        direction=ReferralDirection.UP,
        urgency=ReferralUrgency.GREEN_CHANNEL,
        reason=reason,
        clinical_notes=_followup_notes(followup),
        followup_id=followup.pk,
        created_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=referral,
        changes={"elder": [None, followup.elder_id], "followup": [None, followup.pk]},
    )
    return referral


def open_draft_from_round(finding: Any, *, acting_user: User) -> Referral | None:
    """A round (巡诊) decided 紧急转诊 for a resident: open a green-channel draft from the home, prefilled
    with the round's findings, to the agreement's medical institution when it is a hospital, else to the
    county's general hospital. The home sends it (or changes the destination first). Runs in the
    round's transaction; nothing is opened when the county has no hospital or the resident already has
    an open referral to it."""
    agreement = finding.round.agreement
    home = agreement.eldercare_institution
    medical = agreement.medical_institution
    if medical.kind in HOSPITAL_KINDS and medical.is_active:
        to: Institution | None = medical
    else:
        hospitals = Institution.objects.filter(
            kind__in=HOSPITAL_KINDS, is_active=True, region__code__startswith=home.region_id[:6]
        ).order_by("kind", "pk")
        to = hospitals.filter(kind=InstitutionKind.GENERAL_HOSPITAL).first() or hospitals.first()
    if (
        to is None
        or Referral.objects.filter(elder=finding.elder, to_institution=to, status__in=OPEN_STATES).exists()
    ):
        return None
    reason = (_("Round on %(day)s: urgent referral") % {"day": finding.round.visited_on})[:MAX_REASON]
    referral = Referral.objects.create(
        elder=finding.elder,
        from_institution=home,
        to_institution=to,
        direction=ReferralDirection.UP,
        urgency=ReferralUrgency.GREEN_CHANNEL,
        reason=reason,
        clinical_notes="\n".join(p for p in (finding.findings, finding.advice, finding.prescription) if p)[
            :MAX_NOTES
        ],
        round_finding=finding,
        created_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=referral,
        changes={"elder": [None, finding.elder_id], "round_finding": [None, finding.pk]},
    )
    return referral


def _followup_notes(followup: Any) -> str:
    parts = [_("Follow-up on %(day)s") % {"day": followup.visit_date}]
    if followup.systolic:
        parts.append(f"{followup.systolic}/{followup.diastolic} mmHg")
    if followup.fasting_glucose is not None:
        parts.append(f"{followup.fasting_glucose} mmol/L")
    return "；".join(parts)


# --------------------------------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------------------------------


def _stamp(t: Transition, field: str) -> None:
    now = clock.now()
    t.change(field, getattr(t.obj, field), now)
    setattr(t.obj, field, now)


def _send(t: Transition) -> None:
    r = t.obj
    _stamp(t, "sent_at")
    t.change("sent_by", r.sent_by_id, t.user.pk)
    r.sent_by = t.user
    if r.is_green:
        agreement = green_agreement(r.from_institution, r.to_institution, clock.today())
        r.agreement = agreement
        r.promised_accept_minutes = agreement.green_accept_minutes if agreement else None
        r.promised_arrive_minutes = agreement.green_arrive_minutes if agreement else None
        t.details["agreement"] = agreement.pk if agreement else None


def _open_grant(t: Transition) -> None:
    """The receiving institution reads the elder's archive while the referral is open."""
    grants.grant(t.obj, elder=t.obj.elder, institution=t.obj.to_institution, valid_from=clock.today())


def _close(field: str | None) -> Any:
    def before(t: Transition) -> None:
        if field:
            t.change(field, getattr(t.obj, field), t.reason)
            setattr(t.obj, field, t.reason[:200])
        _stamp(t, "closed_at")

    return before


def _end_grant(t: Transition) -> None:
    grants.end_grants(t.obj, last_day=clock.today() - dt.timedelta(days=1))


def _accept(t: Transition) -> None:
    _stamp(t, "accepted_at")


def _arrive(t: Transition) -> None:
    _stamp(t, "arrived_at")


def _check_summary(t: Transition) -> None:
    _receiver_only(t)
    summary = t.extra.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise ServiceError(
            "REQUIRED", _("Summary: required (the discharge or consultation summary)."), field="summary"
        )
    if len(summary) > MAX_SUMMARY:
        raise ServiceError(
            INVALID, _("Summary: too long (at most %(n)s characters).") % {"n": MAX_SUMMARY}, field="summary"
        )


def _complete(t: Transition) -> None:
    _close(None)(t)
    summary = t.extra["summary"].strip()
    t.change("summary", t.obj.summary, summary)
    t.obj.summary = summary


def _may_send(user: Any, r: Any) -> bool:
    return is_sender(user, r)


def _may_receive(user: Any, r: Any) -> bool:
    return is_receiver(user, r)


S = ReferralStatus
SEND, RECEIVE = "referral.send", "referral.receive"

#: draft → sent → accepted / declined → arrived → completed / returned; cancelled before arrival.
REFERRAL = StateMachine(
    Referral,
    table={
        (S.DRAFT, "send"): (S.SENT, SEND),
        (S.DRAFT, "cancel"): (S.CANCELLED, SEND),
        (S.SENT, "accept"): (S.ACCEPTED, RECEIVE),
        (S.SENT, "decline"): (S.DECLINED, RECEIVE),
        (S.SENT, "cancel"): (S.CANCELLED, SEND),
        (S.ACCEPTED, "arrive"): (S.ARRIVED, RECEIVE),
        (S.ACCEPTED, "cancel"): (S.CANCELLED, SEND),
        (S.ARRIVED, "complete"): (S.COMPLETED, RECEIVE),
        (S.ARRIVED, "return"): (S.RETURNED, RECEIVE),
    },
    states=ReferralStatus,
    actions={
        "send": pgettext_lazy("referral", "Send"),
        "accept": pgettext_lazy("referral", "Accept"),
        "decline": pgettext_lazy("referral", "Decline"),
        "arrive": pgettext_lazy("referral", "Record arrival"),
        "complete": pgettext_lazy("referral", "Complete with a summary"),
        "return": pgettext_lazy("referral", "Return"),
        "cancel": pgettext_lazy("referral", "Cancel the referral"),
    },
    rules={
        "send": Rules(check=_sender_only, before_save=_send, after_save=_open_grant, may=_may_send),
        "cancel": Rules(
            reason_required=True,
            check=_sender_only,
            before_save=_close("cancel_reason"),
            after_save=_end_grant,
            may=_may_send,
        ),
        "accept": Rules(check=_receiver_only, before_save=_accept, may=_may_receive),
        "decline": Rules(
            reason_required=True,
            check=_receiver_only,
            before_save=_close("decline_reason"),
            after_save=_end_grant,
            may=_may_receive,
        ),
        "arrive": Rules(check=_receiver_only, before_save=_arrive, may=_may_receive),
        "complete": Rules(
            check=_check_summary, before_save=_complete, after_save=_end_grant, may=_may_receive
        ),
        "return": Rules(
            reason_required=True,
            check=_receiver_only,
            before_save=_close("return_reason"),
            after_save=_end_grant,
            may=_may_receive,
        ),
    },
    select_related=("from_institution", "to_institution", "elder"),
)


def move(
    referral: Referral, action: str, *, acting_user: User, reason: str = "", summary: str = ""
) -> Transition:
    """One move of the referral (``REFERRAL.apply``); ``summary`` is for ``complete``."""
    extra: dict[str, Any] = {}
    if action == "complete":
        extra["summary"] = summary
    return REFERRAL.apply(referral, action, acting_user=acting_user, reason=reason, **extra)


def on_urgent_referral(sender: Any, *, followup: Any, acting_user: User, **kwargs: Any) -> None:
    """Receiver of :data:`yiyang.health.signals.urgent_referral_decided` (connected in CareConfig.ready)."""
    open_draft_from_followup(followup, acting_user=acting_user)
