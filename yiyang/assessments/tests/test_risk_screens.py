"""The screens of the admission risk assessment (issue 12): 洼田饮水试验 for 噎食/误吸, and the local
wandering (走失) and scald (烫伤) forms, cut-offs exactly at the boundaries."""

from __future__ import annotations

import pytest

from yiyang.assessments.engine import score
from yiyang.assessments.registry import get_instrument

from .helpers import with_total


def level_code(code: str, answers: dict) -> str:
    level = score(get_instrument(code), answers).level
    assert level is not None
    return level.code


# 洼田饮水试验 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "time", "level"),
    [
        ("1", "within5s", "normal"),  # Ⅰ级, 5 s or less: 正常
        ("1", "over5s", "suspect"),  # Ⅰ级 but over 5 s: 可疑
        ("2", "within5s", "suspect"),  # Ⅱ级: 可疑
        ("2", "over5s", "suspect"),
        ("3", "within5s", "abnormal"),  # Ⅲ级 and worse: 异常
        ("4", "over5s", "abnormal"),
        ("5", "over5s", "abnormal"),
    ],
)
def test_kubota_grades_i_to_v_and_the_five_second_rule(grade, time, level):
    assert level_code("kubota", {"1": grade, "2": time}) == level


def test_kubota_names_its_source_and_grade_wording():
    inst = get_instrument("kubota")
    assert "洼田" in inst.name
    assert [o.label[:3] for o in inst.item("1").options] == ["Ⅰ级：", "Ⅱ级：", "Ⅲ级：", "Ⅳ级：", "Ⅴ级："]


# Local forms: labelled as such --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["wandering", "scald"])
def test_local_forms_say_they_are_local_not_national(code):
    inst = get_instrument(code)
    assert "本地表单，非国家标准" in inst.name
    assert inst.source.evidence == "local"
    assert "本地表单" in inst.source.document


@pytest.mark.parametrize(
    ("code", "total", "level"),
    [
        ("wandering", 0, "low"),
        ("wandering", 2, "low"),
        ("wandering", 3, "moderate"),
        ("wandering", 5, "moderate"),
        ("wandering", 6, "high"),
        ("wandering", 11, "high"),
        ("scald", 0, "low"),
        ("scald", 2, "low"),
        ("scald", 3, "moderate"),
        ("scald", 5, "moderate"),
        ("scald", 6, "high"),
        ("scald", 10, "high"),
    ],
)
def test_local_form_cut_offs_2_and_5(code, total, level):
    """低危 0–2, 中危 3–5, 高危 ≥6 (the local forms' own cut-offs)."""
    result = score(get_instrument(code), with_total(code, total))
    assert result.total == total
    assert result.level is not None
    assert result.level.code == level
