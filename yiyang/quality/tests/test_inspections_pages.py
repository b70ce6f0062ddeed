"""The pages: the self-inspection form (errors beside the item), the hub entries, and the year-end summary
with every registered section, as a page, Excel and PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from yiyang.core.models import AuditEvent, Institution
from yiyang.quality import summary
from yiyang.quality.checklists.registry import get_checklist
from yiyang.quality.models import Inspection

from .inspections_helpers import HOME, png


@pytest.fixture
def home(demo_db):  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=HOME)


def _form(home, findings: dict[str, str], with_evidence: bool = True) -> dict:  # type: ignore[no-untyped-def]
    data: dict = {"kind": "self", "institution": str(home.pk), "inspected_on": "2026-09-29"}
    for _s, item in get_checklist("yyjh-zczg").items():
        data[f"j-{item.code}"] = "noncompliant" if item.code in findings else "compliant"
        data[f"n-{item.code}"] = findings.get(item.code, "")
        if item.evidence_required and with_evidence:
            data[f"e-{item.code}"] = png()
    return data


def test_the_hub_lists_the_inspection_pages_for_the_roles_that_use_them(client_for):
    page = client_for("yly_admin").get("/quality/").content.decode()
    assert "自查与防火检查" in page and "整改台账" in page and "年度汇总" in page
    assert "自查与防火检查" not in client_for("doctor_sj").get("/quality/").content.decode()


def test_the_form_shows_each_problem_beside_its_item_and_keeps_what_was_entered(
    client_for, home, freeze_clock
):
    freeze_clock(dt.date(2026, 9, 29))
    data = _form(home, {"4.2": ""}, with_evidence=False)
    r = client_for("yly_admin").post("/quality/inspections/new/?kind=self", data)
    assert r.status_code == 200
    page = r.content.decode()
    assert "条目 4.2：请填写发现的问题。" in page and "条目 1.4：该条目须上传佐证材料。" in page
    assert 'value="noncompliant" selected' in page
    assert not Inspection.objects.filter(institution=home, inspected_on=dt.date(2026, 9, 29)).exists()


def test_submitting_the_form_opens_the_rectification_items(client_for, home, freeze_clock):
    freeze_clock(dt.date(2026, 9, 29))
    data = _form(home, {"4.2": "3 名新入住老人未评估", "5.2": "灭火器压力不足"})
    r = client_for("yly_admin").post("/quality/inspections/new/?kind=self", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    inspection = Inspection.objects.get(pk=int(r["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert inspection.rectifications.count() == 2
    assert inspection.items.get(code="1.4").evidence.count() == 1


def test_the_summary_renders_every_registered_section(client_for, home, monkeypatch):
    def extra(ids, year):  # type: ignore[no-untyped-def]
        return summary.SummarySection("其他板块", [summary.SummaryRow("测试行", len(ids))])

    monkeypatch.setattr(summary, "SECTIONS", [*summary.SECTIONS, extra])
    page = client_for("wjj").get("/quality/summary/?year=2026").content.decode()
    assert "自查整改与消防安全" in page and "其他板块" in page and "整改完成率（QS-4）" in page
    assert "非官方" in page and HOME in page  # the county table has a column per institution
    own = client_for("yly_admin").get("/quality/summary/?year=2026").content.decode()
    assert "江口县太平镇敬老院" not in own


def test_the_summary_exports_as_excel_and_pdf_and_is_audited(client_for):
    r = client_for("wjj").get("/quality/summary/export.xlsx?year=2026")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert ws.title == "汇总表" and "非官方" in ws["A2"].value
    assert [c.value for c in ws[3]][:3] == ["条目", "合计", "双江街道日间照料中心"]
    assert "自查整改与消防安全" in values and "整改完成率（QS-4）" in values
    r = client_for("wjj").get("/quality/summary/export.pdf?year=2026")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(action="export", username="wjj", object_type="quality.summary").count() == 2
    )
