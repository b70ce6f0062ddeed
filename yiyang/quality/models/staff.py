"""Credentials and training of institutions' staff (issue 12, IR-12): 资格证书 and 培训.

The staff member is the registry's :class:`yiyang.core.staff.Staff`. A :class:`Qualification` is one
certificate with its validity; ``valid_until`` is the last day it is valid (a certificate valid until
the reference date still counts that day), empty when it never expires. A :class:`TrainingSession` is
organised by an institution or by the county (``organiser`` empty, ``region`` the county); each
:class:`Attendance` row is one staff member's place on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Institution, Region
from yiyang.core.staff import Staff


class QualificationKind(models.TextChoices):
    PHYSICIAN = "physician", _("Medical practitioner's certificate")
    NURSE = "nurse", _("Nurse practising certificate")
    CARER = "carer", _("Eldercare worker skill-level certificate")
    HEALTH = "health", _("Health certificate")
    OTHER = "other", _("Other certificate")


class CarerLevel(models.TextChoices):
    """养老护理员职业技能等级 (五级 lowest … 一级 highest)."""

    LEVEL_5 = "5", _("Level 5 / Junior")
    LEVEL_4 = "4", _("Level 4 / Intermediate")
    LEVEL_3 = "3", _("Level 3 / Senior")
    LEVEL_2 = "2", _("Level 2 / Technician")
    LEVEL_1 = "1", _("Level 1 / Senior technician")


def evidence_path(instance: Qualification, filename: str) -> str:
    # The stored name never carries the uploaded file's name (it may hold personal data or ``..``).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"quality/qualifications/{clock.today():%Y}/{clock.now():%Y%m%d%H%M%S%f}.{suffix[:5]}"


class Qualification(models.Model):
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("staff member")
    )
    kind = models.CharField(_("certificate"), max_length=16, choices=QualificationKind.choices)
    name = models.CharField(_("certificate name"), max_length=60, blank=True)
    level = models.CharField(_("skill level"), max_length=1, choices=CarerLevel.choices, blank=True)
    number = models.CharField(_("certificate no."), max_length=40)
    issuer = models.CharField(_("issued by"), max_length=80, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until (inclusive)"), null=True, blank=True)
    evidence = models.FileField(_("scan of the certificate"), upload_to=evidence_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["staff_id", "kind", "-issued_on"]
        indexes = [models.Index(fields=["staff", "kind", "valid_until"], name="quality_qual_staff_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                name="quality_qual_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.issued_on <= day and (self.valid_until is None or day <= self.valid_until)


class TrainingTopic(models.TextChoices):
    CAPABILITY = "capability", _("Integrated care capability training")
    THREE_BASICS = "three_basics", _("Three basics and three stricts")
    FIRST_AID = "first_aid", _("First aid")
    FIRE = "fire", _("Fire safety")
    INFECTION = "infection", _("Infection prevention and control")
    OTHER = "other", _("Other")


class TrainingSession(models.Model):
    topic = models.CharField(_("topic"), max_length=16, choices=TrainingTopic.choices)
    title = models.CharField(_("title"), max_length=100)
    organiser = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("organising institution"),
        help_text=_("Empty when the county organises it."),
    )
    #: the organiser's region (the county for a county session): what the indicators count by
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    place = models.CharField(_("place"), max_length=100, blank=True)
    content = models.TextField(_("content"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["region", "held_on"], name="quality_training_region")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="training_attendances", verbose_name=_("staff member")
    )
    attended = models.BooleanField(_("attended"), default=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=0)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session_id", "staff__name"]
        constraints = [models.UniqueConstraint(fields=["session", "staff"], name="quality_attendance_once")]
        indexes = [models.Index(fields=["staff", "attended"], name="quality_attendance_staff")]
