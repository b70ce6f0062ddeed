"""Background recomputes (Celery; eager in the embedded demo, CELERY_TASK_ALWAYS_EAGER)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="monitoring.run_compute")
def run_compute(run_id: int) -> int:
    from .services import execute_run

    return execute_run(run_id)
