"""Fixtures of the incident tests (test_incidents_*.py import them; conftest holds the risk tests'):
 the welfare home (yly_admin's), a carer of it, one of its residents
on the day, and a resident of the county hospital (doctor_rmyy's), whose incidents 民政 must not read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yiyang.care.models.stays import Stay, StayStatus
from yiyang.care.tests.factories import make_resident, make_user
from yiyang.core.models import Institution

WELFARE = "江口县社会福利院"
HOSPITAL = "江口县人民医院"


@pytest.fixture
def welfare(demo_db) -> Institution:  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=WELFARE)


@pytest.fixture
def hospital(demo_db) -> Institution:  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=HOSPITAL)


@pytest.fixture
def carer(welfare):  # type: ignore[no-untyped-def]
    return make_user("carer_test", "clinician", welfare)


def stay_in(institution: Institution, admitted: dt.date, ended: dt.date | None = None) -> Stay:
    return Stay.objects.create(
        elder=make_resident(institution),
        institution=institution,
        status=StayStatus.DISCHARGED if ended else StayStatus.CARE,
        admitted_on=admitted,
        ended_on=ended,
    )


@pytest.fixture
def resident(welfare, today) -> Stay:  # type: ignore[no-untyped-def]
    """A stay in the welfare home since 100 days ago."""
    return stay_in(welfare, today - dt.timedelta(days=100))


def report_data(stay: Stay, **extra: object) -> dict:
    data = {
        "kind": "fall",
        "occurred_at": (dt.datetime.now() - dt.timedelta(hours=2)).replace(microsecond=0).isoformat(),
        "place": "卫生间",
        "description": "夜间如厕时滑倒，臀部着地",
        "severity": "III",
        "immediate_action": "评估意识和肢体活动，通知值班医生，冰敷",
        "elder_id": stay.elder_id,
        "family_informed": "儿子 王建国",
        "doctor_informed": "李医生",
    }
    data.update(extra)
    return data


@pytest.fixture
def api_as(demo_db):  # type: ignore[no-untyped-def]
    """An API client holding a bearer token for any user (not only the demo logins)."""
    from django.test import Client

    from yiyang.accounts.models import ApiToken

    class Api:
        def __init__(self, user) -> None:  # type: ignore[no-untyped-def]
            self.client = Client()
            self.headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}

        def get(self, path: str, **params):  # type: ignore[no-untyped-def]
            return self.client.get(path, params, **self.headers)

        def post(self, path: str, data=None):  # type: ignore[no-untyped-def]
            return self.client.post(path, data or {}, content_type="application/json", **self.headers)

    return Api
