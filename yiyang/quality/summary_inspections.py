"""The inspections section of the year-end summary (总结提升): inspections done, rectification items by
state, 整改完成率 (QS-4's rule) and fire checks (QS-5's rule), for some institutions in one year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from .models import FireCheckObligation, Inspection, InspectionKind, InspectionStatus, RectificationItem
from .models.inspections import OPEN_STATES, RectificationStatus
from .summary import SECTIONS, SummaryRow, SummarySection


def _rate(part: int, whole: int) -> Decimal | str:
    if not whole:
        return "—"
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def build(institution_ids: Sequence[int], year: int) -> SummarySection:
    from yiyang.core import clock

    today = clock.today()
    cutoff = min(dt.date(year, 12, 31), today)
    ids = list(institution_ids)
    done = dict(
        Inspection.objects.filter(
            institution_id__in=ids, inspected_on__year=year, status=InspectionStatus.SUBMITTED
        )
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    items = RectificationItem.objects.filter(institution_id__in=ids, inspection__inspected_on__year=year)
    by_state = dict(items.values_list("status").annotate(n=Count("pk")))
    due = RectificationItem.objects.filter(institution_id__in=ids, deadline__year=year, deadline__lte=cutoff)
    due_n = due.count()
    on_time = due.filter(status=RectificationStatus.VERIFIED, closed_on_time=True).count()
    late = items.filter(status__in=OPEN_STATES, deadline__lt=today).count()
    obligations = FireCheckObligation.objects.filter(
        institution_id__in=ids, due_date__year=year, due_date__lte=cutoff
    )
    ob_n = obligations.count()
    ob_met = obligations.filter(met_by__isnull=False).count()
    rows = [
        SummaryRow(_("Self-inspections"), done.get(InspectionKind.SELF, 0), _("times")),
        SummaryRow(_("County verification visits"), done.get(InspectionKind.VERIFICATION, 0), _("times")),
        SummaryRow(_("Fire-safety checks"), done.get(InspectionKind.FIRE, 0), _("times")),
        SummaryRow(_("Problems found (rectification items)"), sum(by_state.values()), _("items")),
    ]
    for state, label in RectificationStatus.choices:
        rows.append(SummaryRow(_("— %(state)s") % {"state": label}, by_state.get(state, 0), _("items")))
    rows += [
        SummaryRow(_("Overdue, not yet rectified"), late, _("items")),
        SummaryRow(
            _("Rectification completion rate (QS-4)"),
            _rate(on_time, due_n),
            _("%% · verified by the deadline %(a)d ÷ due %(b)d") % {"a": on_time, "b": due_n},
        ),
        SummaryRow(
            _("Fire checks done as due (QS-5)"),
            _rate(ob_met, ob_n),
            _("%% · done %(a)d ÷ due %(b)d (monthly and before holidays)") % {"a": ob_met, "b": ob_n},
        ),
    ]
    return SummarySection(title=_("Self-inspection, rectification and fire safety"), rows=rows)


def register() -> None:
    if build not in SECTIONS:
        SECTIONS.append(build)
