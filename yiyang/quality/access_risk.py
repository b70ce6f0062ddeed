"""Who may read which risk assessment, and the work lists (admissions awaiting their risk assessment,
reassessments due), in the pattern of :mod:`yiyang.care.access_stays`.

Risk assessments belong to an institution: its staff read those of the institutions they work at; a
卫健 officer those of the institutions of their region; a 民政 officer those of the eldercare
institutions of their region (all risk assessments are at eldercare or integrated institutions).
The levels and flags are health data: :func:`can_read_levels` (``health.view``) decides whether a
page or the API shows them; without it a user sees when and whether on time, not the findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model, Q, QuerySet

from yiyang.care.models.stays import ACTIVE_STAY_STATUSES, Stay
from yiyang.core import clock
from yiyang.core.flags import Flag
from yiyang.core.models import ELDERCARE_KINDS, Institution
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_prefix
from yiyang.core.scoping import NOTHING, has_perm, row_or_404

from . import risk_rules
from .models.risk import FlagLevel, ReassessmentRequest, RiskAssessment, RiskFinding, RiskKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User


def institution_q(user: User | AnonymousUser, path: str = "institution") -> Q:
    """Rows (``path`` to an :class:`Institution`, "" for institutions) whose risk records ``user`` reads."""
    own = f"{path}_id" if path else "pk"
    p = f"{path}__" if path else ""
    if not user.is_authenticated or not user.is_active or not has_perm(user, "risk.view"):
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.reach == Reach.INSTITUTION and a.institution_id:
            q |= Q(**{own: a.institution_id})
        elif a.reach in (Reach.REGION, Reach.REGION_ELDERCARE) and a.region_id:
            # every risk assessment is at an eldercare or integrated institution, so both officers
            # reach the same institutions: the region's eldercare ones
            q |= Q(**{f"{p}region__code__startswith": subtree_prefix(a.region_id)})
    return q & Q(**{f"{p}kind__in": ELDERCARE_KINDS})


def can_read_levels(user: User | AnonymousUser) -> bool:
    return has_perm(user, "health.view")


def _one(qs: QuerySet, pk: object) -> Model:
    return row_or_404(qs, pk)


def scope_institutions(user: User | AnonymousUser) -> QuerySet[Institution]:
    return Institution.objects.filter(institution_q(user, "")).order_by("name")


def scope_risk_assessments(user: User | AnonymousUser) -> QuerySet[RiskAssessment]:
    return (
        RiskAssessment.objects.filter(institution_q(user))
        .select_related("elder", "institution", "stay", "assessor")
        .prefetch_related("findings")
        .order_by("-assessed_at", "-pk")
    )


def get_risk_assessment_for_user(user: User | AnonymousUser, pk: object) -> RiskAssessment:
    return _one(scope_risk_assessments(user), pk)  # type: ignore[return-value]


def get_stay_for_user(user: User | AnonymousUser, pk: object) -> Stay:
    """A stay at an institution whose risk records ``user`` reads (the assessment form's subject)."""
    return _one(Stay.objects.filter(institution_q(user)).select_related("elder", "institution", "bed"), pk)  # type: ignore[return-value]


@dataclass
class PendingAdmission:
    stay: Stay
    clock_start: dt.datetime
    due_at: dt.datetime
    hours: int
    overdue: bool

    @property
    def hours_overdue(self) -> int:
        return max(0, int((clock.now() - self.due_at).total_seconds() // 3600))

    @property
    def days_overdue(self) -> int:
        """Whole days past the deadline; the page shows days once it is two days or more."""
        return self.hours_overdue // 24


def pending_admissions(
    user: User | AnonymousUser, *, institution_id: int | None = None, overdue_only: bool = False
) -> list[PendingAdmission]:
    """Active stays at eldercare institutions in scope without an admission risk assessment, soonest
    deadline first; ``overdue`` once the county's limit has passed (QS-3's misses in the making)."""
    qs = (
        Stay.objects.filter(institution_q(user), status__in=ACTIVE_STAY_STATUSES)
        .exclude(risk_assessments__kind=RiskKind.ADMISSION)
        .select_related("elder", "institution", "bed")
    )
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    now = clock.now()
    rows = []
    for stay in qs:
        start, due, hours = risk_rules.admission_deadline(
            stay.admitted_on, stay.created_at, stay.institution.region_id
        )
        row = PendingAdmission(stay, start, due, hours, due < now)
        if row.overdue or not overdue_only:
            rows.append(row)
    rows.sort(key=lambda r: (r.due_at, r.stay.pk))
    return rows


def reassessments_due(
    user: User | AnonymousUser, *, institution_id: int | None = None
) -> QuerySet[ReassessmentRequest]:
    qs = (
        ReassessmentRequest.objects.filter(institution_q(user), resolved_by__isnull=True)
        .select_related("elder", "institution", "requested_by")
        .order_by("requested_at", "pk")
    )
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs


def latest_findings(elder_ids: list[int]) -> dict[int, list[RiskFinding]]:
    """Per elder, the latest finding of each risk (a reassessment of one risk replaces that risk only)."""
    rows = (
        RiskFinding.objects.filter(assessment__elder_id__in=elder_ids)
        .select_related("assessment")
        .order_by("assessment__elder_id", "flag", "-assessment__assessed_at", "-assessment_id")
    )
    out: dict[int, dict[str, RiskFinding]] = {}
    for f in rows:
        out.setdefault(f.assessment.elder_id, {}).setdefault(f.flag, f)
    order = [r.code for r in risk_rules.rules().flags]
    return {
        e: sorted(by_flag.values(), key=lambda f: order.index(f.flag) if f.flag in order else 99)
        for e, by_flag in out.items()
    }


def flag_source(elder_ids: list[int]) -> dict[int, list[Flag]]:
    """The quality app's source for :mod:`yiyang.core.flags` (the caller has scoped ``elder_ids``)."""
    rules = risk_rules.rules()
    levels = dict(FlagLevel.choices)
    out: dict[int, list[Flag]] = {}
    for elder_id, findings in latest_findings(elder_ids).items():
        flags = [
            Flag(
                code=f.flag,
                label=rules.flag(f.flag).label
                if f.flag in {r.code for r in rules.flags}
                else f.get_flag_display(),
                level=f.flag_level,
                level_label=str(levels.get(f.flag_level, f.flag_level)),
                detail=f"{f.level_name} · {clock.local_date(f.assessment.assessed_at):%Y-%m-%d}",
            )
            for f in findings
            if rules.shows(f.flag_level)
        ]
        if flags:
            out[elder_id] = flags
    return out
