"""The rules of standards/public-health-services.md, checked against its test vectors (H1–H9, D1–D8,
the 17-digit archive number) and at their boundaries."""

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.health import rules
from yiyang.health.rules import VisitFacts, decide

VISIT = dt.date(2025, 3, 10)


def htn(age, s, d, **kw):
    return VisitFacts(disease="hypertension", age=age, systolic=s, diastolic=d, **kw)


def dm(glucose, **kw):
    kw.setdefault("age", 70)
    return VisitFacts(disease="diabetes", fasting_glucose=Decimal(str(glucose)), **kw)


def test_h1_controlled_under_65_books_routine_visit_in_three_months():
    """H1: age 60, 138/88, no ADR → 控制满意; next visit by the configured interval (≤3 months)."""
    d = decide(htn(60, 138, 88), VISIT)
    assert (d.classification, d.rule, d.action, d.controlled) == ("1", "E", "routine", True)
    assert d.next_visit_date == dt.date(2025, 6, 10)


def test_h2_first_uncontrolled_follows_up_within_two_weeks():
    """H2: age 60, 142/85 first time → 控制不满意; follow up ≤14 days."""
    d = decide(htn(60, 142, 85), VISIT)
    assert (d.classification, d.rule, d.action) == ("2", "D", "recheck")
    assert d.next_visit_date == VISIT + dt.timedelta(days=14)


def test_h3_second_uncontrolled_in_a_row_refers():
    """H3: H2 then 145/92 two weeks later → 连续两次 → refer, check the referral ≤14 days."""
    d = decide(htn(60, 145, 92, previous_classification="2"), VISIT)
    assert (d.classification, d.rule, d.action) == ("2", "C", "refer")
    assert d.next_visit_date == VISIT + dt.timedelta(days=14)


def test_h4_h5_age_65_threshold_is_150_90():
    """H4: age 70, 148/88 → 控制满意; H5: age 70, 150/80 → 控制不满意 (on the cut-off)."""
    assert decide(htn(70, 148, 88), VISIT).classification == "1"
    assert decide(htn(70, 150, 80), VISIT).classification == "2"
    assert decide(htn(70, 149, 89), VISIT).controlled is True
    assert decide(htn(70, 149, 90), VISIT).controlled is False


def test_threshold_changes_on_the_65th_birthday():
    """148/88 is not controlled at 64 and controlled at 65 (the age on the visit date)."""
    assert decide(htn(64, 148, 88), VISIT).classification == "2"
    assert decide(htn(65, 148, 88), VISIT).classification == "1"


def test_h6_h7_urgent_referral_on_180_or_110():
    """H6: 182/96 → urgent (SBP ≥180); H7: 150/110 → urgent (DBP ≥110); 179/109 is not."""
    assert decide(htn(50, 182, 96), VISIT).action == "urgent_referral"
    assert decide(htn(50, 150, 110), VISIT).action == "urgent_referral"
    assert decide(htn(50, 180, 80), VISIT).rule == "A"
    assert decide(htn(50, 179, 109), VISIT).rule != "A"


def test_danger_sign_alone_is_urgent():
    d = decide(htn(70, 130, 80, danger_signs=["severe_headache"]), VISIT)
    assert d.rule == "A" and d.urgent_reasons == ["剧烈头痛或头晕"]


def test_h8_new_complication_is_classified_complication_and_referred():
    """H8: 130/80 plus a new 心绞痛 → 此次随访分类 4 并发症 (most severe); refer."""
    d = decide(htn(60, 130, 80, new_complication=True), VISIT)
    assert (d.classification, d.rule, d.action) == ("4", "B", "refer")


def test_adverse_reaction_is_more_severe_than_uncontrolled():
    d = decide(htn(60, 150, 95, adverse_reaction=True), VISIT)
    assert d.classification == "3" and d.rule == "D"
    assert (
        decide(htn(60, 130, 80, adverse_reaction=True, adverse_reaction_hard_to_control=True), VISIT).rule
        == "C"
    )


def test_previous_controlled_then_uncontrolled_is_only_first_time():
    assert decide(htn(60, 150, 95, previous_classification="1"), VISIT).rule == "D"


def test_adverse_reaction_with_bp_on_target_does_not_start_two_uncontrolled():
    """规范（第三版）高血压 2.(2)/(3): 连续两次 means BP above target twice; a previous 不良反应 visit whose
    BP was on target is not the first. Input: previous controlled with ADR, this visit 160/80 at 70."""
    d = decide(htn(70, 160, 80, previous_classification="3", previous_controlled=True), VISIT)
    assert (d.classification, d.rule, d.action) == ("2", "D", "recheck")
    assert d.next_visit_date == VISIT + dt.timedelta(days=14)
    again = decide(htn(70, 160, 80, previous_classification="3", previous_controlled=False), VISIT)
    assert again.action == "refer"


def test_diabetes_low_glucose_is_never_controlled_and_on_treatment_is_an_adverse_reaction():
    """规范（第三版）2型糖尿病 2.(1)/(3): FBG ≤3.9 is urgent; on treatment it is 不良反应, never 控制满意."""
    d = decide(dm(3.9, on_treatment=True), VISIT)
    assert (d.classification, d.controlled, d.action) == ("3", False, "urgent_referral")
    assert decide(dm(3.5), VISIT).classification != "1"


def test_diabetes_measured_heart_rate_over_100_is_urgent():
    """规范（第三版）2型糖尿病 2.(1): 心率超过100次/分钟 → urgent; 100 itself is not."""
    assert decide(dm(6.0, heart_rate=101), VISIT).rule == "A"
    assert decide(dm(6.0, heart_rate=100), VISIT).rule == "E"


def test_d1_d2_glucose_cut_off_is_7_0():
    """D1: FBG 6.9 → 控制满意; D2: FBG 7.0 first time → 控制不满意, ≤14 days."""
    assert decide(dm(6.9), VISIT).classification == "1"
    d = decide(dm(7.0), VISIT)
    assert (d.classification, d.rule) == ("2", "D")
    assert d.next_visit_date == VISIT + dt.timedelta(days=14)


def test_d3_second_uncontrolled_glucose_refers():
    assert decide(dm(8.1, previous_classification="2"), VISIT).action == "refer"


def test_d4_d5_glucose_danger_limits_are_inclusive():
    """D4: 16.7 → urgent; D5: 3.9 → urgent; 16.6 and 4.0 are not."""
    assert decide(dm(16.7), VISIT).action == "urgent_referral"
    assert decide(dm(3.9), VISIT).action == "urgent_referral"
    assert decide(dm(16.6), VISIT).rule != "A"
    assert decide(dm(4.0), VISIT).rule == "E"


def test_d6_sustained_tachycardia_is_urgent():
    """D6: glucose 4.0, HR 105 sustained → urgent referral (the doctor ticks 持续性心动过速)."""
    assert decide(dm(4.0, danger_signs=["tachycardia"]), VISIT).action == "urgent_referral"


def test_d7_blood_pressure_criterion_applies_to_diabetes():
    """D7: FBG 6.5, BP 182/90 → urgent referral."""
    assert decide(dm(6.5, systolic=182, diastolic=90), VISIT).action == "urgent_referral"


def test_diabetes_temperature_above_39_is_urgent_and_39_is_not():
    assert decide(dm(6.0, temperature=Decimal("39.1")), VISIT).rule == "A"
    assert decide(dm(6.0, temperature=Decimal("39.0")), VISIT).rule == "E"


def test_h9_d8_indicator_rates():
    """H9: 150/200 → 75.00 %, 110/200 → 55.00 %; D8: 62/80 → 77.50 %, 41/80 → 51.25 %."""
    assert rules.rate(150, 200) == Decimal("75.00")
    assert rules.rate(110, 200) == Decimal("55.00")
    assert rules.rate(62, 80) == Decimal("77.50")
    assert rules.rate(41, 80) == Decimal("51.25")
    assert rules.rate(0, 0) is None


def test_routine_interval_is_configurable(settings):
    settings.HEALTH_RULES = {"ROUTINE_INTERVAL_MONTHS": 2}
    assert decide(htn(60, 120, 80), dt.date(2025, 12, 31)).next_visit_date == dt.date(2026, 2, 28)


def test_archive_number_vector_37068500100100157():
    """§5.3 vector: 370685 · 001 · 001 · 00157, printed on forms as 001-00157."""
    number = "37068500100100157"
    assert rules.check_archive_number(number) == ([], [])
    assert rules.split_archive_number(number) == {
        "county": "370685",
        "township": "001",
        "village": "001",
        "serial": "00157",
    }
    assert rules.archive_number("370685001001", 157) == number


def test_archive_number_village_segment_is_mapped_from_the_statistical_village_code():
    """规范 §5.3 居民健康档案编号: 村(居)委会 segment 居委会 001–099, 村委会 101–199; the statistical code
    (国家统计局 统计用区划代码) numbers 村委会 200–399. Input: 村委会 520621001220 → segment 121, the number
    52062100112100007 passes the product's own check; 居委会 520621001003 keeps 003."""
    number = rules.archive_number("520621001220", 7)
    assert number == "52062100112100007"
    assert rules.check_archive_number(number) == ([], [])
    assert rules.archive_number("520621001003", 1)[9:12] == "003"
    assert rules.archive_number("520621001200", 1)[9:12] == "101"
    with pytest.raises(ValueError):
        rules.archive_prefix("520621001350")


def test_archive_number_village_segment_outside_ranges_warns_not_refuses():
    errors, warnings = rules.check_archive_number("52062110220200001")
    assert errors == [] and len(warnings) == 1
    assert rules.check_archive_number("5206211022020000")[0]  # 16 digits: refused
    assert rules.check_archive_number("37068500109900001") == ([], [])
    assert rules.check_archive_number("37068500110000001")[1]  # 100 warns


def test_65_plus_is_judged_on_31_december_of_the_reporting_year():
    """INDICATORS.md: "65+" = aged 65 or more on 31 December of the reporting year."""
    assert rules.is_service_age(dt.date(1960, 12, 31), 2025)
    assert not rules.is_service_age(dt.date(1961, 1, 1), 2025)
    assert rules.latest_birth_date_for_service(2025) == dt.date(1960, 12, 31)


def test_notice_within_one_month_counts_on_the_deadline_day():
    check = dt.date(2025, 1, 31)
    assert rules.notice_deadline(check) == dt.date(2025, 2, 28)
    assert rules.notified_in_time(check, dt.date(2025, 2, 28))
    assert not rules.notified_in_time(check, dt.date(2025, 3, 1))
    assert not rules.notified_in_time(check, None)
    assert not rules.notice_overdue(check, None, dt.date(2025, 2, 28))
    assert rules.notice_overdue(check, None, dt.date(2025, 3, 1))
    assert not rules.notice_overdue(check, dt.date(2025, 2, 1), dt.date(2025, 6, 1))


LABELS = {"bp_left_systolic": "左侧收缩压", "bp_left_diastolic": "左侧舒张压"}


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        (30, "refused"),
        (49, "refused"),
        (75, "ok_or_warn"),
        (250, "warned"),
        (200, "ok"),
        (201, "warned"),
        (301, "refused"),
    ],
)
def test_systolic_plausibility(value, outcome):
    """The issue: a systolic of 30 is refused, 250 is warned; messages name the field in Chinese."""
    refusals, warnings = rules.check_plausibility(
        {"bp_left_systolic": value, "bp_left_diastolic": 70}, LABELS
    )
    if outcome == "refused":
        assert refusals and "左侧收缩压" in refusals[0].message
    elif outcome == "warned":
        assert not refusals and warnings and "左侧收缩压" in warnings[0].message
    elif outcome == "ok":
        assert not refusals and not warnings
    else:
        assert not refusals


def test_diastolic_must_be_below_systolic_and_pairs_go_together():
    refusals, _w = rules.check_plausibility({"bp_left_systolic": 120, "bp_left_diastolic": 120}, LABELS)
    assert refusals[0].code == "BP_ORDER"
    refusals, _w = rules.check_plausibility({"bp_left_systolic": 120, "bp_left_diastolic": None}, LABELS)
    assert refusals[0].code == "BP_PAIR" and refusals[0].field == "bp_left_diastolic"


def test_bmi_and_spirit_equivalent():
    """填表说明 3: BMI = kg/m²; 填表说明 4: 1 两白酒 + 10 两啤酒 = 2 两."""
    assert rules.bmi(160, 64) == Decimal("25.0")
    assert rules.bmi(None, 64) is None
    assert rules.spirit_equivalent(spirit=1, beer=10) == Decimal("2.0")
    assert rules.spirit_equivalent(wine=4, rice_wine=5) == Decimal("2.0")


def test_completeness_names_missing_rows_per_part():
    missing = rules.missing_parts({"symptoms": ["1"], "bp_right_systolic": 120, "bp_right_diastolic": 80})
    assert "self_rating" in missing["assessment"]
    assert "bp_left_systolic" not in missing["physical"]  # right arm is enough
    assert missing["guidance"] == ["health_evaluation", "guidance"]
    assert rules.missing_parts({"health_evaluation": "1", "risk_factor_control": ["3"]})["guidance"] == []
