"""Reactions to changes recorded by other apps (connected in AssessmentsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from yiyang.core.models import ElderStatusChange

from .services import on_elder_status_change


@receiver(post_save, sender=ElderStatusChange, dispatch_uid="assessments_status_change")
def _status_changed(sender: Any, instance: ElderStatusChange, created: bool, **kwargs: Any) -> None:
    if created:
        on_elder_status_change(
            instance.elder,
            to_status=instance.to_status,
            changed_by=instance.changed_by,
            reason=instance.reason,
        )
