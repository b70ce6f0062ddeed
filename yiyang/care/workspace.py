"""The eldercare institution's workspace: what a home's staff see on their home page and in their menu.

A user who works at an eldercare institution (养老院, 敬老院, 医养结合机构) gets a home's interface —
residents by care level, today's admissions and discharges, free beds, agreements, assessments due,
overdue items — and a home's menu, not a health centre's counts of a whole township.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import ELDERCARE_KINDS, Institution
from yiyang.core.reach import Reach
from yiyang.core.scoping import has_perm

from . import access, occupancy
from .models.agreements import Agreement
from .models.rounds import PlannedRound
from .models.stays import ACTIVE_STAY_STATUSES, CareNote, Stay, StayStatus
from .services import agreements as agreement_services
from .services import rounds as round_services

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

#: a leave longer than this is listed as overdue (the resident should be back or discharged)
LEAVE_OVERDUE_DAYS = 30
#: a resident without a care note for this many days is listed as overdue
CARE_NOTE_OVERDUE_DAYS = 7


#: the due list's reason codes, as a home reads them (other reasons are the trigger's own words)
DUE_REASONS = {"due": _("12-month reassessment due"), "never": _("Never assessed")}


def home_institution(user: User | AnonymousUser) -> Institution | None:
    """The eldercare institution the user works at (the first, if several), else None."""
    if not user.is_authenticated:
        return None
    for a in user.active_assignments:
        if (
            a.reach == Reach.INSTITUTION
            and a.institution is not None
            and a.institution.kind in ELDERCARE_KINDS
        ):
            return a.institution
    return None


#: the home's menu: (url name, label, permission)
HOME_NAV = [
    ("web:home", _("Home"), None),
    ("care:admit", _("Admissions"), "stay.change"),
    ("care:bed-board", _("Beds"), "stay.view"),
    ("care:resident-list", _("Residents"), "stay.view"),
    ("care:care-notes", _("Care records"), "stay.view"),
    ("assessments:due-list", _("Reassessments due"), "elder.view"),
    ("care:home-medical", _("Medical services"), "agreement.view"),
    ("health:worklist", _("Health management"), "health.view"),
    ("care:referral-list", _("Referrals"), "referral.view"),
    ("care:referral-queue", _("Referrals to receive"), "referral.receive"),
    ("monitoring:dashboard", _("Monitoring"), "monitoring.view"),
    ("quality:hub", _("Quality and safety"), "quality.view"),
    # devices (alerts): the live alert board
    ("devices:alert-board", _("Alerts"), "alert.view"),
    # an integrated institution (医养结合机构) is also medical: it may run family sickbeds and orders
    ("care:sickbed-list", _("Family sickbeds"), "sickbed.change"),
    ("care:order-desk", _("Home nursing orders"), "order.request"),
]
#: entries only for those who work where family sickbeds and nursing orders are run (not a home's staff)
HOMECARE_ENTRIES = frozenset({"care:sickbed-list", "care:order-desk"})


def home_nav(user: User | AnonymousUser) -> list[dict[str, Any]]:
    from .homecare_access import runs_homecare

    homecare = runs_homecare(user)
    return [
        {"url": reverse(name), "label": label, "active": False}
        for name, label, perm in HOME_NAV
        if (perm is None or has_perm(user, perm)) and (homecare or name not in HOMECARE_ENTRIES)
    ]


@dataclass
class Workspace:
    institution: Institution
    today: dt.date
    residents: int = 0
    in_medical: int = 0
    on_leave: int = 0
    by_level: list[dict[str, Any]] = field(default_factory=list)
    admissions_today: list[Stay] = field(default_factory=list)
    discharges_today: list[Stay] = field(default_factory=list)
    beds: list[occupancy.KindCount] = field(default_factory=list)
    free_beds: int = 0
    agreements: list[Agreement] = field(default_factory=list)
    #: the next open planned round of the agreements in force, and how many of their rounds were missed
    next_round: PlannedRound | None = None
    missed_rounds: int = 0
    assessments_due: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)


def build(user: User, institution: Institution) -> Workspace:
    """The home page's figures for ``institution`` (the caller checked the user works there)."""
    today = clock.today()
    ws = Workspace(institution=institution, today=today)
    active = Stay.objects.filter(institution=institution, status__in=ACTIVE_STAY_STATUSES)
    ws.residents = active.count()
    ws.in_medical = active.filter(status=StayStatus.MEDICAL).count()
    ws.on_leave = active.filter(status=StayStatus.ON_LEAVE).count()
    ws.by_level = [
        {"level": r["care_level"] or "", "n": r["n"]}
        for r in active.values("care_level").annotate(n=Count("pk")).order_by("care_level")
    ]
    # risk flags per care level (quality admission risk assessment, via core.flags in the template)
    by_level_elders: dict[str, list[int]] = {}
    for level, elder_id in active.values_list("care_level", "elder_id"):
        by_level_elders.setdefault(level or "", []).append(elder_id)
    for r in ws.by_level:
        r["elder_ids"] = by_level_elders.get(r["level"], [])
    ws.admissions_today = list(
        Stay.objects.filter(institution=institution, admitted_on=today).select_related("elder", "bed")
    )
    ws.discharges_today = list(
        Stay.objects.filter(institution=institution, ended_on=today).select_related("elder", "bed")
    )
    ws.beds = occupancy.by_kind(institution)
    ws.free_beds = sum(k.free for k in ws.beds)
    ws.agreements = list(
        access.scope_agreements(user)
        .filter(agreement_services.in_force_q(today), eldercare_institution=institution)
        .order_by("start_date", "pk")
    )
    planned = access.scope_planned_rounds(user).filter(agreement__in=[a.pk for a in ws.agreements])
    ws.next_round = round_services.next_round(planned, today)
    ws.missed_rounds = round_services.missed(planned, today).count()
    ws.assessments_due = _assessments_due(user, active, today)
    ws.overdue = _overdue(active, today) + [
        {"stay": d["stay"], "what": _("Ability reassessment overdue")}
        for d in ws.assessments_due
        if d["overdue"]
    ]
    return ws


def _assessments_due(user: User, active: Any, today: dt.date) -> list[dict[str, Any]]:
    """Residents due an ability reassessment (GB/T 42195): every 12 months, at once on a change of
    condition, and those never assessed."""
    from yiyang.assessments.queries import due_list

    stays = {s.elder_id: s for s in active.select_related("elder", "bed")}
    out = []
    for entry in due_list(user, on=today, include_never=True):
        if entry.elder.pk in stays:
            due = entry.due
            out.append(
                {
                    "stay": stays[entry.elder.pk],
                    "due": due,
                    "level": entry.level_name,
                    "reasons": [str(DUE_REASONS.get(r, r)) for r in entry.reasons],
                    "overdue": bool(due and due < today),
                }
            )
    return out


def _overdue(active: Any, today: dt.date) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    long_leave = today - dt.timedelta(days=LEAVE_OVERDUE_DAYS)
    for s in active.filter(status=StayStatus.ON_LEAVE, leave_since__lt=long_leave).select_related(
        "elder", "bed"
    ):
        out.append({"stay": s, "what": _("On leave for more than %(n)s days") % {"n": LEAVE_OVERDUE_DAYS}})
    since = clock.now() - dt.timedelta(days=CARE_NOTE_OVERDUE_DAYS)
    quiet = (
        active.exclude(status=StayStatus.ON_LEAVE)
        .annotate(last_note=Max("care_notes__done_at"))
        .filter(Q(last_note__lt=since) | Q(last_note__isnull=True))
        .filter(admitted_on__lt=today - dt.timedelta(days=CARE_NOTE_OVERDUE_DAYS))
        .select_related("elder", "bed")
    )
    for s in quiet[:50]:
        out.append({"stay": s, "what": _("No care note for %(n)s days") % {"n": CARE_NOTE_OVERDUE_DAYS}})
    return out


def recent_notes(institution: Institution, limit: int = 100) -> list[CareNote]:
    return list(
        CareNote.objects.filter(stay__institution=institution)
        .select_related("elder", "done_by", "stay__bed")
        .order_by("-done_at", "-pk")[:limit]
    )
