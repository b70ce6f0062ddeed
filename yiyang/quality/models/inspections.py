"""Checklists run as data, inspections, the rectification ledger (整改台账) and fire-check obligations.

- :class:`ChecklistVersion`: a province's or county's own checklist version, loaded from a file with
  ``manage.py checklists load`` (the shipped versions are files in ``quality/checklists/``).
- :class:`Inspection` (自查 by the institution, 核查 by the county officer, 防火检查) with one
  :class:`InspectionItem` per checklist item, each keeping the requirement it judged.
- :class:`RectificationItem`: one finding to rectify (问题, 整改措施, 责任人, deadline in working days);
  its ``status`` moves only through ``quality.services.inspections.RECTIFICATION``.
- :class:`EvidenceFile`: an uploaded photo or PDF, stored under a generated name.
- :class:`FireCheckObligation`: one fire check due (each month, and before each statutory holiday); a
  fire-check inspection meets the obligations whose window holds its day (QS-5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiyang.core import clock


class InspectionKind(models.TextChoices):
    SELF = "self", _("Self-inspection")
    VERIFICATION = "verification", _("County verification visit")
    FIRE = "fire", _("Fire-safety check")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("inspection", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("inspection", "Submitted")


class Judgement(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    PARTIAL = "partial", _("Partly compliant")
    NONCOMPLIANT = "noncompliant", _("Not compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class RectificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("rectification", "In progress")
    SUBMITTED = "submitted", pgettext_lazy("rectification", "Submitted for verification")
    VERIFIED = "verified", pgettext_lazy("rectification", "Verified")
    REOPENED = "reopened", pgettext_lazy("rectification", "Reopened")


#: states in which the institution still has work to do (an overdue item is one of these past its deadline)
OPEN_STATES = (RectificationStatus.OPEN, RectificationStatus.IN_PROGRESS, RectificationStatus.REOPENED)


class ObligationKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    HOLIDAY = "holiday", _("Before a holiday")


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # The stored name never carries the uploaded file's name (it may hold personal data or ``..``).
    return f"quality/evidence/{clock.today():%Y}/{clock.now():%Y%m%d%H%M%S%f}.{instance.kind}"


class ChecklistVersion(models.Model):
    """A checklist version loaded from a file (``manage.py checklists load``); the newest loaded
    version of a code is used for new inspections instead of the shipped file."""

    code = models.CharField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("title"), max_length=80)
    definition = models.JSONField(_("definition"))
    loaded_at = models.DateTimeField(_("loaded at"), default=clock.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="quality_checklist_version")]
        ordering = ["code", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.code}@{self.version}"


class EvidenceFile(models.Model):
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="quality_evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path)
    #: pdf, jpg or png, read from the file's first bytes
    kind = models.CharField(max_length=4)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"evidence {self.pk}.{self.kind}"


class Inspection(models.Model):
    institution = models.ForeignKey(
        "core.Institution",
        on_delete=models.PROTECT,
        related_name="quality_inspections",
        verbose_name=_("institution"),
    )
    kind = models.CharField(_("inspection type"), max_length=16, choices=InspectionKind.choices)
    checklist_code = models.CharField(max_length=40)
    checklist_version = models.CharField(max_length=20)
    checklist_title = models.CharField(max_length=80)
    checklist_label = models.CharField(max_length=120, blank=True)
    inspected_on = models.DateField(_("inspection date"))
    status = models.CharField(max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["institution", "kind", "inspected_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.inspected_on} #{self.pk}"


class InspectionItem(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=80)
    code = models.CharField(max_length=20)
    requirement = models.CharField(max_length=300)
    evidence_required = models.BooleanField(default=False)
    judgement = models.CharField(max_length=16, choices=Judgement.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="inspection_items")

    class Meta:
        ordering = ["inspection", "position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "code"], name="quality_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.requirement[:20]}"


class RectificationItem(models.Model):
    """One row of the 整改台账. ``status`` moves only through ``RECTIFICATION``."""

    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="rectifications"
    )
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="rectifications")
    inspection_item = models.OneToOneField(
        InspectionItem, on_delete=models.PROTECT, related_name="rectification"
    )
    problem = models.CharField(_("problem"), max_length=800)
    measure = models.CharField(_("rectification measure"), max_length=800, blank=True)
    responsible = models.CharField(_("responsible person"), max_length=40, blank=True)
    deadline = models.DateField(_("deadline"))
    #: the deadline was counted on weekends only: chinese_calendar does not know the year's holidays
    deadline_estimated = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: verified on or before the deadline (QS-4's numerator: closed and verified by the deadline)
    closed_on_time = models.BooleanField(default=False)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    #: the day the daily job first found it overdue (it is then listed first on the officer's ledger)
    escalated_on = models.DateField(null=True, blank=True)
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="rectifications")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["institution", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"整改 #{self.pk} {self.problem[:20]}"

    @property
    def overdue(self) -> bool:
        return self.status in OPEN_STATES and self.deadline < clock.today()


class FireCheckObligation(models.Model):
    """One fire check due: ``window_start``..``due_date``; met by the first fire check in the window."""

    institution = models.ForeignKey(
        "core.Institution", on_delete=models.CASCADE, related_name="fire_obligations"
    )
    kind = models.CharField(max_length=8, choices=ObligationKind.choices)
    #: "2026-03" for a month, the holiday's name and year for a holiday ("国庆节 2026")
    label = models.CharField(max_length=40)
    window_start = models.DateField()
    due_date = models.DateField()
    met_by = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="obligations_met"
    )

    class Meta:
        ordering = ["institution", "due_date", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "kind", "label"], name="quality_fire_obligation")
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.label}"
