"""Stays and care notes on the elder's archive timeline: the admission, every move of the stay (transfer,
leave, 住院 ↔ 休养, discharge, death) and the daily care notes — one continuous history, whichever mode
the elder was in. Health calls these for an already scoped elder."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.core import clock
from yiyang.core.models import Elder, StateTransition
from yiyang.health.queries import Entry, TimelineSource

from .models.stays import CareNote, Stay


def _stay_url(stay_id: int) -> str:
    return reverse("care:resident-detail", args=[stay_id])


def stay_entries(elder: Elder, year: int | None, limit: int) -> list[Entry]:
    stays = {s.pk: s for s in Stay.objects.filter(elder=elder).select_related("institution", "bed")}
    if not stays:
        return []
    out: list[Entry] = []
    for s in stays.values():
        if year is None or s.admitted_on.year == year:
            out.append(
                Entry(
                    day=s.admitted_on,
                    kind="stay",
                    title=_("Admitted to %(name)s") % {"name": s.institution.name},
                    summary=" · ".join(
                        x
                        for x in [
                            str(s.bed.label) if s.bed else "",
                            _("medical (hospital)") if s.status == "medical" and not s.ended_on else "",
                            s.care_level,
                        ]
                        if x
                    ),
                    pk=s.pk,
                    url=_stay_url(s.pk),
                )
            )
    from .services.stays import STAY

    moves = StateTransition.objects.filter(
        content_type=ContentType.objects.get_for_model(Stay), object_id__in=list(stays)
    ).order_by("-at", "-id")
    for m in moves[: limit * 2 + 10]:
        stay = stays[m.object_id]
        day = _date_of(m)
        if year is not None and day.year != year:
            continue
        summary = [f"{STAY.state_label(m.from_state)} → {STAY.state_label(m.to_state)}"]
        if m.details.get("to_bed"):
            summary.append(_("bed %(bed)s") % {"bed": m.details["to_bed"]})
        if m.reason:
            summary.append(m.reason)
        out.append(
            Entry(
                day=day,
                kind="stay",
                title=f"{STAY.action_label(m.action)}（{stay.institution.name}）",
                summary=" · ".join(summary),
                pk=stay.pk,
                url=_stay_url(stay.pk),
            )
        )
    out.sort(key=lambda e: e.day, reverse=True)
    return out[:limit]


def _date_of(move: StateTransition) -> dt.date:
    raw = (move.details or {}).get("date")
    if raw:
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            pass
    return clock.local_date(move.at)


def note_entries(elder: Elder, year: int | None, limit: int) -> list[Entry]:
    qs = CareNote.objects.filter(elder=elder).select_related("done_by").order_by("-done_at", "-pk")
    if year is not None:
        tz = clock.zone()
        qs = qs.filter(
            done_at__gte=dt.datetime(year, 1, 1, tzinfo=tz),
            done_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=tz),
        )
    return [
        Entry(
            day=clock.local_date(n.done_at),
            kind="care_note",
            title=_("Care note: %(kind)s") % {"kind": n.get_kind_display()},
            summary=f"{n.content[:80]}（{n.done_by.get_full_name() or n.done_by.get_username()}）",
            pk=n.pk,
            url=_stay_url(n.stay_id),
        )
        for n in qs[:limit]
    ]


SOURCES = [
    TimelineSource(kind="stay", label=gettext_lazy("Stays"), entries=stay_entries),
    TimelineSource(kind="care_note", label=gettext_lazy("Care notes"), entries=note_entries),
]
