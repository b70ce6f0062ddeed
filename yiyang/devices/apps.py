from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    """Smart care (issue 17): wearables and home sensors over MQTT, alert rules, escalation."""

    name = "yiyang.devices"
    label = "devices"
    verbose_name = _("Smart care devices")
    #: run by ``manage.py load_demo`` in INSTALLED_APPS order (yiyang.core.demo.load_demo)
    demo_loader = "yiyang.devices.demo.load_devices_demo"

    def ready(self) -> None:
        from django.conf import settings

        # every reading the ingestion worker stores is run through the alert rules (devices/hooks.py)
        from . import hooks, rules

        if rules.evaluate not in hooks.READING_STORED:
            hooks.READING_STORED.append(rules.evaluate)

        # alerts: the embedded demo has no Celery beat, so `runserver` runs the alert tick (escalation,
        # silent devices) from a background thread, as monitoring drains its outbox
        interval = float(getattr(settings, "DEVICES_ALERT_TICK_THREAD_SECONDS", 0) or 0)
        if interval > 0 and settings.CELERY_TASK_ALWAYS_EAGER:
            from yiyang.core.runtime import serving_with_runserver

            if serving_with_runserver():
                from .tasks import start_ticker

                start_ticker(interval)
        # ingestion: the embedded demo has no separate worker process; the process serving
        # `manage.py runserver` runs the MQTT ingestion worker in a daemon thread (a broker that is down
        # is logged and retried, never fatal to the server).
        if getattr(settings, "DEVICES_INGEST_THREAD", False):
            from yiyang.core.runtime import serving_with_runserver

            if serving_with_runserver():
                import logging

                from .services.ingest import run_in_thread

                logging.getLogger("yiyang.devices.ingest").setLevel(logging.INFO)
                run_in_thread(stats_every=60.0)
