"""Fixtures for referral tests: the demo's county hospital, the welfare home and its residents."""

from __future__ import annotations

import pytest

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
