"""连续性电子健康档案: one archive per elder, whichever institution serves them.

The archive holds what the 个人基本信息表 asks beyond the registry (blood type, allergies, exposure,
past history, family history, disabilities) plus the problem list (ICD-10 diagnoses) and current
medications. Its number is the 17-digit 居民健康档案编号 (standards/public-health-services.md §5.3).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock


class BloodType(models.TextChoices):
    A = "1", _("Type A")
    B = "2", _("Type B")
    O = "3", _("Type O")  # noqa: E741
    AB = "4", _("Type AB")
    UNKNOWN = "5", _("Unknown")


class HealthArchive(models.Model):
    """居民健康档案: the cover and the 个人基本信息表 items the registry does not already hold."""

    elder = models.OneToOneField(
        "core.Elder", on_delete=models.PROTECT, related_name="health_archive", verbose_name=_("elder")
    )
    number = models.CharField(_("archive number"), max_length=17, unique=True)
    established_on = models.DateField(_("established on"))
    institution = models.ForeignKey(
        "core.Institution",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("establishing institution"),
    )
    established_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("established by"),
    )
    responsible_doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible doctor"),
    )
    blood_type = models.CharField(_("blood type"), max_length=1, choices=BloodType.choices, default="5")
    #: 药物过敏史 codes: 1 无 2 青霉素 3 磺胺 4 链霉素 5 其他 (+ allergy_other)
    drug_allergies = models.JSONField(_("drug allergies"), default=list, blank=True)
    allergy_other = models.CharField(_("other allergy"), max_length=100, blank=True)
    #: 暴露史: 1 无 2 化学品 3 毒物 4 射线
    exposures = models.JSONField(_("exposure history"), default=list, blank=True)
    #: 既往史 手术 / 外伤 / 输血: lists of {"name", "date"}
    surgeries = models.JSONField(_("surgery history"), default=list, blank=True)
    traumas = models.JSONField(_("trauma history"), default=list, blank=True)
    transfusions = models.JSONField(_("transfusion history"), default=list, blank=True)
    #: 家族史: {"father": [codes], "mother": [...], "siblings": [...], "children": [...]}
    family_history = models.JSONField(_("family history"), default=dict, blank=True)
    genetic_disease = models.CharField(_("hereditary disease"), max_length=100, blank=True)
    #: 残疾情况: 1 无残疾 2 视力 3 听力 4 言语 5 肢体 6 智力 7 精神 8 其他
    disabilities = models.JSONField(_("disabilities"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("health archive")
        verbose_name_plural = _("health archives")

    def __str__(self) -> str:
        return self.number

    @property
    def form_number(self) -> str:
        """What the follow-up forms print: "编号□□□-□□□□□" (village segment + serial)."""
        return f"{self.number[9:12]}-{self.number[12:]}"


class DiagnosisStatus(models.TextChoices):
    ACTIVE = "active", _("Current")
    RESOLVED = "resolved", _("Resolved")


class Diagnosis(models.Model):
    """A problem or diagnosis on the problem list, coded in ICD-10 (names from the shipped table)."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="diagnoses", verbose_name=_("elder")
    )
    icd10_code = models.CharField(_("ICD-10 code"), max_length=10)
    name = models.CharField(_("diagnosis"), max_length=100)
    diagnosed_on = models.DateField(_("diagnosed on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DiagnosisStatus.choices, default=DiagnosisStatus.ACTIVE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["-diagnosed_on", "-id"]
        indexes = [models.Index(fields=["elder", "recorded_at"], name="health_diag_elder")]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.name}"


class Adherence(models.TextChoices):
    """服药依从性: 规律 = as prescribed; 间断 = not as prescribed; 不服药 = prescribed, not taken."""

    REGULAR = "1", _("Regular")
    INTERMITTENT = "2", _("Intermittent")
    NONE = "3", _("Not taking")


class Medication(models.Model):
    """主要用药情况: a current medication (用法 = route, 用量 = frequency and dose)."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="medications", verbose_name=_("elder")
    )
    name = models.CharField(_("drug name"), max_length=60)
    route = models.CharField(_("route"), max_length=30, blank=True)
    dose = models.CharField(_("frequency and dose"), max_length=60, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    adherence = models.CharField(_("adherence"), max_length=1, choices=Adherence.choices, blank=True)
    active = models.BooleanField(_("current"), default=True)
    #: 慢性病长期处方: prescribed for up to 12 weeks at once, reviewed by the family doctor by ``review_on``
    long_prescription = models.BooleanField(_("long prescription"), default=False)
    prescribed_weeks = models.PositiveSmallIntegerField(_("weeks prescribed"), null=True, blank=True)
    review_on = models.DateField(_("review by"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("medication")
        verbose_name_plural = _("medications")
        ordering = ["-active", "name"]

    def __str__(self) -> str:
        return self.name
