"""Who may read which incident and pressure-injury entry (the pattern of :mod:`yiyang.care.access_stays`).

Incidents and the register belong to an institution: its staff read those of the institutions they work
at; a 卫健 officer those of every institution in their region; a 民政 officer those of the eldercare
institutions in their region (``incident.view``). Out of scope and missing are both 404
(``get_*_for_user``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from yiyang.core.models import Institution
from yiyang.core.scoping import NOTHING, has_perm, institution_reach_q, row_or_404

from .models.incidents import Incident, PressureInjury, PressureInjuryRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

M = TypeVar("M", bound=Model)

SCOPED_MODELS: tuple[type[Model], ...] = (Incident, PressureInjury, PressureInjuryRecord)


def institution_q(user: User | AnonymousUser, path: str = "institution") -> Q:
    """The rows (``path`` to an :class:`Institution`; "" for institutions themselves) whose incidents
    ``user`` may read."""
    return institution_reach_q(user, path) if has_perm(user, "incident.view") else NOTHING


def _one(qs: QuerySet[M], pk: object) -> M:
    return row_or_404(qs, pk)


def scope_incident_institutions(user: User | AnonymousUser) -> QuerySet[Institution]:
    """Institutions whose incidents ``user`` may read (the filter list, the county view's rows)."""
    return Institution.objects.filter(institution_q(user, "")).order_by("region_id", "name")


def get_incident_institution_for_user(user: User | AnonymousUser, pk: object) -> Institution:
    return _one(scope_incident_institutions(user).select_related("region"), pk)


def scope_incidents(user: User | AnonymousUser) -> QuerySet[Incident]:
    """Incidents ``user`` may read, latest first."""
    return (
        Incident.objects.filter(institution_q(user))
        .select_related("institution", "elder", "reported_by")
        .order_by("-occurred_at", "-pk")
    )


def get_incident_for_user(user: User | AnonymousUser, pk: object) -> Incident:
    return _one(scope_incidents(user), pk)


def scope_pressure_injuries(user: User | AnonymousUser) -> QuerySet[PressureInjury]:
    """Register entries ``user`` may read, latest found first."""
    return (
        PressureInjury.objects.filter(institution_q(user))
        .select_related("institution", "elder", "incident")
        .order_by("-first_found_on", "-pk")
    )


def get_pressure_injury_for_user(user: User | AnonymousUser, pk: object) -> PressureInjury:
    return _one(scope_pressure_injuries(user), pk)


def records_of(injury: PressureInjury) -> QuerySet[PressureInjuryRecord]:
    """The progress records of an already scoped entry, oldest first."""
    return PressureInjuryRecord.objects.filter(injury=injury).select_related("recorded_by")
