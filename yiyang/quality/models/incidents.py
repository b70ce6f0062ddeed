"""不良事件 and the pressure-injury register (压力性损伤登记), issue 12.

An :class:`Incident` is one adverse event in an institution: what happened (kind, time, place, the
resident), how bad (severity), what was done at once and who was told, then the cause analysis and
improvement measures, the follow-up and the closure. Its ``status`` moves only through
``quality.services.incidents.INCIDENT`` (reported → analysed → closed, reopened back to analysed).

A :class:`PressureInjury` is one injury in the register with its NPIAP/EPUAP stage, site, the day it
was first found and whether it began in the institution (院内新发) or came with the resident
(入院带入); :class:`PressureInjuryRecord` rows follow it to healing. ``serious_since`` is the day it was
first recorded at Ⅱ期 or worse — QS-1 counts 院内新发 injuries by that day, so a 1期 injury that
worsens in the home counts in the period it worsened.

Only :mod:`yiyang.quality.services.incidents` writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiyang.core import clock
from yiyang.core.models import Elder, Institution


class IncidentKind(models.TextChoices):
    """The kinds the quality plan names (seed 002 (四): 跌倒、坠床、噎食、误吸、烫伤; 走失 for residents
    with dementia), plus pressure injuries, medication errors and others."""

    FALL = "fall", _("Fall")
    FALL_FROM_BED = "fall_from_bed", _("Fall from bed")
    CHOKING = "choking", _("Choking")
    ASPIRATION = "aspiration", _("Aspiration")
    SCALD = "scald", _("Scald")
    WANDERING = "wandering", _("Wandering away")
    PRESSURE_INJURY = "pressure_injury", _("Pressure injury")
    MEDICATION_ERROR = "medication_error", _("Medication error")
    OTHER = "other", _("Other")


#: the six kinds of QS-2 (each has its own rate, QS-2A … QS-2F)
QS2_KINDS = (
    IncidentKind.FALL,
    IncidentKind.FALL_FROM_BED,
    IncidentKind.CHOKING,
    IncidentKind.ASPIRATION,
    IncidentKind.SCALD,
    IncidentKind.WANDERING,
)


class Severity(models.TextChoices):
    """医疗安全（不良）事件 four-level grading (中国医院协会《医疗安全（不良）事件管理》团体标准
    T/CHAS 10-4-6-2018): Ⅰ级 警告事件 (unexpected death or permanent loss of function), Ⅱ级 不良后果
    事件 (harm), Ⅲ级 未造成后果事件 (happened, no harm or minor harm that heals fully), Ⅳ级 隐患事件
    (a near miss: caught before it reached the resident)."""

    LEVEL_1 = "I", _("Level I: sentinel event (death or permanent harm)")
    LEVEL_2 = "II", _("Level II: adverse outcome (harm)")
    LEVEL_3 = "III", _("Level III: no lasting harm")
    LEVEL_4 = "IV", _("Level IV: near miss")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ANALYSED = "analysed", _("Analysed")
    CLOSED = "closed", pgettext_lazy("incident", "Closed")


class Incident(models.Model):
    """不良事件: one adverse event in an institution. ``elder`` may be empty only for kind 其他 (an event
    that concerns no resident, e.g. a visitor's scald)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("institution")
    )
    elder = models.ForeignKey(
        Elder,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("resident"),
        null=True,
        blank=True,
    )
    stay = models.ForeignKey(
        "care.Stay",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("stay"),
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind of incident"), max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    place = models.CharField(pgettext_lazy("incident", "place"), max_length=60)
    description = models.TextField(_("what happened"), max_length=2000)
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices)
    immediate_action = models.TextField(_("immediate action"), max_length=2000)
    family_informed = models.CharField(_("family member told"), max_length=40, blank=True)
    family_informed_at = models.DateTimeField(_("family told at"), null=True, blank=True)
    doctor_informed = models.CharField(_("doctor told"), max_length=40, blank=True)
    doctor_informed_at = models.DateTimeField(_("doctor told at"), null=True, blank=True)
    follow_up = models.TextField(pgettext_lazy("incident", "follow-up"), max_length=2000, blank=True)
    cause_analysis = models.TextField(_("cause analysis"), max_length=2000, blank=True)
    improvement = models.TextField(_("improvement measures"), max_length=2000, blank=True)
    closure_note = models.CharField(_("closure note"), max_length=200, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("incident", "closed at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    reported_at = models.DateTimeField(_("reported at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "occurred_at"], name="quality_incident_inst"),
            models.Index(fields=["elder", "occurred_at"], name="quality_incident_elder"),
            models.Index(fields=["kind", "occurred_at"], name="quality_incident_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class PressureStage(models.TextChoices):
    """NPIAP/EPUAP (2016/2019) stages, as 《护理专业医疗质量控制指标》 counts them."""

    STAGE_1 = "1", _("Stage 1")
    STAGE_2 = "2", _("Stage 2")
    STAGE_3 = "3", _("Stage 3")
    STAGE_4 = "4", _("Stage 4")
    UNSTAGEABLE = "unstageable", _("Unstageable")
    DEEP_TISSUE = "dti", _("Deep tissue injury")


#: "2期及以上": every stage but 1期 (不可分期 and 深部组织损伤 count, as in the national indicator)
SERIOUS_STAGES = (
    PressureStage.STAGE_2,
    PressureStage.STAGE_3,
    PressureStage.STAGE_4,
    PressureStage.UNSTAGEABLE,
    PressureStage.DEEP_TISSUE,
)


class PressureOrigin(models.TextChoices):
    FACILITY = "facility", _("New in the institution")
    ADMISSION = "admission", _("Present on admission")


class PressureInjury(models.Model):
    """压力性损伤登记: one injury of one resident, from first found to healed."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="pressure_injuries", verbose_name=_("institution")
    )
    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="pressure_injuries", verbose_name=_("resident")
    )
    stay = models.ForeignKey(
        "care.Stay",
        on_delete=models.PROTECT,
        related_name="pressure_injuries",
        verbose_name=_("stay"),
        null=True,
        blank=True,
    )
    incident = models.OneToOneField(
        Incident,
        on_delete=models.PROTECT,
        related_name="pressure_injury",
        verbose_name=_("incident"),
        null=True,
        blank=True,
    )
    site = models.CharField(_("site"), max_length=40)
    stage = models.CharField(_("stage when found"), max_length=12, choices=PressureStage.choices)
    current_stage = models.CharField(_("current stage"), max_length=12, choices=PressureStage.choices)
    origin = models.CharField(_("origin"), max_length=12, choices=PressureOrigin.choices)
    device_related = models.BooleanField(_("medical-device related"), default=False)
    first_found_on = models.DateField(_("first found on"))
    #: the first day it was recorded at 2期 or worse (QS-1 counts by this day); empty while 1期
    serious_since = models.DateField(_("stage 2 or worse since"), null=True, blank=True)
    healed_on = models.DateField(_("healed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("pressure injury")
        verbose_name_plural = _("pressure injuries")
        ordering = ["-first_found_on", "-pk"]
        indexes = [
            models.Index(fields=["institution", "first_found_on"], name="quality_pi_inst"),
            models.Index(fields=["institution", "serious_since"], name="quality_pi_serious"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.get_current_stage_display()}"

    @property
    def is_healed(self) -> bool:
        return self.healed_on is not None


class PressureInjuryRecord(models.Model):
    """One look at an injury: the stage now, its size, the care given; ``healed`` closes the entry."""

    injury = models.ForeignKey(
        PressureInjury, on_delete=models.PROTECT, related_name="records", verbose_name=_("pressure injury")
    )
    recorded_on = models.DateField(_("recorded on"))
    stage = models.CharField(_("stage"), max_length=12, choices=PressureStage.choices)
    length_cm = models.DecimalField(_("length (cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(_("width (cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    healed = models.BooleanField(_("healed"), default=False)
    note = models.CharField(_("care and progress"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("pressure injury record")
        verbose_name_plural = _("pressure injury records")
        ordering = ["injury_id", "recorded_on", "pk"]
