"""Fixtures for health tests: fully filled check data, a family-doctor team of 双江, fresh elders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

SJ = "江口县双江街道中心卫生院"
TP = "江口县太平镇卫生院"


def complete_check_data(day: dt.date) -> dict:
    """A 健康体检表 with every row the four parts require, all values ordinary."""
    return {
        "check_date": day,
        "symptoms": ["1"],
        "self_rating": "2",
        "selfcare_level": "1",
        "cognitive_screen": "1",
        "emotional_screen": "1",
        "exercise_frequency": "2",
        "smoking_status": "1",
        "drinking_frequency": "1",
        "temperature": Decimal("36.5"),
        "pulse": 72,
        "respiration": 18,
        "bp_left_systolic": 132,
        "bp_left_diastolic": 82,
        "height": Decimal("160"),
        "weight": Decimal("60"),
        "waist": Decimal("82"),
        "hearing": "1",
        "motor_function": "1",
        "skin": "1",
        "lymph_nodes": "1",
        "breath_sounds": "1",
        "heart_rate": 72,
        "heart_rhythm": "1",
        "lower_limb_edema": "1",
        "hemoglobin": Decimal("130"),
        "white_cells": Decimal("6.2"),
        "platelets": Decimal("210"),
        "urine_protein": "-",
        "urine_glucose": "-",
        "fasting_glucose": Decimal("5.6"),
        "ecg": "1",
        "alt": Decimal("25"),
        "ast": Decimal("22"),
        "total_bilirubin": Decimal("12"),
        "creatinine": Decimal("80"),
        "urea": Decimal("5.1"),
        "total_cholesterol": Decimal("4.8"),
        "triglycerides": Decimal("1.3"),
        "ldl": Decimal("2.6"),
        "hdl": Decimal("1.3"),
        "abdominal_ultrasound": "1",
        "health_evaluation": "1",
        "guidance": ["2"],
    }


@pytest.fixture
def check_data():
    return complete_check_data


@pytest.fixture
def fresh_elder(demo_db):
    """An active elder aged 66+ of the institution, with no health record yet (demo data aside)."""

    def pick(institution_name: str = SJ, exclude: tuple[int, ...] = ()):  # type: ignore[no-untyped-def]
        from yiyang.core.models import Elder

        cutoff = dt.date.today().replace(year=dt.date.today().year - 67)
        return (
            Elder.objects.filter(
                managing_institution__name=institution_name,
                residence_institution=None,
                status="active",
                residence_status="registered_resident",
                birth_date__lte=cutoff,
                health_checks__isnull=True,
                chronic_cases__isnull=True,
                family_contracts__isnull=True,
                tcm_records__isnull=True,
            )
            .exclude(pk__in=exclude)
            .order_by("pk")
            .first()
        )

    return pick


@pytest.fixture
def packages(demo_db):
    from yiyang.health import services
    from yiyang.health.models import ServicePackage

    if not ServicePackage.objects.exists():
        services.sync_packages()
    return {p.code: p for p in ServicePackage.objects.all()}


@pytest.fixture
def sj_team(users, packages, fresh_elder):
    """A 双江 team led by doctor_sj with a new family-doctor member ``jtys_test``, serving every 双江
    village."""
    from yiyang.accounts.models import User
    from yiyang.core.models import Institution, Region
    from yiyang.health import services

    centre = Institution.objects.get(name=SJ)
    member = User.objects.create_user("jtys_test", password="x", display_name="测试家庭医生")
    villages = list(Region.objects.filter(code__startswith=centre.region_id[:9], level="village"))
    admin = users["doctor_sj"]
    # doctor_sj (clinician) has no team.manage; the institution admin role does.
    from yiyang.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=admin, role="institution_admin", institution=centre)
    admin._assignments_cache = None
    team = services.create_team(
        acting_user=admin,
        institution=centre,
        name="双江测试团队",
        leader=admin,
        villages=villages,
        members=[(member, "nurse")],
    )
    member._assignments_cache = None
    return team
