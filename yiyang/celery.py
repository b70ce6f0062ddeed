"""Celery application. In the embedded demo tasks run eagerly (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiyang.settings.dev")

app = Celery("yiyang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _fail_stale_runs(**kwargs: object) -> None:
    """A worker that starts marks failed the recompute runs a dead worker left running (issue 15)."""
    from yiyang.monitoring.services import fail_stale_runs

    fail_stale_runs()
