"""Who may read which care record. Records that belong to an institution rather than an elder
(agreements, in-house clinics) are scoped here, in the pattern of :mod:`yiyang.monitoring.access`:
``scope_<records>(user)`` filters in the database, ``get_<record>_for_user(user, pk)`` answers 404 for
out of scope and missing alike. Records about an elder are read through
:func:`yiyang.core.scoping.scope_elders` or through the functions here that build on it.

Every model listed in :data:`SCOPED_MODELS` may only be queried in this module and in services
(``yiyang/core/tests/test_scope_guard.py``).
"""

from __future__ import annotations

from django.db.models import Model

# Referrals (双向转诊) reach an elder; their scoping (sender, receiver, region) lives in its own module.
from .access_referrals import (  # noqa: F401
    get_referral_for_user,
    referral_archive_summary,
    scope_referrals,
)
from .models.stays import Bed

#: beds: their functions are in :mod:`yiyang.care.access_stays` (stays and care notes reach an elder)
SCOPED_MODELS: tuple[type[Model], ...] = (Bed,)
