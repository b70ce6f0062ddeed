"""MZ/T 039-2013 老年人能力评估: the four 分级, the combination into 初步等级, and 等级变更条款.

Cases M1–M4 are the worked examples of standards/assessment-instruments.md §2.7.
"""

from __future__ import annotations

import pytest

from yiyang.assessments.engine import score
from yiyang.assessments.registry import get_instrument

from .helpers import by_scores

ADL_FULL = [10, 5, 5, 10, 10, 10, 10, 15, 15, 10]  # 100
ADL_85 = [10, 5, 5, 10, 10, 10, 10, 10, 5, 10]  # 85
ADL_35 = [5, 0, 0, 5, 5, 5, 5, 5, 5, 0]  # 35


def answers(adl, mental, sensory, social, **extra):
    return by_scores("mzt039", [*adl, *mental, *sensory, *social], **extra)


@pytest.fixture
def mzt():
    return get_instrument("mzt039")


def test_m1_all_intact_is_ability_intact(mzt):
    """M1: ADL 100 (0), 精神 0 (0), 感知觉 all 0 (0), 社会参与 2 (0) → 能力完好."""
    result = score(mzt, answers(ADL_FULL, [0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0, 0]))
    assert {k: v.code for k, v in result.levels.items() if v} == {
        "adl": "0",
        "mental": "0",
        "sensory": "0",
        "social": "0",
        "preliminary": "0",
        "final": "0",
    }
    assert result.level.name == "能力完好"


def test_m2_mild_and_two_falls_raise_to_moderate(mzt):
    """M2: ADL 85 (1), 精神 1 (1), 感知觉 意识0 视力1 听力2 沟通0 (1), 社会参与 5 (1) → 轻度失能;
    with 2 falls in 30 days → 中度失能 (等级变更条款 2)."""
    base = answers(ADL_85, [1, 0, 0], [0, 1, 2, 0], [1, 1, 1, 1, 1])
    result = score(mzt, base)
    assert [result.levels[k].code for k in ("adl", "mental", "sensory", "social")] == ["1", "1", "1", "1"]
    assert result.level.name == "轻度失能"
    falls = score(mzt, base | {"change.fall": "2"})
    assert falls.level.name == "中度失能"


def test_m3_severe_adl_is_severe_and_dementia_does_not_raise_it(mzt):
    """M3 / 条款 4: ADL 35 (3) → 重度失能; with dementia the level is not raised further."""
    result = score(
        mzt, answers(ADL_35, [0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0], **{"change.diagnosis": ["dementia"]})
    )
    assert result.levels["adl"].code == "3"
    assert result.level.name == "重度失能"
    assert result.level_changes == []


def test_m4_coma_is_severe(mzt):
    """M4 / 条款 3: 意识水平 = 昏迷 → 重度失能, whatever the other tables say."""
    result = score(mzt, answers(ADL_FULL, [0, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0, 0]))
    assert result.level.name == "重度失能"


@pytest.mark.parametrize(
    ("total", "grade"), [(100, "0"), (95, "1"), (65, "1"), (60, "2"), (45, "2"), (40, "3")]
)
def test_adl_grade_cut_offs_100_65_45_40(mzt, total, grade):
    """ADL 分级: 100 → 0; 65–95 → 1; 45–60 → 2; ≤40 → 3 (Barthel totals move in steps of 5)."""
    adl = list(ADL_FULL)
    deficit = 100 - total
    for i, top in enumerate(adl):
        cut = min(deficit, top)
        adl[i] = top - cut
        deficit -= cut
    result = score(mzt, answers(adl, [0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0]))
    assert result.subscores["B.1"] == total
    assert result.levels["adl"].code == grade


@pytest.mark.parametrize(
    ("mental", "grade"),
    [
        ([0, 0, 0], "0"),
        ([1, 0, 0], "1"),
        ([1, 1, 0], "2"),
        ([1, 1, 1], "2"),
        ([2, 1, 1], "3"),
        ([2, 2, 2], "3"),
    ],
)
def test_mental_state_grade_cut_offs_0_1_2to3_4to6(mzt, mental, grade):
    """精神状态分级: 0 → 0; 1 → 1; 2–3 → 2; 4–6 → 3."""
    result = score(mzt, answers(ADL_FULL, mental, [0, 0, 0, 0], [0, 0, 0, 0, 0]))
    assert result.levels["mental"].code == grade


@pytest.mark.parametrize(
    ("social", "grade"),
    [
        ([1, 1, 0, 0, 0], "0"),
        ([1, 1, 1, 0, 0], "1"),
        ([2, 2, 2, 1, 0], "1"),
        ([2, 2, 2, 2, 0], "2"),
        ([3, 3, 3, 3, 1], "2"),
        ([3, 3, 3, 3, 2], "3"),
        ([4, 4, 4, 4, 4], "3"),
    ],
)
def test_social_participation_grade_cut_offs_2_7_13(mzt, social, grade):
    """社会参与分级: 0–2 → 0; 3–7 → 1; 8–13 → 2; 14–20 → 3."""
    result = score(mzt, answers(ADL_FULL, [0, 0, 0], [0, 0, 0, 0], social))
    assert result.levels["social"].code == grade


@pytest.mark.parametrize(
    ("sensory", "grade"),
    [
        ([0, 1, 1, 0], "0"),
        ([0, 2, 0, 0], "1"),
        ([0, 0, 0, 1], "1"),
        ([0, 2, 0, 2], "2"),  # overlap of the 1 and 2 wording: the more severe wins
        ([0, 3, 0, 0], "2"),
        ([1, 3, 3, 2], "2"),
        ([1, 4, 0, 0], "3"),
        ([0, 0, 0, 3], "3"),
        ([2, 0, 0, 0], "3"),
    ],
)
def test_sensory_grade_is_rule_based_most_severe_first(mzt, sensory, grade):
    """感知觉与沟通分级 (rules, not a sum), evaluated from 重度 downwards, first match wins."""
    result = score(mzt, answers(ADL_FULL, [0, 0, 0], sensory, [0, 0, 0, 0, 0]))
    assert result.levels["sensory"].code == grade


def test_combination_gap_is_not_graded_rather_than_guessed(mzt):
    """§2.6 [!]: ADL 2 with the other three all 0 matches no published wording; the 判定卡 was not found."""
    adl_50 = [10, 0, 0, 5, 10, 10, 5, 5, 5, 0]
    result = score(mzt, answers(adl_50, [0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0]))
    assert result.levels["adl"].code == "2"
    assert result.level is None
    assert result.level_reason.startswith("未定级")
    assert "判定卡" in result.level_reason


def test_moderate_when_adl_severe_grade_two_and_others_one_or_two(mzt):
    """初步等级 2: ADL 分级 2 and 1–2 of the other three at 1 or 2."""
    adl_50 = [10, 0, 0, 5, 10, 10, 5, 5, 5, 0]
    result = score(mzt, answers(adl_50, [1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0]))
    assert result.level.name == "中度失能"
