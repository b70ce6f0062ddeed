"""Reports upwards (上报): the county's indicator values and its scorecard, as Excel in the layout an official
files (title, reporting unit, period, numbered table, signature lines) and as PDF (WeasyPrint with the
system's CJK font; nothing is fetched from the network). Built only from materialised values, with
their computation time printed; every generated file is kept (report history).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.core.scoping import require_perm
from yiyang.core.xlsx import workbook_bytes

from . import error_codes
from .models import Report, ReportKind, ScorecardAssessment
from .periods import Period, parse_period
from .scorecards import IndicatorScoring, get_scorecard
from .values import ValueRow, number, rows_for, visible_indicators

if TYPE_CHECKING:
    from yiyang.accounts.models import User

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
STATUS_LABELS = {
    "met": gettext_lazy("Target met"),
    "not_met": gettext_lazy("Target not met"),
    "no_target": "—",
    "no_source": gettext_lazy("No data source"),
    "no_data": gettext_lazy("No data"),
}


NOTE = gettext_lazy(
    'Values are computed from the records by each indicator\'s definition; "no data source" means the '
    "records are not yet kept in the platform and does not count as 0."
)


def _status(row: ValueRow) -> str:
    return str(STATUS_LABELS.get(row.judgement.status, row.judgement.status))


def _value_text(row: ValueRow) -> str:
    if not row.source_available:
        return _("No data source")
    v = number(row.value, places=2)
    return "—" if v is None else str(v)


def _cell_text(value: Decimal | None) -> Any:
    n = number(value)
    return "" if n is None else n


def indicator_table(region: Region, period: Period, user: User) -> tuple[list[ValueRow], Any]:
    rows = [r for r in rows_for(region.code, period, visible_indicators(user)) if r.computed]
    if not any(r.computed_at for r in rows):
        raise ServiceError(
            error_codes.NOT_COMPUTED,
            _("No values are computed for this region and period: recompute first."),
            field="period",
        )
    computed_at = max((r.computed_at for r in rows if r.computed_at), default=None)
    return rows, computed_at


def _sheet_head(ws: Any, title: str, region: Region, period: Period, computed_at: Any, columns: int) -> None:
    last = chr(ord("A") + columns - 1)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = _("Reporting unit: %(unit)s (seal)    Period: %(period)s    Values computed at: %(at)s") % {
        "unit": region.full_name(),
        "period": period.display(),
        "at": timezone.localtime(computed_at).strftime("%Y-%m-%d %H:%M") if computed_at else "—",
    }
    ws["A2"].alignment = Alignment(horizontal="left")


def _table(ws: Any, start_row: int, headers: list[str], body: list[list[Any]], widths: list[int]) -> int:
    ws.append(headers)
    for cell in ws[start_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
    for line in body:
        ws.append(line)
        for cell in ws[ws.max_row]:
            cell.border = BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    return ws.max_row


def _sign(ws: Any, user: User) -> None:
    ws.append([])
    ws.append(
        [
            _("Filled in by: %(user)s") % {"user": user},
            "",
            "",
            _("Checked by:"),
            "",
            "",
            _("Date: %(date)s") % {"date": clock.today().isoformat()},
        ]
    )


def indicators_xlsx(
    region: Region, period: Period, rows: list[ValueRow], computed_at: Any, user: User
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Indicators")
    title = _("%(region)s integrated care monitoring indicators (%(period)s)") % {
        "region": region.name,
        "period": period.display(),
    }
    _sheet_head(ws, title, region, period, computed_at, 10)
    ws.append([])
    body = [
        [
            n,
            r.indicator.code,
            r.indicator.name,
            _cell_text(r.numerator),
            _cell_text(r.denominator),
            _value_text(r),
            r.indicator.unit,
            f"{r.target.get_op_display()}{number(r.target.value)}" if r.target else "",
            _status(r),
            r.judgement.shortfall if r.judgement.shortfall else "",
        ]
        for n, r in enumerate(rows, 1)
    ]
    _table(
        ws,
        4,
        [
            _("No."),
            _("Code"),
            _("Indicator"),
            _("Numerator"),
            _("Denominator"),
            _("Value"),
            _("Unit"),
            _("Target"),
            _("Status"),
            _("Gap to target"),
        ],
        body,
        [6, 9, 44, 10, 10, 10, 9, 10, 10, 12],
    )
    ws.append([])
    ws.append([str(NOTE)])
    _sign(ws, user)
    return workbook_bytes(wb)


def scorecard_rows(assessment: ScorecardAssessment) -> list[dict[str, Any]]:
    card = get_scorecard(assessment.scorecard_code)
    scores = {s.item_code: s for s in assessment.items.all()}
    out = []
    for heading in card.headings:
        for item in heading.items:
            s = scores[item.code]
            by_indicator = isinstance(item.scoring, IndicatorScoring)
            out.append(
                {
                    "heading": heading.name,
                    "item": item,
                    "score": s,
                    "by_indicator": by_indicator,
                    "method": (
                        _("Indicator %(code)s") % {"code": item.scoring.indicator}
                        if by_indicator
                        else _("Evidence: %(what)s") % {"what": item.scoring.evidence}
                    ),
                    "indicator_value": number(s.indicator_value, places=2),
                    "final": s.self_points if by_indicator else s.review_points,
                }
            )
    return out


def scorecard_xlsx(assessment: ScorecardAssessment, user: User) -> bytes:
    card = get_scorecard(assessment.scorecard_code)
    period = parse_period(assessment.period)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Scorecard")
    _sheet_head(ws, f"{card.name}（{card.label}）", assessment.region, period, assessment.submitted_at, 9)
    ws.append([])
    body = [
        [
            n,
            r["heading"],
            r["item"].text,
            r["item"].target,
            number(r["item"].points),
            r["method"],
            "" if r["indicator_value"] is None else r["indicator_value"],
            _cell_text(r["score"].self_points),
            _cell_text(r["final"]),
        ]
        for n, r in enumerate(scorecard_rows(assessment), 1)
    ]
    last = _table(
        ws,
        4,
        [
            _("No."),
            _("Heading"),
            _("Item"),
            _("Target"),
            _("Points"),
            _("Scored by"),
            _("Value"),
            _("Self-assessed"),
            _("Awarded"),
        ],
        body,
        [6, 12, 44, 14, 9, 18, 9, 8, 9],
    )
    ws.append(
        [
            "",
            _("Total"),
            "",
            "",
            number(card.total_points),
            "",
            "",
            number(assessment.self_total),
            "" if assessment.final_total is None else number(assessment.final_total),
        ]
    )
    for cell in ws[last + 1]:
        cell.border = BOX
        cell.font = Font(bold=True)
    ws.append([])
    ws.append([card.source.note])
    _sign(ws, user)
    return workbook_bytes(wb)


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    # base_url None and no external references in the template: nothing is fetched.
    return HTML(string=html, base_url=None).write_pdf()


@transaction.atomic
def generate(
    *,
    acting_user: User,
    kind: str,
    region: Region,
    period: str,
    file_format: str,
    scorecard: ScorecardAssessment | None = None,
) -> Report:
    """Build a report file and keep it (report history). The caller has scoped ``region``."""
    require_perm(acting_user, "report.generate")
    if file_format not in ("xlsx", "pdf"):
        raise ServiceError("INVALID_FORMAT", _("Choose Excel or PDF."), field="format")
    p = parse_period(period)
    now = clock.now()
    if kind == ReportKind.INDICATORS:
        rows, computed_at = indicator_table(region, p, acting_user)
        if file_format == "xlsx":
            data = indicators_xlsx(region, p, rows, computed_at, acting_user)
        else:
            data = _pdf(
                "monitoring/report_indicators.html",
                {
                    "region": region,
                    "period": p,
                    "rows": rows,
                    "computed_at": computed_at,
                    "user": acting_user,
                    "generated_at": now,
                    "status": {r.code: _status(r) for r in rows},
                    "values": {r.code: _value_text(r) for r in rows},
                    "note": str(NOTE),
                },
            )
        values_at = computed_at
    elif kind == ReportKind.SCORECARD and scorecard is not None:
        card = get_scorecard(scorecard.scorecard_code)
        if file_format == "xlsx":
            data = scorecard_xlsx(scorecard, acting_user)
        else:
            data = _pdf(
                "monitoring/report_scorecard.html",
                {
                    "a": scorecard,
                    "card": card,
                    "rows": scorecard_rows(scorecard),
                    "user": acting_user,
                    "generated_at": now,
                    "period": p,
                },
            )
        values_at = scorecard.submitted_at
    else:
        raise ServiceError("INVALID_KIND", _("Choose the indicator report or a scorecard."), field="kind")
    report = Report(
        kind=kind,
        region=region,
        period=p.label,
        file_format=file_format,
        values_computed_at=values_at,
        scorecard=scorecard,
        generated_by=acting_user,
        generated_at=now,
    )
    name = f"{kind}-{region.code}-{p.label}-{now:%Y%m%d%H%M%S}.{file_format}"
    report.file.save(name, ContentFile(data), save=False)
    report.save()
    audit.record("create", user=acting_user, obj=report, object_repr=name, changes={"report": [None, name]})
    return report
