"""Who may read which referral, and the archive summary the receiving side reads while it is open.

- The sending side sees what it sent (drafts included): referrals from an institution the user works at,
  and, for a family doctor, the referrals they made themselves.
- The receiving side sees what was sent to it (never a draft): referrals to the institution the user
  works at.
- A 卫健 officer sees the referrals from or to the institutions of their region (never a draft).
- Nobody else sees any: a township doctor of another township sees none. Out of scope is 404 like
  missing (:func:`get_referral_for_user`).

Re-exported by :mod:`yiyang.care.access`, the app's scoping layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q, QuerySet
from django.http import Http404

from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_range
from yiyang.core.scoping import NOTHING, has_perm, row_or_404

from .models.referrals import Referral, ReferralStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser


def _institution_ids(user: User) -> list[int]:
    return sorted(
        {
            a.institution_id
            for a in user.active_assignments
            if a.reach == Reach.INSTITUTION and a.institution_id is not None
        }
    )


def referral_scope_q(user: AnyUser) -> Q:
    if not user.is_authenticated or not user.is_active or not has_perm(user, "referral.view"):
        return NOTHING
    user = cast("User", user)
    mine = _institution_ids(user)
    not_draft = ~Q(status=ReferralStatus.DRAFT)
    q = Q(created_by_id=user.pk) | Q(sent_by_id=user.pk)
    if mine:
        q |= Q(from_institution_id__in=mine) | (Q(to_institution_id__in=mine) & not_draft)
    for a in user.active_assignments:
        if a.reach == Reach.REGION and a.region_id:
            lo, hi = subtree_range(a.region_id)
            q |= (
                Q(from_institution__region__code__range=(lo, hi))
                | Q(to_institution__region__code__range=(lo, hi))
            ) & not_draft
    return q


def scope_referrals(user: AnyUser) -> QuerySet[Referral]:
    """Every referral ``user`` may read, newest first (none without ``referral.view``)."""
    q = referral_scope_q(user)
    if q is NOTHING:
        return Referral.objects.none()
    return (
        Referral.objects.filter(q)
        .select_related("elder", "from_institution", "to_institution", "created_by", "sent_by")
        .order_by("-created_at", "-pk")
    )


def get_referral_for_user(user: AnyUser, pk: object) -> Referral:
    return row_or_404(scope_referrals(user), pk)


@dataclass
class ArchiveSummary:
    """What the receiving side reads about the elder while the referral is open."""

    problems: list[str] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)
    allergies: list[str] = field(default_factory=list)
    chronic: list[str] = field(default_factory=list)
    ability_level: str = ""
    ability_date: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "problems": self.problems,
            "medications": self.medications,
            "allergies": self.allergies,
            "chronic_conditions": self.chronic,
            "ability_level": self.ability_level,
            "ability_assessed_on": self.ability_date,
        }


def referral_archive_summary(user: AnyUser, referral: Referral) -> ArchiveSummary | None:
    """The elder's archive in brief (problems, medications, allergies, chronic conditions, latest
    ability level) — only while the referral is open, and only when the elder is in the user's scope
    (the receiving side through the grant the referral wrote). None otherwise."""
    from yiyang.assessments import queries as assessment_queries
    from yiyang.assessments.services import ABILITY_INSTRUMENT
    from yiyang.health import formdata
    from yiyang.health import queries as health_queries

    if not referral.is_open:
        return None
    try:
        elder = health_queries.get_health_elder(user, referral.elder_id)
    except Http404:
        return None
    parts = health_queries.archive_parts(elder)
    out = ArchiveSummary()
    out.problems = [
        f"{d.icd10_code} {d.name}".strip() for d in parts.diagnoses.filter(status="active").order_by("pk")
    ]
    out.medications = [" ".join(x for x in (m.name, m.route, m.dose) if x) for m in parts.medications]
    if parts.archive is not None:
        codes = [c for c in (parts.archive.drug_allergies or []) if c != "1"]
        if codes:
            out.allergies.append(formdata.labels(formdata.ARCHIVE_MULTI["drug_allergies"], codes))
        if parts.archive.allergy_other:
            out.allergies.append(parts.archive.allergy_other)
    out.chronic = [
        c.get_disease_display() for c in elder.chronic_cases.filter(closed_on__isnull=True).order_by("pk")
    ]
    latest = assessment_queries.history(elder, ABILITY_INSTRUMENT, user=user).filter(status="final").first()
    if latest is not None:
        out.ability_level = latest.level_name
        out.ability_date = latest.assessed_at.date()
    return out
