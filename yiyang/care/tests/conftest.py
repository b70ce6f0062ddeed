from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.models import Agreement, AgreementStatus
from yiyang.core.models import Institution

from .factories import make_home, make_user


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
