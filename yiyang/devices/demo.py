"""The demo county's devices: registered wearables and sensors bound to elders, rules,
readings and alerts in every state.

Run by :func:`yiyang.core.demo.load_demo` after the quality demo, so elders, stays and staff exist.
Each aggregate adds its loader to :data:`LOADERS`; they run in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: ``loader(elders=…, seed=…, today=…) -> {label: count}``, run in order
LOADERS: list[Callable[..., dict[str, int]]] = []


def load_devices_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for loader in LOADERS:
        counts.update(loader(elders=elders, seed=seed, today=today))
    return counts


# alerts in every state for the demo homes (devices/demo_alerts.py)
from .demo_alerts import load_alerts_demo  # noqa: E402

LOADERS.append(load_alerts_demo)
