"""Fixtures of the risk-assessment tests: the welfare home (yly_admin's), a nurse who works there, a way to
admit a newcomer at a chosen moment, and answers for the five screens at chosen scores."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from yiyang.accounts.models import RoleAssignment, User
from yiyang.assessments.tests.helpers import with_total
from yiyang.care.models.stays import BedKind, Stay
from yiyang.care.services import stays as stay_services
from yiyang.core import clock
from yiyang.core.models import Elder, ElderStatus, Institution

WELFARE = "江口县社会福利院"
_rooms = itertools.count(1)


def make_user(username: str, role: str, institution: Institution) -> User:
    user = User.objects.create_user(username, password="x", display_name=username)
    RoleAssignment.objects.create(user=user, role=role, institution=institution)
    return user


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Beijing-time instant."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.zone())


def screens(
    fall: int = 0,
    braden: int = 23,
    kubota: tuple[str, str] = ("1", "within5s"),
    wandering: int = 0,
    scald: int = 0,
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Answers of the five screens with the given totals (Morse, Braden, local forms) and 洼田 grade."""
    out = {
        "fall": with_total("morse", fall),
        "pressure_injury": with_total("braden", braden),
        "choking": {"1": kubota[0], "2": kubota[1]},
        "wandering": with_total("wandering", wandering),
        "scald": with_total("scald", scald),
    }
    return {k: v for k, v in out.items() if only is None or k in only}


@pytest.fixture
def welfare(demo_db) -> Institution:  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=WELFARE)


@pytest.fixture
def nurse(welfare) -> User:  # type: ignore[no-untyped-def]
    return make_user("risk_nurse", "clinician", welfare)


@pytest.fixture
def admit(users, welfare, freeze_clock):  # type: ignore[no-untyped-def]
    """``admit(recorded_at, admitted_on=None)``: a newcomer admitted to the welfare home, the admission
    recorded at ``recorded_at`` (the clock is left there)."""

    def make(recorded_at: dt.datetime, admitted_on: dt.date | None = None) -> Stay:
        freeze_clock(recorded_at)
        bed = stay_services.create_room_beds(
            acting_user=users["yly_admin"],
            institution=welfare,
            building="风险楼",
            room=f"R{next(_rooms)}",
            kind=BedKind.ELDERCARE,
            count=1,
        )[0]
        elder = (
            Elder.objects.filter(
                status=ElderStatus.ACTIVE,
                residence_institution=None,
                region__code__startswith="520621",
                birth_date__lte=dt.date(1960, 1, 1),
                stays__isnull=True,
            )
            .order_by("-pk")
            .first()
        )
        assert elder is not None
        return stay_services.admit(
            acting_user=users["yly_admin"],
            elder=elder,
            institution=welfare,
            bed_id=bed.pk,
            admitted_on=admitted_on or clock.local_date(recorded_at),
        )

    return make


# staff credentials and training: the hand-built 测试县 (monitoring's factories) for indicator tests
@pytest.fixture
def county(demo_db):  # type: ignore[no-untyped-def]
    from yiyang.monitoring.tests import factories

    return factories.make_county()
