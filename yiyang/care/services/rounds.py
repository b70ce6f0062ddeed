"""巡诊: the round schedule of an agreement, recording a round, and which rounds are late or missed.

The schedule splits the agreement's period into windows of the frequency's length; each window's
round is planned on its last day and is on time up to ``ROUND_TOLERANCE_DAYS`` later. A round
recorded soon after a missed one makes up for it (a late round); otherwise it fills the planned round
whose window it falls in. A planned round whose on-time day has passed without a round is missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, ElderStatus
from yiyang.core.scoping import elder_in_scope, require_perm

from ..models import Agreement, AgreementService, PlannedRound, Round, RoundFinding, RoundFrequency
from ..models.agreements import ROUND_INTERVAL_DAYS, ROUND_TOLERANCE_DAYS

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"

#: how a planned round stands, read from the dates
STATUS_LABELS = {
    "done": gettext_lazy("Done"),
    "late": gettext_lazy("Late"),
    "missed": gettext_lazy("Missed"),
    "due": gettext_lazy("Due"),
    "planned": gettext_lazy("Planned"),
    "cancelled": gettext_lazy("Cancelled"),
}


def _interval(frequency: str) -> int:
    """Days between two rounds of the frequency (a month when none is set)."""
    return ROUND_INTERVAL_DAYS[RoundFrequency(frequency)] if frequency in RoundFrequency.values else 30


def _error(field: str, message: str, status: int = 422) -> ServiceError:
    return ServiceError(INVALID, message, field=field, status=status)


def schedule(agreement: Agreement) -> list[PlannedRound]:
    """The planned rounds of the agreement's period (unsaved): one per window of the frequency."""
    if AgreementService.ROUNDS not in (agreement.services or []) or not agreement.round_frequency:
        return []
    frequency = RoundFrequency(agreement.round_frequency)
    interval = ROUND_INTERVAL_DAYS[frequency]
    tolerance = ROUND_TOLERANCE_DAYS[frequency]
    rows: list[PlannedRound] = []
    due = agreement.start_date + dt.timedelta(days=interval - 1)
    while due <= agreement.end_date:
        rows.append(
            PlannedRound(
                agreement=agreement,
                sequence=len(rows) + 1,
                due_date=due,
                on_time_until=due + dt.timedelta(days=tolerance),
            )
        )
        due += dt.timedelta(days=interval)
    return rows


def plan_rounds(agreement: Agreement) -> list[PlannedRound]:
    """Write the agreement's schedule (once: an agreement already planned keeps its rows)."""
    if PlannedRound.objects.filter(agreement=agreement).exists():
        return []
    return PlannedRound.objects.bulk_create(schedule(agreement))


def cancel_rounds_after(agreement: Agreement, last_day: dt.date) -> int:
    """Planned rounds not done and planned after the agreement's last day in force are cancelled."""
    return PlannedRound.objects.filter(
        agreement=agreement, due_date__gt=last_day, round__isnull=True, cancelled=False
    ).update(cancelled=True)


def status_of(planned: PlannedRound, today: dt.date | None = None) -> str:
    today = today or clock.today()
    if planned.round is not None:
        return "late" if planned.round.visited_on > planned.on_time_until else "done"
    if planned.cancelled:
        return "cancelled"
    if today > planned.on_time_until:
        return "missed"
    interval = _interval(planned.agreement.round_frequency)
    if today > planned.due_date - dt.timedelta(days=interval):
        return "due"
    return "planned"


def missed(planned: QuerySet[PlannedRound], today: dt.date | None = None) -> QuerySet[PlannedRound]:
    """Planned rounds of a scoped queryset whose on-time day passed without a round, newest first."""
    today = today or clock.today()
    return planned.filter(round__isnull=True, cancelled=False, on_time_until__lt=today).order_by(
        "-due_date", "pk"
    )


def late(planned: QuerySet[PlannedRound]) -> QuerySet[PlannedRound]:
    """Planned rounds fulfilled after their on-time day, newest first."""
    return planned.filter(round__visited_on__gt=F("on_time_until")).order_by("-due_date", "pk")


def next_round(planned: QuerySet[PlannedRound], today: dt.date | None = None) -> PlannedRound | None:
    today = today or clock.today()
    return (
        planned.filter(round__isnull=True, cancelled=False, on_time_until__gte=today)
        .order_by("due_date", "pk")
        .first()
    )


def _planned_for(agreement: Agreement, day: dt.date) -> PlannedRound | None:
    """The open planned round a round on ``day`` fulfils: the oldest open one at most one window overdue
    (a late round) while the day is in the first half of the next window, else the one whose window
    (the ``interval`` days up to its planned day, plus the tolerance) holds the day."""
    interval = _interval(agreement.round_frequency)
    open_rows = PlannedRound.objects.select_for_update().filter(
        agreement=agreement, round__isnull=True, cancelled=False
    )
    current = (
        open_rows.filter(due_date__lt=day + dt.timedelta(days=interval), on_time_until__gte=day)
        .order_by("due_date")
        .first()
    )
    overdue = (
        open_rows.filter(on_time_until__lt=day, due_date__gte=day - dt.timedelta(days=interval))
        .order_by("due_date")
        .first()
    )
    # a round soon after a missed one makes up for it (late); nearer the next planned day it is that one
    if overdue is not None and (current is None or day < current.due_date - dt.timedelta(days=interval // 2)):
        return overdue
    return current or overdue


def _is_medical_staff(user: User, agreement: Agreement) -> bool:
    if user.pk in (agreement.responsible_doctor_id, agreement.responsible_nurse_id):
        return True
    return any(
        a.role == Role.CLINICIAN and a.institution_id == agreement.medical_institution_id
        for a in user.active_assignments
    )


@dataclass
class FindingIn:
    elder_id: int
    findings: str
    advice: str = ""
    prescription: str = ""
    follow_up_on: dt.date | None = None
    #: the round decides 紧急转诊 for this resident (opens a green-channel draft referral)
    refer_urgently: bool = False


@transaction.atomic
def record_round(
    agreement: Agreement,
    *,
    acting_user: User,
    visited_on: dt.date,
    staff: list[User],
    findings: list[FindingIn],
    other_staff: str = "",
    summary: str = "",
) -> Round:
    """巡诊记录: a round of the agreement's medical team on ``visited_on``, with what it found per
    resident. Only the medical institution's clinicians (or the agreement's responsible doctor and
    nurse) record it; only residents of the home the recorder may see are named."""
    require_perm(acting_user, "round.record")
    if not _is_medical_staff(acting_user, agreement):
        raise _error(
            "agreement_id", _("Agreement: only the medical institution's staff record its rounds."), 403
        )
    if visited_on > clock.today():
        raise _error("visited_on", _("Visited on: cannot be in the future."))
    if not agreement.is_in_force_on(visited_on):
        raise _error("visited_on", _("Visited on: the agreement is not in force on that day."))
    people = list({u.pk: u for u in [*staff, acting_user]}.values())
    for user in people:
        if not _is_medical_staff(user, agreement):
            raise _error(
                "staff_ids",
                _("Staff: %(name)s is not on the staff of %(inst)s.")
                % {"name": user, "inst": agreement.medical_institution.name},
            )
    seen: set[int] = set()
    rows = []
    for i, f in enumerate(findings):
        field = f"findings[{i}]"
        if f.elder_id in seen:
            raise _error(f"{field}.elder_id", _("Residents seen: each resident once per round."))
        seen.add(f.elder_id)
        elder = Elder.objects.filter(pk=f.elder_id).first()
        if (
            elder is None
            or not elder_in_scope(acting_user, elder.pk)
            or elder.residence_institution_id != agreement.eldercare_institution_id
            or elder.status != ElderStatus.ACTIVE
        ):
            raise _error(f"{field}.elder_id", _("Residents seen: not a resident of this home."))
        text = (f.findings or "").strip()
        if not text:
            raise _error(f"{field}.findings", _("Findings: required for each resident seen."))
        if f.follow_up_on is not None and f.follow_up_on < visited_on:
            raise _error(f"{field}.follow_up_on", _("Follow up on: cannot be before the round."))
        rows.append(
            RoundFinding(
                elder=elder,
                findings=text[:2000],
                advice=(f.advice or "").strip()[:2000],
                prescription=(f.prescription or "").strip()[:2000],
                follow_up_on=f.follow_up_on,
                refer_urgently=bool(f.refer_urgently),
            )
        )
    record = Round.objects.create(
        agreement=agreement,
        visited_on=visited_on,
        other_staff=(other_staff or "").strip()[:120],
        summary=(summary or "").strip()[:4000],
        recorded_by=acting_user,
    )
    record.staff.set(people)
    for row in rows:
        row.round = record
    RoundFinding.objects.bulk_create(rows)
    urgent = [row for row in rows if row.refer_urgently]
    if urgent:
        # Referrals build on rounds' agreements; imported here so the two service modules stay apart.
        from .referrals import open_draft_from_round

        for row in RoundFinding.objects.filter(round=record, refer_urgently=True).select_related("elder"):
            open_draft_from_round(row, acting_user=acting_user)
    planned = _planned_for(agreement, visited_on)
    if planned is not None:
        planned.round = record
        planned.save(update_fields=["round"])
    audit.record(
        "create",
        user=acting_user,
        obj=record,
        changes={
            "agreement": [None, agreement.pk],
            "visited_on": [None, visited_on.isoformat()],
            "residents": [None, sorted(seen)],
            "planned_round": [None, planned.pk if planned else None],
        },
    )
    return record


def follow_ups_due(findings: QuerySet[RoundFinding], today: dt.date | None = None) -> QuerySet[RoundFinding]:
    """Findings whose follow-up falls due within a week or is overdue (a due item for the team)."""
    today = today or clock.today()
    return findings.filter(
        follow_up_on__isnull=False, follow_up_on__lte=today + dt.timedelta(days=7)
    ).order_by("follow_up_on")


def planned_rows(planned: QuerySet[PlannedRound], today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or clock.today()
    return [
        {"planned": p, "status": status_of(p, today), "label": STATUS_LABELS[status_of(p, today)]}
        for p in planned
    ]
