"""高血压 and 2型糖尿病 patient management: the registry (在管患者) and the 随访服务记录表
(standards/public-health-services.md §2, §3). Classification and next-visit date come from the
decision table in :mod:`yiyang.health.rules`; the service stores which rule row matched."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import formdata as f


class Disease(models.TextChoices):
    HYPERTENSION = "hypertension", _("Hypertension")
    DIABETES = "diabetes", _("Type 2 diabetes")


class CaseSource(models.TextChoices):
    SCREENING = "screening", _("Screening")
    HEALTH_CHECK = "health_check", _("Health check")
    OUTPATIENT = "outpatient", _("Outpatient visit")
    HOSPITAL = "hospital", _("Diagnosed in hospital")
    OTHER = "other", _("Other")


class ChronicCase(models.Model):
    """在管慢病患者: one elder in hypertension or diabetes management, from enrolment to closing."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="chronic_cases", verbose_name=_("elder")
    )
    disease = models.CharField(_("disease"), max_length=16, choices=Disease.choices)
    icd10_code = models.CharField(_("ICD-10 code"), max_length=10)
    diagnosed_on = models.DateField(_("diagnosed on"))
    source = models.CharField(_("source of diagnosis"), max_length=16, choices=CaseSource.choices)
    enrolled_on = models.DateField(_("enrolled on"))
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("managing institution")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=100, blank=True)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chronic disease case")
        verbose_name_plural = _("chronic disease cases")
        ordering = ["disease", "-enrolled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "disease"],
                condition=models.Q(closed_on__isnull=True),
                name="health_case_open_once",
            )
        ]
        indexes = [models.Index(fields=["disease", "closed_on", "next_visit_due"], name="health_case_due")]

    def __str__(self) -> str:
        return f"{self.get_disease_display()} {self.elder_id}"


class FollowUpAction(models.TextChoices):
    """下一步管理措施 (regional variant, rows E / D / C / A+B of the decision table)."""

    ROUTINE = "routine", _("Routine follow-up")
    RECHECK = "recheck", _("Not controlled: follow up within 2 weeks")
    REFER = "refer", _("Refer and follow the referral within 2 weeks")
    URGENT_REFERRAL = "urgent_referral", _("Urgent referral")


class ChronicFollowUp(models.Model):
    """随访服务记录表: one follow-up of one case (hypertension or diabetes form)."""

    case = models.ForeignKey(
        ChronicCase, on_delete=models.PROTECT, related_name="followups", verbose_name=_("case")
    )
    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="chronic_followups", verbose_name=_("elder")
    )
    visit_date = models.DateField(_("visit date"))
    method = models.CharField(_("visit method"), max_length=1, choices=f.VISIT_METHOD)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    danger_signs = models.JSONField(_("danger signs"), default=list, blank=True)
    systolic = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"), null=True, blank=True)
    weight = models.DecimalField(_("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True)
    weight_target = models.DecimalField(
        _("target weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    bmi = models.DecimalField(_("BMI (kg/m²)"), max_digits=4, decimal_places=1, null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (/min)"), null=True, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    fasting_glucose = models.DecimalField(
        _("fasting glucose (mmol/L)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    hba1c = models.DecimalField(_("HbA1c (%)"), max_digits=3, decimal_places=1, null=True, blank=True)
    dorsalis_pedis = models.CharField(_("dorsalis pedis pulse"), max_length=20, blank=True)
    cigarettes_per_day = models.PositiveSmallIntegerField(_("cigarettes per day"), null=True, blank=True)
    alcohol_per_day = models.DecimalField(
        _("daily alcohol (liang of spirit)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    exercise_per_week = models.PositiveSmallIntegerField(
        _("exercise sessions per week"), null=True, blank=True
    )
    exercise_minutes = models.PositiveSmallIntegerField(_("minutes per session"), null=True, blank=True)
    salt_intake = models.CharField(_("salt intake"), max_length=6, choices=f.SALT, blank=True)
    staple_grams = models.PositiveSmallIntegerField(_("staple food (g/day)"), null=True, blank=True)
    psychological = models.CharField(
        _("psychological adjustment"), max_length=1, choices=f.GOOD_FAIR_POOR, blank=True
    )
    compliance = models.CharField(_("following advice"), max_length=1, choices=f.GOOD_FAIR_POOR, blank=True)
    adherence = models.CharField(_("medication adherence"), max_length=1, choices=f.ADHERENCE, blank=True)
    adverse_reaction = models.BooleanField(_("adverse drug reaction"), default=False)
    adverse_reaction_detail = models.CharField(_("adverse reaction details"), max_length=100, blank=True)
    adverse_reaction_hard_to_control = models.BooleanField(_("reaction hard to control"), default=False)
    hypoglycaemia = models.CharField(_("hypoglycaemia"), max_length=1, choices=f.HYPOGLYCAEMIA, blank=True)
    new_complication = models.BooleanField(_("new or worse complication"), default=False)
    complication_detail = models.CharField(_("complication details"), max_length=100, blank=True)
    medications = models.JSONField(_("medications"), default=list, blank=True)
    controlled = models.BooleanField(_("controlled"), default=False)
    superseded_on = models.DateField(
        _("next follow-up on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Visit date of the case's next follow-up; empty on the latest (HM-8)."),
    )
    classification = models.CharField(
        _("classification of this visit"), max_length=1, choices=f.FOLLOWUP_CLASSIFICATION
    )
    action = models.CharField(_("next management step"), max_length=16, choices=FollowUpAction.choices)
    rule = models.CharField(_("decision rule"), max_length=2)
    next_visit_date = models.DateField(_("next visit date"))
    referral_reason = models.CharField(_("referral reason"), max_length=200, blank=True)
    referral_to = models.CharField(_("referred to (institution and department)"), max_length=100, blank=True)
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chronic disease follow-up")
        verbose_name_plural = _("chronic disease follow-ups")
        ordering = ["-visit_date", "-id"]
        indexes = [
            models.Index(fields=["case", "visit_date"], name="health_fu_case"),
            models.Index(fields=["elder", "visit_date"], name="health_fu_elder"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_date} {self.case_id}"

    @property
    def is_face_to_face(self) -> bool:
        return self.method in f.FACE_TO_FACE
