"""入住安全风险评估: admission risk assessments, the risk flags they set, and the reassessments due.

A risk assessment is one sitting in which a clinician fills in the risk screens of the assessment
engine (Morse, Braden, 洼田饮水试验 and the local wandering and scald forms), each stored as a final
:class:`~yiyang.assessments.models.AssessmentResponse`; every screen's level becomes one
:class:`RiskFinding` with a flag level (``quality/data/risk_rules.yaml`` maps instrument levels to flag
levels). The resident's flags are the findings of their latest risk assessment.

An admission assessment stores its clock (``clock_start``, ``due_at``, the county's ``rule_hours``) and
whether it was on time, as they were when it was recorded: QS-3 counts ``on_time`` and a later change
of the county's rule does not rewrite the past. See :mod:`yiyang.quality.risk_rules` for the clock.

Only :mod:`yiyang.quality.services.risk` writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock


class RiskKind(models.TextChoices):
    ADMISSION = "admission", _("On admission")
    CHANGE = "change_of_condition", _("Change of condition")
    INCIDENT = "after_incident", _("After an incident")
    PERIODIC = "periodic", _("Periodic")


class RiskFlagCode(models.TextChoices):
    FALL = "fall", _("Fall")
    PRESSURE = "pressure_injury", _("Pressure injury")
    CHOKING = "choking", _("Choking / aspiration")
    WANDERING = "wandering", _("Wandering")
    SCALD = "scald", _("Scald")


class FlagLevel(models.TextChoices):
    NONE = "none", _("No risk")
    LOW = "low", _("Low risk")
    MODERATE = "moderate", _("Moderate risk")
    HIGH = "high", _("High risk")


#: order of the flag levels, lowest first
FLAG_LEVEL_ORDER = [FlagLevel.NONE, FlagLevel.LOW, FlagLevel.MODERATE, FlagLevel.HIGH]


class RiskAssessment(models.Model):
    """One risk assessment of a resident (入住/病情变化/事件后/定期)."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="risk_assessments", verbose_name=_("elder")
    )
    institution = models.ForeignKey(
        "core.Institution",
        on_delete=models.PROTECT,
        related_name="risk_assessments",
        verbose_name=_("institution"),
    )
    stay = models.ForeignKey(
        "care.Stay",
        on_delete=models.PROTECT,
        related_name="risk_assessments",
        verbose_name=_("stay"),
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=24, choices=RiskKind.choices)
    assessed_at = models.DateTimeField(_("assessed at"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessor")
    )
    #: admission only: when the clock started, the deadline, the county's rule in hours, on time or not
    clock_start = models.DateTimeField(_("clock started"), null=True, blank=True)
    due_at = models.DateTimeField(_("due by"), null=True, blank=True)
    rule_hours = models.PositiveSmallIntegerField(_("rule (hours)"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stay"], condition=Q(kind="admission"), name="quality_risk_one_admission_per_stay"
            )
        ]
        indexes = [
            models.Index(fields=["elder", "assessed_at"], name="quality_risk_elder"),
            models.Index(fields=["institution", "kind", "assessed_at"], name="quality_risk_inst"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.assessed_at:%Y-%m-%d}"


class RiskFinding(models.Model):
    """One screen's result inside a risk assessment: the flag it sets and at which level."""

    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.PROTECT, related_name="findings", verbose_name=_("risk assessment")
    )
    flag = models.CharField(_("risk"), max_length=20, choices=RiskFlagCode.choices)
    response = models.ForeignKey(
        "assessments.AssessmentResponse",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessment"),
    )
    instrument_code = models.CharField(_("instrument"), max_length=32)
    total = models.IntegerField(_("total"), null=True, blank=True)
    level_code = models.CharField(_("level code"), max_length=16, blank=True)
    level_name = models.CharField(_("level"), max_length=64, blank=True)
    flag_level = models.CharField(_("flag level"), max_length=10, choices=FlagLevel.choices)

    class Meta:
        verbose_name = _("risk finding")
        verbose_name_plural = _("risk findings")
        ordering = ["assessment_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "flag"], name="quality_risk_finding_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_flag_display()}: {self.get_flag_level_display()}"


class ReassessmentReason(models.TextChoices):
    CHANGE = "change_of_condition", _("Change of condition")
    INCIDENT = "after_incident", _("After an incident")


class ReassessmentRequest(models.Model):
    """待再评估: a change of condition recorded by staff, or an incident, asks for a new risk assessment;
    the next risk assessment of the elder at that institution resolves it."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="+", verbose_name=_("elder")
    )
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    reason = models.CharField(_("reason"), max_length=24, choices=ReassessmentReason.choices)
    detail = models.CharField(_("what changed"), max_length=300)
    #: ``quality.incident:<id>`` for an incident, empty for a change recorded by hand
    source_ref = models.CharField(_("source"), max_length=64, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    resolved_by = models.ForeignKey(
        RiskAssessment,
        on_delete=models.PROTECT,
        related_name="resolves",
        null=True,
        blank=True,
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("reassessment request")
        verbose_name_plural = _("reassessment requests")
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["institution", "resolved_by"], name="quality_reassess_open")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.requested_at:%Y-%m-%d}"
