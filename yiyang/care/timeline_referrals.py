"""The referral summaries an elder's archive timeline shows: each completed referral's discharge or
consultation summary, dated the day the receiving side sent it back."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.core import clock
from yiyang.core.models import Elder
from yiyang.health.queries import Entry, TimelineSource

from .models.referrals import Referral, ReferralStatus

SUMMARY_CHARS = 200


def referral_entries(elder: Elder, year: int | None, limit: int) -> list[Entry]:
    """Completed referrals of an already scoped elder, newest first."""
    qs = Referral.objects.filter(elder=elder, status=ReferralStatus.COMPLETED, closed_at__isnull=False)
    if year:
        qs = qs.filter(closed_at__year=year)
    out = []
    for r in qs.select_related("to_institution").order_by("-closed_at", "-pk")[:limit]:
        assert r.closed_at is not None
        summary = r.summary if len(r.summary) <= SUMMARY_CHARS else r.summary[:SUMMARY_CHARS] + "…"
        out.append(
            Entry(
                day=clock.local_date(r.closed_at),
                kind="referral",
                title=_("Referral summary · %(name)s") % {"name": r.to_institution.name},
                summary=summary,
                pk=r.pk,
                url=reverse("care:referral-detail", args=[r.pk]),
            )
        )
    return out


SOURCE = TimelineSource(kind="referral", label=gettext_lazy("Referral"), entries=referral_entries)
