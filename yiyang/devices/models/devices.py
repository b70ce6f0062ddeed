"""The device registry (设备登记): what a serial number is, whom and where it watches, and when.

A reading is only stored when its device is registered, active on the reading's day and bound to an
elder or a place; an unknown or unbound serial is logged and rejected, never stored against a wrong elder.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Elder, Institution


class DeviceKind(models.TextChoices):
    WRISTBAND = "wristband", _("Wristband / watch")
    BP_METER = "bp_meter", _("Blood pressure meter")
    GLUCOSE_METER = "glucose_meter", _("Glucose meter")
    BED_SENSOR = "bed_sensor", _("Mattress / bed-exit sensor")
    FALL_DETECTOR = "fall_detector", _("Fall detector")
    SOS_BUTTON = "sos_button", _("Emergency call button")
    DOOR_SENSOR = "door_sensor", _("Door sensor")
    SMOKE_DETECTOR = "smoke_detector", _("Smoke detector")


class Device(models.Model):
    """One wearable or sensor. ``elder`` is whom it watches (a wearable, a bed sensor); ``institution``
    and ``place`` where it is (a smoke detector in a home's corridor has a place and no elder)."""

    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    kind = models.CharField(_("device type"), max_length=20, choices=DeviceKind.choices)
    model_name = models.CharField(_("model"), max_length=80, blank=True)
    elder = models.ForeignKey(
        Elder,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("elder"),
        null=True,
        blank=True,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("institution"),
        null=True,
        blank=True,
    )
    place = models.CharField(_("place"), max_length=100, blank=True)
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last reading at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["serial"]
        constraints = [
            models.CheckConstraint(
                condition=Q(elder__isnull=False) | Q(institution__isnull=False),
                name="devices_device_bound",
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="devices_device_active_period",
            ),
        ]

    def __str__(self) -> str:
        return self.serial
