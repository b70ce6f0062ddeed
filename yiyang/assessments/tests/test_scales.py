"""Barthel, Braden, Morse, GDS-15, Mini-Cog (§6), 长期护理失能等级 (§5) and the satisfaction questionnaire."""

from __future__ import annotations

import pytest

from yiyang.assessments.engine import not_published_reason, score
from yiyang.assessments.registry import get_instrument

from .helpers import by_scores, with_total


def level_of(code: str, total: int) -> str:
    result = score(get_instrument(code), with_total(code, total))
    assert result.total == total
    return result.level.name


# Barthel ------------------------------------------------------------------------------------------


def test_barthel_items_are_1_to_10_in_the_published_order():
    """§2.1/§6.1: 进食, 洗澡, 修饰, 穿衣, 大便控制, 小便控制, 如厕, 床椅转移, 平地行走, 上下楼梯."""
    items = get_instrument("barthel").items
    assert [i.code for i in items] == [str(n) for n in range(1, 11)]
    assert [i.name for i in items] == [
        "进食",
        "洗澡",
        "修饰",
        "穿衣",
        "大便控制",
        "小便控制",
        "如厕",
        "床椅转移",
        "平地行走",
        "上下楼梯",
    ]


def test_barthel_worked_example_all_independent_is_100():
    """§6.1: 10+5+5+10+10+10+10+15+15+10 = 100 → 无需依赖."""
    result = score(get_instrument("barthel"), by_scores("barthel", [10, 5, 5, 10, 10, 10, 10, 15, 15, 10]))
    assert result.total == 100
    assert result.level.name == "无需依赖"


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "无需依赖"),
        (95, "轻度依赖"),
        (65, "轻度依赖"),
        (60, "中度依赖"),
        (45, "中度依赖"),
        (40, "重度依赖"),
        (35, "重度依赖"),
    ],
)
def test_barthel_dependency_cut_offs_40_60_99(total, grade):
    """WS/T 431-2013 [R]: ≤40 重度依赖; 41–60 中度依赖; 61–99 轻度依赖; 100 无需依赖 (totals step by 5)."""
    assert level_of("barthel", total) == grade


# Braden -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "risk"),
    [([3, 3, 2, 3, 3, 2], "低危"), ([2, 2, 2, 2, 2, 2], "高危")],
)
def test_braden_worked_examples(scores, risk):
    """§6.2: 3+3+2+3+3+2 = 16 → 低危; 2×6 = 12 → 高危."""
    assert score(get_instrument("braden"), by_scores("braden", scores)).level.name == risk


@pytest.mark.parametrize(
    ("total", "risk"),
    [
        (6, "极高危"),
        (9, "极高危"),
        (10, "高危"),
        (12, "高危"),
        (13, "中危"),
        (14, "中危"),
        (15, "低危"),
        (18, "低危"),
        (19, "无危险"),
        (23, "无危险"),
    ],
)
def test_braden_risk_cut_offs_9_12_14_18(total, risk):
    """Braden & Maklebust 2005: ≤9 极高危; 10–12 高危; 13–14 中危; 15–18 低危; ≥19 无危险."""
    assert level_of("braden", total) == risk


# Morse --------------------------------------------------------------------------------------------


def test_morse_worked_example_65_is_high_risk():
    """§6.3: 25+15+15+0+10+0 = 65 → 高危."""
    result = score(get_instrument("morse"), by_scores("morse", [25, 15, 15, 0, 10, 0]))
    assert result.total == 65
    assert result.level.name == "高危"


@pytest.mark.parametrize(
    ("total", "risk"), [(0, "低危"), (20, "低危"), (25, "中危"), (40, "中危"), (45, "高危"), (125, "高危")]
)
def test_morse_risk_cut_offs_25_and_45(total, risk):
    """Institutional bands: 0–24 低危; 25–44 中危; ≥45 高危 (totals step by 5)."""
    assert level_of("morse", total) == risk


@pytest.mark.parametrize(("total", "risk"), [(20, "无风险"), (25, "低危"), (50, "低危"), (55, "高危")])
def test_morse_alternative_cut_off_51_is_reported_alongside(total, risk):
    """Morse's alternative (S1): 0–24 无风险; 25–50 低危; ≥51 高危 — computed as levels['risk_51']."""
    result = score(get_instrument("morse"), with_total("morse", total))
    assert result.levels["risk_51"].name == risk


# GDS-15 -------------------------------------------------------------------------------------------

NO_KEYED = {"1", "5", "7", "11", "13"}


def gds(keyed: set[str]) -> dict[str, str]:
    """Answers scoring 1 exactly on the items in ``keyed``."""
    answers = {}
    for n in range(1, 16):
        q = str(n)
        scores_one = "no" if q in NO_KEYED else "yes"
        scores_zero = "yes" if q in NO_KEYED else "no"
        answers[q] = scores_one if q in keyed else scores_zero
    return answers


def test_gds15_worked_example_scores_6_mild():
    """§6.4: NO on 1, YES on 2, 4, 9, 10, NO on 13, others non-keyed → 6 → 轻度 (positive)."""
    result = score(get_instrument("gds15"), gds({"1", "2", "4", "9", "10", "13"}))
    assert result.total == 6
    assert result.level.name == "轻度抑郁"


def test_gds15_keying_yes_on_2_and_no_on_1_each_score_one():
    """CamCOPS SCORE_IF_YES / SCORE_IF_NO: YES scores on 2,3,4,6,8,9,10,12,14,15; NO on 1,5,7,11,13."""
    inst = get_instrument("gds15")
    for item in inst.items:
        yes = next(o.score for o in item.options if o.code == "yes")
        no = next(o.score for o in item.options if o.code == "no")
        assert (yes, no) == ((0, 1) if item.code in NO_KEYED else (1, 0)), item.code


@pytest.mark.parametrize(
    ("n", "grade"),
    [
        (0, "正常"),
        (4, "正常"),
        (5, "轻度抑郁"),
        (8, "轻度抑郁"),
        (9, "中度抑郁"),
        (11, "中度抑郁"),
        (12, "重度抑郁"),
        (15, "重度抑郁"),
    ],
)
def test_gds15_cut_offs_5_9_12(n, grade):
    """0–4 正常; 5–8 轻度; 9–11 中度; 12–15 重度 (≥5 chosen for the [!] >5/≥5 boundary)."""
    result = score(get_instrument("gds15"), gds({str(i) for i in range(1, n + 1)}))
    assert result.total == n
    assert result.level.name == grade


# Mini-Cog -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recall", "clock", "total", "screen"),
    [
        ("2", "abnormal", 2, "positive"),
        ("1", "normal", 3, "negative"),
        ("0", "abnormal", 0, "positive"),
        ("3", "normal", 5, "negative"),
    ],
)
def test_minicog_0_to_2_is_screen_positive(recall, clock, total, screen):
    """mini-cog.com: recall 0–3 + clock 0/2; 0–2 higher likelihood of impairment, 3–5 lower."""
    result = score(get_instrument("minicog"), {"1": recall, "2": clock})
    assert result.total == total
    assert result.level.code == screen


# 长期护理失能等级评估 --------------------------------------------------------------------------------


def test_ltc_scores_but_never_invents_a_level():
    """§5.3 NOT FOUND: bands and 组合法 grid unpublished → level null, "未定级（标准未公布该规则）"."""
    inst = get_instrument("ltc")
    result = score(inst, with_total(inst, 100))
    assert result.subscores == {"1": 100, "2": 0, "3": 0}
    assert result.level is None
    assert result.level_reason == not_published_reason()
    assert result.level_reason == "未定级（标准未公布该规则）"


def test_ltc_has_17_second_level_indicators():
    """§5.1: ADL 10, 认知能力 4, 感知觉与沟通能力 3."""
    inst = get_instrument("ltc")
    assert [len(s.items) for s in inst.sections] == [10, 4, 3]


# Satisfaction -------------------------------------------------------------------------------------


def test_satisfaction_section_is_satisfied_only_when_every_item_is_at_least_basically_satisfied():
    """Local rule for SA-1…SA-3: 满意 when every item is 满意 or 基本满意; SA-4 不适用 when not answered."""
    inst = get_instrument("satisfaction")
    answers = {"1.1": 5, "1.2": 4, "2.1": 5, "2.2": 3, "3.1": 4, "3.2": 4, "3.3": 5}
    result = score(inst, answers)
    assert result.levels["SA-1"].name == "满意"
    assert result.levels["SA-2"].name == "不满意"
    assert result.levels["SA-3"].name == "满意"
    assert result.levels["SA-4"].name == "不适用"
    assert score(inst, answers | {"4.1": 4}).levels["SA-4"].name == "满意"
    assert score(inst, answers | {"4.1": 3}).levels["SA-4"].name == "不满意"
