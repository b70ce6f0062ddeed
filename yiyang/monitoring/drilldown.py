"""Drill-down: from a value to the elders, institutions or communities behind it — those in the numerator
and those not in it (the list a township doctor needs to close the gap).

The engine says which rows the definition covers; what the user may see of them is decided only by
``core.scoping`` (``scope_elders`` / ``scope_institutions``), so a doctor drilling into another
township's value sees none of its elders.
"""

from __future__ import annotations

import functools
import operator
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from yiyang.core import clock, presenters
from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.core.scoping import scope_elders, scope_institutions
from yiyang.core.xlsx import workbook_bytes

from . import engine, error_codes
from .periods import Period
from .schema import Indicator

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

PARTS = ("out", "in", "all")


def _ids(qs: QuerySet, path: str) -> QuerySet:
    return qs.order_by().values(path)


def subjects(
    user: User | AnonymousUser, ind: Indicator, region: Region, period: Period, part: str
) -> tuple[str, QuerySet]:
    """``(kind, queryset)``: the scoped elders/institutions/regions behind the value, ``part`` =
    ``in`` (in the numerator), ``out`` (in the denominator, not in the numerator) or ``all``."""
    if ind.drill is None or not ind.drillable:
        raise ServiceError(error_codes.NOT_DRILLABLE, _("This indicator has no list behind it."), status=404)
    if engine.source_problem(ind.code) is not None:
        raise ServiceError(
            error_codes.NOT_DRILLABLE, _("No source records for this indicator yet."), status=404
        )
    if part not in PARTS:
        raise ServiceError("INVALID_PART", _("Choose in, out or all."), field="part")
    kind, path = ind.drill.kind, ind.drill.path
    base_sets = [_ids(qs, path) for _q, qs in engine.base_row_sets(ind, period, region.code)]
    inside_sets = [_ids(qs, path) for _q, qs in engine.numerator_row_sets(ind, period, region.code)]
    if kind == "elder":
        visible = scope_elders(user)
    elif kind == "institution":
        visible = scope_institutions(user)
    else:
        visible = Region.objects.all()
    key = "code" if kind == "region" else "pk"
    # a union's parts (bed records, declared counts) each name their rows: in any part is in
    base = functools.reduce(operator.or_, (Q(**{f"{key}__in": ids}) for ids in base_sets))
    inside = functools.reduce(operator.or_, (Q(**{f"{key}__in": ids}) for ids in inside_sets))
    if part == "in":
        qs = visible.filter(inside)
    elif part == "out":
        qs = visible.filter(base).exclude(inside)
    else:
        qs = visible.filter(base)
    if kind == "elder":
        qs = presenters.with_related(qs).order_by("region_id", "name", "pk")
    elif kind == "institution":
        qs = qs.select_related("region").order_by("region_id", "name", "pk")
    else:
        qs = qs.order_by("code")
    return kind, qs


def rows(kind: str, objects: list[Any], inside_ids: set[Any] | None = None) -> list[dict[str, Any]]:
    """Display rows (personal fields masked, as every list shows them)."""
    if kind == "elder":
        out = presenters.elder_rows(objects)
    elif kind == "institution":
        paths = Region.paths_for({o.region_id for o in objects})
        out = [
            {
                "id": o.pk,
                "name": o.name,
                "kind_label": o.get_kind_display(),
                "region_path": paths.get(o.region_id, ""),
            }
            for o in objects
        ]
    else:
        paths = Region.paths_for({o.code for o in objects})
        out = [{"id": o.code, "name": o.name, "region_path": paths.get(o.code, o.name)} for o in objects]
    if inside_ids is not None:
        for r, o in zip(out, objects, strict=True):
            r["in_numerator"] = (o.pk if kind != "region" else o.code) in inside_ids
    return out


def workbook(
    ind: Indicator, region: Region, period: Period, kind: str, part: str, table: list[dict[str, Any]]
) -> bytes:
    """The drill-down list as Excel: a title block naming the indicator, region, period and time."""
    wb = Workbook()
    ws = wb.active
    ws.title = ind.code
    part_label = {"in": _("In the numerator"), "out": _("Not in the numerator"), "all": _("All")}[part]
    ws.append([f"{ind.name}（{ind.code}）— {part_label}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("Region"), region.full_name(), _("Period"), period.display()])
    ws.append([_("Exported at"), clock.now().strftime("%Y-%m-%d %H:%M")])
    ws.append([])
    if kind == "elder":
        headers = [
            _("No."),
            _("Name"),
            _("Sex"),
            _("Age"),
            _("ID number"),
            _("Village / community"),
            _("Managing institution"),
            _("In the numerator"),
        ]
        ws.append(headers)
        for n, r in enumerate(table, 1):
            ws.append(
                [
                    n,
                    r["name"],
                    r["sex_label"],
                    r["age"],
                    r["id_number"],
                    r["region_path"],
                    (r["managing_institution"] or {}).get("name", ""),
                    _("Yes") if r["in_numerator"] else _("No"),
                ]
            )
    elif kind == "institution":
        ws.append([_("No."), _("Institution"), _("Type"), _("Region"), _("In the numerator")])
        for n, r in enumerate(table, 1):
            ws.append(
                [n, r["name"], r["kind_label"], r["region_path"], _("Yes") if r["in_numerator"] else _("No")]
            )
    else:
        ws.append([_("No."), _("Code"), _("Region"), _("In the numerator")])
        for n, r in enumerate(table, 1):
            ws.append([n, r["id"], r["region_path"], _("Yes") if r["in_numerator"] else _("No")])
    for cell in ws[5]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for col, width in zip("ABCDEFGH", [6, 14, 12, 8, 22, 30, 24, 10], strict=True):
        ws.column_dimensions[col].width = width
    return workbook_bytes(wb)
