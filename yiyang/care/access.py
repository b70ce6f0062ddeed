"""Who may read which care record. Records that belong to an institution rather than an elder
(agreements, in-house clinics) are scoped here, in the pattern of :mod:`yiyang.monitoring.access`:
``scope_<records>(user)`` filters in the database, ``get_<record>_for_user(user, pk)`` answers 404 for
out of scope and missing alike. Records about an elder are read through
:func:`yiyang.core.scoping.scope_elders` or through the functions here that build on it.

Every model listed in :data:`SCOPED_MODELS` may only be queried in this module and in services
(``yiyang/core/tests/test_scope_guard.py``).

Agreements and clinics: an officer reads those of eldercare institutions in their region (民政 too:
they are eldercare institutions); institution staff read those their institution is a party to; the
agreement's responsible doctor and nurse read theirs. Rounds follow their agreement; a round's
per-resident findings are shown only for residents in the reader's elder scope. Home visits are read
through the elder scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from yiyang.core.models import InstitutionKind
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_prefix
from yiyang.core.scoping import NOTHING, has_perm, row_or_404, scope_elders

from .models import Agreement, Bed, HomeVisit, InHouseClinic, PlannedRound, Round, RoundFinding

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=Model)

#: the eldercare institutions that must run a clinic or hold an agreement: IR-5's population (a village's
#: 农村互助幸福院 is a mutual-aid place, not an 养老机构 held to it)
COVERED_KINDS = (
    InstitutionKind.ELDERCARE_HOME,
    InstitutionKind.DAY_CARE_CENTRE,
    InstitutionKind.INTEGRATED_CARE,
)

#: beds' functions are in :mod:`yiyang.care.access_stays` (stays and care notes reach an elder)
SCOPED_MODELS: tuple[type[Model], ...] = (Agreement, InHouseClinic, Bed)


def _one(qs: QuerySet[M], pk: object) -> M:
    return row_or_404(qs, pk)


def institution_party_q(user: AnyUser, home_field: str, medical_field: str | None = None) -> Q:
    """Rows whose eldercare institution (``home_field``) is in an officer's region, or which the
    user's institution is a party to (either field)."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    q = NOTHING
    for a in user.active_assignments:
        if a.reach in (Reach.REGION, Reach.REGION_ELDERCARE) and a.region_id:
            q |= Q(**{f"{home_field}__region__code__startswith": subtree_prefix(a.region_id)})
        elif a.reach == Reach.INSTITUTION and a.institution_id:
            q |= Q(**{f"{home_field}_id": a.institution_id})
            if medical_field:
                q |= Q(**{f"{medical_field}_id": a.institution_id})
    return q


def scope_agreements(user: AnyUser) -> QuerySet[Agreement]:
    """Agreements the user may read, newest first (``agreement.view``)."""
    if not has_perm(user, "agreement.view"):
        return Agreement.objects.none()
    q = institution_party_q(user, "eldercare_institution", "medical_institution")
    q |= Q(responsible_doctor_id=user.pk) | Q(responsible_nurse_id=user.pk)
    return (
        Agreement.objects.filter(q)
        .select_related(
            "eldercare_institution", "medical_institution", "responsible_doctor", "responsible_nurse"
        )
        .order_by("-start_date", "-pk")
    )


def get_agreement_for_user(user: AnyUser, pk: object) -> Agreement:
    return _one(scope_agreements(user), pk)


def scope_clinics(user: AnyUser) -> QuerySet[InHouseClinic]:
    """In-house clinics of the eldercare institutions the user may read agreements of."""
    if not has_perm(user, "agreement.view"):
        return InHouseClinic.objects.none()
    return (
        InHouseClinic.objects.filter(institution_party_q(user, "eldercare_institution"))
        .select_related("eldercare_institution")
        .order_by("-valid_from", "-pk")
    )


def get_clinic_for_user(user: AnyUser, pk: object) -> InHouseClinic:
    return _one(scope_clinics(user), pk)


def scope_rounds(user: AnyUser) -> QuerySet[Round]:
    """Rounds under the agreements the user may read, newest first."""
    return (
        Round.objects.filter(agreement__in=scope_agreements(user).values("pk"))
        .select_related("agreement__eldercare_institution", "agreement__medical_institution", "recorded_by")
        .prefetch_related("staff")
        .order_by("-visited_on", "-pk")
    )


def get_round_for_user(user: AnyUser, pk: object) -> Round:
    return _one(scope_rounds(user), pk)


def scope_planned_rounds(user: AnyUser) -> QuerySet[PlannedRound]:
    return PlannedRound.objects.filter(agreement__in=scope_agreements(user).values("pk")).select_related(
        "agreement__eldercare_institution", "agreement__medical_institution", "round"
    )


def visible_findings(user: AnyUser, round_ids: list[int]) -> QuerySet[RoundFinding]:
    """The findings of these rounds about residents the user may see (the elder scope)."""
    return (
        RoundFinding.objects.filter(round_id__in=round_ids, elder__in=scope_elders(user).values("pk"))
        .select_related("elder")
        .order_by("round_id", "pk")
    )


def scope_findings(user: AnyUser) -> QuerySet[RoundFinding]:
    """Round findings under the agreements the user may read, about elders the user may see."""
    return RoundFinding.objects.filter(
        round__agreement__in=scope_agreements(user).values("pk"), elder__in=scope_elders(user).values("pk")
    ).select_related("elder", "round__agreement__eldercare_institution")


def findings_of_elder(elder_id: int) -> QuerySet[RoundFinding]:
    """Round findings of an already scoped elder (the archive timeline)."""
    return RoundFinding.objects.filter(elder_id=elder_id).select_related(
        "round__agreement__medical_institution"
    )


def scope_home_visits(user: AnyUser) -> QuerySet[HomeVisit]:
    """Home visits of the elders the user may see, newest first."""
    return (
        HomeVisit.objects.filter(elder__in=scope_elders(user).values("pk"))
        .select_related("elder", "institution", "recorded_by")
        .prefetch_related("staff")
        .order_by("-visited_on", "-pk")
    )


def home_visits_of_elder(elder_id: int) -> QuerySet[HomeVisit]:
    """Home visits of an already scoped elder (the archive timeline)."""
    return HomeVisit.objects.filter(elder_id=elder_id).select_related("institution")


def residents_for_round(user: AnyUser, agreement: Agreement) -> QuerySet:
    """The home's residents the user may see (through the agreement's grants), for a round form."""
    return scope_elders(user).filter(
        residence_institution_id=agreement.eldercare_institution_id, status="active"
    )


def clinicians_of(institution_ids: list[int]) -> QuerySet:
    """Users holding a clinician role at these institutions (staff to pick on forms)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role="clinician",
            role_assignments__institution_id__in=institution_ids,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def eldercare_homes(user: AnyUser) -> QuerySet:
    """Eldercare institutions whose medical services the user may look at: the region's for officers,
    their own for a home's staff (reference data shows them the county's; their care records do not)."""
    from yiyang.core.scoping import scope_institutions

    qs = scope_institutions(user).filter(kind__in=COVERED_KINDS, is_active=True)
    if not has_perm(user, "agreement.coverage"):
        qs = qs.filter(pk__in=own_institution_ids(user))
    return qs.order_by("region_id", "name")


def own_institution_ids(user: AnyUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return [a.institution_id for a in user.active_assignments if a.institution_id]


# Referrals (双向转诊) reach an elder; their scoping (sender, receiver, region) lives in its own module.
from .access_referrals import (  # noqa: E402, F401
    get_referral_for_user,
    referral_archive_summary,
    scope_referrals,
)
