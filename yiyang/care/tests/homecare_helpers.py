"""Records for the family sickbed and home nursing tests, made directly in a given state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yiyang.core import clock
from yiyang.core.models import Institution

from ..models import FamilySickbed, HomeNurse, ServiceOrder
from ..models.homecare import NurseTitle

SJ = "江口县双江街道中心卫生院"
TP = "江口县太平镇卫生院"
ALL_CRITERIA = ["mobility", "stable", "carer", "catchment", "consent", "chronic"]
SAFE_HOME = {"environment": True, "carer_present": True, "consent": True, "no_isolation": True}


def sj() -> Institution:
    return Institution.objects.get(name=SJ)


def roster(users: Any) -> None:
    """nurse_sj serves (主管护师, 9 years, wound and PICC), doctor_sj dispatches (the demo's roster)."""
    HomeNurse.objects.update_or_create(
        user=users["nurse_sj"],
        institution=sj(),
        defaults={
            "title": NurseTitle.SUPERVISOR_NURSE,
            "years_of_practice": 9,
            "specialties": ["wound", "picc"],
            "is_dispatcher": False,
            "is_active": True,
        },
    )
    HomeNurse.objects.update_or_create(
        user=users["doctor_sj"],
        institution=sj(),
        defaults={"is_dispatcher": True, "is_active": True, "title": ""},
    )


def make_sickbed(elder: Any, users: Any, status: str = "applied") -> FamilySickbed:
    today = clock.today()
    bed = FamilySickbed.objects.create(
        elder=elder,
        institution=sj(),
        status=status,
        criteria=ALL_CRITERIA,
        diagnosis_code="I63.9",
        diagnosis_name="脑梗死",
        doctor=users["doctor_sj"],
        nurse=users["nurse_sj"],
        applied_on=today - dt.timedelta(days=10),
    )
    if status in ("admitted", "discharged"):
        bed.admitted_on = today - dt.timedelta(days=9)
        bed.planned_until = today + dt.timedelta(days=60)
    if status == "discharged":
        bed.discharged_on = today
        bed.discharge_summary = "好转"
    bed.save()
    return bed


def make_order(elder: Any, users: Any, status: str = "requested", **fields: Any) -> ServiceOrder:
    nurse = users["nurse_sj"] if status in ("assigned", "in_service", "done", "closed") else None
    values: dict[str, Any] = {
        "elder": elder,
        "institution": sj(),
        "service_code": "dressing_change",
        "service_name": "换药",
        "status": status,
        "channel": "staff",
        "booked_at": clock.now() + dt.timedelta(hours=2),
        "doctor_order": "医嘱 001",
        "nurse": nurse,
        "requested_by": users["doctor_sj"],
    }
    values.update(fields)
    return ServiceOrder.objects.create(**values)
