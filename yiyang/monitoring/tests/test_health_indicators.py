"""HM indicators over the health app's records (archives, checks, TCM records, contracts, contracted
services), on the hand-built 测试县; each answer is worked out in the test (INDICATORS.md HM-*)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from yiyang.assessments.models import AssessmentResponse
from yiyang.health import rules
from yiyang.health.models import (
    Contract,
    ContractService,
    FamilyDoctorTeam,
    HealthArchive,
    HealthCheck,
    ServiceDelivery,
    TcmRecord,
)
from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator

from .factories import COUNTY, make_elder, make_institution

D = dt.date
OLD = D(1950, 5, 5)
_n = itertools.count(1)


def compute(code: str, period: str = "2026") -> engine.Computed:
    return engine.compute_indicator(get_indicator(code), COUNTY, parse_period(period))[COUNTY]


@pytest.fixture
def centre(county):  # type: ignore[no-untyped-def]
    return make_institution(county["a"], "township_health_centre")


@pytest.fixture
def doctor(users):  # type: ignore[no-untyped-def]
    return users["doctor_sj"]


def archive(elder, centre, established: dt.date) -> None:  # type: ignore[no-untyped-def]
    HealthArchive.objects.create(
        elder=elder, number=f"52990100100{next(_n):06d}", established_on=established, institution=centre
    )


def check(elder, centre, doctor, day: dt.date, *, complete: bool = True, guidance: bool = True) -> None:  # type: ignore[no-untyped-def]
    HealthCheck.objects.create(
        elder=elder,
        check_date=day,
        year=day.year,
        institution=centre,
        doctor=doctor,
        recorded_by=doctor,
        part_assessment=complete,
        part_physical=complete,
        part_auxiliary=complete,
        part_guidance=guidance,
        is_complete=complete and guidance,
    )


def assessed(elder, doctor, day: dt.date, instrument: str = "gbt42195", status: str = "final"):  # type: ignore[no-untyped-def]
    when = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())
    return AssessmentResponse.objects.create(
        elder=elder,
        instrument_code=instrument,
        instrument_version="1",
        status=status,
        assessor=doctor,
        assessed_at=when,
    )


def test_hm1_needs_an_archive_and_a_complete_check_in_the_year(county, centre, doctor):
    """HM-1: 65+ residents with an archive and a complete health check (four parts) in the year."""
    v = county["village_a"]
    a, b, c, d, e = (make_elder(v, OLD) for _ in range(5))
    young = make_elder(v, D(1962, 1, 1))  # 64 on 31 Dec 2026: outside the base
    for x in (a, b, d, e, young):
        archive(x, centre, D(2020, 1, 1) if x is not d else D(2027, 1, 1))
    check(a, centre, doctor, D(2026, 4, 1))  # counted
    check(b, centre, doctor, D(2026, 4, 1), complete=False)  # check not complete
    check(c, centre, doctor, D(2026, 4, 1))  # no archive
    check(d, centre, doctor, D(2026, 4, 1))  # archive only from 2027
    check(e, centre, doctor, D(2025, 12, 31))  # last year's check
    check(young, centre, doctor, D(2026, 4, 1))
    hm1 = compute("HM-1")
    assert (hm1.numerator, hm1.denominator, hm1.value) == (1, 5, Decimal("20.0000"))
    hm3 = compute("HM-3")  # any check in the year: a, b, c, d
    assert (hm3.numerator, hm3.denominator) == (4, 5)
    assert compute("HM-3", "2025").numerator == 1


def test_rates_over_65_plus_residents_take_the_declared_statistical_population(county, centre, doctor, users):
    """国家基本公共卫生服务规范（第三版）:
    老年人健康管理率 = 接受健康管理人数 ÷ 年内辖区内65岁及以上常住居民数
    — the statistical population, not the registry's. Input: 测试县 declares 8 residents aged 65+ for 2026
    (统计年鉴) while the registry holds 2, one managed → HM-1 = 1 ÷ 8 with the registry count (2, 建档率
    25%) kept beside; a township without a declaration falls back to the registry count."""
    from yiyang.monitoring.models import DeclaredPopulation, IndicatorValue
    from yiyang.monitoring.values import rows_for

    v = county["village_a"]
    a, b = make_elder(v, OLD), make_elder(v, OLD)
    archive(a, centre, D(2020, 1, 1))
    check(a, centre, doctor, D(2026, 4, 1))
    assert b.pk
    DeclaredPopulation.objects.create(
        region_id=COUNTY,
        year=2026,
        group="65+",
        count=8,
        source="测试县2026年统计年鉴",
        as_of=D(2026, 12, 31),
        declared_by=doctor,
    )
    hm1 = compute("HM-1")
    assert (hm1.numerator, hm1.denominator, hm1.value) == (1, 8, Decimal("12.5000"))
    assert (hm1.registry_denominator, hm1.declared_population) == (2, 8)
    town = engine.compute_indicator(get_indicator("HM-1"), COUNTY, parse_period("2026"))[county["a"].code]
    assert (town.denominator, town.declared_population) == (2, None)
    engine.materialise(get_indicator("HM-1"), COUNTY, parse_period("2026"))
    assert IndicatorValue.objects.get(indicator_code="HM-1", region_id=COUNTY, period="2026").denominator == 8
    row = next(r for r in rows_for(COUNTY, parse_period("2026"), [get_indicator("HM-1")]))
    assert row.population_source == "declared" and row.registry_coverage == Decimal("25.00")
    town_row = rows_for(county["a"].code, parse_period("2026"), [get_indicator("HM-1")])[0]
    assert town_row.population_source == "registry"


def test_hm2_counts_complete_tcm_management_in_the_year(county, centre, doctor):
    v = county["village_b"]
    a, b, _c = (make_elder(v, OLD) for _ in range(3))
    for elder, complete, day in [(a, True, D(2026, 8, 8)), (b, False, D(2026, 8, 8))]:
        TcmRecord.objects.create(
            elder=elder,
            service_date=day,
            response=assessed(elder, doctor, day, "tcm33"),
            institution=centre,
            doctor=doctor,
            is_complete=complete,
        )
    c = compute("HM-2")
    assert (c.numerator, c.denominator) == (1, 3)


def test_hm4_counts_checks_notified_within_a_month_by_check_date(county, centre, doctor):
    """HM-4: checks (not elders) of 65+ residents dated in the period whose result and guidance were
    given within one calendar month (the flag the health service stores) ÷ those checks."""
    v = county["village_a"]
    a, b = make_elder(v, OLD), make_elder(v, OLD)
    young = make_elder(v, D(1962, 1, 1))  # 64 on 31 Dec 2026: not in the base

    def notified(elder, check_date: dt.date, notice_date: dt.date | None) -> None:  # type: ignore[no-untyped-def]
        check(elder, centre, doctor, check_date)
        HealthCheck.objects.filter(elder=elder, check_date=check_date).update(
            notice_date=notice_date,
            notified_in_time=notice_date is not None and notice_date <= rules.notice_deadline(check_date),
        )

    notified(a, D(2026, 1, 31), D(2026, 2, 28))  # 31 Jan + 1 month = 28 Feb: in time
    notified(a, D(2026, 3, 10), D(2026, 4, 11))  # one day late
    notified(b, D(2026, 12, 20), D(2027, 1, 5))  # December check, notified in January: counts in 2026
    notified(b, D(2026, 6, 1), None)  # never notified
    notified(b, D(2025, 12, 31), D(2026, 1, 2))  # last year's check
    notified(young, D(2026, 5, 5), D(2026, 5, 6))
    hm4 = compute("HM-4")
    # two checks of a (one in time) + two of b in 2026 (one in time): 2 of 4 — a counts twice
    assert (hm4.numerator, hm4.denominator, hm4.value) == (2, 4, Decimal("50.0000"))
    q1 = compute("HM-4", "2026Q1")  # a's two checks, the first in time
    assert (q1.numerator, q1.denominator) == (1, 2)
    dec = compute("HM-4", "2026-12")
    assert (dec.numerator, dec.denominator) == (1, 1)
    assert (compute("HM-4", "2025").numerator, compute("HM-4", "2025").denominator) == (1, 1)


def test_hm4_agrees_with_the_health_service_flag(county, centre, doctor):
    """The flag comes from ``rules.notified_in_time``; the indicator reads it without date arithmetic."""
    e = make_elder(county["village_b"], OLD)
    check(e, centre, doctor, D(2026, 1, 31))
    c = HealthCheck.objects.get(elder=e)
    assert rules.notified_in_time(c.check_date, D(2026, 2, 28))
    assert (compute("HM-4").numerator, compute("HM-4").denominator) == (0, 1)  # not yet notified
    HealthCheck.objects.filter(pk=c.pk).update(notice_date=D(2026, 2, 28), notified_in_time=True)
    assert compute("HM-4").numerator == 1


def test_hm5_disabled_elders_assessed_and_guided(county, centre, doctor):
    """HM-5: disabled or semi-disabled 65+ residents with an ability assessment and guidance in the year."""
    v = county["village_a"]
    a = make_elder(v, OLD, categories=("disabled",))
    b = make_elder(v, OLD, categories=("semi_disabled",))
    c = make_elder(v, OLD, categories=("semi_disabled",))
    make_elder(v, OLD)  # not disabled: outside the base
    assessed(a, doctor, D(2026, 2, 2))
    check(a, centre, doctor, D(2026, 2, 3))
    assessed(b, doctor, D(2026, 2, 2))  # assessed, no guidance
    assessed(c, doctor, D(2026, 2, 2), status="draft")  # a draft is not an assessment
    check(c, centre, doctor, D(2026, 2, 3))
    hm5 = compute("HM-5")
    assert (hm5.numerator, hm5.denominator, hm5.value) == (
        1,
        3,
        (Decimal(100) / 3).quantize(Decimal("0.0001")),
    )


def test_hm5_counts_a_gbt42195_or_mzt039_assessment_plus_a_documented_health_service(county, centre, doctor):
    """HM-5 (江口县实施方案 二、（三）3 "失能半失能老人评估指导率达70%";
    失能老年人健康服务行动（2024—2027年）:
    失能状况评估 then health services). Input: a disabled elder with a GB/T 42195 assessment and a
    hypertension follow-up in the year (counts: the follow-up is the documented service); a semi-disabled
    elder with only a self-care form and a guided check (does not count: not an ability assessment); a
    semi-disabled elder with an MZ/T 039 assessment and a guided check (counts) → 2 of 3."""
    v = county["village_a"]
    followed = make_elder(v, OLD, categories=("disabled",))
    assessed(followed, doctor, D(2026, 4, 1))
    case = chronic(followed, centre, doctor, "hypertension", D(2025, 1, 1))
    followups(case, doctor, [(D(2026, 4, 2), "2", True)])
    selfcare_only = make_elder(v, OLD, categories=("semi_disabled",))
    assessed(selfcare_only, doctor, D(2026, 4, 1), instrument="selfcare")
    check(selfcare_only, centre, doctor, D(2026, 4, 1))
    mzt = make_elder(v, OLD, categories=("semi_disabled",))
    assessed(mzt, doctor, D(2026, 4, 1), instrument="mzt039")
    check(mzt, centre, doctor, D(2026, 4, 1))
    hm5 = compute("HM-5")
    assert (hm5.numerator, hm5.denominator) == (2, 3)


def test_hm6_contract_valid_on_the_reference_date_including_one_ending_that_day(county, centre, doctor):
    team = FamilyDoctorTeam.objects.create(name="甲团队", institution=centre, leader=doctor)
    v = county["village_b2"]

    def contract(start: dt.date, end: dt.date, ended_on: dt.date | None = None) -> None:
        Contract.objects.create(
            elder=make_elder(v, OLD),
            team=team,
            doctor=doctor,
            signed_on=start,
            start_date=start,
            end_date=end,
            ended_on=ended_on,
            created_by=doctor,
        )

    contract(D(2026, 1, 1), D(2026, 12, 31))  # ends on the reference date: valid
    contract(D(2025, 12, 31), D(2026, 12, 30))  # ended the day before
    contract(D(2026, 1, 1), D(2027, 6, 30), ended_on=D(2026, 6, 1))  # ended early
    contract(D(2027, 1, 1), D(2027, 12, 31))  # not started
    contract(D(2026, 1, 1), D(2027, 6, 30), ended_on=D(2026, 12, 31))  # ended early on the day: valid
    make_elder(v, OLD)  # no contract
    c = compute("HM-6")
    assert (c.numerator, c.denominator) == (2, 6)
    # on 30 June (2026Q2): the first, the second and the fifth (the third ended on 1 June)
    assert compute("HM-6", "2026Q2").numerator == 3


def test_hm7_services_delivered_of_those_due_in_the_period(county, centre, doctor):
    team = FamilyDoctorTeam.objects.create(name="乙团队", institution=centre, leader=doctor)
    k = Contract.objects.create(
        elder=make_elder(county["village_a"], OLD),
        team=team,
        doctor=doctor,
        signed_on=D(2026, 1, 1),
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
        created_by=doctor,
    )

    def due(seq: int, day: dt.date, cancelled: bool = False) -> ContractService:
        return ContractService.objects.create(
            contract=k,
            item_code="visit",
            name="随访",
            sequence=seq,
            window_start=day,
            due_date=day,
            cancelled=cancelled,
        )

    done = due(1, D(2026, 3, 31))
    due(2, D(2026, 6, 30))
    due(3, D(2026, 9, 30), cancelled=True)
    due(4, D(2027, 1, 31))
    ServiceDelivery.objects.create(
        contract=k,
        service=done,
        item_code="visit",
        delivered_on=D(2026, 3, 20),
        delivered_by=doctor,
        place="home",
    )
    c = compute("HM-7")
    assert (c.numerator, c.denominator, c.value) == (1, 2, Decimal("50.0000"))
    assert compute("HM-7", "2026Q1").value == 100


def home_visit(elder, centre, doctor, day: dt.date):  # type: ignore[no-untyped-def]
    from yiyang.care.models import HomeVisit

    visit = HomeVisit.objects.create(
        elder=elder,
        institution=centre,
        basis="application",
        visited_on=day,
        services=["blood_pressure", "rehabilitation"],
        family_present="女儿",
        findings="卧床",
        recorded_by=doctor,
    )
    visit.staff.set([doctor])
    return visit


def test_hm9_elders_at_home_with_a_home_visit_in_the_year(county, centre, doctor):
    """HM-9 (居家医养结合服务): 65+ residents living at home with at least one home visit (上门服务) in the
    year ÷ 65+ residents living at home. An assessment with guided check is HM-1's service, not this."""
    home = make_institution(county["a"], "eldercare_home")
    v = county["village_a"]
    visited, checked_only, last_year = make_elder(v, OLD), make_elder(v, OLD), make_elder(v, OLD)
    inside = make_elder(v, OLD, residence_institution=home)  # not at home: in neither part
    young = make_elder(v, D(1970, 1, 1))  # under 65: in neither part
    home_visit(visited, centre, doctor, D(2026, 3, 5))
    home_visit(visited, centre, doctor, D(2026, 9, 5))  # twice: counted once
    home_visit(last_year, centre, doctor, D(2025, 12, 31))
    home_visit(young, centre, doctor, D(2026, 3, 5))
    home_visit(inside, centre, doctor, D(2026, 3, 5))
    assessed(checked_only, doctor, D(2026, 5, 5), "barthel")
    check(checked_only, centre, doctor, D(2026, 5, 6))
    c = compute("HM-9")
    assert (c.numerator, c.denominator) == (1, 3)
    assert compute("HM-9", "2026Q1").numerator == 1


def test_hm9_names_its_source_on_the_indicator():
    ind = get_indicator("HM-9")
    assert "失能老年人健康服务行动" in ind.source.document
    assert "未能查证" in ind.source.note  # the 2019 规范 is named only as not confirmed


def test_a_run_sharing_queries_between_indicators_gives_their_own_values(county, centre, doctor):
    """compute_all runs a query shared by several indicators once (the 65+ residents); each indicator
    must still get exactly what its own queries give, as readers see it (a village with nothing counted
    is not stored and reads as zero)."""
    from yiyang.monitoring.registry import all_indicators
    from yiyang.monitoring.values import rows_for

    for n in range(6):
        e = make_elder(
            county["village_a"] if n % 2 else county["village_b"], OLD, categories=("disabled",) * (n < 3)
        )
        if n % 3:
            archive(e, centre, D(2020, 1, 1))
        if n != 4:
            check(e, centre, doctor, D(2026, 3, n + 1), complete=n % 2 == 0, guidance=n != 2)
        if n in (1, 2):
            assessed(e, doctor, D(2026, 3, 9))
    period = parse_period("2026")
    engine.compute_all(COUNTY, period)
    for ind in all_indicators():
        separate = engine.compute_indicator(ind, COUNTY, period)
        for code in (COUNTY, county["a"].code, county["village_b"].code):
            stored = rows_for(code, period, [ind])[0]
            assert stored.computed, (ind.code, code)
            c = separate[code]
            assert (stored.numerator, stored.denominator, stored.value) == (
                c.numerator,
                c.denominator,
                c.value,
            ), (
                ind.code,
                code,
            )


# --------------------------------------------------------------------------------------------------
# HM-8: hypertension and diabetes management (规范管理率, 控制率)
# --------------------------------------------------------------------------------------------------


def chronic(elder, centre, doctor, disease: str, enrolled: dt.date, closed: dt.date | None = None):  # type: ignore[no-untyped-def]
    from yiyang.health.models import ChronicCase

    return ChronicCase.objects.create(
        elder=elder,
        disease=disease,
        icd10_code="I10" if disease == "hypertension" else "E11",
        diagnosed_on=D(2020, 1, 1),
        source="outpatient",
        enrolled_on=enrolled,
        closed_on=closed,
        institution=centre,
        created_by=doctor,
    )


def followups(case, doctor, visits: list[tuple[dt.date, str, bool]]) -> None:  # type: ignore[no-untyped-def]
    """Visits as (date, method, controlled); the health service links each to the next one."""
    from yiyang.health.models import ChronicFollowUp
    from yiyang.health.services import link_followups

    for day, method, controlled in visits:
        ChronicFollowUp.objects.create(
            case=case,
            elder=case.elder,
            visit_date=day,
            method=method,
            controlled=controlled,
            action="continue",
            rule="A",
            next_visit_date=day + dt.timedelta(days=90),
            institution=case.institution,
            doctor=doctor,
        )
    link_followups(case)


def test_hm8a_standard_management_needs_four_face_to_face_follow_ups_in_the_year(county, centre, doctor):
    """规范管理: at least 4 follow-ups by method 1 or 2 (门诊, 家庭) in the year ÷ cases managed in it."""
    v = county["village_a"]
    htn = "hypertension"
    four = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 6, 1))
    followups(four, doctor, [(D(2026, m, 10), "1" if m < 7 else "2", True) for m in (1, 4, 7, 10)])
    three = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 6, 1))
    followups(three, doctor, [(D(2026, m, 10), "1", True) for m in (1, 4, 7)])
    by_phone = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 6, 1))  # 3 face-to-face + 1 phone
    followups(by_phone, doctor, [(D(2026, m, 10), "1" if m != 10 else "3", True) for m in (1, 4, 7, 10)])
    straddling = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 6, 1))  # 2 in 2025, 3 in 2026
    followups(straddling, doctor, [(D(2025, 12, 31), "1", True), (D(2025, 11, 1), "1", True)])
    followups(straddling, doctor, [(D(2026, m, 1), "1", True) for m in (1, 2, 3)])
    closed_1_jan = chronic(make_elder(v, OLD), centre, doctor, htn, D(2024, 1, 1), closed=D(2026, 1, 1))
    closed_2025 = chronic(make_elder(v, OLD), centre, doctor, htn, D(2024, 1, 1), closed=D(2025, 12, 31))
    enrolled_2027 = chronic(make_elder(v, OLD), centre, doctor, htn, D(2027, 1, 1))
    diabetes = chronic(make_elder(v, OLD), centre, doctor, "diabetes", D(2025, 1, 1))
    followups(diabetes, doctor, [(D(2026, m, 10), "2", True) for m in (2, 5, 8, 11)])
    _ = (closed_1_jan, closed_2025, enrolled_2027)
    a = compute("HM-8A")
    # managed: four, three, by_phone, straddling, closed_1_jan (closed on 1 Jan 2026 still counts) = 5;
    # standard: four only (three has 3; by_phone 3 face-to-face; straddling 3 in 2026)
    assert (a.numerator, a.denominator, a.value) == (1, 5, Decimal("20.0000"))
    c = compute("HM-8C")
    assert (c.numerator, c.denominator) == (1, 1)
    # 2026Q3, year to date, pro-rated: 273 of 365 days need ⌈4 × 273 ÷ 365⌉ = 3 face-to-face visits by
    # 30 September — four, three and straddling have them, by_phone has 3 of which 3 face-to-face (the
    # phone call is in October); closed_1_jan has none
    assert (compute("HM-8A", "2026Q3").numerator, compute("HM-8A", "2026Q3").denominator) == (4, 5)
    # 2025: straddling and closed_2025 and closed_1_jan were managed; none had four visits
    assert (compute("HM-8A", "2025").numerator, compute("HM-8A", "2025").denominator) == (0, 6)


def test_hm8_standard_management_is_pro_rated_by_time_under_management(county, centre, doctor):
    """国家基本公共卫生服务规范（第三版）高血压/2型糖尿病患者健康管理服务规范: 每年至少4次面对面随访, and
    规范管理率 = 按照规范要求进行管理的人数 ÷ 年内已管理的人数. A patient enrolled in October cannot have
    four visits in the year; pro-rated by days under management (see HM-8A's source note) they need
    ⌈4 × 92 ÷ 365⌉ = 2. Input: hypertension enrolled 1 October 2026 with one visit and with two visits;
    a patient managed all year with one visit by 31 March (Q1 needs ⌈4 × 90 ÷ 365⌉ = 1)."""
    v = county["village_a"]
    htn = "hypertension"
    one = chronic(make_elder(v, OLD), centre, doctor, htn, D(2026, 10, 1))
    followups(one, doctor, [(D(2026, 10, 1), "1", True)])
    two = chronic(make_elder(v, OLD), centre, doctor, htn, D(2026, 10, 1))
    followups(two, doctor, [(D(2026, 10, 1), "1", True), (D(2026, 12, 20), "2", True)])
    a = compute("HM-8A")
    assert (a.numerator, a.denominator) == (1, 2)  # 92 days: ⌈1.008⌉ = 2 visits; two has them
    all_year = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 1, 1))
    followups(all_year, doctor, [(D(2026, 3, 1), "1", True)])
    q1 = compute("HM-8A", "2026Q1")
    assert (q1.numerator, q1.denominator) == (1, 1)
    assert compute("HM-8A", "2026-01").numerator == 0  # January: 1 visit needed, none yet
    dm = chronic(make_elder(v, OLD), centre, doctor, "diabetes", D(2026, 11, 15))
    followups(dm, doctor, [(D(2026, 11, 20), "2", True)])
    assert (compute("HM-8C").numerator, compute("HM-8C").denominator) == (1, 1)


def test_hm8b_control_reads_the_last_follow_up_of_the_period(county, centre, doctor):
    """控制: the last follow-up of the year (to the period's end) was 达标; no follow-up = not controlled."""
    v = county["village_b"]
    htn = "hypertension"
    last_ok = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 1, 1))
    followups(last_ok, doctor, [(D(2026, 3, 1), "1", False), (D(2026, 9, 1), "1", True)])
    last_bad = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 1, 1))
    followups(last_bad, doctor, [(D(2026, 3, 1), "1", True), (D(2026, 9, 1), "1", False)])
    # entered out of order: the 12-31 visit is the last although recorded first
    late_entry = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 1, 1))
    followups(late_entry, doctor, [(D(2026, 12, 31), "3", True), (D(2026, 6, 1), "1", False)])
    next_year = chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 1, 1))  # last of 2026 controlled
    followups(next_year, doctor, [(D(2026, 11, 1), "1", True), (D(2027, 1, 5), "1", False)])
    chronic(make_elder(v, OLD), centre, doctor, htn, D(2025, 1, 1))  # never followed up
    b = compute("HM-8B")
    # controlled: last_ok, late_entry, next_year = 3 of 5
    assert (b.numerator, b.denominator, b.value) == (3, 5, Decimal("60.0000"))
    # to 30 June: last_ok's last is 3-01 (not controlled), last_bad's 3-01 (controlled), late_entry's
    # 6-01 (not), next_year none yet → 1 of 5
    assert compute("HM-8B", "2026Q2").numerator == 1
    assert compute("HM-8D").denominator == 0  # no diabetes cases: no value, not 0 %
    assert compute("HM-8D").value is None


def test_hm8c_and_hm8d_count_diabetes_cases_by_face_to_face_visits_and_the_last_one(county, centre, doctor):
    """Six diabetes cases with 0…5 visits in 2026, the first by phone when the count is odd; with
    an odd count only the last visit is controlled, with an even count every visit but the last.
    Standard = the cases with 4 and 5 visits (2); controlled = those with 1, 3 and 5 visits (3).
    (The health pages show these values; health computes no rate of its own.)"""
    v = county["village_a"]
    for n in range(6):
        case = chronic(make_elder(v, OLD), centre, doctor, "diabetes", D(2025, 3, 1))
        visits = [
            (D(2026, 1 + 2 * k, 5), "3" if k == 0 and n % 2 else "1", (k == n - 1) == (n % 2 == 1))
            for k in range(n)
        ]
        followups(case, doctor, visits)
    c, d = compute("HM-8C"), compute("HM-8D")
    assert (c.numerator, c.denominator) == (2, 6)
    assert (d.numerator, d.denominator) == (3, 6)
