"""Signals health sends for the apps built on it (health imports none of them).

``urgent_referral_decided``: a chronic follow-up's decision table chose 紧急转诊 (row A). Sent inside
:func:`yiyang.health.services.chronic.record_followup`'s transaction with ``followup`` (the saved
:class:`~yiyang.health.models.ChronicFollowUp`) and ``acting_user``; care opens a draft referral from
it (``care.apps.CareConfig.ready``).
"""

from __future__ import annotations

from django.dispatch import Signal

urgent_referral_decided = Signal()
