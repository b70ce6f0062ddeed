"""Alerts (告警): one open alert per elder (or per device/place) and kind, repeats counted on it.

States (the machine is ``devices.services.alerts.ALERT``): new → notified → acknowledged → resolved
(with an outcome), or escalated (the ladder moves up) while nobody acknowledges. Every recipient told
is an :class:`AlertNotification` row (in-app only: there is no SMS gateway).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiyang.core import clock
from yiyang.core.models import CareTeam, Elder, Institution

from .devices import Device
from .rules import Severity, StepRole


class AlertStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("alert", "New")
    NOTIFIED = "notified", pgettext_lazy("alert", "Notified")
    ESCALATED = "escalated", pgettext_lazy("alert", "Escalated")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert", "Acknowledged")
    RESOLVED = "resolved", pgettext_lazy("alert", "Resolved")


OPEN_ALERT_STATES = (
    AlertStatus.NEW,
    AlertStatus.NOTIFIED,
    AlertStatus.ESCALATED,
    AlertStatus.ACKNOWLEDGED,
)
#: states in which nobody has acknowledged yet: the ladder moves up
UNACKNOWLEDGED_STATES = (AlertStatus.NEW, AlertStatus.NOTIFIED, AlertStatus.ESCALATED)


class AlertKind(models.TextChoices):
    HEART_RATE = "heart_rate", _("Heart rate out of range")
    SPO2 = "spo2", _("Low blood oxygen")
    BP = "bp", _("Blood pressure out of range")
    GLUCOSE = "glucose", _("Blood glucose out of range")
    TEMPERATURE = "temperature", _("Body temperature out of range")
    SOS = "sos", _("Emergency call")
    FALL = "fall", _("Fall")
    LEAVE_BED = "leave_bed", _("Left the bed at night")
    NO_MOTION = "no_motion", _("No motion")
    SMOKE = "smoke", _("Smoke")
    DOOR = "door", _("Door opened")
    NO_READING = "no_reading", _("No reading from the device")


class AlertOutcome(models.TextChoices):
    FALSE_ALARM = "false_alarm", _("False alarm")
    HANDLED = "handled", _("Handled on site")
    HOSPITAL = "hospital", _("Transferred to hospital")
    OTHER = "other", pgettext_lazy("alert outcome", "Other")


class Alert(models.Model):
    kind = models.CharField(_("alert"), max_length=12, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(_("state"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.NEW)
    #: storm control: "elder:<id>:<kind>", or "device:<id>:<kind>" for a detector without an elder
    dedup_key = models.CharField(max_length=64)
    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts", verbose_name=_("elder")
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("device"),
    )
    #: who handles it: the device's institution, else the elder's home, else the archive's keeper
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("institution"),
    )
    #: an elder at home without an institution's ladder: the family-doctor team that serves them
    team = models.ForeignKey(
        CareTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("team"),
    )
    place = models.CharField(_("place"), max_length=100, blank=True)
    message = models.CharField(_("what happened"), max_length=200)
    first_value = models.JSONField(_("first value"), null=True, blank=True)
    last_value = models.JSONField(_("last value"), null=True, blank=True)
    count = models.PositiveIntegerField(_("readings"), default=1)
    first_at = models.DateTimeField(_("first at"))
    last_at = models.DateTimeField(_("last at"))
    raised_at = models.DateTimeField(_("raised at"), default=clock.now)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(_("escalates at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=AlertOutcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    #: the draft referral made from this alert (care.Referral, kept by id: devices sits above care)
    referral_id = models.BigIntegerField(_("referral"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(status__in=["new", "notified", "escalated", "acknowledged"]),
                name="devices_alert_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "last_at"], name="devices_alert_institution"),
            models.Index(fields=["elder", "status"], name="devices_alert_elder"),
            models.Index(fields=["status", "next_escalation_at"], name="devices_alert_escalation"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALERT_STATES

    @property
    def needs_attention(self) -> bool:
        return self.status in UNACKNOWLEDGED_STATES


class AlertNotification(models.Model):
    """Who was told about an alert, when, at which rung. In-app only; a family contact has no account,
    so their row records the contact (masked phone) and that nothing was sent (no SMS gateway)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    level = models.PositiveSmallIntegerField(_("escalation level"))
    role = models.CharField(_("who"), max_length=8, choices=StepRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_notifications",
    )
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    channel = models.CharField(
        pgettext_lazy("alert notification", "channel"), max_length=12, default="in_app"
    )
    created_at = models.DateTimeField(_("notified at"), default=clock.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert notification")
        verbose_name_plural = _("alert notifications")
        ordering = ["alert", "created_at", "pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="devices_notification_user")]
