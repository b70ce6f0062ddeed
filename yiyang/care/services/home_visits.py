"""上门服务: recording a home visit to a housebound or disabled elder.

The national 失能老年人健康服务行动（2024—2027年） (summarised in shared/standards/public-health-
services.md) asks that at least two staff go together and that a guardian, carer or relative is
present; the services are blood pressure, capillary glucose, rehabilitation, nursing-skills,
nutrition guidance, psychological support and health consultation. HM-9 counts these records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, ElderCategoryCode, ElderStatus, Institution
from yiyang.core.scoping import require_perm

from ..models import HomeVisit, HomeVisitBasis, HomeVisitService

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"
#: categories that make an elder eligible without an application
ELIGIBLE_CATEGORIES = (ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED)
CLINICAL_ROLES = (Role.CLINICIAN, Role.FAMILY_DOCTOR)


def _error(field: str, message: str) -> ServiceError:
    return ServiceError(INVALID, message, field=field)


def provider_of(user: User) -> Institution | None:
    """The institution a home visit is made for: the recorder's (a clinician's institution, a family
    doctor's team's institution)."""
    for a in user.active_assignments:
        if a.role == Role.CLINICIAN and a.institution is not None:
            return a.institution
    for a in user.active_assignments:
        if a.role == Role.FAMILY_DOCTOR and a.team is not None:
            return a.team.institution
    return None


def _clinical(user: User) -> bool:
    return user.is_active and any(a.role in CLINICAL_ROLES for a in user.active_assignments)


@transaction.atomic
def record_home_visit(
    elder: Elder,
    *,
    acting_user: User,
    basis: str,
    visited_on: dt.date,
    services: list[str],
    staff: list[User],
    family_present: str,
    findings: str,
    family_relation: str = "",
    advice: str = "",
    systolic: int | None = None,
    diastolic: int | None = None,
    glucose: Decimal | None = None,
) -> HomeVisit:
    """上门服务记录 for an elder already in the recorder's scope (the caller scoped them)."""
    require_perm(acting_user, "homevisit.record")
    institution = provider_of(acting_user)
    if institution is None:
        raise ServiceError(INVALID, _("Only a clinician or a family doctor records home visits."), status=403)
    if elder.status != ElderStatus.ACTIVE:
        raise _error("elder_id", _("Elder: no longer active in the registry."))
    if elder.residence_institution_id is not None:
        raise _error(
            "elder_id",
            _("Elder: lives in an eldercare institution; record a round under its agreement instead."),
        )
    if basis not in HomeVisitBasis.values:
        raise _error("basis", _("Basis: choose contracted, referred or on application."))
    if (
        basis != HomeVisitBasis.APPLICATION
        and not elder.categories.filter(category__in=ELIGIBLE_CATEGORIES).exists()
    ):
        raise _error(
            "basis",
            _(
                "Basis: the elder is not recorded as disabled or semi-disabled; "
                "record the visit as on application."
            ),
        )
    if basis == HomeVisitBasis.CONTRACTED:
        from yiyang.health.models import Contract

        if not Contract.objects.valid_on(visited_on).filter(elder=elder).exists():
            raise _error("basis", _("Basis: the elder has no family doctor contract in force on that day."))
    if visited_on > clock.today():
        raise _error("visited_on", _("Visited on: cannot be in the future."))
    if visited_on < clock.today() - dt.timedelta(days=366):
        raise _error("visited_on", _("Visited on: at most a year back."))
    chosen = list(dict.fromkeys(services or []))
    if not chosen:
        raise _error("services", _("Services: choose at least one."))
    unknown = [s for s in chosen if s not in HomeVisitService.values]
    if unknown:
        raise _error("services", _("Services: unknown service “%(code)s”.") % {"code": unknown[0]})
    people = list({u.pk: u for u in staff}.values())
    if len(people) < 2:
        raise _error("staff_ids", _("Staff: at least two staff go on a home visit."))
    for user in people:
        if not _clinical(user):
            raise _error(
                "staff_ids", _("Staff: %(name)s is not a clinician or family doctor.") % {"name": user}
            )
    family_present = (family_present or "").strip()
    if not family_present:
        raise _error("family_present", _("Family member present: required (a guardian, carer or relative)."))
    if HomeVisitService.BLOOD_PRESSURE in chosen:
        if systolic is None or diastolic is None:
            raise _error("systolic", _("Blood pressure: both readings are required when it was measured."))
        if not 60 <= systolic <= 300 or not 30 <= diastolic <= 200 or diastolic >= systolic:
            raise _error("systolic", _("Blood pressure: the readings are not plausible."))
    elif systolic is not None or diastolic is not None:
        raise _error("systolic", _("Blood pressure: choose the service when you record a reading."))
    if HomeVisitService.BLOOD_GLUCOSE in chosen:
        if glucose is None:
            raise _error("glucose", _("Capillary glucose: the reading is required when it was measured."))
        if not Decimal("1.0") <= glucose <= Decimal("35.0"):
            raise _error("glucose", _("Capillary glucose: the reading is not plausible (1.0–35.0 mmol/L)."))
    elif glucose is not None:
        raise _error("glucose", _("Capillary glucose: choose the service when you record a reading."))
    findings = (findings or "").strip()
    if not findings:
        raise _error("findings", _("Findings: required."))
    visit = HomeVisit.objects.create(
        elder=elder,
        institution=institution,
        basis=basis,
        visited_on=visited_on,
        services=chosen,
        family_present=family_present[:40],
        family_relation=(family_relation or "").strip()[:20],
        systolic=systolic,
        diastolic=diastolic,
        glucose=glucose,
        findings=findings[:2000],
        advice=(advice or "").strip()[:2000],
        recorded_by=acting_user,
    )
    visit.staff.set(people)
    audit.record(
        "create",
        user=acting_user,
        obj=visit,
        changes={
            "elder": [None, elder.pk],
            "visited_on": [None, visited_on.isoformat()],
            "services": [None, chosen],
            "staff": [None, [u.pk for u in people]],
        },
    )
    return visit


def services_label(codes: list[str]) -> str:
    labels = dict(HomeVisitService.choices)
    return "、".join(str(labels.get(c, c)) for c in codes)
