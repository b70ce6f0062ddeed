"""The demo county's quality records: a year of risk assessments, incidents, inspections and
rectifications, fire checks, staff with certificates and training sessions.

Run by :func:`yiyang.core.demo.load_demo` after the care demo, so stays, beds and institutions exist.
Each aggregate adds its loader to :data:`LOADERS`; they run in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: ``loader(elders=…, seed=…, today=…) -> {label: count}``, run in order
LOADERS: list[Callable[..., dict[str, int]]] = []


def load_quality_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for loader in LOADERS:
        counts.update(loader(elders=elders, seed=seed, today=today))
    return counts


# 不良事件 and the pressure-injury register (quality/demo_incidents.py)
def _load_incidents(**kwargs: object) -> dict[str, int]:
    from .demo_incidents import load_incidents_demo

    return load_incidents_demo(**kwargs)  # type: ignore[arg-type]


LOADERS.append(_load_incidents)


# inspections, rectification ledger and fire checks (quality/demo_inspections.py)
def _load_inspections(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    from .demo_inspections import load_inspections_demo

    return load_inspections_demo(elders=elders, seed=seed, today=today)


LOADERS.append(_load_inspections)


# 入住安全风险评估 (quality/demo_risk.py)
from .demo_risk import load_risk_demo  # noqa: E402

LOADERS.append(load_risk_demo)


# staff, certificates and training (quality/demo_staff.py)
def _load_staff(**kw: object) -> dict[str, int]:
    from .demo_staff import load_staff_demo

    return load_staff_demo(**kw)  # type: ignore[arg-type]


LOADERS.append(_load_staff)
