"""Alert rules stored per institution and per elder (告警规则), and escalation ladders (升级梯队).

The defaults are data in ``devices/data/rules.yaml`` (:mod:`yiyang.devices.rules`); a row here overrides
one threshold for an institution or for one elder. The most specific wins: elder, then institution,
then the file. A doctor sets an elder's thresholds (``alertrule.change``); an institution's
administrator keeps its ladder (``alertladder.change``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import CareTeam, Elder, Institution


class Severity(models.TextChoices):
    INFO = "info", _("Notice")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


#: the reading types with thresholds, and the parts of a blood pressure
THRESHOLD_TYPES = ("heart_rate", "spo2", "bp", "glucose", "temperature")
BP_PARTS = ("sys", "dia")


class ThresholdRule(models.Model):
    """One threshold that overrides the default for an institution's elders or for one elder.

    A reading alerts when it is below ``low`` or above ``high`` (a value exactly on a limit does not);
    an empty limit keeps the next less specific one. ``part`` is ``sys``/``dia`` for blood pressure."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_thresholds",
        verbose_name=_("institution"),
    )
    elder = models.ForeignKey(
        Elder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_thresholds",
        verbose_name=_("elder"),
    )
    type = models.CharField(_("reading type"), max_length=12)
    part = models.CharField(_("part"), max_length=3, blank=True)
    low = models.DecimalField(_("lower limit"), max_digits=6, decimal_places=1, null=True, blank=True)
    high = models.DecimalField(_("upper limit"), max_digits=6, decimal_places=1, null=True, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), default=clock.now)

    class Meta:
        verbose_name = _("alert threshold")
        verbose_name_plural = _("alert thresholds")
        constraints = [
            models.CheckConstraint(
                condition=(Q(institution__isnull=False) & Q(elder__isnull=True))
                | (Q(institution__isnull=True) & Q(elder__isnull=False)),
                name="devices_threshold_one_owner",
            ),
            models.UniqueConstraint(
                fields=["elder", "type", "part"],
                condition=Q(elder__isnull=False),
                name="devices_threshold_elder_once",
            ),
            models.UniqueConstraint(
                fields=["institution", "type", "part"],
                condition=Q(institution__isnull=False),
                name="devices_threshold_institution_once",
            ),
        ]


class StepRole(models.TextChoices):
    CARER = "carer", _("Carer on duty")
    NURSE = "nurse", _("Nurse")
    ADMIN = "admin", _("Institution administrator")
    FAMILY = "family", _("Family contact")
    DOCTOR = "doctor", _("Family doctor team")


class EscalationLadder(models.Model):
    """An institution's (or a family-doctor team's) escalation ladder: who is told first, and whom an
    alert moves on to when nobody acknowledges it within the step's minutes."""

    institution = models.OneToOneField(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_ladder",
        verbose_name=_("institution"),
    )
    team = models.OneToOneField(
        CareTeam,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_ladder",
        verbose_name=_("family doctor team"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("escalation ladder")
        verbose_name_plural = _("escalation ladders")
        constraints = [
            models.CheckConstraint(
                condition=(Q(institution__isnull=False) & Q(team__isnull=True))
                | (Q(institution__isnull=True) & Q(team__isnull=False)),
                name="devices_ladder_one_owner",
            ),
        ]


class EscalationStep(models.Model):
    """One rung: whom to tell (a role, or named people — the carer on duty), and how many minutes to
    wait for an acknowledgement before moving up. The last rung waits for ever."""

    ladder = models.ForeignKey(EscalationLadder, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    role = models.CharField(_("who"), max_length=8, choices=StepRole.choices)
    wait_minutes = models.PositiveSmallIntegerField(_("minutes to wait"))
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named people")
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["ladder", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "position"], name="devices_step_once"),
        ]
