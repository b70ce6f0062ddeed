"""Celery tasks of the care app. ``care.daily`` runs once a day on Celery beat (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="care.daily", ignore_result=True)
def daily() -> dict[str, int]:
    from .services.agreements import run_daily
    from .services.clinics import refresh_all_flags

    result = run_daily()
    result["clinics"] = refresh_all_flags()
    return result
