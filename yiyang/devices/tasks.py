"""Celery tasks of the devices app. ``devices.alert_tick`` runs every minute on Celery beat
(``CELERY_BEAT_SCHEDULE``); the embedded demo runs it from a thread of ``runserver`` instead
(:func:`start_ticker`, ``DEVICES_ALERT_TICK_THREAD_SECONDS``)."""

from __future__ import annotations

import logging
import threading

from celery import shared_task

logger = logging.getLogger(__name__)
_ticker: threading.Thread | None = None


@shared_task(name="devices.alert_tick", ignore_result=True)
def alert_tick() -> dict[str, int]:
    """Escalate unacknowledged alerts whose rung timed out; raise "no reading" alerts (system actor)."""
    from .services.alerts import tick

    return tick()


def start_ticker(interval: float) -> threading.Thread:
    """A daemon thread that runs the alert tick every ``interval`` seconds (the demo has no beat)."""
    global _ticker
    if _ticker is not None and _ticker.is_alive():
        return _ticker

    def loop() -> None:
        from django.db import close_old_connections

        from .services.alerts import tick

        stop = threading.Event()
        while not stop.wait(interval):
            try:
                tick()
            except Exception:
                logger.exception("devices: the alert tick failed; it runs again next time")
            finally:
                close_old_connections()

    _ticker = threading.Thread(target=loop, name="devices-alert-tick", daemon=True)
    _ticker.start()
    return _ticker
