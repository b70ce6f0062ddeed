"""The 整改台账 and the year-end summary as files: Excel (openpyxl) and PDF (WeasyPrint, the system's
CJK font, nothing fetched). The layouts are this project's: the official 自查整改表's columns and the
汇总表's rows were not found, and every file says so in its second line.

Every workbook is saved through :func:`yiyang.core.xlsx.workbook_bytes`: a problem or a measure typed as
``=HYPERLINK(…)`` (or starting with ``+``, ``-``, ``@``) is stored as quoted text, never as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from yiyang.core import clock
from yiyang.core.xlsx import workbook_bytes

from .models import RectificationItem
from .summary import SummarySection

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LAYOUT_NOTE = "本表为本系统整理的版式，非官方表格（官方表样未找到）。"


def _append(ws: Any, values: Sequence[Any]) -> None:
    ws.append(list(values))


def _head(ws: Any, title: str, columns: int) -> None:
    last = chr(ord("A") + columns - 1)
    _append(ws, [title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=15)
    ws["A1"].alignment = Alignment(horizontal="center")
    _append(ws, [f"{LAYOUT_NOTE} 导出时间：{clock.now():%Y-%m-%d %H:%M}"])
    ws.merge_cells(f"A2:{last}2")


def _dates(r: RectificationItem) -> str:
    parts = []
    if r.submitted_at:
        parts.append(f"完成 {clock.local_date(r.submitted_at):%Y-%m-%d}")
    if r.verified_at:
        parts.append(f"核查 {clock.local_date(r.verified_at):%Y-%m-%d}")
    return " / ".join(parts)


def ledger_workbook(rows: Sequence[RectificationItem], title: str) -> bytes:
    """序号, 机构, 检查类型, 问题, 整改措施, 责任人, 整改期限, 状态, 完成/核查日期."""
    headers = [
        _("No."),
        _("Institution"),
        _("Inspection type"),
        _("Problem"),
        _("Rectification measure"),
        _("Responsible person"),
        _("Deadline"),
        _("State"),
        _("Done / verified on"),
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = _("Rectification ledger")
    _head(ws, title, len(headers))
    _append(ws, headers)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.border = BOX
    for n, r in enumerate(rows, start=1):
        state = r.get_status_display() + (_(" (overdue)") if r.overdue else "")
        _append(
            ws,
            [
                n,
                r.institution.name,
                r.inspection.get_kind_display(),
                r.problem,
                r.measure,
                r.responsible,
                r.deadline.isoformat(),
                state,
                _dates(r),
            ],
        )
        for cell in ws[ws.max_row]:
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGHI", [6, 22, 12, 44, 36, 14, 12, 14, 24], strict=True):
        ws.column_dimensions[col].width = width
    return workbook_bytes(wb)


def summary_table(columns: Sequence[tuple[str, list[SummarySection]]]) -> list[dict[str, Any]]:
    """Sections with one value per column (``columns``: ``(heading, sections)`` — the county total and
    each institution), for the HTML page, the workbook and the PDF alike."""
    if not columns:
        return []
    out = []
    first = columns[0][1]
    for s_index, section in enumerate(first):
        rows = []
        for r_index, row in enumerate(section.rows):
            values = [sections[s_index].rows[r_index].value for _h, sections in columns]
            rows.append(
                {"label": row.label, "values": ["—" if v is None else v for v in values], "note": row.note}
            )
        out.append({"title": section.title, "rows": rows})
    return out


def summary_workbook(title: str, headings: Sequence[str], table: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = pgettext("summary", "Summary")
    width = len(headings) + 2
    _head(ws, title, width)
    _append(ws, [_("Item"), *headings, _("Note")])
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.border = BOX
    for section in table:
        _append(ws, [section["title"]])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for row in section["rows"]:
            _append(ws, [row["label"], *[_plain(v) for v in row["values"]], row["note"]])
            for cell in ws[ws.max_row]:
                cell.border = BOX
    ws.column_dimensions["A"].width = 34
    for i in range(len(headings)):
        ws.column_dimensions[chr(ord("B") + i)].width = 16
    ws.column_dimensions[chr(ord("B") + len(headings))].width = 40
    return workbook_bytes(wb)


def _plain(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def summary_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string("quality/summary/pdf.html", {**context, "layout_note": LAYOUT_NOTE})
    # base_url None and no external references in the template: nothing is fetched.
    return HTML(string=html, base_url=None).write_pdf()
