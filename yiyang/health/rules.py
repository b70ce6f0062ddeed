"""The rules of the health-management services as data, and the few functions that evaluate them.

Every table cites standards/public-health-services.md (§) with its evidence tag. A value the standard
does not give (tag NOT FOUND or [!]) is a *local default* and can be overridden per deployment with
``settings.HEALTH_RULES`` (a dict whose keys are the upper-case table names below), e.g.
``HEALTH_RULES = {"ROUTINE_INTERVAL_MONTHS": 2}``. Services read tables through :func:`table`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------

#: Plausibility of measured values: (refuse below, warn below, warn above, refuse above); None = no bound.
#: [local] The 体检表 gives units, not ranges (NOT FOUND); these are local defaults chosen so that an
#: impossible value (a systolic of 30) is refused and a possible but unusual one (250) is warned.
PLAUSIBILITY: dict[str, tuple[Any, Any, Any, Any]] = {
    "temperature": (30, 35, 39, 45),
    "pulse": (20, 50, 120, 250),
    "respiration": (5, 12, 30, 60),
    "bp_left_systolic": (50, 90, 200, 300),
    "bp_right_systolic": (50, 90, 200, 300),
    "bp_left_diastolic": (20, 50, 120, 200),
    "bp_right_diastolic": (20, 50, 120, 200),
    "systolic": (50, 90, 200, 300),
    "diastolic": (20, 50, 120, 200),
    "height": (100, 135, 190, 230),
    "weight": (20, 35, 120, 250),
    "waist": (40, 60, 130, 200),
    "bmi": (None, 16, 35, None),
    # 填表说明 5: 五分记录 (logarithmic chart) runs 3.0 … 5.3 [S1]
    "vision_left": (Decimal("3.0"), None, None, Decimal("5.3")),
    "vision_right": (Decimal("3.0"), None, None, Decimal("5.3")),
    "heart_rate": (20, 50, 120, 250),
    "hemoglobin": (30, 90, 180, 250),
    "white_cells": (Decimal("0.5"), Decimal("3.5"), 12, 100),
    "platelets": (5, 100, 450, 1500),
    "fasting_glucose": (1, Decimal("3.9"), Decimal("16.7"), 50),
    "hba1c": (3, 4, 12, 20),
    "alt": (0, None, 200, 3000),
    "ast": (0, None, 200, 3000),
    "albumin": (10, 30, 55, 70),
    "total_bilirubin": (0, None, 40, 800),
    "creatinine": (10, 40, 200, 2000),
    "urea": (Decimal("0.5"), 2, 12, 60),
    "total_cholesterol": (1, Decimal("2.5"), 8, 20),
    "triglycerides": (Decimal("0.1"), None, Decimal("5.6"), 50),
    "ldl": (Decimal("0.2"), None, 5, 15),
    "hdl": (Decimal("0.1"), Decimal("0.7"), 3, 5),
    "weight_target": (20, None, None, 250),
    "exercise_minutes": (0, None, 300, 1440),
    "cigarettes_per_day": (0, None, 60, 200),
    "alcohol_per_day": (0, None, 10, 50),
    # the scales' own ranges: MMSE 0–30; the depression scale at most 30 (GDS-30; GDS-15 stays within);
    # 老年人生活自理能力评估表 0–37 (assessments/instruments/selfcare.yaml)
    "cognitive_score": (0, None, None, 30),
    "emotional_score": (0, None, None, 30),
    "selfcare_score": (0, None, None, 37),
}

#: The four parts HM-1 requires (§1.1 "生活方式和健康状况评估、体格检查、辅助检查和健康指导" [S2]) and
#: the 体检表 rows that make each part [D]. A row that is a list means "any one of these groups is
#: filled" (blood pressure on either arm; guidance or risk-factor advice).
CHECK_PARTS: dict[str, list[Any]] = {
    "assessment": [
        "symptoms",
        "self_rating",
        "selfcare_level",
        "cognitive_screen",
        "emotional_screen",
        "exercise_frequency",
        "smoking_status",
        "drinking_frequency",
    ],
    "physical": [
        "temperature",
        "pulse",
        "respiration",
        [("bp_left_systolic", "bp_left_diastolic"), ("bp_right_systolic", "bp_right_diastolic")],
        "height",
        "weight",
        "waist",
        # 规范 老年人健康管理服务规范 二.(二): "…腹部等常规体格检查，并对口腔、视力、听力和运动功能等进行
        # 粗测判断" [S2]: 口腔 (口唇, 齿列, 咽部), 视力 (both eyes), 听力, 运动功能, 腹部 (five rows)
        "lips",
        "dentition",
        "pharynx",
        [("vision_left", "vision_right")],
        "hearing",
        "motor_function",
        "skin",
        "lymph_nodes",
        "breath_sounds",
        "heart_rate",
        "heart_rhythm",
        "abdominal_tenderness",
        "abdominal_mass",
        "hepatomegaly",
        "splenomegaly",
        "shifting_dullness",
        "lower_limb_edema",
    ],
    # §1.1: the free auxiliary tests for elders are required for a person aged 65+ [S1]/[D]
    "auxiliary": [
        "hemoglobin",
        "white_cells",
        "platelets",
        "urine_protein",
        "urine_glucose",
        "fasting_glucose",
        "ecg",
        "alt",
        "ast",
        "total_bilirubin",
        "creatinine",
        "urea",
        "total_cholesterol",
        "triglycerides",
        "ldl",
        "hdl",
        "abdominal_ultrasound",
    ],
    "guidance": ["health_evaluation", [("guidance",), ("risk_factor_control",)]],
}
PART_LABELS = {
    "assessment": gettext_lazy("lifestyle and health-status assessment"),
    "physical": gettext_lazy("physical examination"),
    "auxiliary": gettext_lazy("auxiliary tests"),
    "guidance": gettext_lazy("health guidance"),
}

#: "在老年人免费健康体检结束后1个月内告知其体检结果及健康指导建议" (seeds/004 三.(三).3) [S1]
NOTICE_WITHIN_MONTHS = 1

#: HM-1 … HM-6 count people "aged 65 or more on 31 December of the reporting year" (INDICATORS.md)
ELDER_SERVICE_AGE = 65

#: §2.3 控制目标: 控制不满意 when SBP ≥ limit or DBP ≥ limit ("either", [!]); ≥65 → 150/90 [S2, non-official]
HTN_CONTROL_LIMITS = [
    {"min_age": 65, "systolic": 150, "diastolic": 90},
    {"min_age": 0, "systolic": 140, "diastolic": 90},
]
#: §3.3: 控制满意 = 空腹血糖 < 7.0 mmol/L [S2]
DM_GLUCOSE_LIMIT = Decimal("7.0")

#: §2.2(1) and §3.2: measured danger thresholds for urgent referral [S2]
URGENT_THRESHOLDS = {
    "hypertension": {"systolic_at_least": 180, "diastolic_at_least": 110},
    "diabetes": {
        "systolic_at_least": 180,
        "diastolic_at_least": 110,
        "glucose_at_least": Decimal("16.7"),
        "glucose_at_most": Decimal("3.9"),
        "temperature_above": Decimal("39"),
        # §3.2 "持续性心动过速（心率超过100次/分钟）": a measured rate above 100 counts [S2]
        "heart_rate_above": 100,
    },
}
#: §3.3 "出现药物不良反应" with §3.2's 血糖≤3.9 mmol/L: a hypoglycaemia on treatment is classified
#: 不良反应 (never 控制满意) and still referred urgently (row A) [S2]/[D].
DM_HYPOGLYCAEMIA_AT_MOST = Decimal("3.9")
#: §2.2(1) / §3.2 danger signs a doctor ticks; any one means urgent referral. 心前区疼痛 is the [!]
#: non-mandatory extra of one source; it is offered and counts when ticked.
DANGER_SIGNS = {
    "hypertension": [
        ("consciousness", "意识改变"),
        ("severe_headache", "剧烈头痛或头晕"),
        ("vomiting", "恶心呕吐"),
        ("blurred_vision", "视力模糊"),
        ("eye_pain", "眼痛"),
        ("palpitation", "心悸"),
        ("chest_tightness", "胸闷"),
        ("orthopnoea", "喘憋不能平卧"),
        ("pregnancy", "妊娠期或哺乳期同时血压高于正常"),
        ("precordial_pain", "心前区疼痛"),
        ("unmanageable", "存在不能处理的其他疾病"),
    ],
    "diabetes": [
        ("consciousness", "意识或行为改变"),
        ("acetone_breath", "呼气有烂苹果样丙酮味"),
        ("palpitation_sweating", "心悸、出汗"),
        ("gastro", "食欲减退、恶心、呕吐、多饮、多尿、腹痛"),
        ("deep_breathing", "深大呼吸、皮肤潮红"),
        ("tachycardia", "持续性心动过速（心率超过100次/分钟）"),
        ("vision_loss", "视力突然骤降"),
        ("pregnancy", "妊娠期及哺乳期血糖高于正常"),
        ("unmanageable", "存在不能处理的其他疾病"),
    ],
}

#: §2.3 decision table [D] (the same for diabetes, §3.3): first matching row wins.
DECISION_TABLE = [
    {"rule": "A", "when": "danger", "action": "urgent_referral", "next_days": 14},
    {"rule": "B", "when": "complication", "action": "refer", "next_days": 14},
    {"rule": "C", "when": "not_satisfactory_twice_or_adr_hard", "action": "refer", "next_days": 14},
    {"rule": "D", "when": "not_satisfactory", "action": "recheck", "next_days": 14},
    {"rule": "E", "when": "always", "action": "routine", "next_days": None},
]
#: Row E: "预约下一次随访时间" with no interval stated; ≤3 months follows from ≥4 visits a year [D].
ROUTINE_INTERVAL_MONTHS = 3
# 规范管理 ("按照规范要求" is NOT FOUND; [local] default: at least 4 face-to-face follow-ups in the year,
# §2.2 [S2]) is counted by the indicator engine only: monitoring/indicators/HM-8A.yaml and HM-8C.yaml.
#: Contract period: 《关于规范家庭医生签约服务管理的指导意见》(国卫基层发〔2018〕35号) "签约周期原则上为
#: 一年": the default length offered and the longest allowed; a longer relationship is a chain of
#: renewals (Contract.renewal_of).
CONTRACT_MONTHS = 12
#: 签约医生: the 35号文's 家庭医生 are physicians — 全科医生, 具备能力的乡镇卫生院医师 and 乡村医生, 中医类别
#: 医师 — supported by nurses and public-health staff in the team; team roles that may be the contract's
#: doctor (a deployment may widen this, e.g. with "public_health").
CONTRACT_DOCTOR_ROLES = ("gp", "village_doctor", "tcm")
#: How many days ahead the expiring-contracts list looks [local].
EXPIRING_WITHIN_DAYS = 30


#: 体检表 认知功能/情感状态: "1 粗筛阴性 2 粗筛阳性"
SCREEN_POSITIVE = "2"
#: 规范 高血压患者健康管理服务规范 一.(筛查): "血压 ≥140/90mmHg…建议…复查"; 2型糖尿病: 空腹血糖 ≥7.0 mmol/L is
#: the diagnostic threshold (WHO 1999, adopted by the 规范's 糖尿病 management). A check of an elder not
#: under management at or above these puts them on the 疑似/复查 list [S2].
SCREENING_THRESHOLDS = {"systolic": 140, "diastolic": 90, "fasting_glucose": Decimal("7.0")}
#: Days to do a follow-through item [local]: the 规范 names the next step, not its deadline.
FOLLOW_THROUGH_DAYS = {"mmse": 30, "gds15": 30, "suspected_htn": 28, "suspected_dm": 28}
#: ICD-10 categories that already record the managed disease on the problem list
DISEASE_CODE_PREFIXES = {"hypertension": ("I10", "I11", "I12", "I13", "I15"), "diabetes": ("E11", "E14")}


#: 体检表 非免疫规划预防接种史: a row whose vaccine name contains one of these words is that vaccine
VACCINE_WORDS = {"influenza": ("流感",), "pneumococcal": ("肺炎",)}


def vaccinated(rows: list[dict[str, Any]] | None, check_date: dt.date, vaccine: str) -> bool:
    """A dose of ``vaccine`` dated in the check's year or in the 365 days before the check."""
    words = table("VACCINE_WORDS")[vaccine]
    for row in rows or []:
        name = str(row.get("name") or "")
        try:
            day = dt.date.fromisoformat(str(row.get("date") or ""))
        except ValueError:
            continue
        recent = day.year == check_date.year or check_date - dt.timedelta(days=365) <= day <= check_date
        if any(w in name for w in words) and recent:
            return True
    return False


#: 《长期处方管理规范（试行）》(国卫办医发〔2021〕17号) 第十六条: "长期处方的处方量一般在4周内；根据慢性病
#: 特点，病情稳定的患者适当延长，最长不超过12周" [S1]
LONG_PRESCRIPTION_MAX_WEEKS = 12


def table(name: str) -> Any:
    """A rule table, with the deployment's override from ``settings.HEALTH_RULES`` if any."""
    overrides = getattr(settings, "HEALTH_RULES", {}) or {}
    return overrides.get(name, globals()[name])


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months, clamped to the month's end (01-31 + 1 → 02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reference_date(year: int) -> dt.date:
    """31 December of the reporting year: the day on which "65+" is judged."""
    return dt.date(year, 12, 31)


def latest_birth_date_for_service(year: int) -> dt.date:
    """Born on or before this day ⇔ aged 65 or more on 31 December of ``year`` (a birthday on the
    31st counts: the person turns 65 that day)."""
    ref = reference_date(year)
    return ref.replace(year=ref.year - table("ELDER_SERVICE_AGE"))


def is_service_age(birth_date: dt.date, year: int) -> bool:
    return birth_date <= latest_birth_date_for_service(year)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def notice_deadline(check_date: dt.date) -> dt.date:
    return add_months(check_date, table("NOTICE_WITHIN_MONTHS"))


def notified_in_time(check_date: dt.date, notice_date: dt.date | None) -> bool:
    """HM-4: the result and guidance were given within one month (on the deadline day still counts)."""
    return notice_date is not None and check_date <= notice_date <= notice_deadline(check_date)


def notice_overdue(check_date: dt.date, notice_date: dt.date | None, today: dt.date) -> bool:
    """Not yet notified, and more than a month has passed since the check."""
    return notice_date is None and today > notice_deadline(check_date)


# --------------------------------------------------------------------------------------------------
# Plausibility
# --------------------------------------------------------------------------------------------------


@dataclass
class Finding:
    field: str
    code: str  # IMPLAUSIBLE (refused) or UNUSUAL (warned)
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def check_plausibility(values: dict[str, Any], labels: dict[str, str]) -> tuple[list[Finding], list[Finding]]:
    """(refusals, warnings) for the measured values given. Messages are Chinese and name the field."""
    refusals: list[Finding] = []
    warnings: list[Finding] = []
    ranges = table("PLAUSIBILITY")
    for name, value in values.items():
        if value is None or value == "" or name not in ranges:
            continue
        lo, warn_lo, warn_hi, hi = ranges[name]
        v = Decimal(str(value))
        label = labels.get(name, name)
        if (lo is not None and v < Decimal(str(lo))) or (hi is not None and v > Decimal(str(hi))):
            refusals.append(
                Finding(
                    name,
                    "IMPLAUSIBLE",
                    _("%(field)s: %(value)s is not a possible value (allowed %(lo)s–%(hi)s); check it.")
                    % {"field": label, "value": value, "lo": _bound(lo), "hi": _bound(hi)},
                )
            )
        elif (warn_lo is not None and v < Decimal(str(warn_lo))) or (
            warn_hi is not None and v > Decimal(str(warn_hi))
        ):
            warnings.append(
                Finding(
                    name,
                    "UNUSUAL",
                    _("%(field)s: %(value)s is unusual (usually %(lo)s–%(hi)s); confirm it is right.")
                    % {"field": label, "value": value, "lo": _bound(warn_lo), "hi": _bound(warn_hi)},
                )
            )
    for sys_name, dia_name in (
        ("bp_left_systolic", "bp_left_diastolic"),
        ("bp_right_systolic", "bp_right_diastolic"),
        ("systolic", "diastolic"),
    ):
        s, d = values.get(sys_name), values.get(dia_name)
        if (s is None) != (d is None) and (sys_name in values or dia_name in values):
            missing = dia_name if d is None else sys_name
            refusals.append(
                Finding(
                    missing,
                    "BP_PAIR",
                    _("%(field)s: enter systolic and diastolic together.")
                    % {"field": labels.get(missing, missing)},
                )
            )
        elif s is not None and d is not None and d >= s:
            refusals.append(
                Finding(
                    dia_name,
                    "BP_ORDER",
                    _("%(field)s: the diastolic must be lower than the systolic (%(s)s/%(d)s).")
                    % {"field": labels.get(dia_name, dia_name), "s": s, "d": d},
                )
            )
    return refusals, warnings


def _bound(value: Any) -> str:
    return "…" if value is None else str(value)


def bmi(height_cm: Any, weight_kg: Any) -> Decimal | None:
    """填表说明 3: BMI = 体重(kg) / 身高的平方(m²), one decimal."""
    if not height_cm or not weight_kg:
        return None
    metres = Decimal(str(height_cm)) / 100
    return (Decimal(str(weight_kg)) / (metres * metres)).quantize(Decimal("0.1"))


def spirit_equivalent(spirit: Any = 0, beer: Any = 0, wine: Any = 0, rice_wine: Any = 0) -> Decimal:
    """填表说明 4: 日饮酒量折合成白酒量 (啤酒/10, 红酒/4, 黄酒/5), in 两."""
    total = (
        Decimal(str(spirit or 0))
        + Decimal(str(beer or 0)) / 10
        + Decimal(str(wine or 0)) / 4
        + Decimal(str(rice_wine or 0)) / 5
    )
    return total.quantize(Decimal("0.1"))


# --------------------------------------------------------------------------------------------------
# Completeness (HM-1)
# --------------------------------------------------------------------------------------------------


def _filled(values: dict[str, Any], name: str) -> bool:
    value = values.get(name)
    return value not in (None, "", [], {})


def missing_parts(values: dict[str, Any]) -> dict[str, list[str]]:
    """For each of the four parts, the rows still empty (an empty list: the part is complete)."""
    out: dict[str, list[str]] = {}
    for part, rows in table("CHECK_PARTS").items():
        missing: list[str] = []
        for row in rows:
            if isinstance(row, list):
                if not any(all(_filled(values, n) for n in group) for group in row):
                    missing.append(row[0][0])
            elif not _filled(values, row):
                missing.append(row)
        out[part] = missing
    return out


# --------------------------------------------------------------------------------------------------
# Chronic-disease follow-up
# --------------------------------------------------------------------------------------------------


@dataclass
class VisitFacts:
    disease: str
    age: int
    systolic: int | None = None
    diastolic: int | None = None
    fasting_glucose: Decimal | None = None
    temperature: Decimal | None = None
    heart_rate: int | None = None
    #: the patient takes glucose- or BP-lowering drugs (medications listed, adherence not 不服药)
    on_treatment: bool = False
    danger_signs: list[str] = field(default_factory=list)
    adverse_reaction: bool = False
    adverse_reaction_hard_to_control: bool = False
    new_complication: bool = False
    #: the classification code of the immediately previous follow-up of the case, if any
    previous_classification: str | None = None
    #: whether BP (or glucose) was below the target at the previous follow-up (None: not known; then
    #: only a previous 控制不满意 classification counts as uncontrolled)
    previous_controlled: bool | None = None


@dataclass
class VisitDecision:
    rule: str
    action: str
    classification: str  # 1 控制满意 2 控制不满意 3 不良反应 4 并发症
    controlled: bool  # 达标: BP (or fasting glucose) below the target at this visit
    urgent_reasons: list[str]
    next_visit_date: dt.date


def htn_limits(age: int) -> dict[str, int]:
    for row in table("HTN_CONTROL_LIMITS"):
        if age >= row["min_age"]:
            return row
    raise ValueError(f"no hypertension control limit for age {age}")


def is_controlled(facts: VisitFacts) -> bool:
    """达标 [D]: hypertension SBP and DBP both below the age's limit; diabetes FBG < 7.0 mmol/L.
    A missing measurement is not controlled."""
    if facts.disease == "hypertension":
        if facts.systolic is None or facts.diastolic is None:
            return False
        limits = htn_limits(facts.age)
        return facts.systolic < limits["systolic"] and facts.diastolic < limits["diastolic"]
    if facts.fasting_glucose is None or is_low_glucose(facts):
        return False
    return Decimal(str(facts.fasting_glucose)) < table("DM_GLUCOSE_LIMIT")


def urgent_reasons(facts: VisitFacts) -> list[str]:
    """Every danger criterion met (§2.2(1), §3.2), in Chinese."""
    t = table("URGENT_THRESHOLDS")[facts.disease]
    out = []
    if facts.systolic is not None and facts.systolic >= t["systolic_at_least"]:
        out.append(_("systolic %(v)s ≥ %(t)s mmHg") % {"v": facts.systolic, "t": t["systolic_at_least"]})
    if facts.diastolic is not None and facts.diastolic >= t["diastolic_at_least"]:
        out.append(_("diastolic %(v)s ≥ %(t)s mmHg") % {"v": facts.diastolic, "t": t["diastolic_at_least"]})
    if facts.fasting_glucose is not None and "glucose_at_least" in t:
        g = Decimal(str(facts.fasting_glucose))
        if g >= t["glucose_at_least"]:
            out.append(_("glucose %(v)s ≥ %(t)s mmol/L") % {"v": g, "t": t["glucose_at_least"]})
        if g <= t["glucose_at_most"]:
            out.append(_("glucose %(v)s ≤ %(t)s mmol/L") % {"v": g, "t": t["glucose_at_most"]})
    if (
        facts.temperature is not None
        and "temperature_above" in t
        and Decimal(str(facts.temperature)) > t["temperature_above"]
    ):
        out.append(_("temperature above %(t)s °C") % {"t": t["temperature_above"]})
    if facts.heart_rate is not None and "heart_rate_above" in t and facts.heart_rate > t["heart_rate_above"]:
        out.append(
            _("heart rate %(v)s above %(t)s/min") % {"v": facts.heart_rate, "t": t["heart_rate_above"]}
        )
    signs = dict(table("DANGER_SIGNS")[facts.disease])
    out.extend(signs[s] for s in facts.danger_signs if s in signs)
    return out


def classification_of(facts: VisitFacts, controlled: bool) -> str:
    """此次随访分类: "如果患者同时并存几种情况，填写最严重的一种情况".

    Severity: 并发症 > 不良反应 > 控制不满意 > 控制满意 [D]."""
    if facts.new_complication:
        return "4"
    if facts.adverse_reaction or is_hypoglycaemia(facts):
        return "3"
    if not controlled:
        return "2"
    return "1"


NOT_SATISFACTORY = ("2", "3")


def is_low_glucose(facts: VisitFacts) -> bool:
    """Diabetes with FBG ≤ 3.9 mmol/L: never 控制满意 (§3.2 lists it as a danger sign)."""
    return (
        facts.disease == "diabetes"
        and facts.fasting_glucose is not None
        and Decimal(str(facts.fasting_glucose)) <= table("DM_HYPOGLYCAEMIA_AT_MOST")
    )


def is_hypoglycaemia(facts: VisitFacts) -> bool:
    """A low glucose on treatment: a drug reaction, classified 不良反应 (§3.3)."""
    return facts.on_treatment and is_low_glucose(facts)


def _previous_uncontrolled(facts: VisitFacts) -> bool:
    if facts.previous_controlled is not None:
        return facts.previous_classification in NOT_SATISFACTORY and not facts.previous_controlled
    return facts.previous_classification == "2"


def _uncontrolled_twice(facts: VisitFacts) -> bool:
    """§2.3 "连续两次出现血压控制不满意": the target missed at this visit and at the previous one. A
    visit classified 不良反应 whose BP was on target is not a first 控制不满意 (§2.3 treats 不良反应 and
    控制不满意 as separate grounds) [S2]."""
    return not is_controlled(facts) and _previous_uncontrolled(facts)


PREDICATES: dict[str, Callable[[VisitFacts, str, list[str]], bool]] = {
    "danger": lambda f, c, u: bool(u),
    "complication": lambda f, c, u: f.new_complication,
    "not_satisfactory_twice_or_adr_hard": lambda f, c, u: (
        (c in NOT_SATISFACTORY and _uncontrolled_twice(f))
        or (f.adverse_reaction and f.adverse_reaction_hard_to_control)
    ),
    "not_satisfactory": lambda f, c, u: c in NOT_SATISFACTORY,
    "always": lambda f, c, u: True,
}


def decide(facts: VisitFacts, visit_date: dt.date) -> VisitDecision:
    """Run the decision table: classification, the matching row, its action and the next visit date."""
    controlled = is_controlled(facts)
    classification = classification_of(facts, controlled)
    urgent = urgent_reasons(facts)
    for row in table("DECISION_TABLE"):
        if PREDICATES[row["when"]](facts, classification, urgent):
            if row["next_days"] is not None:
                nxt = visit_date + dt.timedelta(days=row["next_days"])
            else:
                nxt = add_months(visit_date, table("ROUTINE_INTERVAL_MONTHS"))
            return VisitDecision(row["rule"], row["action"], classification, controlled, urgent, nxt)
    raise ValueError("the decision table has no catch-all row")


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with two decimals (None when nobody is in the denominator)."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------------------------------
# 17-digit archive number (§5.3)
# --------------------------------------------------------------------------------------------------

ARCHIVE_NUMBER = re.compile(r"^\d{17}$")
#: segment 3 ranges "居委会001-099、村委会101-199、其他组织901-999" [S1]; others warn, never refuse [!]
VILLAGE_SEGMENT_RANGES = ((1, 99), (101, 199), (901, 999))


#: 统计用区划代码 village segment: 居委会 001–199, 村委会 200–399 (国家统计局 统计用区划代码编制规则)
STAT_VILLAGE_COMMITTEE_FROM = 200


def village_segment(village_code: str) -> str:
    """The archive number's 3-digit village segment for a 12-digit statistical village code.

    居民健康档案 (规范 §5.3) numbers 居委会 001–099 and 村委会 101–199, while the statistical code numbers
    居委会 001–199 and 村委会 200–399: a 居委会 keeps its number (001–099), a 村委会 200–298 maps to
    101–199 (200 → 101). Codes beyond those ranges have no segment (ValueError): the county assigns one."""
    stat = int(village_code[9:12])
    if 1 <= stat <= 99:
        return f"{stat:03d}"
    if STAT_VILLAGE_COMMITTEE_FROM <= stat <= STAT_VILLAGE_COMMITTEE_FROM + 98:
        return f"{stat - STAT_VILLAGE_COMMITTEE_FROM + 101:03d}"
    raise ValueError(f"statistical village code {village_code} has no archive village segment")


def archive_prefix(village_code: str) -> str:
    """County (6) + township (3) + village segment (3): the first 12 digits of the village's numbers."""
    if len(village_code) != 12 or not village_code.isdigit():
        raise ValueError("a 12-digit village code is required")
    return f"{village_code[:9]}{village_segment(village_code)}"


def archive_number(village_code: str, serial: int) -> str:
    """6 digits county + 3 township + 3 village segment (mapped from the statistical village code, see
    :func:`village_segment`) + 5-digit serial."""
    prefix = archive_prefix(village_code)
    if not 1 <= serial <= 99_999:
        raise ValueError("the serial runs from 00001 to 99999")
    return f"{prefix}{serial:05d}"


def check_archive_number(number: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a 17-digit number."""
    if not ARCHIVE_NUMBER.match(number or ""):
        return [_("The archive number must be 17 digits.")], []
    segment = int(number[9:12])
    if not any(lo <= segment <= hi for lo, hi in VILLAGE_SEGMENT_RANGES):
        return [], [
            _("Village segment %(s)s is outside 001–099, 101–199 and 901–999; check local practice.")
            % {"s": number[9:12]}
        ]
    return [], []


def split_archive_number(number: str) -> dict[str, str]:
    return {"county": number[:6], "township": number[6:9], "village": number[9:12], "serial": number[12:]}
