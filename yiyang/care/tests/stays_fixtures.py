"""Fixtures of the bed and stay tests: the welfare home (yly_admin's), fresh beds, an elder to admit."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.care.models.stays import Bed, BedKind, Stay
from yiyang.care.services import stays as services
from yiyang.core.models import Elder, ElderStatus, Institution

WELFARE = "江口县社会福利院"
INTEGRATED = "江口县梵净康养中心"


@pytest.fixture
def welfare(demo_db) -> Institution:  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=WELFARE)


@pytest.fixture
def make_beds(users):  # type: ignore[no-untyped-def]
    """``make_beds(kind, n, room=…)``: n new free beds in a room of the welfare home, created by yly_admin."""
    counter = iter(range(1, 1000))

    def make(kind: str = BedKind.ELDERCARE_NURSING, n: int = 2, *, room: str = "") -> list[Bed]:
        institution = Institution.objects.get(name=WELFARE)
        return services.create_room_beds(
            acting_user=users["yly_admin"],
            institution=institution,
            building="测试楼",
            room=room or f"T{next(counter)}",
            kind=kind,
            count=n,
        )

    return make


@pytest.fixture
def newcomer(demo_db, welfare) -> Elder:  # type: ignore[no-untyped-def]
    """An active elder of the county who stays nowhere and lives at home (not yet in the home's scope)."""
    elder = (
        Elder.objects.filter(
            status=ElderStatus.ACTIVE,
            residence_institution=None,
            region__code__startswith="520621",
            birth_date__lte=dt.date(1960, 1, 1),
        )
        .filter(stays__isnull=True)
        .order_by("-pk")
        .first()
    )
    assert elder is not None
    return elder


@pytest.fixture
def admitted(users, welfare, make_beds, newcomer, today):  # type: ignore[no-untyped-def]
    """A stay of ``newcomer`` in a new 护理型床位 of the welfare home, admitted 30 days ago."""
    bed = make_beds(BedKind.ELDERCARE_NURSING, 3)[0]
    return services.admit(
        acting_user=users["yly_admin"],
        elder=newcomer,
        institution=welfare,
        bed_id=bed.pk,
        admitted_on=today - dt.timedelta(days=30),
        guardian_name="王小红",
        guardian_phone="13812345678",
    )


def stay_row(stay: Stay) -> Stay:
    return Stay.objects.select_related("bed", "elder").get(pk=stay.pk)
