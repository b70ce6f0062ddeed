"""A small hand-built county (测试县 529901) beside the demo county, so each indicator test can work
out the right answer by hand: two townships, a community and three villages, and whatever elders,
institutions and beds the test adds."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from yiyang.core.models import (
    BedCapacity,
    Department,
    Elder,
    ElderCategory,
    Institution,
    LivingSituation,
    Region,
    ResidenceStatus,
)

CITY = "529900000000"
COUNTY = "529901000000"
TOWN_A = "529901001000"  # 甲街道
TOWN_B = "529901002000"  # 乙镇
COMMUNITY_A = "529901001001"  # 甲社区居民委员会 (a community: code 001–199)
VILLAGE_A = "529901001201"  # 甲村
VILLAGE_B = "529901002201"  # 乙一村
VILLAGE_B2 = "529901002202"  # 乙二村

_seq = itertools.count(1)


def make_county() -> dict[str, Region]:
    province = Region.objects.get(code="520000000000")
    city = Region.objects.create(code=CITY, name="测试市", level="city", parent=province)
    county = Region.objects.create(code=COUNTY, name="测试县", level="county", parent=city)
    a = Region.objects.create(code=TOWN_A, name="甲街道", level="township", parent=county)
    b = Region.objects.create(code=TOWN_B, name="乙镇", level="township", parent=county)
    regions = {"city": city, "county": county, "a": a, "b": b}
    for key, code, name, parent in [
        ("community_a", COMMUNITY_A, "甲社区居民委员会", a),
        ("village_a", VILLAGE_A, "甲村村民委员会", a),
        ("village_b", VILLAGE_B, "乙一村村民委员会", b),
        ("village_b2", VILLAGE_B2, "乙二村村民委员会", b),
    ]:
        regions[key] = Region.objects.create(code=code, name=name, level="village", parent=parent)
    return regions


def make_elder(
    region: Region | str,
    birth: dt.date,
    *,
    residence: str = ResidenceStatus.REGISTERED_RESIDENT,
    status: str = "active",
    status_date: dt.date | None = None,
    categories: tuple[str, ...] = (),
    residence_institution: Institution | None = None,
    managing_institution: Institution | None = None,
    name: str = "",
) -> Elder:
    n = next(_seq)
    elder = Elder.objects.create(
        name=name or f"测试{n}",
        id_number_encrypted="x",
        id_number_index=f"test-monitoring-{n}",
        id_number_masked="529901********0000",
        sex="F",
        birth_date=birth,
        region_id=region if isinstance(region, str) else region.code,
        residence_status=residence,
        living_situation=LivingSituation.IN_INSTITUTION if residence_institution else LivingSituation.ALONE,
        status=status,
        status_date=status_date,
        residence_institution=residence_institution,
        managing_institution=managing_institution,
    )
    for c in categories:
        ElderCategory.objects.create(elder=elder, category=c)
    return elder


def make_institution(
    region: Region | str,
    kind: str,
    *,
    beds: dict[str, int] | None = None,
    departments: tuple[str, ...] = (),
    **extra: Any,
) -> Institution:
    n = next(_seq)
    inst = Institution.objects.create(
        name=extra.pop("name", f"测试机构{n}"),
        kind=kind,
        region_id=region if isinstance(region, str) else region.code,
        **extra,
    )
    for k, count in (beds or {}).items():
        BedCapacity.objects.create(institution=inst, kind=k, count=count)
    for d in departments:
        Department.objects.create(institution=inst, kind=d, name=d)
    return inst
