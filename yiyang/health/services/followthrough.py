"""Follow-through: findings on one record become due items; the record that answers them closes them.

Rules (each a table in :mod:`yiyang.health.rules`, FOLLOW_THROUGH):
- 健康体检表 认知功能/情感状态 粗筛阳性 → 简易智力状态检查 (MMSE) / 老年抑郁量表 (GDS-15) due; a check
  that records the total (``cognitive_score`` / ``emotional_score``) closes it.
- blood pressure ≥140/90 mmHg or fasting glucose ≥7.0 mmol/L at a check of an elder not in hypertension
  (diabetes) management → 疑似高血压 (糖尿病) 复查; enrolment in that management closes it.
- enrolment in hypertension or diabetes management puts the diagnosis on the problem list.
- medications recorded on a check reach the elder's current-medication list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from yiyang.assessments.services import ABILITY_CATEGORY_CODES, ability_category
from yiyang.core import audit, clock
from yiyang.core.models import ElderCategory

from .. import formdata, icd, rules
from ..models import (
    ChronicCase,
    Diagnosis,
    DiagnosisStatus,
    FollowThroughItem,
    HealthCheck,
    ItemKind,
    Medication,
)

if TYPE_CHECKING:
    from yiyang.accounts.models import User
    from yiyang.core.models import Elder


def _open(elder: Elder, kind: str) -> FollowThroughItem | None:
    return FollowThroughItem.objects.filter(elder=elder, kind=kind, done_on__isnull=True).first()


def open_item(
    elder: Elder,
    *,
    kind: str,
    reason: str,
    day: dt.date,
    doctor: User | None,
    check: HealthCheck | None = None,
) -> FollowThroughItem:
    """Open an item (or return the one already open for this elder and kind)."""
    existing = _open(elder, kind)
    if existing is not None:
        return existing
    days = rules.table("FOLLOW_THROUGH_DAYS")[kind]
    return FollowThroughItem.objects.create(
        elder=elder,
        kind=kind,
        reason=reason[:200],
        health_check=check,
        due_on=day + dt.timedelta(days=days),
        doctor=doctor,
    )


def close_items(elder: Elder, kind: str, *, day: dt.date, note: str) -> int:
    return FollowThroughItem.objects.filter(elder=elder, kind=kind, done_on__isnull=True).update(
        done_on=day, done_note=note[:200]
    )


def _bp_high(check: HealthCheck) -> str:
    limit = rules.table("SCREENING_THRESHOLDS")
    for side, label in (("left", _("left arm")), ("right", _("right arm"))):
        s, d = getattr(check, f"bp_{side}_systolic"), getattr(check, f"bp_{side}_diastolic")
        if s is not None and d is not None and (s >= limit["systolic"] or d >= limit["diastolic"]):
            return _("blood pressure %(s)s/%(d)s mmHg (%(side)s) at the health check of %(day)s") % {
                "s": s,
                "d": d,
                "side": label,
                "day": check.check_date.isoformat(),
            }
    return ""


def after_check(check: HealthCheck, *, acting_user: User) -> list[FollowThroughItem]:
    """What a saved 健康体检表 asks for next (called inside the check's transaction)."""
    elder, day = check.elder, check.check_date
    made: list[FollowThroughItem] = []
    for screen, score, kind, label in (
        ("cognitive_screen", "cognitive_score", ItemKind.MMSE, _("cognitive screen positive")),
        ("emotional_screen", "emotional_score", ItemKind.GDS15, _("mood screen positive")),
    ):
        if getattr(check, score) is not None:
            close_items(
                elder, kind, day=day, note=_("total recorded on the health check of %(day)s") % {"day": day}
            )
        elif getattr(check, screen) == rules.SCREEN_POSITIVE:
            reason = _("%(finding)s at the health check of %(day)s") % {
                "finding": label,
                "day": day.isoformat(),
            }
            made.append(open_item(elder, kind=kind, reason=reason, day=day, doctor=check.doctor, check=check))
    managed = set(
        ChronicCase.objects.filter(elder=elder, closed_on__isnull=True).values_list("disease", flat=True)
    )
    bp = _bp_high(check)
    if bp and "hypertension" not in managed:
        made.append(
            open_item(
                elder,
                kind=ItemKind.SUSPECTED_HYPERTENSION,
                reason=bp,
                day=day,
                doctor=check.doctor,
                check=check,
            )
        )
    glucose = check.fasting_glucose
    limit = rules.table("SCREENING_THRESHOLDS")["fasting_glucose"]
    if glucose is not None and Decimal(str(glucose)) >= limit and "diabetes" not in managed:
        reason = _("fasting glucose %(v)s mmol/L at the health check of %(day)s") % {
            "v": glucose,
            "day": day.isoformat(),
        }
        made.append(
            open_item(
                elder,
                kind=ItemKind.SUSPECTED_DIABETES,
                reason=reason,
                day=day,
                doctor=check.doctor,
                check=check,
            )
        )
    _medications_from_check(check, acting_user=acting_user)
    _category_from_selfcare(check)
    return made


def _category_from_selfcare(check: HealthCheck) -> None:
    """The 自理 level of the elder's latest check sets 失能/半失能 by the same mapping data as GB/T 42195
    (assessments/data/ability_categories.yaml), unless a GB/T 42195 assessment set the category: the
    full assessment takes precedence over the check's short form."""
    elder = check.elder
    latest = (
        HealthCheck.objects.filter(elder=elder).order_by("-check_date", "-pk").values_list("pk", flat=True)
    )
    if not check.selfcare_level or latest.first() != check.pk:
        return
    rows = ElderCategory.objects.filter(elder=elder, category__in=ABILITY_CATEGORY_CODES)
    if rows.filter(source_ref__startswith="assessments.response:").exists():
        return
    wanted = ability_category("selfcare", check.selfcare_level)
    rows.exclude(category=wanted).delete()
    if wanted is not None:
        ElderCategory.objects.update_or_create(
            elder=elder,
            category=wanted,
            defaults={
                "since": check.check_date,
                "source": _("Self-care assessment on the health check: %(level)s")
                % {"level": formdata.label(formdata.SELFCARE_LEVEL, check.selfcare_level)},
                "source_ref": f"health.check:{check.pk}",
            },
        )


def _medications_from_check(check: HealthCheck, *, acting_user: User) -> list[Medication]:
    """体检表 主要用药情况 → 当前用药: a drug not yet on the current list is added (by name)."""
    current = {
        m.strip()
        for m in Medication.objects.filter(elder=check.elder, active=True).values_list("name", flat=True)
    }
    added = []
    for row in check.medications or []:
        name = (row.get("name") or "").strip()
        if not name or name in current:
            continue
        medication = Medication.objects.create(
            elder=check.elder,
            name=name[:60],
            route=(row.get("route") or "")[:30],
            dose=(row.get("dose") or "")[:60],
            adherence=row.get("adherence") or "",
            recorded_by=acting_user,
        )
        audit.record(
            "create",
            user=acting_user,
            obj=medication,
            changes={"elder": [None, check.elder_id], "from_check": [None, check.pk]},
        )
        current.add(name)
        added.append(medication)
    return added


def after_enrolment(case: ChronicCase, *, acting_user: User) -> Diagnosis | None:
    """纳入管理: the diagnosis reaches the problem list (unless an active one of the disease is there),
    and the 疑似 item of the disease is closed."""
    kind = ItemKind.SUSPECTED_HYPERTENSION if case.disease == "hypertension" else ItemKind.SUSPECTED_DIABETES
    close_items(case.elder, kind, day=case.enrolled_on, note=_("enrolled in management"))
    prefixes = rules.table("DISEASE_CODE_PREFIXES")[case.disease]
    active = Diagnosis.objects.filter(elder=case.elder, status=DiagnosisStatus.ACTIVE)
    if any(code.startswith(prefixes) for code in active.values_list("icd10_code", flat=True)):
        return None
    code = icd.lookup(case.icd10_code)
    diagnosis = Diagnosis.objects.create(
        elder=case.elder,
        icd10_code=case.icd10_code,
        name=code.name if code else case.get_disease_display(),
        diagnosed_on=case.diagnosed_on,
        source=str(_("Chronic disease management enrolment")),
        recorded_by=acting_user,
        recorded_at=clock.now(),
    )
    audit.record("create", user=acting_user, obj=diagnosis, changes={"case": [None, case.pk]})
    return diagnosis
