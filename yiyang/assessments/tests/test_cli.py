"""``manage.py assess list|describe|score``: the JSON shapes other tools rely on (DESIGN.md §6)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from .helpers import by_scores

G2 = [3, 3, 2, 3, 3, 3, 3, 3, 4, 3, 3, 2, 4, 4, 4, 3, 4, 4, 1, 1, 2, 2, 1, 3, 2, 3]
CONTRACT_CODES = {"gbt42195", "mzt039", "selfcare", "tcm33", "barthel", "braden", "morse", "gds15", "minicog"}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("assess", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, payload) -> str:
    path = tmp_path / "answers.json"
    path.write_text(
        payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False), encoding="utf-8"
    )
    return str(path)


def test_list_prints_code_version_and_name_of_every_instrument():
    """``assess list`` → JSON list of {code, version, name}, including every contract code."""
    code, out, _err = run("list")
    listed = json.loads(out)
    assert code == 0
    assert {i["code"] for i in listed} >= CONTRACT_CODES
    assert all(set(i) == {"code", "version", "name"} and i["version"] for i in listed)
    assert listed[0] == {"code": "gbt42195", "version": "2022.1", "name": "老年人能力评估（GB/T 42195-2022）"}


def test_describe_prints_items_with_codes_and_options_with_scores():
    """``assess describe gbt42195`` → the definition; ``items`` lists B.1.1 … with scored options."""
    code, out, _err = run("describe", "gbt42195")
    data = json.loads(out)
    assert code == 0
    assert data["code"] == "gbt42195" and data["version"] == "2022.1"
    assert len(data["items"]) == 26
    first = data["items"][0]
    assert first["code"] == "B.1.1" and first["section"] == "B.1" and first["name"] == "进食"
    assert [o["score"] for o in first["options"]] == [4, 3, 2, 1, 0]
    stairs = next(i for i in data["items"] if i["code"] == "B.2.4")
    assert max(o["score"] for o in stairs["options"]) == 3
    assert [lv["code"] for lv in data["result_levels"]] == ["0", "1", "2", "3", "4"]


def test_score_prints_total_subscores_and_level(tmp_path):
    """``assess score gbt42195 answers.json`` with G2 → total 73, sub-totals by section, 轻度失能."""
    path = write(tmp_path, {"items": by_scores("gbt42195", G2)})
    code, out, _err = run("score", "gbt42195", path)
    data = json.loads(out)
    assert code == 0
    assert data["total"] == 73
    assert data["subscores"] == {"B.1": 23, "B.2": 12, "B.3": 27, "B.4": 11}
    assert data["level"] == {"code": "1", "name": "能力轻度受损（轻度失能）"}
    assert data["level_reason"] is None


def test_score_accepts_option_codes_as_well_as_scores(tmp_path):
    """Answers may be option codes: 昏迷 is "coma" and sets 完全失能 (C.4 rule 1)."""
    items = by_scores("gbt42195", G2) | {"B.3.9": "coma"}
    code, out, _err = run("score", "gbt42195", write(tmp_path, {"items": items}))
    assert code == 0
    assert json.loads(out)["level"]["code"] == "4"


def test_score_without_a_published_rule_gives_null_level_and_the_reason(tmp_path):
    """长期护理失能等级: level null and level_reason "未定级（标准未公布该规则）"."""
    items = (
        {f"1.{n}": 0 for n in range(1, 11)}
        | {f"2.{n}": 0 for n in range(1, 5)}
        | {f"3.{n}": 0 for n in range(1, 4)}
    )
    code, out, _err = run("score", "ltc", write(tmp_path, {"items": items}))
    data = json.loads(out)
    assert code == 0
    assert data["level"] is None
    assert data["level_reason"] == "未定级（标准未公布该规则）"


def test_missing_answer_exits_non_zero_naming_the_item_in_chinese(tmp_path):
    """A missing item → exit 1, nothing on stdout, a Chinese line naming the item on stderr."""
    items = by_scores("gbt42195", G2)
    del items["B.3.4"]
    code, out, err = run("score", "gbt42195", write(tmp_path, {"items": items}))
    assert code == 1
    assert out == ""
    assert "B.3.4 记忆：未作答" in err


def test_out_of_range_answer_exits_non_zero_naming_the_item(tmp_path):
    """An answer that is no option's score → exit 1 naming the item and the allowed scores."""
    items = by_scores("barthel", [10, 5, 5, 10, 10, 10, 10, 15, 15, 10]) | {"8": 12}
    code, _out, err = run("score", "barthel", write(tmp_path, {"items": items}))
    assert code == 1
    assert "8 床椅转移" in err
    assert "15、10、5、0" in err


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [("{not json", "不是合法的 JSON"), ({"answers": {}}, "items"), ([1, 2], "items")],
)
def test_malformed_answers_file_exits_non_zero_in_chinese(tmp_path, payload, fragment):
    """The file must be JSON of the form {"items": {...}}."""
    code, out, err = run("score", "barthel", write(tmp_path, payload))
    assert code == 1 and out == ""
    assert fragment in err


def test_unknown_instrument_exits_non_zero_listing_the_codes(tmp_path):
    code, _out, err = run("score", "nosuch", write(tmp_path, {"items": {}}))
    assert code == 1
    assert "未知量表" in err and "gbt42195" in err
