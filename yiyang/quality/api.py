"""Quality endpoints under /api/v1/: risk assessments, incidents, inspections, rectifications, staff.

Each aggregate keeps its handlers in ``api_<aggregate>.py`` on its own router; this module mounts them,
so the project's API mounts one router for the app.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["quality"])

# 不良事件 and the pressure-injury register (quality/api_incidents.py)
from .api_incidents import router as _incidents_router  # noqa: E402

router.add_router("", _incidents_router)

# inspections and the rectification ledger (quality/api_inspections.py)
from .api_inspections import router as _inspections_router  # noqa: E402

router.add_router("", _inspections_router)

# 入住安全风险评估 (quality/api_risk.py)
from .api_risk import router as _risk_router  # noqa: E402

router.add_router("", _risk_router)

# staff, certificates and training (quality/api_staff.py)
from .api_staff import router as _staff_router  # noqa: E402

router.add_router("", _staff_router)
