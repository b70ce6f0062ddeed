"""The 整改台账: an institution sees only its own rows, the county officer every institution's in the
region (民政 the eldercare ones), overdue items first; the Excel export keeps the ledger layout, cannot
carry a formula, and is audited; the daily job escalates overdue items."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from yiyang.care.tests.factories import make_home, make_user
from yiyang.core.models import AuditEvent, Institution
from yiyang.quality.models import RectificationItem
from yiyang.quality.services.inspections import run_daily

from .inspections_helpers import HOME, make_item

D = dt.date


@pytest.fixture
def home(demo_db):  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=HOME)


def _ids(api, **params) -> set[int]:  # type: ignore[no-untyped-def]
    r = api.get("/api/v1/rectifications", page_size=100, **params)
    assert r.status_code == 200, r.content
    return {row["institution_id"] for row in r.json()["results"]}


def test_an_institution_sees_only_its_own_ledger(api_for, home):
    assert _ids(api_for("yly_admin")) == {home.pk}
    assert (
        _ids(api_for("yly_admin"), institution=Institution.objects.get(name="江口县太平镇敬老院").pk) == set()
    )


def test_the_county_officers_see_every_inspected_institution_of_the_region(api_for):
    demo_homes = set(RectificationItem.objects.values_list("institution_id", flat=True))
    assert len(demo_homes) > 3
    assert _ids(api_for("wjj")) >= demo_homes - {None}
    assert _ids(api_for("mzj")) >= demo_homes


def test_outsiders_get_no_rows_and_404(api_for, client_for, home, users):
    other = make_home()
    make_user("admin_outside", "institution_admin", other)
    outsider = api_for("admin_outside")
    assert outsider.get("/api/v1/rectifications").json()["count"] == 0
    item = RectificationItem.objects.filter(institution=home).first()
    assert outsider.get(f"/api/v1/rectifications/{item.pk}").status_code == 404
    assert (
        outsider.post(f"/api/v1/rectifications/{item.pk}/transitions", {"action": "start"}).status_code == 404
    )
    assert outsider.get(f"/api/v1/inspections/{item.inspection_id}").status_code == 404
    assert client_for("admin_outside").get(f"/quality/rectifications/{item.pk}/").status_code == 404
    # a doctor holds no ledger permission at all
    assert api_for("doctor_sj").get("/api/v1/rectifications").json()["count"] == 0
    assert client_for("doctor_sj").get("/quality/rectifications/").status_code == 403


def test_overdue_items_come_first_on_the_officers_list(api_for, home, users, today):
    late = make_item(home, users["yly_admin"], deadline=today - dt.timedelta(days=3))
    rows = api_for("wjj").get("/api/v1/rectifications", page_size=100).json()["results"]
    flags = [r["overdue"] for r in rows]
    assert flags == sorted(flags, reverse=True) and late.pk in {r["id"] for r in rows if r["overdue"]}
    only = api_for("wjj").get("/api/v1/rectifications", overdue="true", page_size=100).json()["results"]
    assert only and all(r["overdue"] for r in only)
    r = api_for("wjj").get("/api/v1/rectifications", state="lost")
    assert r.status_code == 422


def test_the_daily_job_escalates_overdue_items_once(home, users, today):
    late = make_item(home, users["yly_admin"], deadline=today - dt.timedelta(days=1))
    fresh = make_item(home, users["yly_admin"], deadline=today)
    run_daily(today=today)
    late.refresh_from_db(), fresh.refresh_from_db()
    assert late.escalated_on == today and fresh.escalated_on is None
    run_daily(today=today + dt.timedelta(days=1))
    late.refresh_from_db()
    assert late.escalated_on == today


def test_the_ledger_page_highlights_overdue_items(client_for, home, users, today):
    make_item(home, users["yly_admin"], deadline=today - dt.timedelta(days=2), problem="消防通道堆放杂物")
    page = client_for("wjj").get("/quality/rectifications/").content.decode()
    assert "整改台账" in page and 'class="overdue"' in page and "逾期" in page


def test_the_excel_export_keeps_the_layout_neutralises_formulas_and_is_audited(
    client_for, home, users, today
):
    make_item(
        home,
        users["yly_admin"],
        deadline=today + dt.timedelta(days=5),
        problem='=HYPERLINK("http://evil.example","点我")',
        measure="+1+1",
        responsible="@SUM(A1)",
    )
    make_item(home, users["yly_admin"], deadline=today + dt.timedelta(days=6), problem="-2+3")
    r = client_for("yly_admin").get("/quality/rectifications/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert "非官方" in ws["A2"].value
    assert [c.value for c in ws[3]] == [
        "序号",
        "机构",
        "检查类型",
        "问题",
        "整改措施",
        "责任人",
        "整改期限",
        "状态",
        "完成/核查日期",
    ]
    cells = {c.value: c for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, str)}
    for payload in ['=HYPERLINK("http://evil.example","点我")', "+1+1", "@SUM(A1)", "-2+3"]:
        # the text as typed, stored as quoted text: never a live formula
        assert (cells[payload].data_type, cells[payload].quotePrefix) == ("s", True)
    assert {c.value for c in ws["B"][3:]} == {HOME}  # only the institution's own rows
    assert AuditEvent.objects.filter(
        action="export", username="yly_admin", object_type="quality.rectificationitem"
    ).exists()
