from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "yiyang.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from django.conf import settings

        from . import checks, outbox, signals  # noqa: F401  (registers the definition check)

        signals.connect()
        # The embedded demo has no Celery beat: the process serving `manage.py runserver` drains the
        # recompute outbox itself, every few seconds, in a background thread (never in a request).
        interval = float(getattr(settings, "MONITORING_DRAIN_THREAD_SECONDS", 0) or 0)
        if interval > 0 and settings.CELERY_TASK_ALWAYS_EAGER and outbox.serving_with_runserver():
            outbox.start_drainer(interval)
