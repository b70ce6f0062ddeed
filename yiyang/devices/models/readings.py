"""Readings (监测数据): a high-volume table, written only by the ingestion worker.

``message_id`` is the publisher's id: a redelivery (MQTT QoS 1 delivers at least once) carries the same
id and timestamp and is a no-op. The unique key holds ``ts`` because on PostgreSQL the table is to be
partitioned by month on ``ts``, and a partitioned table's unique keys must contain the partition key.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Elder

from .devices import Device


class ReadingType(models.TextChoices):
    HEART_RATE = "heart_rate", _("Heart rate")
    SPO2 = "spo2", _("Blood oxygen")
    BP = "bp", _("Blood pressure")
    GLUCOSE = "glucose", _("Blood glucose")
    TEMPERATURE = "temperature", _("Body temperature")
    SOS = "sos", _("Emergency call")
    FALL = "fall", _("Fall")
    LEAVE_BED = "leave_bed", _("Left the bed")
    NO_MOTION = "no_motion", _("No motion")
    SMOKE = "smoke", _("Smoke")
    DOOR = "door", _("Door opened")


class Reading(models.Model):
    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="readings", db_index=False)
    #: copied from the device's binding when stored, so a later re-binding never moves old readings
    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="device_readings", null=True, blank=True
    )
    message_id = models.CharField(_("message id"), max_length=64)
    ts = models.DateTimeField(_("measured at"))
    type = models.CharField(_("reading type"), max_length=12, choices=ReadingType.choices)
    #: a number, or ``{"sys": …, "dia": …}`` for blood pressure, or ``true`` for an event
    value = models.JSONField(_("value"), null=True)
    received_at = models.DateTimeField(_("received at"), default=clock.now)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(fields=["device", "message_id", "ts"], name="devices_reading_once"),
        ]
        indexes = [
            models.Index(fields=["elder", "type", "ts"], name="devices_reading_elder"),
            models.Index(fields=["device", "ts"], name="devices_reading_device"),
        ]
