"""Reading health records, always through the elder scope (:mod:`yiyang.core.scoping`).

A record is visible exactly when its elder is and the user holds ``health.view``; out of scope and
missing are both 404. Lists, the timeline and the work list live here so pages and the API read them
the same way. Indicator values (HM-1…HM-9) are not computed here: the monitoring engine computes each
indicator once, and health pages show its values through monitoring's fragment, included by URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.assessments.models import AssessmentResponse
from yiyang.core.models import RESIDENT_STATUSES, Elder, ElderStatus
from yiyang.core.scoping import has_perm, scope_elders

from . import formdata, rules
from .models import (
    ChronicCase,
    ChronicFollowUp,
    Contract,
    ContractService,
    ContractStatus,
    Diagnosis,
    EducationActivity,
    FamilyDoctorTeam,
    FollowThroughItem,
    HealthArchive,
    HealthCheck,
    Medication,
    ServiceDelivery,
    ServicePackageItem,
    TcmRecord,
    TeamMember,
)
from .models.family import DeliveryPlace

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser


#: ids beyond a signed 64-bit integer cannot exist (and would overflow the database driver)
MAX_ID = 2**63


def health_elders(user: AnyUser) -> QuerySet[Elder]:
    """Elders whose health records ``user`` may read (none without ``health.view``)."""
    if not has_perm(user, "health.view"):
        return Elder.objects.none()
    return scope_elders(user)


def _scoped(model: Any, user: AnyUser) -> QuerySet:
    return model.objects.filter(elder__in=health_elders(user))


def scope_checks(user: AnyUser) -> QuerySet[HealthCheck]:
    return _scoped(HealthCheck, user).select_related("elder", "institution", "doctor")


def scope_followups(user: AnyUser) -> QuerySet[ChronicFollowUp]:
    return _scoped(ChronicFollowUp, user).select_related("case", "elder", "doctor")


def scope_cases(user: AnyUser) -> QuerySet[ChronicCase]:
    return _scoped(ChronicCase, user).select_related("elder", "institution")


def scope_contracts(user: AnyUser) -> QuerySet[Contract]:
    return _scoped(Contract, user).select_related("elder", "team", "doctor")


def scope_tcm(user: AnyUser) -> QuerySet[TcmRecord]:
    return _scoped(TcmRecord, user).select_related("elder", "doctor")


def _get(qs: QuerySet, pk: object) -> Any:
    try:
        pk = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < MAX_ID:
        raise Http404
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def get_check(user: AnyUser, pk: object) -> HealthCheck:
    return _get(scope_checks(user), pk)


def get_case(user: AnyUser, pk: object) -> ChronicCase:
    return _get(scope_cases(user), pk)


def get_contract(user: AnyUser, pk: object) -> Contract:
    return _get(scope_contracts(user), pk)


def get_health_elder(user: AnyUser, pk: object) -> Elder:
    return _get(health_elders(user).select_related("region", "managing_institution"), pk)


def scope_teams(user: AnyUser) -> QuerySet[FamilyDoctorTeam]:
    """Teams of the institutions the user can see (officers: their region's; staff: their county's)."""
    from yiyang.core.scoping import scope_institutions

    if not has_perm(user, "health.view"):
        return FamilyDoctorTeam.objects.none()
    return FamilyDoctorTeam.objects.filter(institution__in=scope_institutions(user)).select_related(
        "institution", "leader"
    )


def get_team(user: AnyUser, pk: object) -> FamilyDoctorTeam:
    return _get(scope_teams(user), pk)


def get_team_member(user: AnyUser, pk: object) -> TeamMember:
    return _get(TeamMember.objects.filter(team__in=scope_teams(user)).select_related("team", "user"), pk)


def team_candidates(institutions: list[Any]) -> QuerySet:
    """People who may be put in a team of these institutions: active accounts that already hold a
    clinical role there — a clinician of the institution, or a family doctor of one of its teams in
    use (village doctors have no institution account of their own). An administrator, an officer or
    any other non-clinical account is not a candidate (a team gives the family_doctor role, which
    writes health records)."""
    from django.contrib.auth import get_user_model

    from yiyang.accounts.roles import Role

    user_model = get_user_model()
    return (
        user_model.objects.filter(
            Q(role_assignments__role=Role.CLINICIAN, role_assignments__institution__in=institutions)
            | Q(
                role_assignments__role=Role.FAMILY_DOCTOR,
                role_assignments__team__institution__in=institutions,
                role_assignments__team__is_active=True,
            ),
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def elder_medications(elder: Elder) -> QuerySet[Medication]:
    """The medication list of an elder the caller has scoped (current first)."""
    return Medication.objects.filter(elder=elder).select_related("recorded_by")


def get_medication(user: AnyUser, pk: object) -> Medication:
    return _get(_scoped(Medication, user).select_related("elder"), pk)


def selfcare_choices(elder: Elder) -> QuerySet[AssessmentResponse]:
    """Finalised, uncorrected self-care assessments of an elder the caller has scoped, newest first:
    the ones a health check may take its self-care level from."""
    return AssessmentResponse.objects.current().filter(elder=elder, instrument_code="selfcare")


def scope_education(user: AnyUser) -> QuerySet[EducationActivity]:
    from yiyang.core.scoping import scope_institutions

    if not has_perm(user, "health.view"):
        return EducationActivity.objects.none()
    return EducationActivity.objects.filter(institution__in=scope_institutions(user)).select_related(
        "institution", "region", "organiser"
    )


# --------------------------------------------------------------------------------------------------
# Population and yearly checks
# --------------------------------------------------------------------------------------------------


def service_population(elders: QuerySet[Elder], year: int) -> QuerySet[Elder]:
    """常住 residents aged 65+ on 31 December of ``year`` (INDICATORS.md), alive and not moved out."""
    return elders.filter(
        birth_date__lte=rules.latest_birth_date_for_service(year),
        residence_status__in=RESIDENT_STATUSES,
        status=ElderStatus.ACTIVE,
    )


def without_check(elders: QuerySet[Elder], year: int) -> QuerySet[Elder]:
    """65+ residents with no health check in ``year``."""
    had = HealthCheck.objects.filter(elder=OuterRef("pk"), year=year)
    return service_population(elders, year).exclude(Exists(had))


def overdue_notices(checks: QuerySet[HealthCheck], today: dt.date) -> QuerySet[HealthCheck]:
    """Checks whose result has not been given more than a month after the check (HM-4 at risk)."""
    months = rules.table("NOTICE_WITHIN_MONTHS")
    # the latest check date whose deadline has passed: deadline(check) < today ⇔ check < today − months
    cutoff = rules.add_months(today, -months)
    candidates = checks.filter(notice_date__isnull=True, check_date__lte=cutoff)
    return candidates.filter(
        pk__in=[c.pk for c in candidates if rules.notice_overdue(c.check_date, None, today)]
    )


def counts_by_village(elders: QuerySet[Elder]) -> list[dict[str, Any]]:
    return list(elders.values("region_id", "region__name").annotate(n=Count("pk")).order_by("region_id"))


# --------------------------------------------------------------------------------------------------
# Chronic disease
# --------------------------------------------------------------------------------------------------


def due_followups(cases: QuerySet[ChronicCase], until: dt.date) -> QuerySet[ChronicCase]:
    """Open cases whose next visit is due on or before ``until`` (overdue ones included)."""
    return cases.filter(closed_on__isnull=True, next_visit_due__lte=until).order_by("next_visit_due", "pk")


# --------------------------------------------------------------------------------------------------
# Family doctors
# --------------------------------------------------------------------------------------------------


def valid_contracts(contracts: QuerySet[Contract], day: dt.date) -> QuerySet[Contract]:
    return contracts.filter(pk__in=Contract.objects.valid_on(day).values("pk"))


def expiring(
    contracts: QuerySet[Contract], day: dt.date, within_days: int | None = None
) -> QuerySet[Contract]:
    within = rules.table("EXPIRING_WITHIN_DAYS") if within_days is None else within_days
    return (
        valid_contracts(contracts, day)
        .filter(end_date__lte=day + dt.timedelta(days=within), ended_on__isnull=True)
        .exclude(renewed_by__isnull=False)
        .order_by("end_date", "pk")
    )


@dataclass
class Fulfilment:
    due: int
    delivered: int

    @property
    def rate(self) -> Any:
        return rules.rate(self.delivered, self.due)


def fulfilment(services: QuerySet[ContractService], day: dt.date) -> Fulfilment:
    """履约 (HM-7, local formula): services due by ``day`` (not cancelled) and how many were delivered."""
    due = services.filter(due_date__lte=day, cancelled=False)
    return Fulfilment(due=due.count(), delivered=due.filter(delivery__isnull=False).count())


def contract_fulfilment(contract: Contract, day: dt.date) -> Fulfilment:
    return fulfilment(ContractService.objects.filter(contract=contract), day)


def team_fulfilment(team: FamilyDoctorTeam, day: dt.date) -> Fulfilment:
    return fulfilment(ContractService.objects.filter(contract__team=team), day)


def open_services(contracts: QuerySet[Contract], start: dt.date, end: dt.date) -> QuerySet[ContractService]:
    """Undelivered, uncancelled services whose window is open in [start, end] or already overdue."""
    return (
        ContractService.objects.filter(contract__in=contracts, cancelled=False, delivery__isnull=True)
        .filter(window_start__lte=end)
        .select_related("contract", "contract__elder")
        .order_by("due_date", "pk")
    )


# --------------------------------------------------------------------------------------------------
# Timeline and charts
# --------------------------------------------------------------------------------------------------

_OWN_KINDS = ("check", "assessment", "followup", "tcm", "contract", "service", "education", "diagnosis")
KIND_LABELS = {
    "check": gettext_lazy("Health check"),
    "assessment": gettext_lazy("Assessment"),
    "followup": gettext_lazy("Chronic disease follow-up"),
    "tcm": gettext_lazy("TCM constitution identification"),
    "contract": gettext_lazy("Family doctor contract"),
    "service": gettext_lazy("Contracted service"),
    "education": gettext_lazy("Health education"),
    "diagnosis": gettext_lazy("Diagnosis"),
}


@dataclass
class Entry:
    day: dt.date
    kind: str
    title: str
    summary: str
    pk: int
    #: where the entry opens; sources registered by other apps set it, health's own are linked by kind
    url: str = ""


@dataclass(frozen=True)
class TimelineSource:
    """Records another app keeps about an elder, shown on the archive timeline (rounds, referrals, stays…).

    Health cannot import the apps built on it (core/tests/test_layering.py), so they register here from
    their ``AppConfig.ready()``. ``entries(elder, year, limit)`` returns at most ``limit`` entries of an
    already scoped elder, newest first, dated in ``year`` when one is given.
    """

    kind: str
    label: Promise
    entries: Callable[[Elder, int | None, int], list[Entry]]


_EXTRA_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(source: TimelineSource) -> None:
    """Add (or replace, by ``kind``) a timeline source of another app."""
    if source.kind in _OWN_KINDS:
        raise ValueError(f"timeline kind {source.kind!r} belongs to health")
    _EXTRA_SOURCES[source.kind] = source


def timeline_kinds() -> list[tuple[str, Promise]]:
    """Every kind the timeline shows, with its label: health's own first, then registered ones."""
    own = [(k, KIND_LABELS[k]) for k in _OWN_KINDS]
    return own + [(s.kind, s.label) for s in _EXTRA_SOURCES.values()]


def _label(options: list[tuple[str, str]], code: str) -> str:
    return formdata.label(options, code)


#: the years a record can be dated in (also the API's ``Year``)
YEAR_MIN, YEAR_MAX = 1900, 2100


def timeline(
    elder: Elder, *, kinds: list[str] | None = None, year: int | None = None, page: int = 1, size: int = 50
) -> tuple[list[Entry], bool]:
    """Everything recorded about an already scoped elder, newest first: (entries of the page, more?).

    Each source is read newest first and cut at ``page * size + 1`` rows, so a page costs one small
    indexed query per source however long the history is.
    """
    known = [k for k, _label in timeline_kinds()]
    wanted = [k for k in (kinds or known) if k in known]
    limit = page * size + 1
    entries: list[Entry] = []

    def window(qs: QuerySet, field: str) -> QuerySet:
        if year:
            qs = qs.filter(**{f"{field}__year": year})
        return qs.order_by(f"-{field}", "-pk")[:limit]

    if "check" in wanted:
        for pk, day, complete, s, d in window(
            HealthCheck.objects.filter(elder=elder), "check_date"
        ).values_list("pk", "check_date", "is_complete", "bp_left_systolic", "bp_left_diastolic"):
            state = _("complete") if complete else _("incomplete")
            entries.append(
                Entry(day, "check", str(KIND_LABELS["check"]), state + (f" · {s}/{d} mmHg" if s else ""), pk)
            )
    if "assessment" in wanted:
        qs = AssessmentResponse.objects.filter(elder=elder, status="final")
        if year:
            qs = qs.filter(assessed_at__year=year)
        for pk, at, code, level, total in qs.order_by("-assessed_at", "-pk")[:limit].values_list(
            "pk", "assessed_at", "instrument_code", "level_name", "total"
        ):
            entries.append(
                Entry(at.date(), "assessment", f"{KIND_LABELS['assessment']} {code}", level or f"{total}", pk)
            )
    if "followup" in wanted:
        for pk, day, disease, cls, s, d, g in window(
            ChronicFollowUp.objects.filter(elder=elder), "visit_date"
        ).values_list(
            "pk", "visit_date", "case__disease", "classification", "systolic", "diastolic", "fasting_glucose"
        ):
            title = str(_("Hypertension follow-up") if disease == "hypertension" else _("Diabetes follow-up"))
            measure = f"{s}/{d} mmHg" if s else ""
            if g is not None:
                measure = (measure + " · " if measure else "") + f"{g} mmol/L"
            entries.append(
                Entry(
                    day, "followup", title, f"{_label(formdata.FOLLOWUP_CLASSIFICATION, cls)} · {measure}", pk
                )
            )
    if "tcm" in wanted:
        names = dict(formdata.TCM_CONSTITUTIONS)
        for pk, day, primary in window(TcmRecord.objects.filter(elder=elder), "service_date").values_list(
            "pk", "service_date", "primary_constitution"
        ):
            entries.append(Entry(day, "tcm", str(KIND_LABELS["tcm"]), names.get(primary, "—"), pk))
    if "contract" in wanted:
        for pk, day, team, end, status in window(
            Contract.objects.filter(elder=elder), "signed_on"
        ).values_list("pk", "signed_on", "team__name", "end_date", "status"):
            entries.append(
                Entry(
                    day,
                    "contract",
                    str(KIND_LABELS["contract"]),
                    f"{team} · ~{end} · {ContractStatus(status).label}",
                    pk,
                )
            )
    if "service" in wanted:
        # Show the service by its package name (年度健康体检), not its code (annual_check).
        names = dict(ServicePackageItem.objects.values_list("code", "name"))
        for _pk, day, code, place, contract_id in window(
            ServiceDelivery.objects.filter(contract__elder=elder), "delivered_on"
        ).values_list("pk", "delivered_on", "item_code", "place", "contract_id"):
            entries.append(
                Entry(
                    day,
                    "service",
                    str(KIND_LABELS["service"]),
                    f"{names.get(code, code)} · {DeliveryPlace(place).label}",
                    contract_id,
                )
            )
    if "education" in wanted:
        for pk, day, title in window(
            EducationActivity.objects.filter(attendees=elder), "held_on"
        ).values_list("pk", "held_on", "title"):
            entries.append(Entry(day, "education", str(KIND_LABELS["education"]), title, pk))
    if "diagnosis" in wanted:
        qs = Diagnosis.objects.filter(elder=elder).annotate(day=F("recorded_at__date"))
        if year:
            qs = qs.filter(recorded_at__year=year)
        for pk, day, code, name in qs.order_by("-recorded_at", "-pk")[:limit].values_list(
            "pk", "day", "icd10_code", "name"
        ):
            entries.append(Entry(day, "diagnosis", str(KIND_LABELS["diagnosis"]), f"{code} {name}", pk))
    for source in _EXTRA_SOURCES.values():
        if source.kind in wanted:
            entries.extend(source.entries(elder, year, limit)[:limit])
    entries.sort(key=lambda e: (e.day, e.pk), reverse=True)
    start = (page - 1) * size
    return entries[start : start + size], len(entries) > start + size


CHART_SERIES = [
    ("systolic", gettext_lazy("Systolic BP"), "mmHg"),
    ("diastolic", gettext_lazy("Diastolic BP"), "mmHg"),
    ("fasting_glucose", gettext_lazy("Fasting glucose"), "mmol/L"),
    ("bmi", "BMI", "kg/m²"),
    ("total_cholesterol", gettext_lazy("Total cholesterol"), "mmol/L"),
    ("triglycerides", gettext_lazy("Triglycerides"), "mmol/L"),
    ("ldl", gettext_lazy("LDL cholesterol"), "mmol/L"),
    ("hdl", gettext_lazy("HDL cholesterol"), "mmol/L"),
]


def yearly_results(elder: Elder) -> dict[str, Any]:
    """Year-on-year check results for the charts: per year, the year's last check's values."""
    by_year: dict[int, dict[str, Any]] = {}
    rows = (
        HealthCheck.objects.filter(elder=elder)
        .order_by("check_date", "pk")
        .values(
            "year",
            "bp_left_systolic",
            "bp_left_diastolic",
            "bp_right_systolic",
            "bp_right_diastolic",
            "fasting_glucose",
            "bmi",
            "total_cholesterol",
            "triglycerides",
            "ldl",
            "hdl",
        )
    )
    for r in rows:
        by_year[r["year"]] = {
            "systolic": r["bp_left_systolic"] or r["bp_right_systolic"],
            "diastolic": r["bp_left_diastolic"] or r["bp_right_diastolic"],
            **{
                k: r[k]
                for k in ("fasting_glucose", "bmi", "total_cholesterol", "triglycerides", "ldl", "hdl")
            },
        }
    years = sorted(by_year)
    series = []
    for key, name, unit in CHART_SERIES:
        values = [None if by_year[y][key] is None else float(by_year[y][key]) for y in years]
        series.append({"key": key, "name": str(name), "unit": unit, "data": values})
    return {"years": [str(y) for y in years], "series": series}


# --------------------------------------------------------------------------------------------------
# Work list
# --------------------------------------------------------------------------------------------------


def referral_checks_due(elders: QuerySet[Elder], until: dt.date) -> QuerySet[ChronicFollowUp]:
    """转诊后2周内随访: follow-ups that referred the elder (转诊 or 紧急转诊, rows A–C of the decision
    table) and are still the case's latest, whose 2-week check falls on or before ``until`` (overdue
    ones included). The check is done by recording the case's next follow-up."""
    from .models.chronic import FollowUpAction

    return (
        ChronicFollowUp.objects.filter(
            elder__in=elders,
            action__in=[FollowUpAction.REFER, FollowUpAction.URGENT_REFERRAL],
            superseded_on__isnull=True,
            case__closed_on__isnull=True,
            next_visit_date__lte=until,
        )
        .select_related("elder", "case")
        .order_by("next_visit_date", "pk")
    )


def work_list(user: User, start: dt.date, end: dt.date) -> dict[str, Any]:
    """A family doctor's week: follow-ups due, the 2-week checks after a referral, elders without this
    year's check, contract services due and contracts expiring, across the elders in their scope (each
    row links to the elder)."""
    elders = health_elders(user)
    contracts = Contract.objects.filter(elder__in=elders)
    cases = ChronicCase.objects.filter(elder__in=elders).select_related("elder")
    return {
        "followups": list(due_followups(cases, end)[:200]),
        "referral_checks": list(referral_checks_due(elders, end)[:200]),
        "checks": list(without_check(elders, end.year).order_by("region_id", "name")[:200]),
        "services": list(open_services(valid_contracts(contracts, start), start, end)[:200]),
        "expiring": list(expiring(contracts.select_related("elder", "team"), start)[:200]),
        "items": list(open_items(elders)[:200]),
        "prescriptions": list(long_prescriptions_due(elders, end)[:200]),
    }


def long_prescriptions_due(elders: QuerySet[Elder], until: dt.date) -> QuerySet[Medication]:
    """慢性病长期处方 of the given (scoped) elders, still current, due for review by ``until``."""
    return (
        Medication.objects.filter(elder__in=elders, active=True, long_prescription=True, review_on__lte=until)
        .select_related("elder")
        .order_by("review_on", "pk")
    )


def open_items(elders: QuerySet[Elder]) -> QuerySet[FollowThroughItem]:
    """Follow-through items not yet done (MMSE, GDS-15, 疑似/复查) of the given (scoped) elders."""
    return FollowThroughItem.objects.filter(elder__in=elders, done_on__isnull=True).select_related("elder")


@dataclass(frozen=True)
class ArchiveParts:
    """The records of one (already scoped) elder that the archive page shows besides the timeline."""

    archive: HealthArchive | None
    diagnoses: QuerySet[Diagnosis]
    medications: QuerySet[Medication]
    tcm_history: list[TcmRecord]
    items: list[FollowThroughItem]


def archive_parts(elder: Elder) -> ArchiveParts:
    """Call only with an elder obtained through the scoping layer (``get_health_elder``)."""
    return ArchiveParts(
        archive=HealthArchive.objects.filter(elder=elder).select_related("institution").first(),
        diagnoses=Diagnosis.objects.filter(elder=elder),
        medications=Medication.objects.filter(elder=elder, active=True),
        tcm_history=list(TcmRecord.objects.filter(elder=elder).order_by("-service_date")[:10]),
        items=list(FollowThroughItem.objects.filter(elder=elder, done_on__isnull=True)),
    )
