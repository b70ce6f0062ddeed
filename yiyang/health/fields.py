"""The field lists of the health records: which fields a service takes, cleans and snapshots, which
the page forms show and the API schemas accept. One place, so a field added to a record is added to the
service, the form and the schema together.

Option lists and row-table columns are data of the national forms and live in :mod:`.formdata`; this
module names the model fields that carry them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from . import rules
from .models import HealthCheck

# ----------------------------------------------------------------------------------------- archive

#: 个人基本信息表 items that are plain values or option lists (the form's fields, in the archive's order)
ARCHIVE_ITEM_FIELDS = (
    "blood_type",
    "drug_allergies",
    "allergy_other",
    "exposures",
    "disabilities",
    "genetic_disease",
)
#: the archive's row tables (手术, 外伤, 输血)
ARCHIVE_ROW_TABLES = ("surgeries", "traumas", "transfusions")
#: everything ``services.update_archive`` takes and the audit diff covers
ARCHIVE_FIELDS = [*ARCHIVE_ITEM_FIELDS, "family_history", *ARCHIVE_ROW_TABLES]
#: 主要用药情况 of the archive: one current medication
MEDICATION_FIELDS = [
    "name",
    "route",
    "dose",
    "started_on",
    "adherence",
    "long_prescription",
    "prescribed_weeks",
]

# ----------------------------------------------------------------------------------------- row tables

#: column headings of the row tables (formdata.ROW_TABLES), as the pages show them
ROW_COLUMN_LABELS = {
    "kind": gettext_lazy("Kind"),
    "admitted": gettext_lazy("Admitted / bed opened (month)"),
    "discharged": gettext_lazy("Discharged / bed closed (month)"),
    "reason": gettext_lazy("Reason"),
    "institution": gettext_lazy("Institution (full name)"),
    "record_no": gettext_lazy("Medical record number"),
    "name": gettext_lazy("Name"),
    "route": gettext_lazy("Route"),
    "dose": gettext_lazy("Frequency and dose"),
    "duration": gettext_lazy("Time taken"),
    "adherence": gettext_lazy("Adherence"),
    "date": gettext_lazy("Date"),
}
#: at most this many characters in a text column of a row table
ROW_TEXT_MAX = 100

#: JSON fields holding a list of option codes (strings)
STRING_LISTS = frozenset(
    {
        "symptoms",
        "diet",
        "drink_kinds",
        "dentition",
        "guidance",
        "risk_factor_control",
        "abnormalities",
        "danger_signs",
    }
)

# ----------------------------------------------------------------------------------------- health check

#: set by the service, never by the caller (BMI, plausibility warnings, the four parts, completeness)
CHECK_COMPUTED_FIELDS = (
    "bmi",
    "warnings",
    "part_assessment",
    "part_physical",
    "part_auxiliary",
    "part_guidance",
    "is_complete",
)
CHECK_INPUT_FIELDS = [
    f.name
    for f in HealthCheck._meta.get_fields()
    if getattr(f, "editable", False)
    and f.name
    not in {
        "id",
        "elder",
        "year",
        "institution",
        "doctor",
        "recorded_by",
        "created_at",
        "updated_at",
        *CHECK_COMPUTED_FIELDS,
        "selfcare_response",
        "selfcare_score",
    }
]
#: the 体检表's row tables (住院治疗情况, 主要用药情况, 非免疫规划预防接种史)
CHECK_ROW_TABLES = ("hospital_stays", "medications", "vaccinations")
MEASURED_FIELDS = [name for name in CHECK_INPUT_FIELDS if name in rules.PLAUSIBILITY]

# ----------------------------------------------------------------------------------------- chronic

FOLLOWUP_INPUT_FIELDS = [
    "visit_date",
    "method",
    "symptoms",
    "danger_signs",
    "systolic",
    "diastolic",
    "weight",
    "weight_target",
    "heart_rate",
    "temperature",
    "fasting_glucose",
    "hba1c",
    "dorsalis_pedis",
    "cigarettes_per_day",
    "alcohol_per_day",
    "exercise_per_week",
    "exercise_minutes",
    "salt_intake",
    "staple_grams",
    "psychological",
    "compliance",
    "adherence",
    "adverse_reaction",
    "adverse_reaction_detail",
    "adverse_reaction_hard_to_control",
    "hypoglycaemia",
    "new_complication",
    "complication_detail",
    "medications",
    "referral_reason",
    "referral_to",
]

#: the decision the service stores on a follow-up (rules.decide), never sent by the caller
FOLLOWUP_DECISION_FIELDS = ("bmi", "controlled", "classification", "action", "rule", "next_visit_date")

# ----------------------------------------------------------------------------------------- education

EDUCATION_FIELDS = ["topic", "title", "format", "held_on", "place", "region", "attendee_count"]
