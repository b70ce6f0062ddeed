"""Chronic disease management (高血压, 2型糖尿病): the case registry and follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder
from yiyang.core.scoping import require_perm

from .. import error_codes, formdata, icd, rules
from ..fields import FOLLOWUP_INPUT_FIELDS
from ..models import ChronicCase, ChronicFollowUp, Disease, HealthCheck
from ..models.chronic import FollowUpAction
from ..signals import urgent_referral_decided
from . import followthrough
from ._common import _check_date, _labels, _refuse, acting_institution, check_field_values
from .archive import ensure_archive

if TYPE_CHECKING:
    from yiyang.accounts.models import User

DEFAULT_CODES = {Disease.HYPERTENSION: icd.HYPERTENSION_CODE, Disease.DIABETES: icd.DIABETES_CODE}


@transaction.atomic
def enrol_case(
    elder: Elder,
    *,
    acting_user: User,
    disease: str,
    diagnosed_on: dt.date,
    source: str,
    enrolled_on: dt.date | None = None,
) -> ChronicCase:
    """纳入管理: put a confirmed hypertension or type 2 diabetes patient in the registry (once)."""
    require_perm(acting_user, "health.change")
    if disease not in Disease.values:
        raise ServiceError(error_codes.INVALID, _("Disease: unknown value."), field="disease")
    _check_date(elder, diagnosed_on, "diagnosed_on", ChronicCase)
    enrolled_on = _check_date(elder, enrolled_on or clock.today(), "enrolled_on", ChronicCase)
    if ChronicCase.objects.filter(elder=elder, disease=disease, closed_on__isnull=True).exists():
        raise ServiceError(
            error_codes.CASE_ALREADY_OPEN,
            _("This elder is already in %(disease)s management.") % {"disease": Disease(disease).label},
            field="disease",
            status=409,
        )
    case = ChronicCase.objects.create(
        elder=elder,
        disease=disease,
        icd10_code=DEFAULT_CODES[disease],
        diagnosed_on=diagnosed_on,
        source=source,
        enrolled_on=enrolled_on,
        institution=acting_institution(acting_user),
        next_visit_due=enrolled_on,
        created_by=acting_user,
    )
    ensure_archive(elder, acting_user=acting_user, established_on=enrolled_on)
    followthrough.after_enrolment(case, acting_user=acting_user)
    audit.record(
        "create", user=acting_user, obj=case, changes={"elder": [None, elder.pk], "disease": [None, disease]}
    )
    return case


@transaction.atomic
def close_case(case: ChronicCase, *, acting_user: User, closed_on: dt.date, reason: str) -> ChronicCase:
    require_perm(acting_user, "health.change")
    if not (reason or "").strip():
        raise ServiceError(
            error_codes.REASON_REQUIRED, _("Reason for closing: required."), field="closed_reason"
        )
    case = ChronicCase.objects.select_for_update().get(pk=case.pk)
    if case.closed_on is not None:
        raise ServiceError(error_codes.CASE_CLOSED, _("This case is already closed."), status=409)
    case.closed_on, case.closed_reason = closed_on, reason.strip()
    case.save(update_fields=["closed_on", "closed_reason"])
    audit.record("update", user=acting_user, obj=case, changes={"closed_on": [None, closed_on.isoformat()]})
    return case


def previous_followup(case: ChronicCase, before: dt.date) -> ChronicFollowUp | None:
    return (
        ChronicFollowUp.objects.filter(case=case, visit_date__lte=before)
        .order_by("-visit_date", "-id")
        .first()
    )


def link_followups(case: ChronicCase) -> int:
    """Store on each follow-up of the case the visit date of the next one (by visit date, then entry
    order), or None on the latest, so "the last follow-up in a period was controlled" is a filter (HM-8).
    A back-dated follow-up moves its predecessor's date. Returns the rows changed."""
    rows = list(ChronicFollowUp.objects.filter(case=case).order_by("visit_date", "pk"))
    changed = []
    for i, row in enumerate(rows):
        day = rows[i + 1].visit_date if i + 1 < len(rows) else None
        if row.superseded_on != day:
            row.superseded_on = day
            changed.append(row)
    ChronicFollowUp.objects.bulk_update(changed, ["superseded_on"])
    return len(changed)


@transaction.atomic
def record_followup(case: ChronicCase, *, acting_user: User, data: dict[str, Any]) -> ChronicFollowUp:
    """随访: store one follow-up; classification, action and next visit date come from the decision
    table (rules.decide), using the case's previous follow-up for "连续两次"."""
    require_perm(acting_user, "health.change")
    case = ChronicCase.objects.select_for_update().select_related("elder").get(pk=case.pk)
    if case.closed_on is not None:
        raise ServiceError(error_codes.CASE_CLOSED, _("This case is closed."), status=409)
    elder = case.elder
    values = {name: data.get(name) for name in FOLLOWUP_INPUT_FIELDS if name in data}
    check_field_values(ChronicFollowUp, values)
    visit_date = _check_date(elder, values.get("visit_date"), "visit_date", ChronicFollowUp)
    labels = _labels(ChronicFollowUp)
    if values.get("method") not in dict(formdata.VISIT_METHOD):
        raise ServiceError(
            error_codes.INVALID, _("%(field)s: required.") % {"field": labels["method"]}, field="method"
        )
    # §2.5 and §3.4: both follow-up forms have 血压 as a required sign; at a diabetes visit too, so the
    # ≥180/110 danger criterion of §3.2 is never skipped
    if values.get("systolic") is None or values.get("diastolic") is None:
        missing = "systolic" if values.get("systolic") is None else "diastolic"
        message = (
            _("%(field)s: required at a hypertension follow-up.")
            if case.disease == Disease.HYPERTENSION
            else _("%(field)s: required at a diabetes follow-up.")
        )
        raise ServiceError(error_codes.INVALID, message % {"field": labels[missing]}, field=missing)
    if case.disease == Disease.DIABETES and values.get("fasting_glucose") is None:
        raise ServiceError(
            error_codes.INVALID,
            _("%(field)s: required at a diabetes follow-up.") % {"field": labels["fasting_glucose"]},
            field="fasting_glucose",
        )
    signs = dict(rules.table("DANGER_SIGNS")[case.disease])
    unknown = [s for s in values.get("danger_signs") or [] if s not in signs]
    if unknown:
        raise ServiceError(
            error_codes.INVALID,
            _("Danger signs: unknown value %(v)s.") % {"v": unknown[0]},
            field="danger_signs",
        )
    measured = {
        n: values.get(n)
        for n in ("systolic", "diastolic", "heart_rate", "fasting_glucose", "hba1c", "weight", "temperature")
    }
    refusals, _warnings = rules.check_plausibility(measured, labels)
    if refusals:
        raise _refuse(refusals)
    previous = previous_followup(case, visit_date)
    facts = rules.VisitFacts(
        disease=case.disease,
        age=rules.age_on(elder.birth_date, visit_date),
        systolic=values.get("systolic"),
        diastolic=values.get("diastolic"),
        fasting_glucose=values.get("fasting_glucose"),
        temperature=values.get("temperature"),
        heart_rate=values.get("heart_rate"),
        on_treatment=bool(values.get("medications")) or values.get("adherence") in ("1", "2"),
        danger_signs=list(values.get("danger_signs") or []),
        adverse_reaction=bool(values.get("adverse_reaction")),
        adverse_reaction_hard_to_control=bool(values.get("adverse_reaction_hard_to_control")),
        new_complication=bool(values.get("new_complication")),
        previous_classification=previous.classification if previous else None,
        previous_controlled=previous.controlled if previous else None,
    )
    decision = rules.decide(facts, visit_date)
    followup = ChronicFollowUp(
        case=case, elder=elder, institution=acting_institution(acting_user), doctor=acting_user
    )
    for name, value in values.items():
        field = ChronicFollowUp._meta.get_field(name)
        if value is None and not field.null:
            value = field.get_default()
        setattr(followup, name, value)
    height = (
        HealthCheck.objects.filter(elder=elder, height__isnull=False)
        .order_by("-check_date")
        .values_list("height", flat=True)
        .first()
    )
    followup.bmi = rules.bmi(height, values.get("weight"))
    followup.controlled = decision.controlled
    followup.classification = decision.classification
    followup.action = decision.action
    followup.rule = decision.rule
    followup.next_visit_date = decision.next_visit_date
    if decision.urgent_reasons and not followup.referral_reason:
        followup.referral_reason = "；".join(decision.urgent_reasons)[:200]
    followup.save()
    if decision.action == FollowUpAction.URGENT_REFERRAL:
        urgent_referral_decided.send(sender=ChronicFollowUp, followup=followup, acting_user=acting_user)
    link_followups(case)
    latest = previous_followup(case, dt.date.max)
    case.next_visit_due = latest.next_visit_date if latest else followup.next_visit_date
    case.save(update_fields=["next_visit_due"])
    audit.record(
        "create",
        user=acting_user,
        obj=followup,
        changes={
            "case": [None, case.pk],
            "classification": [None, decision.classification],
            "rule": [None, decision.rule],
            "next_visit_date": [None, decision.next_visit_date.isoformat()],
        },
    )
    return followup
