"""健康体检表: the yearly check of the 老年人健康管理服务 (standards/public-health-services.md §1).

Single-choice items store the printed code (see :mod:`yiyang.health.formdata`); multi-choice items a
list of codes. The four ``part_*`` flags and ``is_complete`` are set by the service from the
completeness rule in :mod:`yiyang.health.rules` each time the check is saved, so an indicator can
count complete checks with one filter; ``notified_in_time`` (HM-4: result and guidance given within one
calendar month, ``rules.notified_in_time``) likewise each time the check or its notice date is saved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import formdata as f


def _choice(verbose: str, options: list[tuple[str, str]], max_length: int = 1) -> models.CharField:
    return models.CharField(verbose, max_length=max_length, choices=options, blank=True)


def _dec(verbose: str, digits: int = 5, places: int = 1) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=digits, decimal_places=places, null=True, blank=True)


def _int(verbose: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose, null=True, blank=True)


class HealthCheck(models.Model):
    """健康体检表: one yearly check of one elder."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="health_checks", verbose_name=_("elder")
    )
    check_date = models.DateField(_("check date"))
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible doctor"),
    )
    # 症状
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    symptoms_other = models.CharField(_("other symptoms"), max_length=100, blank=True)
    # 一般状况
    temperature = _dec(_("temperature (°C)"), 3, 1)
    pulse = _int(_("pulse (/min)"))
    respiration = _int(_("respiration (/min)"))
    bp_left_systolic = _int(_("left systolic BP (mmHg)"))
    bp_left_diastolic = _int(_("left diastolic BP (mmHg)"))
    bp_right_systolic = _int(_("right systolic BP (mmHg)"))
    bp_right_diastolic = _int(_("right diastolic BP (mmHg)"))
    height = _dec(_("height (cm)"), 4, 1)
    weight = _dec(_("weight (kg)"), 4, 1)
    waist = _dec(_("waist (cm)"), 4, 1)
    bmi = _dec(_("BMI (kg/m²)"), 4, 1)
    self_rating = _choice(_("self-rated health"), f.SELF_RATING)
    selfcare_response = models.ForeignKey(
        "assessments.AssessmentResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("self-care assessment"),
    )
    selfcare_score = _int(_("self-care score"))
    selfcare_level = _choice(_("self-care ability"), f.SELFCARE_LEVEL)
    cognitive_screen = _choice(_("cognitive screen"), f.SCREEN)
    cognitive_score = _int(_("MMSE total"))
    emotional_screen = _choice(_("emotional screen"), f.SCREEN)
    emotional_score = _int(_("depression scale total"))
    # 生活方式
    exercise_frequency = _choice(_("exercise frequency"), f.EXERCISE_FREQUENCY)
    exercise_minutes = _int(_("minutes per session"))
    exercise_years = _int(_("years exercising"))
    exercise_kind = models.CharField(_("kind of exercise"), max_length=60, blank=True)
    diet = models.JSONField(_("diet"), default=list, blank=True)
    smoking_status = _choice(_("smoking"), f.SMOKING)
    cigarettes_per_day = _int(_("cigarettes per day"))
    smoking_start_age = _int(_("age started smoking"))
    smoking_quit_age = _int(_("age quit smoking"))
    drinking_frequency = _choice(_("drinking frequency"), f.DRINKING)
    alcohol_per_day = _dec(_("daily alcohol (liang of spirit)"), 4, 1)
    drinking_quit = _choice(_("quit drinking"), f.DRINKING_QUIT)
    drinking_quit_age = _int(_("age quit drinking"))
    drinking_start_age = _int(_("age started drinking"))
    drunk_last_year = _choice(_("drunk in the last year"), f.YES_NO)
    drink_kinds = models.JSONField(_("kinds of drink"), default=list, blank=True)
    occupational_exposure = _choice(_("occupational hazard exposure"), f.ABSENT_PRESENT)
    occupational_detail = models.CharField(_("occupational exposure details"), max_length=200, blank=True)
    # 脏器功能
    lips = _choice(_("lips"), f.LIPS)
    dentition = models.JSONField(_("dentition"), default=list, blank=True)
    pharynx = _choice(_("pharynx"), f.PHARYNX)
    vision_left = _dec(_("vision left"), 2, 1)
    vision_right = _dec(_("vision right"), 2, 1)
    hearing = _choice(_("hearing"), f.HEARING)
    motor_function = _choice(_("motor function"), f.MOTOR)
    # 查体
    fundus = _choice(_("fundus"), f.NORMAL_ABNORMAL)
    skin = _choice(_("skin"), f.SKIN)
    sclera = _choice(_("sclera"), f.SCLERA)
    lymph_nodes = _choice(_("lymph nodes"), f.LYMPH)
    barrel_chest = _choice(_("barrel chest"), f.NO_YES)
    breath_sounds = _choice(_("breath sounds"), f.NORMAL_ABNORMAL)
    rales = _choice(_("rales"), f.RALES)
    heart_rate = _int(_("heart rate (/min)"))
    heart_rhythm = _choice(_("heart rhythm"), f.RHYTHM)
    heart_murmur = _choice(_("heart murmur"), f.ABSENT_PRESENT)
    abdominal_tenderness = _choice(_("abdominal tenderness"), f.ABSENT_PRESENT)
    abdominal_mass = _choice(_("abdominal mass"), f.ABSENT_PRESENT)
    hepatomegaly = _choice(_("hepatomegaly"), f.ABSENT_PRESENT)
    splenomegaly = _choice(_("splenomegaly"), f.ABSENT_PRESENT)
    shifting_dullness = _choice(_("shifting dullness"), f.ABSENT_PRESENT)
    lower_limb_edema = _choice(_("lower-limb oedema"), f.EDEMA)
    dorsalis_pedis = _choice(_("dorsalis pedis pulse"), f.DORSALIS_PEDIS)
    exam_other = models.CharField(_("other findings"), max_length=200, blank=True)
    # 辅助检查
    hemoglobin = _dec(_("haemoglobin (g/L)"), 4, 0)
    white_cells = _dec(_("white cells (10⁹/L)"), 4, 1)
    platelets = _dec(_("platelets (10⁹/L)"), 4, 0)
    urine_protein = _choice(_("urine protein"), f.URINE_QUALITATIVE, 4)
    urine_glucose = _choice(_("urine glucose"), f.URINE_QUALITATIVE, 4)
    urine_ketone = _choice(_("urine ketones"), f.URINE_QUALITATIVE, 4)
    urine_blood = _choice(_("urine occult blood"), f.URINE_QUALITATIVE, 4)
    fasting_glucose = _dec(_("fasting glucose (mmol/L)"), 4, 1)
    ecg = _choice(_("ECG"), f.NORMAL_ABNORMAL)
    ecg_detail = models.CharField(_("ECG abnormality"), max_length=100, blank=True)
    hba1c = _dec(_("HbA1c (%)"), 3, 1)
    alt = _dec(_("ALT (U/L)"), 5, 0)
    ast = _dec(_("AST (U/L)"), 5, 0)
    albumin = _dec(_("albumin (g/L)"), 4, 1)
    total_bilirubin = _dec(_("total bilirubin (μmol/L)"), 5, 1)
    creatinine = _dec(_("serum creatinine (μmol/L)"), 5, 0)
    urea = _dec(_("blood urea (mmol/L)"), 4, 1)
    total_cholesterol = _dec(_("total cholesterol (mmol/L)"), 4, 2)
    triglycerides = _dec(_("triglycerides (mmol/L)"), 4, 2)
    ldl = _dec(_("LDL cholesterol (mmol/L)"), 4, 2)
    hdl = _dec(_("HDL cholesterol (mmol/L)"), 4, 2)
    abdominal_ultrasound = _choice(_("abdominal ultrasound"), f.NORMAL_ABNORMAL)
    ultrasound_detail = models.CharField(_("ultrasound abnormality"), max_length=100, blank=True)
    aux_other = models.CharField(_("other tests"), max_length=200, blank=True)
    # 现存主要健康问题 · 住院 · 用药 · 接种
    main_problems = models.JSONField(_("main health problems"), default=dict, blank=True)
    hospital_stays = models.JSONField(_("hospital stays"), default=list, blank=True)
    medications = models.JSONField(_("medications"), default=list, blank=True)
    vaccinations = models.JSONField(_("non-programme vaccinations"), default=list, blank=True)
    # 健康评价 · 健康指导
    health_evaluation = _choice(_("health evaluation"), f.HEALTH_EVALUATION)
    abnormalities = models.JSONField(_("abnormalities"), default=list, blank=True)
    guidance = models.JSONField(_("health guidance"), default=list, blank=True)
    risk_factor_control = models.JSONField(_("risk-factor control"), default=list, blank=True)
    weight_target = _dec(_("weight-loss target (kg)"), 4, 1)
    risk_other = models.CharField(_("other advice"), max_length=100, blank=True)
    notice_date = models.DateField(
        _("result notified on"),
        null=True,
        blank=True,
        help_text=_("The day the result and guidance were given to the elder."),
    )
    notified_in_time = models.BooleanField(
        _("notified within one month"),
        default=False,
        help_text=_("Set by the service from the check and notice dates (HM-4)."),
    )
    warnings = models.JSONField(_("plausibility warnings"), default=list, blank=True)
    part_assessment = models.BooleanField(_("lifestyle and health status assessed"), default=False)
    part_physical = models.BooleanField(_("physical examination done"), default=False)
    part_auxiliary = models.BooleanField(_("auxiliary tests done"), default=False)
    part_guidance = models.BooleanField(_("health guidance given"), default=False)
    is_complete = models.BooleanField(_("complete"), default=False)
    #: set by the service from the 非免疫规划预防接种史 rows (rules.vaccinated): a dose in the year before
    #: the check or in the check's year (VA-1, VA-2)
    influenza_vaccinated = models.BooleanField(_("influenza vaccine in the last year"), default=False)
    pneumococcal_vaccinated = models.BooleanField(_("pneumococcal vaccine in the last year"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-check_date", "-id"]
        indexes = [
            models.Index(fields=["elder", "check_date"], name="health_check_elder"),
            models.Index(fields=["year", "is_complete"], name="health_check_year"),
            models.Index(fields=["notice_date", "check_date"], name="health_check_notice"),
        ]

    def __str__(self) -> str:
        return f"{self.check_date} {self.elder_id}"
