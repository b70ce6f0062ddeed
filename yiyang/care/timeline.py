"""The care records an elder's archive timeline shows (registered with health from ``CareConfig.ready``).

Each aggregate adds its source to :data:`SOURCES`; :func:`register` hands them all to health.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from yiyang.health.queries import TimelineSource, register_timeline_source

from .homecare_timeline import SOURCES as _homecare_sources

#: one source per kind of care record (rounds, home visits, referrals, stays…)
SOURCES: list[TimelineSource] = []

# 家庭病床 and 互联网+护理服务 (care/homecare_timeline.py)
SOURCES += _homecare_sources


def register() -> None:
    for source in SOURCES:
        register_timeline_source(source)


# -- rounds and home visits (agreements) -----------------------------------------------------------


def _round_entries(elder, year, limit):  # type: ignore[no-untyped-def]
    from django.utils.translation import gettext as _

    from yiyang.health.queries import Entry

    from .access import findings_of_elder

    qs = findings_of_elder(elder.pk)
    if year:
        qs = qs.filter(round__visited_on__year=year)
    out = []
    for f in qs.order_by("-round__visited_on", "-pk")[:limit]:
        parts = [f.findings]
        if f.advice:
            parts.append(_("Advice: %(text)s") % {"text": f.advice})
        if f.prescription:
            parts.append(_("Prescription: %(text)s") % {"text": f.prescription})
        if f.follow_up_on:
            parts.append(_("Follow up on %(day)s") % {"day": f.follow_up_on})
        out.append(
            Entry(
                day=f.round.visited_on,
                kind="round",
                title=_("Round by %(inst)s") % {"inst": f.round.agreement.medical_institution.name},
                summary="；".join(parts),
                pk=f.pk,
            )
        )
    return out


def _visit_entries(elder, year, limit):  # type: ignore[no-untyped-def]
    from django.utils.translation import gettext as _

    from yiyang.health.queries import Entry

    from .access import home_visits_of_elder
    from .services.home_visits import services_label

    qs = home_visits_of_elder(elder.pk)
    if year:
        qs = qs.filter(visited_on__year=year)
    out = []
    for v in qs.order_by("-visited_on", "-pk")[:limit]:
        parts = [services_label(v.services), v.findings]
        if v.systolic:
            parts.append(f"{v.systolic}/{v.diastolic} mmHg")
        if v.glucose is not None:
            parts.append(f"{v.glucose} mmol/L")
        if v.advice:
            parts.append(_("Advice: %(text)s") % {"text": v.advice})
        out.append(
            Entry(
                day=v.visited_on,
                kind="home_visit",
                title=_("Home visit by %(inst)s") % {"inst": v.institution.name},
                summary="；".join(p for p in parts if p),
                pk=v.pk,
            )
        )
    return out


SOURCES.append(TimelineSource(kind="round", label=gettext_lazy("Round"), entries=_round_entries))
SOURCES.append(TimelineSource(kind="home_visit", label=gettext_lazy("Home visit"), entries=_visit_entries))


# 双向转诊: each completed referral's summary (care/timeline_referrals.py)
def _referral_source() -> TimelineSource:
    from .timeline_referrals import SOURCE

    return SOURCE


SOURCES.append(_referral_source())


from .timeline_stays import SOURCES as _STAY_SOURCES  # noqa: E402

SOURCES.extend(_STAY_SOURCES)
