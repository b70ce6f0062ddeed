"""Residents who move into a home after its agreement was signed are opened to the agreement's medical
team, and those who leave are closed to it: the care app listens to elders being saved (core cannot
call care). Bulk moves that send no signal are caught by the daily job (``services.agreements.run_daily``).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from yiyang.core.models import Elder


def _elder_saved(sender: Any, instance: Elder, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from .services.agreements import sync_elder

    sync_elder(instance)


def connect() -> None:
    post_save.connect(_elder_saved, sender=Elder, dispatch_uid="care_agreement_residents", weak=False)
