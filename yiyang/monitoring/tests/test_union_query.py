"""The ``union`` query: one fact kept in two places — beds entered as records (care.Bed) and the declared
bed counts of institutions that entered none (core.BedCapacity) — added up by the engine, per region,
with a drill-down over both (IR-2, IR-9, IR-10: INDICATORS.md; issue 11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from yiyang.care.models.stays import Bed
from yiyang.core.models import Region
from yiyang.monitoring import drilldown, engine, schema
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator
from yiyang.monitoring.signals import marks_for

from .factories import COUNTY, TOWN_B, make_elder, make_institution


def compute(code: str, region: str = COUNTY) -> engine.Computed:
    return engine.compute_indicator(get_indicator(code), region, parse_period("2026"))[region]


def beds(institution, kind: str, n: int, *, room: str = "101") -> None:  # type: ignore[no-untyped-def]
    Bed.objects.bulk_create(
        [Bed(institution=institution, room=room, number=str(i), kind=kind) for i in range(1, n + 1)]
    )


def test_a_union_needs_two_parts_of_known_types():
    base = {"type": "count", "model": "care.Bed", "region": "institution__region"}
    with pytest.raises(ValidationError):
        schema.UnionQuery.model_validate({"type": "union", "parts": [base]})
    with pytest.raises(ValidationError, match="allowed types"):
        schema.UnionQuery.model_validate({"type": "union", "parts": [base, {**base, "type": "median"}]})
    union = schema.UnionQuery.model_validate({"type": "union", "parts": [base, base]})
    assert schema.parts_of(union) == [union.parts[0], union.parts[1]]


def test_ir10_counts_bed_records_where_entered_and_the_declared_capacity_elsewhere(county):
    """An institution with bed records counts its records (not its older declaration); one without counts
    what it declared."""
    # given: a home that entered its beds (declared 30 + 10 long ago, now 20 + 15 records)
    home = make_institution(county["a"], "eldercare_home", beds={"eldercare": 30, "eldercare_nursing": 10})
    beds(home, "eldercare", 20)
    beds(home, "eldercare_nursing", 15, room="102")
    # and an integrated institution that entered none
    make_institution(county["b"], "integrated_care", beds={"eldercare": 50, "eldercare_nursing": 30})
    # when
    c = compute("IR-10")
    # then: (15 + 30) nursing-type of (35 + 80)
    assert (c.numerator, c.denominator) == (45, 115)
    assert c.value == (Decimal(45) * 100 / Decimal(115)).quantize(Decimal("0.0001"))
    assert (compute("IR-10", TOWN_B).numerator, compute("IR-10", TOWN_B).denominator) == (30, 80)


def test_ir10_leaves_day_care_places_and_day_care_centres_out_of_the_denominator(county):
    home = make_institution(county["a"], "eldercare_home")
    beds(home, "eldercare", 8)
    beds(home, "eldercare_nursing", 2, room="102")
    beds(home, "day_care", 10, room="日间照料室")
    make_institution(county["b"], "day_care_centre", beds={"eldercare": 20})
    c = compute("IR-10")
    assert (c.numerator, c.denominator) == (2, 10)


def test_ir9_counts_eldercare_bed_records_per_hundred_residents_aged_60(county):
    home = make_institution(county["a"], "eldercare_home", beds={"eldercare": 99})
    beds(home, "eldercare", 4)
    beds(home, "day_care", 6, room="日间")
    make_institution(county["b"], "eldercare_home", beds={"eldercare": 6})
    for _ in range(5):
        make_elder(county["village_a"], dt.date(1950, 1, 1))
    c = compute("IR-9")  # (4 records + 6 declared) × 100 ÷ 5
    assert (c.numerator, c.denominator, c.value) == (10, 5, Decimal("200.0000"))


def test_ir2_counts_primary_care_bed_records(county):
    centre = make_institution(county["a"], "township_health_centre", beds={"general": 100, "nursing": 100})
    beds(centre, "general", 6)
    beds(centre, "nursing", 2, room="102")
    make_institution(county["b"], "village_clinic", beds={"general": 2})
    c = compute("IR-2")
    assert (c.numerator, c.denominator) == (2, 10)


def test_the_drill_down_lists_institutions_of_both_parts(county, users):
    with_records = make_institution(county["a"], "eldercare_home")
    beds(with_records, "eldercare_nursing", 3)
    declared = make_institution(county["b"], "eldercare_home", beds={"eldercare": 10})
    region = Region.objects.get(code=COUNTY)
    ind, period = get_indicator("IR-10"), parse_period("2026")
    _kind, everyone = drilldown.subjects(users["sysadmin"], ind, region, period, "all")
    _kind, inside = drilldown.subjects(users["sysadmin"], ind, region, period, "in")
    _kind, outside = drilldown.subjects(users["sysadmin"], ind, region, period, "out")
    assert {with_records.pk, declared.pk} <= set(everyone.values_list("pk", flat=True))
    assert with_records.pk in set(inside.values_list("pk", flat=True))
    assert declared.pk in set(outside.values_list("pk", flat=True))


def test_a_bed_record_leaves_a_recompute_mark_for_its_county(county):
    home = make_institution(county["a"], "eldercare_home")
    bed = Bed.objects.create(institution=home, room="1", number="1", kind="eldercare")
    marks = marks_for(bed)
    assert marks and {county_code for county_code, _period, _source in marks} == {COUNTY}
    assert {source for _c, _p, source in marks} == {"care.bed"}
