"""Family sickbeds and home nursing orders on the elder's archive timeline (``care/timeline.py``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.core.models import Elder
from yiyang.health.queries import Entry, TimelineSource

from .models import FamilySickbed, ServiceOrder, SickbedVisit
from .models.homecare import OrderStatus


def sickbed_entries(elder: Elder, year: int | None, limit: int) -> list[Entry]:
    """建床, each visit and 撤床 of an already scoped elder, newest first."""
    label = str(gettext_lazy("Family sickbed"))
    out: list[Entry] = []
    beds = FamilySickbed.objects.filter(elder=elder, admitted_on__isnull=False)
    for bed in beds.order_by("-admitted_on")[:limit]:
        url = reverse("care:sickbed-detail", args=[bed.pk])
        if bed.admitted_on is None:
            continue
        if not year or bed.admitted_on.year == year:
            out.append(
                Entry(
                    bed.admitted_on,
                    "sickbed",
                    label,
                    _("Bed opened: %(d)s") % {"d": bed.diagnosis_name},
                    bed.pk,
                    url,
                )
            )
        if bed.discharged_on and (not year or bed.discharged_on.year == year):
            out.append(
                Entry(
                    bed.discharged_on,
                    "sickbed",
                    label,
                    _("Bed closed: %(s)s") % {"s": bed.discharge_summary[:80]},
                    bed.pk,
                    url,
                )
            )
    visits = SickbedVisit.objects.filter(sickbed__elder=elder)
    if year:
        visits = visits.filter(visited_on__year=year)
    for v in visits.select_related("visited_by").order_by("-visited_on", "-pk")[:limit]:
        summary = _("Visit by %(who)s: %(care)s") % {"who": v.visited_by, "care": v.care_given[:60]}
        if v.findings:
            summary += " · " + v.findings[:60]
        out.append(
            Entry(
                v.visited_on,
                "sickbed",
                label,
                summary,
                v.sickbed_id,
                reverse("care:sickbed-detail", args=[v.sickbed_id]),
            )
        )
    out.sort(key=lambda e: (e.day, e.pk), reverse=True)
    return out[:limit]


def order_entries(elder: Elder, year: int | None, limit: int) -> list[Entry]:
    """Home nursing services done for an already scoped elder (the service record), newest first."""
    label = str(gettext_lazy("Home nursing service"))
    qs = ServiceOrder.objects.filter(
        elder=elder, status__in=[OrderStatus.DONE, OrderStatus.CLOSED], checked_out_at__isnull=False
    )
    if year:
        qs = qs.filter(checked_out_at__year=year)
    out = []
    for o in qs.select_related("nurse").order_by("-checked_out_at", "-pk")[:limit]:
        out.append(
            Entry(
                timezone.localdate(o.checked_out_at),
                "home_nursing",
                label,
                f"{o.service_name} · {o.nurse} · {o.care_record[:80]}",
                o.pk,
                reverse("care:order-detail", args=[o.pk]),
            )
        )
    return out


SOURCES = [
    TimelineSource("sickbed", gettext_lazy("Family sickbed"), sickbed_entries),
    TimelineSource("home_nursing", gettext_lazy("Home nursing service"), order_entries),
]
