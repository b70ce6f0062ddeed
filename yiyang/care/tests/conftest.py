"""Fixtures for the care tests: the demo's county hospital, the welfare home and its residents (referrals);
县中医医院, its administrator and draft agreements (agreements)."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.models import Agreement, AgreementStatus
from yiyang.core.models import Institution

from .factories import make_home, make_user

HOSPITAL = "江口县人民医院"
HOME = "江口县社会福利院"
SJ = "江口县双江街道中心卫生院"
TP = "江口县太平镇卫生院"


@pytest.fixture
def inst(demo_db):  # type: ignore[no-untyped-def]
    from yiyang.core.models import Institution

    return {i.name: i for i in Institution.objects.filter(name__in=[HOSPITAL, HOME, SJ, TP])}


@pytest.fixture
def residents(demo_db):  # type: ignore[no-untyped-def]
    """Active residents of the welfare home (yly_admin's) the demo has referred nowhere, oldest first."""
    from yiyang.core.models import Elder

    return list(
        Elder.objects.filter(residence_institution__name=HOME, status="active", referrals__isnull=True)
        .order_by("pk")
        .distinct()[:20]
    )


@pytest.fixture
def resident(residents):  # type: ignore[no-untyped-def]
    return residents[0]


@pytest.fixture
def tcm(demo_db) -> Institution:  # type: ignore[no-untyped-def]
    return Institution.objects.get(name="江口县中医医院")


@pytest.fixture
def tcm_admin(tcm):  # type: ignore[no-untyped-def]
    """The administrator of 县中医医院: a party to its agreements."""
    return make_user("admin_zyy", "institution_admin", tcm)


@pytest.fixture
def zyy(users):  # type: ignore[no-untyped-def]
    return users["doctor_zyy"]


@pytest.fixture
def draft(today, tcm, tcm_admin, zyy):  # type: ignore[no-untyped-def]
    """A draft agreement of a new home with 县中医医院, its signed document uploaded."""

    def make(**extra):  # type: ignore[no-untyped-def]
        fields = {
            "eldercare_institution": extra.pop("home", None) or make_home(),
            "medical_institution": tcm,
            "services": ["rounds", "green_channel", "referral"],
            "round_frequency": "monthly",
            "green_accept_minutes": 15,
            "green_arrive_minutes": 60,
            "responsible_doctor": zyy,
            "start_date": today - dt.timedelta(days=10),
            "end_date": today + dt.timedelta(days=355),
            "document": "care/agreements/test/agreement.pdf",
            "status": AgreementStatus.DRAFT,
        }
        fields.update(extra)
        return Agreement.objects.create(**fields)

    return make
