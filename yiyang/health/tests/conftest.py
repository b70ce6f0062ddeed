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
        "lips": "1",
        "dentition": ["1"],
        "pharynx": "1",
        "vision_left": Decimal("4.9"),
        "vision_right": Decimal("5.0"),
        "hearing": "1",
        "motor_function": "1",
        "skin": "1",
        "lymph_nodes": "1",
        "breath_sounds": "1",
        "heart_rate": 72,
        "heart_rhythm": "1",
        "abdominal_tenderness": "1",
        "abdominal_mass": "1",
        "hepatomegaly": "1",
        "splenomegaly": "1",
        "shifting_dullness": "1",
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
    """A newly registered active elder aged 70 (or born on ``birth``) in a village of the institution's
    township, with no health record (the demo county's own elders carry a year of demo records)."""
    import random

    from yiyang.accounts.models import User
    from yiyang.core import clock
    from yiyang.core import services as core_services
    from yiyang.core.demo import synthetic_id
    from yiyang.core.models import Institution, Region

    rng = random.Random(4242)

    def pick(  # type: ignore[no-untyped-def]
        institution_name: str = SJ, exclude: tuple[int, ...] = (), birth: dt.date | None = None
    ):
        centre = Institution.objects.get(name=institution_name)
        village = (
            Region.objects.filter(code__startswith=centre.region_id[:9], level="village")
            .order_by("code")
            .first()
        )
        user = User.objects.get(username="doctor_sj" if institution_name == SJ else "doctor_tp")
        if birth is None:
            today = clock.today()
            birth = dt.date(today.year - 70, today.month, min(today.day, 28)) - dt.timedelta(
                days=rng.randint(1, 300)
            )
        for _ in range(50):
            number = synthetic_id(rng, birth, rng.choice("MF"))
            try:
                return core_services.register_elder(
                    acting_user=user,
                    data=core_services.ElderData(
                        name="测试老人",
                        id_number=number,
                        region=village,
                        living_situation="with_children",
                        residence_status="registered_resident",
                        managing_institution=centre,
                    ),
                )
            except core_services.errors.ServiceError:
                continue
        raise AssertionError("could not register a test elder")

    return pick


@pytest.fixture
def packages(demo_db):
    from yiyang.health import services
    from yiyang.health.models import ServicePackage

    if not ServicePackage.objects.exists():
        from yiyang.core.actors import system_user

        services.sync_packages(acting_user=system_user())
    return {p.code: p for p in ServicePackage.objects.all()}


@pytest.fixture
def sj_team(users, packages, fresh_elder):
    """A 双江 team led by doctor_sj with a new family-doctor member ``jtys_test`` (a village doctor
    already serving in the centre's demo team), serving every 双江 village."""
    from yiyang.accounts.models import RoleAssignment, User
    from yiyang.core.models import Institution, Region
    from yiyang.health import services
    from yiyang.health.models import FamilyDoctorTeam

    centre = Institution.objects.get(name=SJ)
    member = User.objects.create_user("jtys_test", password="x", display_name="测试家庭医生")
    demo_team = FamilyDoctorTeam.objects.get(institution=centre, leader__username="doctor_sj")
    RoleAssignment.objects.create(user=member, role="family_doctor", team=demo_team)
    villages = list(Region.objects.filter(code__startswith=centre.region_id[:9], level="village"))
    admin = users["doctor_sj"]
    # doctor_sj (clinician) has no team.manage; the institution admin role does.
    RoleAssignment.objects.create(user=admin, role="institution_admin", institution=centre)
    admin._assignments_cache = None
    team = services.create_team(
        acting_user=admin,
        institution=centre,
        name="双江测试团队",
        leader=admin,
        villages=villages,
        members=[(member, "village_doctor")],
    )
    member._assignments_cache = None
    return team
