"""Records for the agreements tests, on the demo county."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from yiyang.accounts.models import RoleAssignment, User
from yiyang.core.models import Elder, Institution

_seq = itertools.count(1)
SEAT_VILLAGE = "520621001001"  # a village of 双江街道


def make_home(name: str = "", region: str = "520621001000") -> Institution:
    n = next(_seq)
    return Institution.objects.create(name=name or f"测试敬老院{n}", kind="eldercare_home", region_id=region)


def make_user(username: str, role: str, institution: Institution) -> User:
    user = User.objects.create_user(username, password="x", display_name=username)
    RoleAssignment.objects.create(user=user, role=role, institution=institution)
    return user


def make_resident(home: Institution | None, **extra: Any) -> Elder:
    n = next(_seq)
    return Elder.objects.create(
        name=extra.pop("name", f"住养老人{n}"),
        id_number_encrypted="x",
        id_number_index=f"test-care-{n}",
        id_number_masked="520621********0000",
        sex="F",
        birth_date=extra.pop("birth_date", dt.date(1940, 1, 1)),
        region_id=extra.pop("region_id", SEAT_VILLAGE),
        living_situation="in_institution" if home else "alone",
        residence_institution=home,
        **extra,
    )
