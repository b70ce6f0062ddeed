"""老年人生活自理能力评估表 (§3.2) and 中医体质辨识（老年版） (§4): bands, worked examples, 平和质's rule."""

from __future__ import annotations

import pytest

from yiyang.assessments.engine import score
from yiyang.assessments.registry import get_instrument

from .helpers import by_scores

BIASED = [
    "qi_deficiency",
    "yang_deficiency",
    "yin_deficiency",
    "phlegm_dampness",
    "damp_heat",
    "blood_stasis",
    "qi_stagnation",
    "special_diathesis",
]


@pytest.mark.parametrize(
    ("scores", "total", "grade"),
    [
        ((0, 1, 0, 1, 1), 3, "可自理"),
        ((3, 1, 0, 0, 0), 4, "轻度依赖"),
        ((3, 3, 3, 0, 0), 9, "中度依赖"),
        ((3, 7, 3, 5, 0), 18, "中度依赖"),
        ((5, 7, 5, 1, 1), 19, "不能自理"),
        ((0, 3, 0, 5, 0), 8, "轻度依赖"),
        ((5, 7, 5, 10, 10), 37, "不能自理"),
    ],
)
def test_selfcare_bands_0to3_4to8_9to18_19plus(scores, total, grade):
    """表头: 0～3分 可自理；4～8分 轻度依赖；9～18分 中度依赖；≥19分 不能自理 (examples, boundaries)."""
    result = score(get_instrument("selfcare"), by_scores("selfcare", list(scores)))
    assert result.total == total
    assert result.level.name == grade


def test_selfcare_grade_codes_match_the_health_check_form():
    """健康体检表 老年人生活自理能力自我评估 codes: 1可自理 2轻度依赖 3中度依赖 4不能自理."""
    levels = get_instrument("selfcare").result_levels()
    assert [(x.code, x.name) for x in levels] == [
        ("1", "可自理"),
        ("2", "轻度依赖"),
        ("3", "中度依赖"),
        ("4", "不能自理"),
    ]


def tcm(**overrides: int):
    answers = {str(n): 1 for n in range(1, 34)}
    answers.update({k.lstrip("q"): v for k, v in overrides.items()})
    return score(get_instrument("tcm33"), answers)


def test_t1_energetic_and_nothing_else_is_balanced_constitution():
    """T1: Q1=5, all others 1 → 平和 = 25, every biased type 4 → 平和质 是, all others 否."""
    result = tcm(q1=5)
    assert result.scores["balanced"] == 25
    assert all(result.scores[t] == 4 for t in BIASED)
    assert result.levels["balanced"].name == "是"
    assert all(result.levels[t].name == "否" for t in BIASED)


def test_t2_qi_deficiency_11_is_yes_and_blocks_balanced():
    """T2: Q1–Q4=3, Q14=2 → 气虚 11 → 是; 平和 19 ≥17 but 气虚 >10 → 平和质 否."""
    result = tcm(q1=3, q2=3, q3=3, q4=3, q14=2)
    assert result.scores["qi_deficiency"] == 11
    assert result.levels["qi_deficiency"].name == "是"
    assert result.scores["balanced"] == 19
    assert result.levels["balanced"].name == "否"


def test_t3_qi_deficiency_9_is_tendency_and_balanced_is_basically_yes():
    """T3: Q1=4, Q2=2, Q3=3, Q4=2, Q14=2 → 气虚 9 → 倾向是; 平和 22, others ≤10 but one >8 → 基本是."""
    result = tcm(q1=4, q2=2, q3=3, q4=2, q14=2)
    assert result.scores["qi_deficiency"] == 9
    assert result.levels["qi_deficiency"].name == "倾向是"
    assert result.scores["balanced"] == 22
    assert result.levels["balanced"].name == "基本是"


@pytest.mark.parametrize(
    ("q6", "total", "judgement"), [(1, 8, "否"), (2, 9, "倾向是"), (3, 10, "倾向是"), (4, 11, "是")]
)
def test_t4_biased_type_boundaries_8_9_10_11(q6, total, judgement):
    """T4 / 判定标准表: ≤8 否; 9～10 倾向是; ≥11 是 (气郁质 = Q5 + Q6 + Q7 + Q8)."""
    result = tcm(q5=5, q6=q6)
    assert result.scores["qi_stagnation"] == total
    assert result.levels["qi_stagnation"].name == judgement


def test_reverse_scoring_applies_only_inside_the_balanced_sum():
    """Items 2, 4, 5, 13 are reversed (1→5 … 5→1) for 平和质 only; 气虚/气郁/阳虚 use the raw answer."""
    result = tcm(q2=5, q4=5, q5=5, q13=5)
    assert result.scores["balanced"] == 1 + 1 + 1 + 1 + 1
    assert result.scores["qi_deficiency"] == 5 + 1 + 5 + 1
    assert result.scores["qi_stagnation"] == 5 + 1 + 1 + 1
    assert result.scores["yang_deficiency"] == 1 + 1 + 5 + 1


@pytest.mark.parametrize(("q1", "balanced", "judgement"), [(4, 16, "否"), (5, 17, "是")])
def test_balanced_needs_17_or_more(q1, balanced, judgement):
    """平和质 是 needs a sum ≥17: Q2, Q4, Q5, Q13 at 3 (reversed 3) give 12, plus Q1; other types stay ≤8."""
    result = tcm(q1=q1, q2=3, q4=3, q5=3, q13=3)
    assert result.scores["balanced"] == balanced
    assert max(result.scores[t] for t in BIASED) == 8
    assert result.levels["balanced"].name == judgement


def test_constitution_questionnaire_has_no_overall_level():
    """Each constitution is judged on its own; the instrument's level is null with the reason shown."""
    result = tcm(q1=5)
    assert result.level is None
    assert "九种体质" in result.level_reason


def test_tcm_item_codes_are_questions_1_to_33():
    """The 记录表 numbers the questions 1–33; item codes follow it."""
    assert [i.code for i in get_instrument("tcm33").items] == [str(n) for n in range(1, 34)]
