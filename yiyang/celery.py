"""Celery application. In the embedded demo tasks run eagerly (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiyang.settings.dev")

app = Celery("yiyang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
