"""The staff and training section of the year-end summary (总结提升): staff in post by post, carers
certified and the rate (on 31 December, or today in the current year), training sessions held, person-
times trained and hours, from the records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from yiyang.core import clock
from yiyang.core.staff import Staff, StaffPost

from .models import Attendance, TrainingSession
from .services.staff import carer_counts
from .summary import SummaryRow, SummarySection


def build_staff_section(institution_ids: Sequence[int], year: int) -> SummarySection:
    day = min(dt.date(year, 12, 31), clock.today())
    staff = Staff.objects.filter(institution_id__in=list(institution_ids))
    section = SummarySection(title=_("Staff credentials and training"))
    by_post = dict(staff.active_on(day).values("post").annotate(n=Count("pk")).values_list("post", "n"))
    # every post has its row, 0 included: the county 汇总表 lines institutions up row by row
    for value, label in StaffPost.choices:
        section.rows.append(
            SummaryRow(_("Staff in post: %(post)s") % {"post": label}, by_post.get(value, 0), _("persons"))
        )
    total, certified = carer_counts(staff, day)
    section.rows.append(SummaryRow(_("Carers in post (eldercare institutions)"), total, _("persons")))
    section.rows.append(SummaryRow(_("Carers holding a valid certificate"), certified, _("persons")))
    rate = (Decimal(100) * certified / total).quantize(Decimal("0.1")) if total else None
    section.rows.append(
        SummaryRow(_("Certified carer rate (IR-12)"), rate, _("%% on %(day)s") % {"day": day.isoformat()})
    )
    sessions = TrainingSession.objects.filter(
        organiser_id__in=list(institution_ids), held_on__year=year
    ).count()
    section.rows.append(
        SummaryRow(_("Training sessions held"), sessions, _("sessions organised by the institutions"))
    )
    att = Attendance.objects.filter(
        Q(staff__institution_id__in=list(institution_ids)), attended=True, session__held_on__year=year
    ).aggregate(n=Count("pk"), hours=Sum("hours"))
    section.rows.append(SummaryRow(_("Person-times trained"), att["n"] or 0, _("including county sessions")))
    section.rows.append(SummaryRow(_("Training hours"), att["hours"] or Decimal(0), _("hours")))
    return section
