"""The incidents section of the year-end summary (总结提升): incidents by kind and by severity, the
QS-2 rate per 1,000 resident-days and the new stage Ⅱ+ pressure injuries (QS-1), for the institutions
given (one institution, or every institution of the county)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from yiyang.care.models.stays import Stay
from yiyang.core import clock

from .models.incidents import QS2_KINDS, Incident, IncidentKind, PressureInjury, PressureOrigin, Severity
from .summary import SummaryRow, SummarySection


def resident_days(institution_ids: Sequence[int], first: dt.date, last: dt.date) -> int:
    """Resident-days of the institutions' stays in [first, last] (stopped at today), counted as the
    indicator engine's ``overlap_days`` counts them: the admission day counts, the discharge day not."""
    last = min(last, clock.today())
    total = 0
    rows = (
        Stay.objects.filter(institution_id__in=institution_ids, admitted_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
        .values_list("admitted_on", "ended_on")
    )
    for admitted, ended in rows:
        stop = min(ended - dt.timedelta(days=1), last) if ended else last
        total += max(0, (stop - max(admitted, first)).days + 1)
    return total


def incidents_section(institution_ids: Sequence[int], year: int) -> SummarySection:
    tz = clock.zone()
    lo, hi = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
    rows = list(
        Incident.objects.filter(
            institution_id__in=institution_ids, occurred_at__gte=lo, occurred_at__lt=hi
        ).values_list("kind", "severity")
    )
    kinds = Counter(k for k, _s in rows)
    severities = Counter(s for _k, s in rows)
    days = resident_days(institution_ids, dt.date(year, 1, 1), dt.date(year, 12, 31))
    six = sum(kinds[k] for k in QS2_KINDS)
    serious = PressureInjury.objects.filter(
        institution_id__in=institution_ids, origin=PressureOrigin.FACILITY, serious_since__year=year
    ).count()
    section = SummarySection(title=_("Incidents and pressure injuries"))
    section.rows.append(SummaryRow(_("Incidents reported"), len(rows)))
    for value, label in IncidentKind.choices:
        section.rows.append(SummaryRow(str(label), kinds[value], _("incidents")))
    for value, label in Severity.choices:
        section.rows.append(SummaryRow(str(label), severities[value], _("incidents")))
    section.rows.append(SummaryRow(_("Resident-days"), days))
    rate = (Decimal(six) * 1000 / days).quantize(Decimal("0.01")) if days else None
    section.rows.append(
        SummaryRow(
            _("Falls, falls from bed, choking, aspiration, scalds, wandering away (per 1,000 resident-days)"),
            rate,
            "‰",
        )
    )
    section.rows.append(SummaryRow(_("New stage Ⅱ+ pressure injuries in the institution"), serious, "QS-1"))
    return section
