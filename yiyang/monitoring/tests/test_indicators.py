"""One test per indicator on the hand-built 测试县: each builds the records, works out the answer by hand
in the test, and compares it with what the engine computes from the definition file (INDICATORS.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.core.models import ElderCategoryCode as Cat
from yiyang.core.models import ResidenceStatus
from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator

from .factories import COUNTY, TOWN_A, TOWN_B, make_elder, make_institution

D = dt.date


def compute(code: str, region: str = COUNTY, period: str = "2026") -> engine.Computed:
    return engine.compute_indicator(get_indicator(code), region, parse_period(period))[region]


def pct(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.0001"))


# --------------------------------------------------------------------------------------------------
# Population bases: 常住 on the reference date, age on 31 December of the reporting year
# --------------------------------------------------------------------------------------------------


def test_pop65_counts_who_turns_65_on_31_december_and_not_a_day_later(county):
    """INDICATORS.md: "65+" = aged 65 or more on 31 December of the reporting year."""
    # given
    make_elder(county["village_a"], D(1961, 12, 31))  # 65 on 2026-12-31: counted
    make_elder(county["village_a"], D(1962, 1, 1))  # 65 only in 2027: not counted
    make_elder(county["village_b"], D(1950, 6, 1))  # 76: counted
    # when / then
    assert compute("POP-65").numerator == 2
    assert compute("POP-65", period="2025").numerator == 1  # 1961-12-31 is 64 on 2025-12-31
    # a quarter reckons ages on 31 December of its year too
    assert compute("POP-65", period="2026Q1").numerator == 2


def test_pop65_excludes_who_died_or_moved_out_by_the_reference_date(county):
    """Population base = 常住 residents on the reference date (the period's last day)."""
    make_elder(county["village_a"], D(1950, 1, 1))  # active: counted
    make_elder(county["village_a"], D(1950, 1, 1), status="moved_out", status_date=D(2026, 6, 30))
    make_elder(county["village_a"], D(1950, 1, 1), status="deceased", status_date=D(2026, 12, 31))
    make_elder(county["village_a"], D(1950, 1, 1), status="deceased", status_date=D(2027, 1, 5))
    make_elder(county["village_a"], D(1950, 1, 1), residence=ResidenceStatus.REGISTERED_AWAY)
    make_elder(county["village_a"], D(1950, 1, 1), residence=ResidenceStatus.NON_REGISTERED_RESIDENT)
    # 2026 (reference 31 Dec): the active one, the one who died in 2027 and the non-registered resident
    assert compute("POP-65").numerator == 3
    # 2026Q2 (reference 30 Jun): the one who moved out on 30 Jun has gone that day; 2026Q1 she was there
    assert compute("POP-65", period="2026Q2").numerator == 4
    assert compute("POP-65", period="2026Q1").numerator == 5


def test_pop60_and_roll_up_from_villages_to_townships_and_county(county):
    make_elder(county["village_a"], D(1966, 12, 31))  # 60 on 2026-12-31
    make_elder(county["community_a"], D(1967, 1, 1))  # 59
    make_elder(county["village_b"], D(1940, 3, 3))
    make_elder(county["village_b2"], D(1955, 3, 3))
    result = engine.compute_indicator(get_indicator("POP-60"), COUNTY, parse_period("2026"))
    assert result[COUNTY].numerator == 3
    assert result[TOWN_A].numerator == 1
    assert result[TOWN_B].numerator == 2
    assert result[county["village_b2"].code].numerator == 1
    assert result[county["community_a"].code].numerator == 0


# --------------------------------------------------------------------------------------------------
# Institutions and resources
# --------------------------------------------------------------------------------------------------


def test_ir1_grade_two_general_hospitals_with_a_geriatrics_department(county):
    """IR-1: such hospitals with a geriatrics department ÷ grade II+ general hospitals."""
    make_institution(county["a"], "general_hospital", grade="2", departments=("geriatrics",))
    make_institution(county["a"], "general_hospital", grade="3", departments=("internal",))
    make_institution(county["b"], "general_hospital", grade="1", departments=("geriatrics",))  # grade I
    make_institution(county["b"], "tcm_hospital", grade="2", departments=("geriatrics",))  # not general
    late = make_institution(county["b"], "general_hospital", grade="2")
    late.departments.create(kind="geriatrics", name="老年医学科", established=D(2027, 3, 1))
    # 1 of 3 grade II+ general hospitals (the 2027 department does not count in 2026)
    c = compute("IR-1")
    assert (c.numerator, c.denominator, c.value) == (1, 3, pct(1, 3))
    assert compute("IR-1", period="2027").numerator == 2
    # IR-1X (the plan's wording) also counts the grade II TCM hospital: 2 of 4
    c = compute("IR-1X")
    assert (c.numerator, c.denominator) == (2, 4)


def test_ir2_nursing_beds_share_of_primary_care_beds(county):
    """IR-2: nursing beds ÷ all beds of primary-care institutions (hospital beds do not count)."""
    make_institution(county["a"], "township_health_centre", beds={"general": 40, "nursing": 10})
    make_institution(county["b"], "village_clinic", beds={"general": 5, "nursing": 0})
    make_institution(county["a"], "general_hospital", grade="2", beds={"general": 300, "nursing": 100})
    c = compute("IR-2")
    assert (c.numerator, c.denominator, c.value) == (10, 55, pct(10, 55))
    assert compute("IR-2", region=TOWN_B).value == 0


def test_ir3_declared_elder_friendly_share_with_later_withdrawal(county, users):
    """IR-3: elder-friendly (declared) ÷ general/rehab hospitals, nursing homes, township and community
    health centres; the latest declaration on or before the reference date decides."""
    from yiyang.monitoring import services

    flagged = make_institution(county["a"], "general_hospital", grade="2", elder_friendly_declared=True)
    declared = make_institution(county["a"], "township_health_centre")
    withdrawn = make_institution(county["b"], "township_health_centre")
    make_institution(county["b"], "community_health_centre")
    make_institution(county["b"], "village_clinic", elder_friendly_declared=True)  # not in the base
    wjj = users["wjj"]
    services.declare(
        acting_user=wjj, institution=declared, indicator_code="IR-3", value=True, effective_date=D(2026, 5, 1)
    )
    services.declare(
        acting_user=wjj,
        institution=withdrawn,
        indicator_code="IR-3",
        value=True,
        effective_date=D(2026, 1, 1),
    )
    services.declare(
        acting_user=wjj,
        institution=withdrawn,
        indicator_code="IR-3",
        value=False,
        effective_date=D(2026, 9, 1),
    )
    assert flagged.pk
    c = compute("IR-3")  # flagged + declared of 4
    assert (c.numerator, c.denominator, c.value) == (2, 4, Decimal("50.0000"))
    c = compute("IR-3", period="2026Q2")  # 30 Jun: flagged, declared and withdrawn (not yet withdrawn)
    assert c.numerator == 3
    c = compute("IR-3", period="2026Q1")  # 31 Mar: flagged and withdrawn (declared only from May)
    assert c.numerator == 2


def test_ir4_grade_three_tcm_hospitals_with_rehabilitation(county):
    make_institution(county["a"], "tcm_hospital", grade="3", departments=("rehabilitation",))
    make_institution(county["a"], "tcm_hospital", grade="3")
    make_institution(county["a"], "tcm_hospital", grade="2", departments=("rehabilitation",))
    c = compute("IR-4")
    assert (c.numerator, c.denominator, c.value) == (1, 2, Decimal("50.0000"))


def _agreement(home, medical, start, end, status="active", **extra):  # type: ignore[no-untyped-def]
    from yiyang.care.models import Agreement

    return Agreement.objects.create(
        eldercare_institution=home,
        medical_institution=medical,
        services=["rounds"],
        round_frequency="monthly",
        start_date=start,
        end_date=end,
        status=status,
        **extra,
    )


def _clinic(home, start, end=None):  # type: ignore[no-untyped-def]
    from yiyang.care.models import InHouseClinic

    return InHouseClinic.objects.create(
        eldercare_institution=home, kind="medical_room", licence_no="PDY-TEST", valid_from=start, valid_to=end
    )


def test_ir5_and_ir6_count_clinics_and_agreements_in_force_on_the_reference_date(county):
    """IR-5: homes with a valid in-house clinic or an agreement in force on 31 December ÷ homes; IR-6:
    of the homes without a valid clinic, those with an agreement in force. Drafts never count; a
    terminated agreement counts up to its last day in force; an agreement ending on 31 December counts."""
    a, b = county["a"], county["b"]
    hospital = make_institution(a, "general_hospital", grade="2")
    homes = [make_institution(a if i % 2 else b, "eldercare_home") for i in range(8)]
    _clinic(homes[0], D(2020, 1, 1))  # a clinic: IR-5 yes, not in IR-6's base
    _clinic(homes[1], D(2020, 1, 1), D(2026, 6, 30))  # its clinic closed mid-year …
    _agreement(homes[1], hospital, D(2026, 1, 1), D(2026, 12, 31))  # … but an agreement to the last day
    _agreement(homes[2], hospital, D(2026, 1, 1), D(2027, 12, 31), status="draft")  # a draft: no
    _agreement(
        homes[3], hospital, D(2026, 1, 1), D(2027, 12, 31), status="terminated", terminated_on=D(2026, 12, 30)
    )
    _agreement(
        homes[4], hospital, D(2026, 1, 1), D(2027, 12, 31), status="terminated", terminated_on=D(2026, 12, 31)
    )
    _agreement(homes[5], hospital, D(2025, 1, 1), D(2026, 12, 30), status="expired")  # ended the day before
    _agreement(homes[6], hospital, D(2025, 1, 1), D(2027, 6, 30), status="renewed")  # renewed, still in force
    make_institution(a, "eldercare_home", is_active=False)  # closed: not counted at all
    # by hand: IR-5 counts homes 0, 1, 4, 6 of 8; IR-6's base is 1–7 (no clinic on 31 Dec), of which 1, 4, 6
    ir5, ir6 = compute("IR-5"), compute("IR-6")
    assert ir5.source_available and ir6.source_available
    assert (ir5.numerator, ir5.denominator, ir5.value) == (4, 8, pct(4, 8))
    assert (ir6.numerator, ir6.denominator, ir6.value) == (3, 7, pct(3, 7))
    # on 31 March home 1's clinic is still valid (it leaves IR-6's base), and homes 3 and 5 were still
    # under agreement: of homes 2–7, homes 3, 4, 5 and 6
    q1 = compute("IR-6", period="2026Q1")
    assert (q1.numerator, q1.denominator) == (4, 6)


def test_an_indicator_whose_source_app_is_missing_is_no_source_never_zero(county, unsourced_indicator):
    """The engine's 无数据源: a definition that requires a model no app defines has no value — not 0%."""
    make_institution(county["a"], "eldercare_home")
    c = compute(unsourced_indicator)
    assert c.source_available is False
    assert (c.numerator, c.denominator, c.value) == (None, None, None)


def test_ir7_green_channel_is_counted_from_declarations(county, users):
    from yiyang.monitoring import services

    a = make_institution(county["a"], "general_hospital", grade="2")
    make_institution(county["a"], "township_health_centre")
    make_institution(county["b"], "village_clinic")  # not counted
    services.declare(
        acting_user=users["wjj"],
        institution=a,
        indicator_code="IR-7",
        value=True,
        effective_date=D(2026, 12, 31),
    )
    c = compute("IR-7")  # declared on the reference date itself: counted
    assert (c.numerator, c.denominator, c.value) == (1, 2, Decimal("50.0000"))
    assert compute("IR-7", period="2026Q3").numerator == 0


def test_ir8_hospice_provision_institutions_and_beds(county):
    make_institution(county["a"], "hospice_centre")
    make_institution(county["a"], "general_hospital", grade="2", beds={"hospice": 6})
    make_institution(county["b"], "township_health_centre", departments=("hospice",))
    make_institution(county["b"], "township_health_centre", beds={"hospice": 0, "general": 20})
    assert compute("IR-8").value == 3
    assert compute("IR-8B").value == 6
    assert compute("IR-8", region=TOWN_B).value == 1


def test_ir9_eldercare_beds_per_hundred_residents_aged_60(county):
    make_institution(county["a"], "eldercare_home", beds={"eldercare": 30, "eldercare_nursing": 10})
    make_institution(county["b"], "day_care_centre", beds={"eldercare": 5})
    make_institution(county["b"], "township_health_centre", beds={"general": 50})  # not eldercare
    for _ in range(9):
        make_elder(county["village_a"], D(1950, 1, 1))
    make_elder(county["village_b"], D(1966, 12, 31))  # 60 on 31 Dec
    make_elder(county["village_b"], D(1967, 1, 1))  # 59: not in the base
    c = compute("IR-9")  # 45 beds × 100 ÷ 10 residents aged 60+
    assert (c.numerator, c.denominator, c.value) == (45, 10, Decimal("450.0000"))


def test_ir10_nursing_type_share_of_eldercare_beds(county):
    make_institution(county["a"], "eldercare_home", beds={"eldercare": 30, "eldercare_nursing": 10})
    make_institution(county["b"], "integrated_care", beds={"eldercare": 50, "eldercare_nursing": 30})
    make_institution(county["b"], "township_health_centre", beds={"nursing": 20})  # not eldercare
    c = compute("IR-10")
    assert (c.numerator, c.denominator, c.value) == (40, 120, pct(40, 120))


def test_ir11_communities_and_villages_with_a_day_care_place(county):
    """IR-11 (江口县实施方案; 国办发〔2019〕5号 城乡社区日间照料): every 居民委员会 and 村民委员会 counts; a
    village is covered by a 农村互助幸福院, a community by a 日间照料中心 standing in it or serving it.
    Input: a centre in 甲社区, a 互助幸福院 in 乙一村, nothing in 甲村 and 乙二村 → 2 of 4."""
    from yiyang.core.models import Region

    make_institution(county["community_a"], "day_care_centre")
    make_institution(county["village_b"], "mutual_aid_home")
    c = compute("IR-11")
    assert (c.numerator, c.denominator, c.value) == (2, 4, Decimal("50.0000"))
    second = Region.objects.create(
        code="529901002001", name="乙社区居民委员会", level="village", parent=county["b"]
    )
    serving = make_institution(county["b"], "day_care_centre")
    serving.service_area.add(second)
    assert (compute("IR-11").numerator, compute("IR-11").denominator) == (3, 5)


def test_ir3_denominator_is_every_kind_of_grade_two_hospital_and_the_township_centres(county):
    """IR-3 (江口县创建省级医养结合示范县工作实施方案 四: "辖区二级以上医疗机构和乡镇卫生院（卫生服务中心）").
    Input: a grade-II 县中医医院 and a township centre → 2; adding a grade-I general hospital → still 2."""
    make_institution(county["a"], "tcm_hospital", grade="2")
    make_institution(county["b"], "township_health_centre")
    assert compute("IR-3").denominator == 2
    make_institution(county["b"], "general_hospital", grade="1")
    assert compute("IR-3").denominator == 2


# --------------------------------------------------------------------------------------------------
# Satisfaction from the questionnaire responses
# --------------------------------------------------------------------------------------------------


def _satisfaction(elder, user, answers: dict[str, str], when: dt.datetime):  # type: ignore[no-untyped-def]
    from yiyang.assessments.services import start_assessment

    return start_assessment(
        elder,
        acting_user=user,
        instrument_code="satisfaction",
        answers=answers,
        assessed_at=when,
        finalise=True,
    )


def test_sa_rates_count_satisfied_respondents_in_the_period(county, users):
    """SA-1…SA-4: respondents whose section is 满意 ÷ respondents with a result (不适用 excluded)."""
    from django.utils import timezone

    doctor = users["doctor_sj"]
    tz = timezone.get_current_timezone()
    all5 = {c: "5" for c in ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3", "4.1"]}
    e1, e2, e3, e4 = (make_elder(county["village_a"], D(1950, 1, 1)) for _ in range(4))
    _satisfaction(e1, doctor, all5, dt.datetime(2026, 3, 1, 10, tzinfo=tz))
    _satisfaction(e2, doctor, all5 | {"1.2": "3"}, dt.datetime(2026, 4, 1, 10, tzinfo=tz))  # SA-1 no
    no_contract = {k: v for k, v in all5.items() if k != "4.1"} | {"2.1": "2"}  # SA-2 no, SA-4 不适用
    _satisfaction(e3, doctor, no_contract, dt.datetime(2026, 6, 30, 23, 59, tzinfo=tz))
    _satisfaction(e4, doctor, all5, dt.datetime(2025, 12, 31, 23, 0, tzinfo=tz))  # previous year
    assert (compute("SA-1").numerator, compute("SA-1").denominator) == (2, 3)
    assert compute("SA-2").value == pct(2, 3)
    assert compute("SA-3").value == 100
    assert (compute("SA-4").numerator, compute("SA-4").denominator) == (2, 2)
    # the second quarter: only the responses of April and of 30 June (late evening, local time)
    assert compute("SA-1", period="2026Q2").denominator == 2
    assert compute("SA-1", period="2025").denominator == 1


def test_a_rate_without_any_record_in_its_denominator_has_no_value_not_zero(county):
    c = compute("SA-1")
    assert c.source_available is True
    assert (c.numerator, c.denominator, c.value) == (0, 0, None)


def test_every_shipped_definition_is_computed_or_reported_without_source(county):
    period = parse_period("2026")
    from yiyang.monitoring.registry import all_indicators

    for ind in all_indicators():
        c = engine.compute_indicator(ind, COUNTY, period)[COUNTY]
        assert c.source_available == (engine.source_problem(ind.code) is None), ind.code


@pytest.mark.parametrize("text", ["2026", "2026Q4", "2026-02"])
def test_period_reference_dates(text):
    p = parse_period(text)
    assert (
        p.reference_date
        == {"2026": D(2026, 12, 31), "2026Q4": D(2026, 12, 31), "2026-02": D(2026, 2, 28)}[text]
    )
    assert p.year_end == D(2026, 12, 31)


def test_turning_65_on_29_february_is_reckoned_like_the_registry_does(county):
    """Born 29 Feb 1960: on 28 Feb 2025 she is not yet 65 (Elder.age_on), so in February 2025 with
    ages on the reference date she would not count; the HM bases reckon on 31 December instead."""
    e = make_elder(county["village_a"], D(1960, 2, 29))
    assert e.age_on(D(2025, 2, 28)) == 64
    assert engine.years_before(D(2025, 2, 28), 65) == D(1960, 2, 28)
    assert compute("POP-65", period="2025-02").numerator == 1  # reckoned on 31 Dec 2025
    assert Cat.DISABLED  # the categories module stays importable for HM-5


# --------------------------------------------------------------------------------------------------
# 医养结合 provision, health education, family-doctor teams (江口县实施方案; 国卫办老龄发〔2019〕24号)
# --------------------------------------------------------------------------------------------------


def test_integrated_care_institutions_their_beds_and_township_coverage(county):
    """《医养结合机构服务指南（试行）》: 医养结合机构 =
    兼具医疗卫生资质和养老服务能力的医疗卫生机构或养老机构;
    江口县实施方案: 每个乡镇至少一个医养结合机构或医养联合体. Input: a registered 医养结合机构 (60 beds) in
    甲街道, an eldercare home with an in-house clinic (40 beds) in 乙一村, an eldercare home without a clinic
    and a township centre without an eldercare filing → 2 institutions, 100 beds, both townships covered."""
    make_institution(county["a"], "integrated_care", beds={"eldercare": 40, "eldercare_nursing": 20})
    make_institution(county["village_b"], "eldercare_home", has_inhouse_clinic=True, beds={"eldercare": 40})
    make_institution(county["b"], "eldercare_home", beds={"eldercare": 30})
    make_institution(county["b"], "township_health_centre", beds={"general": 30})
    assert compute("IC-1").numerator == 2
    assert compute("IC-2").numerator == 100
    c = compute("IC-3")
    assert (c.numerator, c.denominator) == (2, 2)


def test_a_township_with_a_medical_eldercare_consortium_is_covered(county):
    """江口县实施方案: 每个乡镇至少一个医养结合机构或医养联合体. Input: 乙镇 has only an eldercare home
    without a clinic (not covered); once it signs a 医养签约协议 in force with 乙镇's health centre (a
    医养联合体), 乙镇 is covered; a terminated or draft agreement does not cover it."""
    from yiyang.care.models import Agreement

    home = make_institution(county["b"], "eldercare_home", beds={"eldercare": 30})
    centre = make_institution(county["b"], "township_health_centre")
    assert compute("IC-3").numerator == 0
    agreement = Agreement.objects.create(
        eldercare_institution=home,
        medical_institution=centre,
        services=["rounds"],
        round_frequency="monthly",
        signed_on=D(2026, 1, 5),
        start_date=D(2026, 1, 5),
        end_date=D(2027, 1, 4),
        status="draft",
    )
    assert compute("IC-3").numerator == 0
    Agreement.objects.filter(pk=agreement.pk).update(status="active")
    assert compute("IC-3").numerator == 1
    Agreement.objects.filter(pk=agreement.pk).update(status="terminated", terminated_on=D(2025, 12, 31))
    assert compute("IC-3").numerator == 0


def test_health_education_sessions_attendance_and_family_doctor_teams(county, users):
    """规范（第三版）健康教育服务规范 (活动记录: 次数、参加人数); 国卫基层发〔2018〕35号
    家庭医生团队. Input: two
    sessions in 2026 (30 and 45 attendees) and one in 2025; one active and one retired team → 2 sessions,
    75 attendees, 1 team."""
    from yiyang.health.models import EducationActivity, FamilyDoctorTeam

    centre = make_institution(county["a"], "township_health_centre")
    for day, n in ((D(2026, 3, 1), 30), (D(2026, 9, 1), 45), (D(2025, 9, 1), 50)):
        EducationActivity.objects.create(
            topic="chronic",
            title="讲座",
            format="lecture",
            held_on=day,
            place="村委会",
            region=county["village_a"],
            institution=centre,
            organiser=users["doctor_sj"],
            attendee_count=n,
        )
    assert compute("HE-1").numerator == 2 and compute("HE-2").numerator == 75
    FamilyDoctorTeam.objects.create(name="甲团队", institution=centre, leader=users["doctor_sj"])
    FamilyDoctorTeam.objects.create(
        name="旧团队", institution=centre, leader=users["doctor_sj"], is_active=False
    )
    assert compute("FD-1").numerator == 1
