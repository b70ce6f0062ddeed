"""Background recomputes (Celery; eager in the embedded demo, CELERY_TASK_ALWAYS_EAGER).

``monitoring.drain`` runs on Celery beat in production (``CELERY_BEAT_SCHEDULE``): it turns the
outbox's marks into runs and sends one ``monitoring.run_compute`` per run, which workers take side by
side. The embedded demo has no beat: a thread of the runserver process drains instead (apps.py).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="monitoring.run_compute")
def run_compute(run_id: int) -> int:
    from .services import execute_run

    return execute_run(run_id)


@shared_task(name="monitoring.drain", ignore_result=True)
def drain() -> int:
    """Drain the recompute outbox as the system actor; returns the number of runs queued."""
    from yiyang.core.actors import system_user

    from .services import drain as drain_outbox

    return len(drain_outbox(acting_user=system_user()))
