"""The risk-assessment section of the year-end summary (总结提升): admissions, assessed on time, the
rate (QS-3's rule), reassessments, and residents flagged per risk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from yiyang.care.models.stays import Stay
from yiyang.core.models import ELDERCARE_KINDS

from . import risk_rules
from .models.risk import RiskAssessment, RiskFinding, RiskKind

if TYPE_CHECKING:
    from .summary import SummarySection


def risk_section(institution_ids: Sequence[int], year: int) -> SummarySection:
    from .summary import SummaryRow, SummarySection  # summary imports this module at its end

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    admissions = Stay.objects.filter(
        institution_id__in=list(institution_ids),
        institution__kind__in=ELDERCARE_KINDS,
        admitted_on__range=(first, last),
    )
    on_time = admissions.filter(
        Exists(RiskAssessment.objects.filter(stay=OuterRef("pk"), kind=RiskKind.ADMISSION, on_time=True))
    )
    late = admissions.filter(
        Exists(RiskAssessment.objects.filter(stay=OuterRef("pk"), kind=RiskKind.ADMISSION, on_time=False))
    )
    n, k = admissions.count(), on_time.count()
    rate = (Decimal(k * 100) / Decimal(n)).quantize(Decimal("0.1"), ROUND_HALF_UP) if n else None
    year_assessments = RiskAssessment.objects.filter(
        institution_id__in=list(institution_ids), assessed_at__year=year
    )
    rules = risk_rules.rules()
    shown = [lv for lv in risk_rules.LEVELS if rules.shows(lv)]
    rows = [
        SummaryRow(_("Admissions in the year"), n, _("eldercare and integrated institutions")),
        SummaryRow(_("Risk-assessed on time"), k, _("within the county's limit (default 24 h)")),
        SummaryRow(_("Risk-assessed late"), late.count()),
        SummaryRow(_("Not risk-assessed"), n - k - late.count()),
        SummaryRow(_("Admission risk assessment rate"), rate, "%"),
        SummaryRow(_("Reassessments"), year_assessments.exclude(kind=RiskKind.ADMISSION).count()),
    ]
    for rule in rules.flags:
        flagged = (
            RiskFinding.objects.filter(assessment__in=year_assessments, flag=rule.code, flag_level__in=shown)
            .values("assessment__elder_id")
            .distinct()
            .count()
        )
        rows.append(
            SummaryRow(
                _("Residents flagged: %(risk)s") % {"risk": rule.label}, flagged, _("moderate or high risk")
            )
        )
    return SummarySection(_("Admission risk assessment"), rows)
