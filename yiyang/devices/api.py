"""Device endpoints under /api/v1/: devices and readings, alerts and their transitions.

Each aggregate keeps its handlers in ``api_<aggregate>.py`` on its own router; this module mounts them.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["devices"])

# alerts, their transitions, alert thresholds (devices/api_alerts.py)
from .api_alerts import router as alerts_router  # noqa: E402

router.add_router("", alerts_router)
