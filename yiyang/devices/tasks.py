"""Celery tasks of the devices app. ``devices.partitions`` runs daily on Celery beat."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="devices.partitions", ignore_result=True)
def partitions() -> dict[str, list[str] | int]:
    from .services.partitions import maintain

    return maintain()
