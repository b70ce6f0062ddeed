"""Checklists are data: ``manage.py checklists list|describe`` print JSON like ``assess describe``; a county
loads its own version from a file without code, and new inspections use it while old ones keep theirs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from yiyang.core.models import Institution
from yiyang.quality.checklists.registry import ChecklistError, get_checklist, parse_checklist, shipped
from yiyang.quality.models import ChecklistVersion

from .inspections_helpers import HOME


def _run(*args: str) -> object:
    out = io.StringIO()
    call_command("checklists", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_shipped_checklists_follow_the_six_headings_and_the_fire_duty(db):
    self_check = shipped()["yyjh-zczg"]
    assert [s.title for s in self_check.sections] == [
        "一、落实相关制度要求",
        "二、持续规范药品管理",
        "三、不断提升服务能力",
        "四、做好突发事件处置",
        "五、强化消防安全意识",
        "六、做好传染病防控",
    ]
    assert "非官方" in self_check.label and "非官方" in shipped()["fire-monthly"].label
    assert shipped()["fire-monthly"].kind == "fire"


def test_list_and_describe_print_json(db):
    listed = _run("list")
    assert {c["code"] for c in listed} >= {"yyjh-zczg", "fire-monthly"}
    described = _run("describe", "yyjh-zczg")
    assert described["title"] == "医养结合机构服务质量自查整改表"
    first = described["items"][0]
    assert first["code"] == "1.1" and first["judgements"] == [
        "compliant",
        "partial",
        "noncompliant",
        "not_applicable",
    ]
    assert {i["code"] for i in described["items"] if i["evidence_required"]} == {"1.4", "3.3", "4.4"}


def test_describe_an_unknown_checklist_exits_1(db, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("checklists", "describe", "nope")
    assert exc.value.code == 1


LOCAL = """
code: yyjh-zczg
version: "2027.1-tr"
title: 医养结合机构服务质量自查整改表（铜仁市版）
label: 铜仁市卫健委印发版本（本地载入）
source: {document: 铜仁市医养结合机构服务质量提升行动方案}
rectify_on: [noncompliant]
deadline_days: 5
sections:
  - code: "1"
    title: 一、制度落实
    items:
      - {code: "1.1", requirement: 医疗质量安全核心制度落实到位}
      - {code: "1.2", requirement: 每季度召开一次质量安全例会}
"""


def test_a_county_loads_its_own_version_and_new_inspections_use_it(demo_db, tmp_path, users, freeze_clock):
    freeze_clock(dt.date(2026, 11, 2))
    path = tmp_path / "tr.yaml"
    path.write_text(LOCAL, encoding="utf-8")
    assert _run("load", str(path)) == {"loaded": "yyjh-zczg@2027.1-tr", "items": 2}
    assert get_checklist("yyjh-zczg").version == "2027.1-tr"
    assert _run("describe", "yyjh-zczg", "--version", "2026.1")["version"] == "2026.1"
    from yiyang.quality.services.inspections import ItemInput, create_inspection

    home = Institution.objects.get(name=HOME)
    inspection = create_inspection(
        acting_user=users["yly_admin"],
        institution=home,
        kind="self",
        inspected_on=dt.date(2026, 11, 2),
        items=[ItemInput("1.1", "partial", "制度未上墙"), ItemInput("1.2", "noncompliant", "未召开例会")],
    )
    assert inspection.checklist_version == "2027.1-tr"
    # this version rectifies 不符合 only, in 5 working days
    assert [(r.inspection_item.code, r.deadline) for r in inspection.rectifications.all()] == [
        ("1.2", dt.date(2026, 11, 9))
    ]
    # the same version cannot be loaded twice
    with pytest.raises(SystemExit):
        call_command("checklists", "load", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert ChecklistVersion.objects.filter(code="yyjh-zczg").count() == 1


def test_an_invalid_checklist_file_is_refused_with_the_place_of_the_fault(db):
    with pytest.raises(ChecklistError) as exc:
        parse_checklist(
            LOCAL.replace("rectify_on: [noncompliant]", "rectify_on: [compliant]"), origin="tr.yaml"
        )
    assert "tr.yaml" in str(exc.value) and "rectify_on" in str(exc.value)
    with pytest.raises(ChecklistError):
        parse_checklist(LOCAL.replace('code: "1.2"', 'code: "1.1"'), origin="dup.yaml")
