"""Care endpoints under /api/v1/: agreements, rounds, home visits, referrals, stays, sickbeds, orders.

Each aggregate keeps its handlers in ``api_<aggregate>.py`` on its own router; this module mounts them,
so the project's API mounts one router for the app.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["care"])

from .api_agreements import router as agreements_router  # noqa: E402

router.add_router("", agreements_router)


# 双向转诊 (care/api_referrals.py)
from .api_referrals import router as referrals_router  # noqa: E402

router.add_router("", referrals_router)

# 家庭病床 and 互联网+护理服务 (care/api_homecare.py)
from .api_homecare import router as _homecare_router  # noqa: E402

router.add_router("", _homecare_router)

# beds and stays (care/api_stays.py)
from .api_stays import router as stays_router  # noqa: E402

router.add_router("", stays_router)
