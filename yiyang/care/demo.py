"""The demo county's linkage and care records (agreements, rounds, visits, referrals, stays…).

Run by :func:`yiyang.core.demo.load_demo` after the health demo, so elders, institutions, teams and
logins exist. Each aggregate adds its loader to :data:`LOADERS`; they run in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: ``loader(elders=…, seed=…, today=…) -> {label: count}``, run in order
LOADERS: list[Callable[..., dict[str, int]]] = []


def load_care_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for loader in LOADERS:
        counts.update(loader(elders=elders, seed=seed, today=today))
    return counts


def _load_agreements(**kwargs: object) -> dict[str, int]:
    from .demo_agreements import load_agreements_demo

    return load_agreements_demo(**kwargs)  # type: ignore[arg-type]


LOADERS.append(_load_agreements)


# 双向转诊 (care/demo_referrals.py): after the agreements' loader when both exist
def _load_referrals(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    from .demo_referrals import load_referrals_demo

    return load_referrals_demo(elders=elders, seed=seed, today=today)


LOADERS.append(_load_referrals)


# 家庭病床 and 互联网+护理服务 (care/homecare_demo.py)
def _homecare(**kwargs: object) -> dict[str, int]:
    from .homecare_demo import load_homecare_demo

    return load_homecare_demo(**kwargs)  # type: ignore[arg-type]


LOADERS.append(_homecare)


# beds and stays (care/demo_stays.py)
def _load_stays(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    from .demo_stays import load_stays_demo

    return load_stays_demo(elders=elders, seed=seed, today=today)


LOADERS.append(_load_stays)
