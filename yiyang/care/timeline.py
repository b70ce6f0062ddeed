"""The care records an elder's archive timeline shows (registered with health from ``CareConfig.ready``).

Each aggregate adds its source to :data:`SOURCES`; :func:`register` hands them all to health.
"""

from __future__ import annotations

from yiyang.health.queries import TimelineSource, register_timeline_source

from .homecare_timeline import SOURCES as _homecare_sources

#: one source per kind of care record (rounds, home visits, referrals, stays…)
SOURCES: list[TimelineSource] = []

# 家庭病床 and 互联网+护理服务 (care/homecare_timeline.py)
SOURCES += _homecare_sources


def register() -> None:
    for source in SOURCES:
        register_timeline_source(source)


# 双向转诊: each completed referral's summary (care/timeline_referrals.py)
def _referral_source() -> TimelineSource:
    from .timeline_referrals import SOURCE

    return SOURCE


SOURCES.append(_referral_source())


from .timeline_stays import SOURCES as _STAY_SOURCES  # noqa: E402

SOURCES.extend(_STAY_SOURCES)
