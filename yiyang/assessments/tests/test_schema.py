"""The definition-file format: what the schema refuses, and the system check over the shipped files."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from yiyang.assessments import checks, registry
from yiyang.assessments.registry import DefinitionError, parse_definition


def minimal() -> dict[str, Any]:
    """A small valid instrument: two items 0–2, a band table on the total."""
    scale = [{"code": str(s), "score": s, "label": f"{s}分"} for s in (2, 1, 0)]
    return {
        "code": "demo",
        "version": "1",
        "name": "示例量表",
        "source": {"document": "示例", "clause": "1", "evidence": "local"},
        "higher_is_better": True,
        "required_roles": ["clinician"],
        "sections": [
            {
                "code": "S",
                "name": "部分",
                "max_score": 4,
                "items": [
                    {"code": "1", "name": "条目一", "options": copy.deepcopy(scale)},
                    {"code": "2", "name": "条目二", "options": copy.deepcopy(scale)},
                ],
            },
        ],
        "levels": [
            {
                "type": "bands",
                "code": "grade",
                "name": "分级",
                "of": "total",
                "levels": [{"code": "good", "name": "好"}, {"code": "poor", "name": "差"}],
                "bands": [{"min": 3, "level": "good"}, {"max": 2, "level": "poor"}],
            },
        ],
        "result_level": "grade",
    }


def parse(data: dict[str, Any]):
    return parse_definition(yaml.safe_dump(data, allow_unicode=True), origin="demo.yaml")


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(DefinitionError) as exc:
        parse(data)
    return str(exc.value)


def test_minimal_definition_is_accepted():
    """The baseline used by the refusals below is itself valid."""
    assert parse(minimal()).code == "demo"


def test_unknown_level_rule_type_is_refused_listing_the_allowed_types():
    """Like commcare-hq's IndicatorFactory: an unknown ``type`` names the types that exist."""
    data = minimal()
    data["levels"][0]["type"] = "percentile"
    message = refused(data)
    assert "unknown level rule type 'percentile'" in message
    assert "allowed types: bands, first_match, not_published" in message


def test_unknown_condition_type_is_refused_listing_the_allowed_types():
    """Conditions nested in a first_match case go through the same registry check."""
    data = minimal()
    data["levels"][0] = {
        "type": "first_match",
        "code": "grade",
        "name": "分级",
        "levels": [{"code": "good", "name": "好"}],
        "cases": [{"level": "good", "when": {"type": "regex", "ref": "total"}}],
        "otherwise": {"reason": "未定级"},
    }
    message = refused(data)
    assert "unknown condition type 'regex'" in message
    assert "all, any, compare, count, level_in, option_in" in message


def test_unknown_score_rule_type_is_refused():
    """A derived score of an unknown type fails loading."""
    data = minimal()
    data["scores"] = [{"type": "mean", "code": "m", "name": "均分", "items": ["1"]}]
    assert "allowed types: sum, transformed_sum" in refused(data)


def test_duplicate_item_code_is_refused():
    """Item codes identify answers; two items with one code would make answers ambiguous."""
    data = minimal()
    data["sections"][0]["items"][1]["code"] = "1"
    assert "duplicate item or field code '1'" in refused(data)


def test_option_scoring_above_the_items_maximum_is_refused():
    """An item's published maximum bounds its options (上下楼梯 max 3 cannot have a 4)."""
    data = minimal()
    data["sections"][0]["items"][0]["max_score"] = 1
    assert "score above the item's maximum 1" in refused(data)


def test_negative_option_score_is_refused():
    """Scores are never negative in any national instrument."""
    data = minimal()
    data["sections"][0]["items"][0]["options"][2]["score"] = -1
    assert "greater than or equal to 0" in refused(data)


def test_section_maximum_that_does_not_match_its_items_is_refused():
    """A typo in an option score shows up as a section that no longer adds up to the published maximum."""
    data = minimal()
    data["sections"][0]["max_score"] = 5
    assert "items add up to 4, the published maximum is 5" in refused(data)


def test_band_table_with_a_gap_is_refused():
    """Every total the items can reach must fall in a band: a gap would leave a real elder ungraded."""
    data = minimal()
    data["levels"][0]["bands"] = [{"min": 3, "level": "good"}, {"max": 1, "level": "poor"}]
    assert "reachable value(s) [2] fall in no band" in refused(data)


def test_overlapping_bands_are_refused():
    """A boundary score must belong to exactly one band."""
    data = minimal()
    data["levels"][0]["bands"] = [{"min": 2, "level": "good"}, {"max": 2, "level": "poor"}]
    assert "overlap" in refused(data)


def test_band_naming_an_undeclared_level_is_refused():
    data = minimal()
    data["levels"][0]["bands"][0]["level"] = "excellent"
    assert "band level 'excellent' is not in its levels" in refused(data)


def test_reference_to_an_unknown_item_is_refused():
    data = minimal()
    data["scores"] = [{"type": "sum", "code": "s", "name": "和", "items": ["9"]}]
    assert "reference 'item:9' names nothing" in refused(data)


def test_level_rule_may_only_use_rules_defined_before_it():
    """Rules run in file order; a forward reference would read a level not yet computed."""
    data = minimal()
    data["levels"].insert(
        0,
        {
            "type": "first_match",
            "code": "early",
            "name": "早",
            "levels": [{"code": "x", "name": "x"}],
            "cases": [{"level": "x", "when": {"type": "level_in", "rule": "grade", "levels": ["good"]}}],
            "otherwise": {"reason": "未定级"},
        },
    )
    assert "level_in names 'grade', not an earlier level rule" in refused(data)


def test_unknown_top_level_field_is_refused():
    """A misspelt key (``validty_months``) must not be silently ignored."""
    data = minimal()
    data["validty_months"] = 12
    assert "Extra inputs are not permitted" in refused(data)


def test_system_check_passes_on_the_shipped_definitions():
    """``manage.py check`` runs the schema over every instrument file; the shipped ones are clean."""
    assert checks.check_instrument_definitions() == []
    codes = {p.stem for p in registry.definition_files()}
    assert codes == {
        "gbt42195",
        "mzt039",
        "selfcare",
        "tcm33",
        "barthel",
        "braden",
        "morse",
        "gds15",
        "minicog",
        "ltc",
        "satisfaction",
        # admission risk assessment screens (quality app, issue 12)
        "kubota",
        "wandering",
        "scald",
    }


def test_system_check_reports_a_broken_definition_file(tmp_path, monkeypatch):
    """A broken file becomes check error assessments.E001 naming the file and the problem."""
    data = minimal()
    data["levels"][0]["type"] = "percentile"
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(registry, "INSTRUMENTS_DIR", tmp_path)
    monkeypatch.setattr(registry, "ARCHIVE_DIR", tmp_path / "archive")
    errors = checks.check_instrument_definitions()
    assert [e.id for e in errors] == ["assessments.E001"]
    assert "demo.yaml" in errors[0].msg
    assert "percentile" in errors[0].hint


def test_file_name_must_match_the_instrument_code(tmp_path):
    """``instruments/<code>.yaml``: a copied file left with the old code is refused."""
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(minimal(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="does not match the file name"):
        registry.load_file(path)
