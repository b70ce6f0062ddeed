"""GB/T 42195-2022 老年人能力评估规范: 附录B scores, 附录C levels and the C.4 level-change rules.

Cases G1–G6 are the worked examples of standards/assessment-instruments.md §1.5.
"""

from __future__ import annotations

import pytest

from yiyang.assessments.engine import AnswerError, score
from yiyang.assessments.registry import get_instrument

from .helpers import by_scores, with_total

G2 = [3, 3, 2, 3, 3, 3, 3, 3, 4, 3, 3, 2, 4, 4, 4, 3, 4, 4, 1, 1, 2, 2, 1, 3, 2, 3]


@pytest.fixture
def gbt():
    return get_instrument("gbt42195")


def test_item_codes_follow_the_standards_numbering_b11_to_b45(gbt):
    """附录B numbers the 26 二级指标 B.1.1–B.1.8, B.2.1–B.2.4, B.3.1–B.3.9, B.4.1–B.4.5."""
    expected = (
        [f"B.1.{n}" for n in range(1, 9)]
        + [f"B.2.{n}" for n in range(1, 5)]
        + [f"B.3.{n}" for n in range(1, 10)]
        + [f"B.4.{n}" for n in range(1, 6)]
    )
    assert [i.code for i in gbt.items] == expected


def test_maxima_are_32_15_28_15_total_90(gbt):
    """§1.2: 自理能力 32, 基础运动能力 15 (上下楼梯 max 3), 精神状态 28, 感知觉与社会参与 15; 总分 90."""
    assert {s.code: s.max_score for s in gbt.sections} == {"B.1": 32, "B.2": 15, "B.3": 28, "B.4": 15}
    assert gbt.item("B.2.4").top_score == 3
    assert gbt.item("B.4.4").top_score == 3


def test_g1_all_maximum_scores_90_and_is_ability_intact(gbt):
    """G1: every item at its maximum → 32/15/28/15 = 90 → 0 能力完好."""
    result = score(gbt, with_total(gbt, 90))
    assert result.total == 90
    assert result.subscores == {"B.1": 32, "B.2": 15, "B.3": 28, "B.4": 15}
    assert result.level.code == "0" and result.level.name == "能力完好"


def test_g2_worked_example_scores_73_mild_and_dementia_raises_to_moderate(gbt):
    """G2: B.1 23, B.2 12, B.3 27, B.4 11 = 73 → 轻度失能; with F00 dementia → 中度失能 (C.4 rule 2)."""
    result = score(gbt, by_scores("gbt42195", G2))
    assert result.total == 73
    assert result.subscores == {"B.1": 23, "B.2": 12, "B.3": 27, "B.4": 11}
    assert result.level.name == "能力轻度受损（轻度失能）"
    with_dementia = score(gbt, by_scores("gbt42195", G2, **{"A.4.1": ["dementia"]}))
    assert with_dementia.preliminary_level.code == "1"
    assert with_dementia.level.name == "能力中度受损（中度失能）"
    assert [c.rule for c in with_dementia.level_changes] == ["C.4.2"]


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (90, "0"),
        (89, "1"),
        (66, "1"),
        (65, "2"),
        (46, "2"),
        (45, "3"),
        (30, "3"),
        (29, "4"),
        (0, "4"),
    ],
)
def test_preliminary_level_cut_offs_90_66_46_30(gbt, total, level):
    """§1.3 / G3: 90 完好; 66–89 轻度; 46–65 中度; 30–45 重度; 0–29 完全 — each boundary and its neighbour."""
    result = score(gbt, with_total(gbt, total))
    assert result.total == total
    assert result.levels["C.3"].code == level
    assert result.level.code == level  # no change rule applies


def test_g4_coma_sets_complete_loss_whatever_the_score(gbt):
    """G4 / C.4 rule 1: total 54 with B.3.9 = 昏迷 → 能力完全丧失（完全失能）, not 中度."""
    result = score(gbt, with_total(gbt, 54, fixed={"B.3.9": "coma"}))
    assert result.total == 54
    assert result.preliminary_level.code == "2"
    assert result.level.code == "4"
    assert result.level.name == "能力完全丧失（完全失能）"
    assert [c.rule for c in result.level_changes] == ["C.4.1"]


def test_coma_recorded_in_a511_also_sets_complete_loss(gbt):
    """C.4 rule 1 names A.5.11 昏迷 as its input: 有 → 完全失能 even with a high score."""
    result = score(gbt, with_total(gbt, 80, **{"A.5.11": "1"}))
    assert result.level.code == "4"


def test_stupor_scores_zero_but_does_not_trigger_the_coma_rule(gbt):
    """B.3.9 0 lumps 昏睡 and 昏迷; only 昏迷 is the C.4 override, so 昏睡 keeps the score-based level."""
    result = score(gbt, with_total(gbt, 86, fixed={"B.3.9": "stupor"}))
    assert result.total == 86
    assert result.level.code == "1"
    assert result.level_changes == []


def test_score_zero_for_consciousness_is_refused_as_ambiguous(gbt):
    """A bare 0 for B.3.9 could be 昏睡 or 昏迷; the engine asks for the option code instead of guessing."""
    answers = by_scores("gbt42195", G2)
    answers["B.3.9"] = 0
    with pytest.raises(AnswerError) as exc:
        score(gbt, answers)
    assert [p.item for p in exc.value.problems] == ["B.3.9"]
    assert "B.3.9 意识水平" in str(exc.value)
    assert "coma" in str(exc.value)


def test_g5_dementia_at_complete_loss_stays_complete_loss(gbt):
    """G5: total 20 with dementia → 完全失能 (no level above it)."""
    result = score(gbt, with_total(gbt, 20, **{"A.4.1": ["dementia"]}))
    assert result.preliminary_level.code == "4"
    assert result.level.code == "4"


def test_g6_one_fall_and_one_choking_count_as_two_risk_events(gbt):
    """G6 / C.4 rule 3: total 50, 1 fall + 1 choking in 30 days → 中度 → 重度 (events summed over types)."""
    result = score(gbt, with_total(gbt, 50, **{"A.2.14.1": "1", "A.2.14.3": "1"}))
    assert result.scores["A.2.14"] == 2
    assert result.preliminary_level.code == "2"
    assert result.level.code == "3"
    assert [c.rule for c in result.level_changes] == ["C.4.3"]


def test_a_single_risk_event_changes_nothing(gbt):
    """C.4 rule 3 needs 2次及以上: one event in 30 days leaves the level as scored."""
    result = score(gbt, with_total(gbt, 50, **{"A.2.14.1": "1"}))
    assert result.level.code == "2"
    assert result.level_changes == []


def test_dementia_and_risk_events_together_raise_one_level_only(gbt):
    """C.4 rules 2 and 3 both holding raise one level (product decision on the [!] cumulation point)."""
    result = score(gbt, with_total(gbt, 70, **{"A.4.1": ["mental"], "A.2.14.2": "2"}))
    assert result.preliminary_level.code == "1"
    assert result.level.code == "2"
    assert {c.rule for c in result.level_changes} == {"C.4.2", "C.4.3"}


def test_missing_item_is_refused_naming_it_in_chinese(gbt):
    """Every required item must be answered; the message names the item by code and name."""
    answers = by_scores("gbt42195", G2)
    del answers["B.1.1"]
    with pytest.raises(AnswerError) as exc:
        score(gbt, answers)
    assert exc.value.problems[0].item == "B.1.1"
    assert exc.value.problems[0].code == "ITEM_MISSING"
    assert "B.1.1 进食：未作答" in exc.value.problems[0].message


def test_score_above_the_items_range_is_refused(gbt):
    """上下楼梯 has 4 options (max 3): answering 4 is out of range."""
    answers = by_scores("gbt42195", G2)
    answers["B.2.4"] = 4
    with pytest.raises(AnswerError) as exc:
        score(gbt, answers)
    problem = exc.value.problems[0]
    assert (problem.item, problem.code) == ("B.2.4", "SCORE_OUT_OF_RANGE")
    assert "B.2.4 上下楼梯" in problem.message


def test_unknown_item_code_is_refused(gbt):
    """An answer for an item the instrument does not have is an error, not silently ignored."""
    answers = by_scores("gbt42195", G2, **{"B.5.1": 1})
    with pytest.raises(AnswerError) as exc:
        score(gbt, answers)
    assert [p.item for p in exc.value.problems] == ["B.5.1"]
