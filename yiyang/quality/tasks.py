"""Celery tasks of the quality app, one block per aggregate (``CELERY_BEAT_SCHEDULE`` runs them)."""

from __future__ import annotations

from celery import shared_task


# inspections: fire-check obligations of the year; overdue rectification items escalated
@shared_task(name="quality.inspections_daily", ignore_result=True)
def inspections_daily() -> dict[str, int]:
    from .services.inspections import run_daily

    return run_daily()
