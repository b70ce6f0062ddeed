"""Excel exports (openpyxl): the layout an official files, with masked personal fields."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from . import clock
from .xlsx import workbook_bytes

MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def elders_workbook(rows: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Elders")
    headers = [
        _("Name"),
        _("Sex"),
        _("Birth date"),
        _("Age"),
        _("ID number"),
        _("Phone"),
        _("Village / community"),
        _("Living situation"),
        _("Categories"),
        _("Managing institution"),
        _("Residence institution"),
        _("Status"),
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(
            [
                r["name"],
                r["sex_label"],
                r["birth_date"],
                r["age"],
                r["id_number"],
                r["phone"],
                r["region_path"],
                r["living_situation_label"],
                "、".join(r["category_labels"]),
                (r["managing_institution"] or {}).get("name", ""),
                (r["residence_institution"] or {}).get("name", ""),
                r["status_label"],
            ]
        )
    for col, width in zip("ABCDEFGHIJKL", [10, 6, 12, 6, 22, 14, 28, 14, 24, 22, 22, 8], strict=True):
        ws.column_dimensions[col].width = width
    return workbook_bytes(wb)


def elders_workbook_response(rows: list[dict[str, Any]]) -> HttpResponse:
    response = HttpResponse(elders_workbook(rows), content_type=XLSX)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="elders-{stamp}.xlsx"'
    return response
