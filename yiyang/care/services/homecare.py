"""家庭病床 and 互联网+护理服务: admission, visits, review and discharge of family sickbeds; the catalogue
of home nursing services, order requests with their eligibility check, dispatch, check-in and check-out,
rating and settlement. Two state machines, ``SICKBED`` and ``SERVICE_ORDER``; both open the elder's
record to the people they name (access grants) and close it again.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.accounts.roles import Role
from yiyang.assessments.models import AssessmentResponse
from yiyang.core import audit, clock, grants
from yiyang.core.errors import REQUIRED, ServiceError
from yiyang.core.models import MEDICAL_KINDS, Elder, ElderCategoryCode, Institution
from yiyang.core.scoping import require_perm
from yiyang.core.transitions import Rules, StateMachine, Transition
from yiyang.health import icd

from ..homecare_access import dispatch_institution_ids, staff_institution_ids
from ..models import FamilySickbed, HomeNurse, ServiceOrder, SickbedDueVisit, SickbedVisit
from ..models.homecare import (
    NURSE_TITLE_RANK,
    OrderChannel,
    OrderStatus,
    Settlement,
    SickbedStatus,
    VisitFrequency,
)

if TYPE_CHECKING:
    from yiyang.accounts.models import User

DATA = Path(__file__).resolve().parent.parent / "data"
INVALID = "INVALID"
NOT_ELIGIBLE = "NOT_ELIGIBLE"
NOT_QUALIFIED = "NOT_QUALIFIED"
SICKBED_OPEN = "SICKBED_OPEN"
NOT_YOURS = "NOT_YOURS"


@functools.cache
def sickbed_criteria() -> dict[str, Any]:
    """``care/data/sickbed_criteria.yaml``: the admission criteria (required, indications)."""
    return yaml.safe_load((DATA / "sickbed_criteria.yaml").read_text(encoding="utf-8"))


@functools.cache
def catalogue() -> dict[str, Any]:
    """``care/data/home_nursing.yaml``: the services, their conditions, the home-safety checklist."""
    return yaml.safe_load((DATA / "home_nursing.yaml").read_text(encoding="utf-8"))


def services_by_code() -> dict[str, dict[str, Any]]:
    return {s["code"]: s for s in catalogue()["services"]}


def _clinician_at(user: User, institution: Institution) -> bool:
    return any(
        a.role == Role.CLINICIAN and a.institution_id == institution.pk for a in user.active_assignments
    )


def _medical(institution: Institution, field: str) -> None:
    if institution.kind not in MEDICAL_KINDS:
        raise ServiceError(
            INVALID,
            _("Institution: %(name)s is not a medical institution.") % {"name": institution.name},
            field=field,
        )


def _not_future(day: dt.date | None, field: str, label: str) -> dt.date:
    day = day or clock.today()
    if day > clock.today():
        raise ServiceError(INVALID, _("%(field)s: cannot be in the future.") % {"field": label}, field=field)
    return day


# ----------------------------------------------------------------------------------- family sickbeds


@transaction.atomic
def apply_sickbed(
    elder: Elder,
    *,
    acting_user: User,
    institution: Institution,
    diagnosis_code: str,
    doctor: User,
    nurse: User,
    criteria: list[str],
    care_plan: str = "",
    visit_frequency: str = VisitFrequency.WEEKLY,
    applied_on: dt.date | None = None,
) -> FamilySickbed:
    """家庭病床申请: the institution's staff record the admission assessment (criteria met, diagnosis,
    the doctor and nurse responsible, the care plan). Admitting it (建床) is ``SICKBED``'s ``admit``."""
    require_perm(acting_user, "sickbed.change")
    _medical(institution, "institution_id")
    if institution.pk not in staff_institution_ids(acting_user):
        raise ServiceError(
            INVALID,
            _("Institution: you do not work at %(name)s.") % {"name": institution.name},
            field="institution_id",
            status=403,
        )
    code = icd.lookup(diagnosis_code)
    if code is None:
        raise ServiceError(INVALID, _("Diagnosis: not a code of the ICD-10 table."), field="diagnosis_code")
    for person, field, label in (
        (doctor, "doctor_id", _("Responsible doctor")),
        (nurse, "nurse_id", _("Responsible nurse")),
    ):
        if not _clinician_at(person, institution):
            raise ServiceError(
                INVALID,
                _("%(field)s: %(name)s is not a clinician of %(institution)s.")
                % {"field": label, "name": person, "institution": institution.name},
                field=field,
            )
    spec = sickbed_criteria()
    known = {c["code"] for c in spec["required"]} | {c["code"] for c in spec["indications"]}
    chosen = list(dict.fromkeys(criteria or []))
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise ServiceError(
            INVALID, _("Admission criteria: unknown item %(code)s.") % {"code": unknown[0]}, field="criteria"
        )
    missing = [c for c in spec["required"] if c["code"] not in chosen]
    if missing:
        raise ServiceError(
            NOT_ELIGIBLE,
            _("Admission criteria: not met — %(label)s.") % {"label": missing[0]["label"]},
            field="criteria",
        )
    if not any(c["code"] in chosen for c in spec["indications"]):
        raise ServiceError(
            NOT_ELIGIBLE, _("Admission criteria: choose at least one indication."), field="criteria"
        )
    if visit_frequency not in VisitFrequency.values:
        raise ServiceError(INVALID, _("Visit frequency: choose one of the options."), field="visit_frequency")
    applied_on = _not_future(applied_on, "applied_on", _("Applied on"))
    if elder.birth_date and applied_on < elder.birth_date:
        raise ServiceError(INVALID, _("Applied on: before the elder's birth."), field="applied_on")
    Elder.objects.select_for_update().filter(pk=elder.pk).first()  # one open sickbed per elder
    clash = FamilySickbed.objects.filter(
        elder=elder, status__in=[SickbedStatus.APPLIED, SickbedStatus.ADMITTED]
    ).first()
    if clash is not None:
        raise ServiceError(
            SICKBED_OPEN,
            _("This elder already has an open family sickbed at %(name)s.")
            % {"name": clash.institution.name},
            field="elder_id",
            status=409,
        )
    bed = FamilySickbed.objects.create(
        elder=elder,
        institution=institution,
        criteria=chosen,
        diagnosis_code=code.code,
        diagnosis_name=code.name,
        doctor=doctor,
        nurse=nurse,
        care_plan=(care_plan or "").strip(),
        visit_frequency=visit_frequency,
        applied_on=applied_on,
        created_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=bed,
        changes={
            "elder": [None, elder.pk],
            "institution": [None, institution.pk],
            "diagnosis": [None, code.code],
        },
    )
    return bed


def due_visit_rows(
    bed: FamilySickbed, start: dt.date, end: dt.date, first_sequence: int = 1
) -> list[SickbedDueVisit]:
    """The planned visits from ``start`` to ``end``: one per interval, each due by its window's end."""
    interval = bed.interval_days
    days = (end - start).days + 1
    count = max(1, math.ceil(days / interval))
    rows = []
    for i in range(count):
        window_start = start + dt.timedelta(days=i * interval)
        rows.append(
            SickbedDueVisit(
                sickbed=bed,
                sequence=first_sequence + i,
                window_start=window_start,
                due_date=min(end, window_start + dt.timedelta(days=interval - 1)),
            )
        )
    return rows


def _plan_end(t: Transition, start: dt.date, field: str = "planned_until") -> dt.date:
    spec = sickbed_criteria()
    end = t.extra.get(field) or (start + dt.timedelta(days=spec["default_plan_days"] - 1))
    if not isinstance(end, dt.date):
        raise ServiceError(INVALID, _("Planned until: not a date."), field=field)
    if end < start:
        raise ServiceError(INVALID, _("Planned until: must not be before the start."), field=field)
    if (end - start).days + 1 > spec["max_plan_days"]:
        raise ServiceError(
            INVALID,
            _("Planned until: a plan covers at most %(days)s days; review the bed to extend it.")
            % {"days": spec["max_plan_days"]},
            field=field,
        )
    return end


def _check_admit(t: Transition) -> None:
    bed = t.obj
    day = _not_future(t.extra.get("admitted_on"), "admitted_on", _("Admitted on"))
    if day < bed.applied_on:
        raise ServiceError(INVALID, _("Admitted on: before the application."), field="admitted_on")
    t.extra["admitted_on"] = day
    t.extra["planned_until"] = _plan_end(t, day)


def _admit(t: Transition) -> None:
    bed = t.obj
    t.change("admitted_on", bed.admitted_on, t.extra["admitted_on"])
    t.change("planned_until", bed.planned_until, t.extra["planned_until"])
    bed.admitted_on = t.extra["admitted_on"]
    bed.planned_until = t.extra["planned_until"]


def _after_admit(t: Transition) -> None:
    """建床: the planned visits, and the doctor's and nurse's grants while the bed is open."""
    bed = t.obj
    rows = SickbedDueVisit.objects.bulk_create(due_visit_rows(bed, bed.admitted_on, bed.planned_until))
    t.details["planned_visits"] = len(rows)
    for person in {bed.doctor, bed.nurse}:
        grants.grant(bed, elder=bed.elder, user=person, valid_from=bed.admitted_on)


def _check_review(t: Transition) -> None:
    bed = t.obj
    day = _not_future(t.extra.get("reviewed_on"), "reviewed_on", _("Reviewed on"))
    if day < bed.admitted_on:
        raise ServiceError(INVALID, _("Reviewed on: before the admission."), field="reviewed_on")
    t.extra["reviewed_on"] = day
    if t.extra.get("planned_until"):
        end = t.extra["planned_until"]
        if not isinstance(end, dt.date) or end <= bed.planned_until:
            raise ServiceError(
                INVALID,
                _("Planned until: an extension must end after the current plan."),
                field="planned_until",
            )
        if (end - day).days + 1 > sickbed_criteria()["max_plan_days"]:
            raise ServiceError(
                INVALID,
                _("Planned until: a plan covers at most %(days)s days; review the bed to extend it.")
                % {"days": sickbed_criteria()["max_plan_days"]},
                field="planned_until",
            )


def _review(t: Transition) -> None:
    bed = t.obj
    t.change("last_reviewed_on", bed.last_reviewed_on, t.extra["reviewed_on"])
    bed.last_reviewed_on = t.extra["reviewed_on"]
    if t.extra.get("planned_until"):
        t.results["extend_from"] = bed.planned_until + dt.timedelta(days=1)
        t.change("planned_until", bed.planned_until, t.extra["planned_until"])
        bed.planned_until = t.extra["planned_until"]


def _after_review(t: Transition) -> None:
    start = t.results.get("extend_from")
    if start:
        bed = t.obj
        last = SickbedDueVisit.objects.filter(sickbed=bed).order_by("-sequence").first()
        rows = due_visit_rows(
            bed, start, bed.planned_until, first_sequence=(last.sequence + 1 if last else 1)
        )
        SickbedDueVisit.objects.bulk_create(rows)
        t.details["planned_visits_added"] = len(rows)


def _check_discharge(t: Transition) -> None:
    bed = t.obj
    day = _not_future(t.extra.get("discharged_on"), "discharged_on", _("Discharged on"))
    if day < bed.admitted_on:
        raise ServiceError(INVALID, _("Discharged on: before the admission."), field="discharged_on")
    t.extra["discharged_on"] = day
    if not (t.extra.get("summary") or "").strip():
        raise ServiceError(REQUIRED, _("Discharge summary: required."), field="summary")


def _discharge(t: Transition) -> None:
    bed = t.obj
    t.change("discharged_on", bed.discharged_on, t.extra["discharged_on"])
    bed.discharged_on = t.extra["discharged_on"]
    bed.discharge_summary = t.extra["summary"].strip()


def _after_discharge(t: Transition) -> None:
    """撤床: planned visits after the last day are cancelled; the team's grants end that day."""
    bed = t.obj
    cancelled = SickbedDueVisit.objects.filter(
        sickbed=bed, visit__isnull=True, due_date__gt=bed.discharged_on
    ).update(cancelled=True)
    t.details["planned_visits_cancelled"] = cancelled
    grants.end_grants(bed, last_day=bed.discharged_on)


#: 申请 → 已建床 (admit) → 已撤床 (discharge); 申请 → 已取消 (cancel). A review (查床评估) is a move from
#: 已建床 to itself: recorded with who, when and the conclusion, and it may extend the plan.
SICKBED = StateMachine(
    FamilySickbed,
    table={
        (SickbedStatus.APPLIED, "admit"): (SickbedStatus.ADMITTED, "sickbed.change"),
        (SickbedStatus.APPLIED, "cancel"): (SickbedStatus.CANCELLED, "sickbed.change"),
        (SickbedStatus.ADMITTED, "review"): (SickbedStatus.ADMITTED, "sickbed.change"),
        (SickbedStatus.ADMITTED, "discharge"): (SickbedStatus.DISCHARGED, "sickbed.change"),
    },
    states=SickbedStatus,
    actions={
        "admit": gettext_lazy("Open the bed"),
        "review": gettext_lazy("Review"),
        "discharge": gettext_lazy("Close the bed"),
        "cancel": gettext_lazy("Cancel"),
    },
    rules={
        "admit": Rules(check=_check_admit, before_save=_admit, after_save=_after_admit),
        "review": Rules(
            reason_required=True, check=_check_review, before_save=_review, after_save=_after_review
        ),
        "discharge": Rules(check=_check_discharge, before_save=_discharge, after_save=_after_discharge),
        "cancel": Rules(reason_required=True),
    },
    select_related=("elder",),
)


@transaction.atomic
def record_visit(
    bed: FamilySickbed,
    *,
    acting_user: User,
    visited_on: dt.date | None,
    care_given: str,
    findings: str = "",
    bp_systolic: int | None = None,
    bp_diastolic: int | None = None,
) -> SickbedVisit:
    """查床/上门: a visit to an open bed; it meets the earliest planned visit whose window has begun."""
    require_perm(acting_user, "sickbed.change")
    bed = FamilySickbed.objects.select_for_update().get(pk=bed.pk)
    if bed.status != SickbedStatus.ADMITTED:
        raise ServiceError(
            "SICKBED_NOT_OPEN",
            _("The current state is “%(state)s”: visits are recorded on an open bed only.")
            % {"state": SICKBED.state_label(bed.status)},
            field="sickbed",
            status=409,
        )
    if acting_user.pk not in (
        bed.doctor_id,
        bed.nurse_id,
    ) and bed.institution_id not in staff_institution_ids(acting_user):
        raise ServiceError(
            NOT_YOURS, _("Only the bed's doctor, nurse or institution records its visits."), status=403
        )
    day = _not_future(visited_on, "visited_on", _("Visited on"))
    if day < (bed.admitted_on or bed.applied_on) or (bed.discharged_on and day > bed.discharged_on):
        raise ServiceError(INVALID, _("Visited on: outside the time the bed is open."), field="visited_on")
    care_given = (care_given or "").strip()
    if not care_given:
        raise ServiceError(REQUIRED, _("Care given: required."), field="care_given")
    for value, field in ((bp_systolic, "bp_systolic"), (bp_diastolic, "bp_diastolic")):
        if value is not None and not 30 <= value <= 300:
            raise ServiceError(INVALID, _("Blood pressure: between 30 and 300 mmHg."), field=field)
    visit = SickbedVisit.objects.create(
        sickbed=bed,
        visited_on=day,
        visited_by=acting_user,
        care_given=care_given,
        findings=(findings or "").strip(),
        bp_systolic=bp_systolic,
        bp_diastolic=bp_diastolic,
    )
    due = (
        SickbedDueVisit.objects.select_for_update()
        .filter(sickbed=bed, visit__isnull=True, cancelled=False, window_start__lte=day)
        .order_by("due_date", "sequence")
        .first()
    )
    if due is not None:
        due.visit = visit
        due.save(update_fields=["visit"])
    audit.record(
        "create",
        user=acting_user,
        obj=visit,
        changes={"sickbed": [None, bed.pk], "planned_visit": [None, due.sequence if due else None]},
    )
    return visit


# --------------------------------------------------------------------------------------- the orders


def condition_label(code: str) -> str:
    return str(catalogue()["conditions"].get(code, code))


def check_eligibility(
    elder: Elder, service: dict[str, Any], *, doctor_order: str, day: dt.date
) -> list[dict]:
    """Each condition of the service, met or not, with what showed it."""
    out = []
    for code in service.get("requires", []):
        met, evidence = False, ""
        if code == "doctor_order":
            met, evidence = bool(doctor_order.strip()), doctor_order.strip()
        elif code == "recent_assessment":
            since = day - dt.timedelta(days=catalogue()["recent_assessment_days"])
            latest = (
                AssessmentResponse.objects.current()
                .filter(elder=elder, assessed_at__date__gte=since)
                .order_by("-assessed_at")
                .first()
            )
            met = latest is not None
            evidence = f"assessments.response:{latest.pk}" if latest else ""
        elif code == "bedridden":
            cats = set(elder.categories.values_list("category", flat=True))
            hit = cats & {ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED}
            met, evidence = bool(hit), ",".join(sorted(hit))
        out.append({"code": code, "label": condition_label(code), "met": met, "evidence": evidence})
    return out


def order_institutions() -> list[Institution]:
    """Medical institutions with an active home-nursing roster (where an order can be sent)."""
    ids = HomeNurse.objects.filter(is_active=True).values_list("institution_id", flat=True)
    return [i for i in Institution.objects.filter(pk__in=ids).order_by("name") if i.kind in MEDICAL_KINDS]


@transaction.atomic
def request_order(
    elder: Elder,
    *,
    acting_user: User,
    service_code: str,
    institution: Institution,
    booked_at: dt.datetime,
    channel: str = "",
    contact_name: str = "",
    contact_relation: str = "",
    doctor_order: str = "",
    note: str = "",
) -> ServiceOrder:
    """线上申请: an order for a service of the catalogue, for a booked time, sent to a medical
    institution with a home-nursing roster. The catalogue's conditions are checked now; an order whose
    conditions are not met is refused, naming the first one missing."""
    require_perm(acting_user, "order.request")
    service = services_by_code().get(service_code or "")
    if service is None:
        raise ServiceError(INVALID, _("Service: not in the catalogue."), field="service_code")
    _medical(institution, "institution_id")
    if not HomeNurse.objects.filter(institution=institution, is_active=True).exclude(title="").exists():
        raise ServiceError(
            INVALID,
            _("Institution: %(name)s has no home-nursing roster.") % {"name": institution.name},
            field="institution_id",
        )
    now = clock.now()
    if booked_at < now - dt.timedelta(hours=1):
        raise ServiceError(INVALID, _("Booked for: the time has passed."), field="booked_at")
    if booked_at > now + dt.timedelta(days=60):
        raise ServiceError(INVALID, _("Booked for: at most 60 days ahead."), field="booked_at")
    if not channel:
        roles = {a.role for a in acting_user.active_assignments}
        channel = OrderChannel.FAMILY_DOCTOR if Role.FAMILY_DOCTOR in roles else OrderChannel.STAFF
    if channel not in OrderChannel.values:
        raise ServiceError(INVALID, _("Requested through: choose one of the options."), field="channel")
    contact_name, contact_relation = (contact_name or "").strip(), (contact_relation or "").strip()
    if channel == OrderChannel.FAMILY and not contact_name:
        raise ServiceError(
            REQUIRED, _("Contact: required for an order placed by the family."), field="contact_name"
        )
    if (
        len(contact_name) > 40
        or len(contact_relation) > 20
        or len(doctor_order or "") > 120
        or len(note or "") > 200
    ):
        raise ServiceError(INVALID, _("Text too long."), field="note")
    eligibility = check_eligibility(elder, service, doctor_order=doctor_order or "", day=clock.today())
    unmet = [c for c in eligibility if not c["met"]]
    if unmet:
        raise ServiceError(
            NOT_ELIGIBLE,
            _("%(service)s requires: %(condition)s.")
            % {"service": service["name"], "condition": unmet[0]["label"]},
            field="doctor_order" if unmet[0]["code"] == "doctor_order" else "service_code",
            extra={"condition": unmet[0]["code"]},
        )
    order = ServiceOrder.objects.create(
        elder=elder,
        institution=institution,
        service_code=service["code"],
        service_name=service["name"],
        channel=channel,
        contact_name=contact_name,
        contact_relation=contact_relation,
        booked_at=booked_at,
        doctor_order=(doctor_order or "").strip(),
        note=(note or "").strip(),
        eligibility=eligibility,
        fee=Decimal(str(service.get("fee", 0))),
        requested_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=order,
        changes={
            "elder": [None, elder.pk],
            "service": [None, service["code"]],
            "institution": [None, institution.pk],
        },
    )
    return order


def nurse_qualified(nurse: HomeNurse, service: dict[str, Any]) -> str:
    """Why this roster member may not serve the service ('' when qualified)."""
    if not nurse.is_active or not nurse.title:
        return _("not a serving nurse of the home-nursing roster")
    if NURSE_TITLE_RANK[nurse.title] < NURSE_TITLE_RANK[service["min_title"]]:
        return _("the title is below what the service requires")
    if nurse.years_of_practice < catalogue()["min_years_of_practice"]:
        return _("fewer than %(years)s years of clinical nursing") % {
            "years": catalogue()["min_years_of_practice"]
        }
    specialty = service.get("specialty")
    if specialty and specialty not in (nurse.specialties or []):
        return _("lacks the qualification: %(name)s") % {"name": catalogue()["specialties"][specialty]}
    return ""


def qualified_nurses(order: ServiceOrder) -> list[HomeNurse]:
    service = services_by_code().get(order.service_code, {"min_title": "chief_nurse"})
    rows = HomeNurse.objects.filter(institution_id=order.institution_id, is_active=True).select_related(
        "user"
    )
    return [n for n in rows.order_by("user__username") if not nurse_qualified(n, service)]


def is_dispatcher(user: Any, order: ServiceOrder) -> bool:
    return order.institution_id in dispatch_institution_ids(user)


def _require_dispatcher(t: Transition) -> None:
    if not is_dispatcher(t.user, t.obj):
        raise ServiceError(
            NOT_YOURS,
            _("Only the order desk of %(name)s dispatches this order.") % {"name": t.obj.institution.name},
            status=403,
        )


def _require_nurse(t: Transition) -> None:
    if t.obj.nurse_id != t.user.pk:
        raise ServiceError(NOT_YOURS, _("Only the nurse assigned checks in and out."), status=403)


def _check_accept(t: Transition) -> None:
    _require_dispatcher(t)
    answers = t.extra.get("home_safety") or {}
    if not isinstance(answers, dict):
        raise ServiceError(INVALID, _("Home-safety check: answer every item."), field="home_safety")
    for item in catalogue()["home_safety"]:
        if answers.get(item["code"]) is not True:
            raise ServiceError(
                NOT_ELIGIBLE,
                _("Home-safety check: not confirmed — %(label)s.") % {"label": item["label"]},
                field="home_safety",
            )


def _accept(t: Transition) -> None:
    t.obj.home_safety = {item["code"]: True for item in catalogue()["home_safety"]}


def _check_assign(t: Transition) -> None:
    _require_dispatcher(t)
    order = t.obj
    given: Any = t.extra.get("nurse")
    try:
        nurse_id = int(getattr(given, "pk", given))
    except (TypeError, ValueError):
        raise ServiceError(INVALID, _("Nurse: choose a nurse."), field="nurse") from None
    member = (
        HomeNurse.objects.filter(institution_id=order.institution_id, user_id=nurse_id)
        .select_related("user")
        .first()
    )
    service = services_by_code().get(order.service_code)
    why = (
        _("not on the home-nursing roster of %(name)s") % {"name": order.institution.name}
        if member is None
        else nurse_qualified(member, service or {"min_title": "chief_nurse"})
    )
    if why:
        raise ServiceError(NOT_QUALIFIED, _("Nurse: %(why)s.") % {"why": why}, field="nurse")
    t.results["nurse"] = member.user  # type: ignore[union-attr]
    t.details["nurse"] = member.user_id  # type: ignore[union-attr]


def _assign(t: Transition) -> None:
    order = t.obj
    t.results["previous"] = order.nurse_id
    t.change("nurse", order.nurse_id, t.results["nurse"].pk)
    order.nurse = t.results["nurse"]
    order.assigned_at = clock.now()


def _after_assign(t: Transition) -> None:
    """The nurse reaches the elder while the order is open; a nurse replaced keeps it until today."""
    order = t.obj
    today = clock.today()
    if t.results["previous"] and t.results["previous"] != order.nurse_id:
        grants.end_grants(order, last_day=today)
    grants.grant(order, elder=order.elder, user=order.nurse, valid_from=min(today, order.booked_at.date()))


def _check_in(t: Transition) -> None:
    t.change("checked_in_at", None, clock.now())
    t.obj.checked_in_at = clock.now()


def _check_check_out(t: Transition) -> None:
    _require_nurse(t)
    if not (t.extra.get("care_record") or "").strip():
        raise ServiceError(REQUIRED, _("Service record: required."), field="care_record")


def _check_out(t: Transition) -> None:
    order = t.obj
    order.checked_out_at = clock.now()
    order.care_record = t.extra["care_record"].strip()[:4000]
    t.change("checked_out_at", None, order.checked_out_at)


def _end_order_grants(t: Transition) -> None:
    grants.end_grants(t.obj, last_day=clock.today())


def _check_rate(t: Transition) -> None:
    if not _may_cancel(t.user, t.obj):
        raise ServiceError(
            NOT_YOURS,
            _("The family's rating is entered by who requested the order or its order desk."),
            status=403,
        )
    rating = t.extra.get("rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ServiceError(INVALID, _("Rating: a whole number from 1 to 5."), field="rating")
    if len(t.extra.get("complaint") or "") > 300:
        raise ServiceError(INVALID, _("Complaint: at most 300 characters."), field="complaint")


def _rate(t: Transition) -> None:
    order = t.obj
    order.rating = t.extra["rating"]
    order.complaint = (t.extra.get("complaint") or "").strip()
    t.change("rating", None, order.rating)


def _check_settle(t: Transition) -> None:
    _require_dispatcher(t)
    if t.extra.get("settlement") not in (Settlement.SETTLED, Settlement.WAIVED):
        raise ServiceError(INVALID, _("Settlement: settled or waived."), field="settlement")


def _settle(t: Transition) -> None:
    t.change("settlement", t.obj.settlement, t.extra["settlement"])
    t.obj.settlement = t.extra["settlement"]


def _check_cancel(t: Transition) -> None:
    if t.user.pk != t.obj.requested_by_id and not is_dispatcher(t.user, t.obj):
        raise ServiceError(
            NOT_YOURS, _("Only who requested the order or its order desk cancels it."), status=403
        )


def _may_dispatch(user: Any, order: ServiceOrder) -> bool:
    return is_dispatcher(user, order)


def _may_serve(user: Any, order: ServiceOrder) -> bool:
    return order.nurse_id == user.pk


def _may_cancel(user: Any, order: ServiceOrder) -> bool:
    return order.requested_by_id == user.pk or is_dispatcher(user, order)


_R, _A, _X = OrderStatus.REQUESTED, OrderStatus.ACCEPTED, OrderStatus.ASSIGNED
#: 已申请 → 已受理 (accept: home-safety check) / 已拒绝 → 已派单 (assign; again to reassign) → 服务中
#: (check_in) → 服务完成 (check_out: the service record) → 已关闭 (rate, by the family through staff, or
#: close). Cancelled before check-in. Settlement is a move from 服务完成/已关闭 to itself.
SERVICE_ORDER = StateMachine(
    ServiceOrder,
    table={
        (_R, "accept"): (_A, "order.dispatch"),
        (_R, "reject"): (OrderStatus.REJECTED, "order.dispatch"),
        (_A, "assign"): (_X, "order.dispatch"),
        (_X, "assign"): (_X, "order.dispatch"),
        (_X, "check_in"): (OrderStatus.IN_SERVICE, "order.serve"),
        (OrderStatus.IN_SERVICE, "check_out"): (OrderStatus.DONE, "order.serve"),
        (OrderStatus.DONE, "rate"): (OrderStatus.CLOSED, "order.request"),
        (OrderStatus.DONE, "close"): (OrderStatus.CLOSED, "order.dispatch"),
        (OrderStatus.DONE, "settle"): (OrderStatus.DONE, "order.settle"),
        (OrderStatus.CLOSED, "settle"): (OrderStatus.CLOSED, "order.settle"),
        (_R, "cancel"): (OrderStatus.CANCELLED, "order.request"),
        (_A, "cancel"): (OrderStatus.CANCELLED, "order.request"),
        (_X, "cancel"): (OrderStatus.CANCELLED, "order.request"),
    },
    states=OrderStatus,
    actions={
        "accept": gettext_lazy("Accept"),
        "reject": gettext_lazy("Reject"),
        "assign": gettext_lazy("Dispatch to a nurse"),
        "check_in": gettext_lazy("Check in"),
        "check_out": gettext_lazy("Check out"),
        "rate": gettext_lazy("Rate"),
        "close": gettext_lazy("Close"),
        "settle": gettext_lazy("Settle"),
        "cancel": gettext_lazy("Cancel the order"),
    },
    rules={
        "accept": Rules(check=_check_accept, before_save=_accept, may=_may_dispatch),
        "reject": Rules(reason_required=True, check=_require_dispatcher, may=_may_dispatch),
        "assign": Rules(
            requires={"nurse": gettext_lazy("Nurse")},
            check=_check_assign,
            before_save=_assign,
            after_save=_after_assign,
            may=_may_dispatch,
        ),
        "check_in": Rules(check=_require_nurse, before_save=_check_in, may=_may_serve),
        "check_out": Rules(
            check=_check_check_out, before_save=_check_out, after_save=_end_order_grants, may=_may_serve
        ),
        "rate": Rules(
            requires={"rating": gettext_lazy("Rating")}, check=_check_rate, before_save=_rate, may=_may_cancel
        ),
        "close": Rules(reason_required=True, check=_require_dispatcher, may=_may_dispatch),
        "settle": Rules(check=_check_settle, before_save=_settle, may=_may_dispatch),
        "cancel": Rules(
            reason_required=True, check=_check_cancel, after_save=_end_order_grants, may=_may_cancel
        ),
    },
    select_related=("elder", "institution"),
)


# ---------------------------------------------------------------------------- the home-nursing roster


@transaction.atomic
def save_roster_member(
    *,
    acting_user: User,
    institution: Institution,
    user: User,
    title: str,
    years_of_practice: int,
    specialties: list[str],
    is_dispatcher: bool,
    is_active: bool = True,
) -> HomeNurse:
    """Put a clinician of the institution on its home-nursing roster (or change their entry). Kept by
    the institution's order desk: its administrators and dispatchers."""
    require_perm(acting_user, "order.dispatch")
    if institution.pk not in dispatch_institution_ids(acting_user):
        raise ServiceError(
            NOT_YOURS,
            _("Only the order desk of %(name)s dispatches this order.") % {"name": institution.name},
            status=403,
        )
    if not _clinician_at(user, institution):
        raise ServiceError(
            INVALID,
            _("%(field)s: %(name)s is not a clinician of %(institution)s.")
            % {"field": _("Nurse"), "name": user, "institution": institution.name},
            field="user",
        )
    if title and title not in NURSE_TITLE_RANK:
        raise ServiceError(INVALID, _("Title: choose one of the options."), field="title")
    if not 0 <= years_of_practice <= 60:
        raise ServiceError(INVALID, _("Years of clinical nursing: 0 to 60."), field="years_of_practice")
    unknown = [s for s in specialties if s not in catalogue()["specialties"]]
    if unknown:
        raise ServiceError(INVALID, _("Specialist qualifications: unknown item."), field="specialties")
    values = {
        "title": title,
        "years_of_practice": years_of_practice,
        "specialties": sorted(set(specialties)),
        "is_dispatcher": is_dispatcher,
        "is_active": is_active,
    }
    before = HomeNurse.objects.filter(user=user, institution=institution).values(*values).first()
    member, _created = HomeNurse.objects.update_or_create(user=user, institution=institution, defaults=values)
    audit.record("update", user=acting_user, obj=member, changes=audit.diff(before or {}, values))
    return member
