"""The definition format refuses what it does not know, the system check reads the shipped files, and the
CLI keeps the contract tooling relies on (DESIGN §6)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from yiyang.monitoring import checks, engine, registry
from yiyang.monitoring.periods import PeriodError, parse_period, trend_periods
from yiyang.monitoring.registry import DefinitionError, parse_definition

from .factories import COUNTY, make_elder

MINIMAL = """
code: XX-1
version: "1"
name: 测试
unit: 人
factor: 1
source: {document: test}
numerator:
  type: count
  model: core.Elder
  region: region
  where: [{type: resident}]
"""


def test_minimal_definition_parses():
    ind = parse_definition(MINIMAL)
    assert ind.code == "XX-1" and not ind.is_rate


def test_unknown_condition_type_is_refused_naming_the_allowed_ones():
    text = MINIMAL.replace("{type: resident}", "{type: python, expr: '1'}")
    with pytest.raises(DefinitionError) as exc:
        parse_definition(text)
    assert "unknown condition type 'python'" in str(exc.value)
    assert (
        "allowed types: age, all, any, count_related, declared, exists, field, in_period, not, resident, "
        "valid_on" in str(exc.value)
    )


def test_unknown_query_type_is_refused():
    with pytest.raises(DefinitionError, match="unknown query type 'average'"):
        parse_definition(MINIMAL.replace("type: count", "type: average"))


def test_unknown_top_level_key_is_refused():
    with pytest.raises(DefinitionError, match="Extra inputs are not permitted"):
        parse_definition(MINIMAL + "colour: red\n")


def test_subset_numerator_needs_a_denominator():
    text = MINIMAL.split("numerator:")[0] + "numerator:\n  type: subset\n  where: [{type: resident}]\n"
    with pytest.raises(DefinitionError, match="subset numerator needs a denominator"):
        parse_definition(text)


def test_a_plain_count_cannot_have_a_percentage_factor():
    with pytest.raises(DefinitionError, match="factor must be 1"):
        parse_definition(MINIMAL.replace("factor: 1", "factor: 100"))


def test_nested_unknown_type_inside_exists_is_refused():
    text = MINIMAL.replace(
        "where: [{type: resident}]", "where: [{type: exists, relation: categories, where: [{type: sql}]}]"
    )
    with pytest.raises(DefinitionError, match="unknown condition type 'sql'"):
        parse_definition(text)


def test_every_shipped_file_passes_the_system_check():
    assert len(registry.definition_files()) >= 20
    assert [m for m in checks.check_indicator_definitions() if m.level >= 40] == []


def test_system_check_reports_a_broken_file(tmp_path: Path, monkeypatch):
    (tmp_path / "XX-1.yaml").write_text(MINIMAL.replace("type: count", "type: median"), encoding="utf-8")
    (tmp_path / "XX-2.yaml").write_text(MINIMAL, encoding="utf-8")  # code does not match the name
    monkeypatch.setattr(registry, "INDICATORS_DIR", tmp_path)
    ids = sorted(m.id for m in checks.check_indicator_definitions())
    assert ids == ["monitoring.E001", "monitoring.E001"]


def test_system_check_reports_a_field_the_model_does_not_have(tmp_path: Path, monkeypatch):
    text = MINIMAL.replace("{type: resident}", "{type: field, field: shoe_size, value: 42}")
    (tmp_path / "XX-1.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(registry, "INDICATORS_DIR", tmp_path)
    registry.clear_cache()
    engine.source_problem.cache_clear()
    try:
        messages = checks.check_indicator_definitions()
        assert [m.id for m in messages] == ["monitoring.E002"]
        assert "shoe_size" in messages[0].msg
        # pending_source turns it into a warning and the indicator into 无数据源
        (tmp_path / "XX-1.yaml").write_text(text + "pending_source: true\n", encoding="utf-8")
        registry.clear_cache()
        engine.source_problem.cache_clear()
        assert [m.id for m in checks.check_indicator_definitions()] == ["monitoring.W001"]
        assert engine.source_problem("XX-1") is not None
    finally:
        registry.clear_cache()
        engine.source_problem.cache_clear()


def test_a_definition_requiring_an_app_that_is_not_installed_has_no_source(tmp_path: Path, monkeypatch):
    text = MINIMAL + "pending_source: true\nrequires: [nowhere.Thing]\n"
    (tmp_path / "XX-1.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(registry, "INDICATORS_DIR", tmp_path)
    registry.clear_cache()
    engine.source_problem.cache_clear()
    try:
        assert checks.check_indicator_definitions() == []
        assert engine.source_problem("XX-1") == "nowhere.Thing not installed"
    finally:
        registry.clear_cache()
        engine.source_problem.cache_clear()


@pytest.mark.parametrize("bad", ["2026Q5", "2026-13", "26", "2026-1", "Q1", "", "2026q1"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_trend_periods_step_back_across_years():
    assert [p.label for p in trend_periods(parse_period("2026Q2"), 4)] == [
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
    assert [p.label for p in trend_periods(parse_period("2026-01"), 2)] == ["2025-12", "2026-01"]


# --------------------------------------------------------------------------------------------------
# CLI contract
# --------------------------------------------------------------------------------------------------


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return out.getvalue()


def test_cli_compute_json_prints_the_contract_fields(county, unsourced_indicator):
    """`indicators compute --region --period --json` prints the contract fields (DESIGN §6)."""
    import datetime as dt

    for _ in range(3):
        make_elder(county["village_a"], dt.date(1950, 1, 1))
    make_elder(county["village_b"], dt.date(1961, 12, 31))
    data = json.loads(_run("compute", "--region", "529901", "--period", "2026", "--json"))
    assert {tuple(sorted(row)) for row in data} == {
        ("code", "denominator", "name", "numerator", "status", "target", "value")
    }
    by_code = {row["code"]: row for row in data}
    assert set(by_code) == {i.code for i in registry.all_indicators()}
    assert by_code["POP-65"] == {
        "code": "POP-65",
        "name": "65岁及以上常住老年人口数",
        "numerator": 4,
        "denominator": None,
        "value": 4,
        "target": None,
        "status": "no_target",
    }
    assert by_code["XX-9"]["status"] == "no_source" and by_code["XX-9"]["value"] is None
    assert by_code["IR-5"]["status"] != "no_source"  # computed from the care app's records
    # the values are stored for the county and the regions below it
    from yiyang.monitoring.models import IndicatorValue

    assert IndicatorValue.objects.get(indicator_code="POP-65", region_id=COUNTY, period="2026").numerator == 4
    assert (
        IndicatorValue.objects.get(indicator_code="POP-65", region_id="529901002000", period="2026").numerator
        == 1
    )


def test_cli_compute_reports_targets_and_status_for_the_demo_county(demo_db):
    """The seeded plan target (IR-3 ≥ 60% in 520621 for 2026) comes back with its status."""
    data = {
        r["code"]: r for r in json.loads(_run("compute", "--region", "520621", "--period", "2026", "--json"))
    }
    ir3 = data["IR-3"]
    assert ir3["target"] == 60
    assert ir3["status"] == ("met" if ir3["value"] >= 60 else "not_met")
    assert ir3["value"] == round(ir3["numerator"] * 100 / ir3["denominator"], 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "5206", "--period", "2026Q9"], "统计期"),
        (["--region", "abc", "--period", "2026"], "区划代码"),
        (["--region", "529988", "--period", "2026"], "不存在"),
    ],
)
def test_cli_refuses_bad_input_in_chinese(demo_db, args, message):
    with pytest.raises(CommandError, match=message):
        _run("compute", *args)


def test_cli_list_marks_indicators_without_source(demo_db, unsourced_indicator):
    out = _run("list")
    assert "XX-9" in out and "无数据源" in out.split("XX-9", 1)[1].splitlines()[0]
    assert "无数据源" not in out.split("IR-5", 1)[1].splitlines()[0]


def test_count_related_needs_a_minimum_of_at_least_one():
    from pydantic import TypeAdapter, ValidationError

    from yiyang.monitoring import schema

    adapter = TypeAdapter(schema.Condition)
    ok = adapter.validate_python({"type": "count_related", "relation": "followups", "at_least": 4})
    assert ok.at_least == 4
    for bad in (
        {"type": "count_related", "relation": "followups", "at_least": 0},
        {"type": "count_related", "relation": "followups"},
    ):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


def test_count_related_counts_matching_related_rows_with_a_minimum(county):
    """On the hand-built 测试县: 甲街道 has 2 child regions (甲社区, 甲村), 乙镇 2 (乙一村, 乙二村).
    "At least 2 children" holds for both, "at least 3" for neither; with a filter on the children's
    name starting with 乙, "at least 2" holds for 乙镇 alone (and "at least 3" for neither)."""
    from yiyang.core.models import Region
    from yiyang.monitoring import schema

    period = parse_period("2026")
    towns = Region.objects.filter(code__in=[county["a"].code, county["b"].code])

    def matching(cond: dict) -> set[str]:
        parsed = schema.CountRelatedCondition.model_validate(cond)
        return set(towns.filter(engine.condition_q(Region, parsed, period)).values_list("name", flat=True))

    assert matching({"type": "count_related", "relation": "children", "at_least": 2}) == {"甲街道", "乙镇"}
    assert matching({"type": "count_related", "relation": "children", "at_least": 3}) == set()
    ends = {"type": "field", "field": "name", "op": "regex", "value": "^乙"}
    b_only = {"type": "count_related", "relation": "children", "where": [ends]}
    assert matching(b_only | {"at_least": 2}) == {"乙镇"}
    assert matching(b_only | {"at_least": 3}) == set()


def test_cli_drain_turns_the_outbox_into_runs_as_the_system_actor(county, django_capture_on_commit_callbacks):
    """`indicators drain --json` (a cron job, or by hand): one run per county and materialised period,
    computed at once with eager Celery, requested by the system actor."""
    import datetime as dt

    from yiyang.core.actors import system_user
    from yiyang.monitoring import services
    from yiyang.monitoring.models import ComputeRun, IndicatorValue, RecomputeMark

    services.compute_now(COUNTY, "2026")
    RecomputeMark.objects.all().delete()
    make_elder(county["village_a"], dt.date(1950, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):  # the command's commit, inside the test's
        data = json.loads(_run("drain", "--json"))
    assert [(r["region"], r["periods"], r["reason"]) for r in data] == [(COUNTY, ["2026"], "change")]
    run = ComputeRun.objects.get(pk=data[0]["run"])
    assert run.requested_by == system_user() and run.status == "done"
    assert IndicatorValue.objects.get(indicator_code="POP-65", region_id=COUNTY, period="2026").numerator == 1
    assert not RecomputeMark.objects.exists()
    assert "0" in _run("drain")  # nothing left: no run


def test_cli_load_targets_is_audited_as_the_system_actor(demo_db, tmp_path):
    from yiyang.core.models import AuditEvent
    from yiyang.monitoring.models import Target

    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n  - {indicator: HM-1, region: '520621', period: '2027', op: '>=', value: 75}\n",
        encoding="utf-8",
    )
    assert "1" in _run("load-targets", str(path))
    target = Target.objects.get(indicator_code="HM-1", region_code="520621000000", period="2027")
    assert target.updated_by.username == "system"
    event = AuditEvent.objects.filter(object_type="monitoring.target", object_repr="targets.yaml").get()
    assert event.username == "system" and event.changes == {"targets": [None, 1]}
