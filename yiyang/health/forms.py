"""Page forms. They only shape input; the services validate and refuse (one set of rules for pages
and the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiyang.core.models import Region

from . import formdata, queries, rules
from .models import (
    ChronicFollowUp,
    EducationActivity,
    HealthCheck,
    ServicePackage,
)
from .models.chronic import CaseSource, Disease
from .models.family import DeliveryPlace, Signer
from .services import CHECK_INPUT_FIELDS, FOLLOWUP_INPUT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})

#: the 体检表 sections as the page shows them (JSON tables such as 住院史 go through the API)
CHECK_SECTIONS = [
    (_("Symptoms"), ["symptoms", "symptoms_other"]),
    (
        _("General condition"),
        [
            "temperature",
            "pulse",
            "respiration",
            "bp_left_systolic",
            "bp_left_diastolic",
            "bp_right_systolic",
            "bp_right_diastolic",
            "height",
            "weight",
            "waist",
            "self_rating",
            "selfcare_level",
            "cognitive_screen",
            "cognitive_score",
            "emotional_screen",
            "emotional_score",
        ],
    ),
    (
        _("Lifestyle"),
        [
            "exercise_frequency",
            "exercise_minutes",
            "exercise_years",
            "exercise_kind",
            "diet",
            "smoking_status",
            "cigarettes_per_day",
            "smoking_start_age",
            "smoking_quit_age",
            "drinking_frequency",
            "alcohol_per_day",
            "drinking_quit",
            "drinking_start_age",
            "drunk_last_year",
            "drink_kinds",
            "occupational_exposure",
            "occupational_detail",
        ],
    ),
    (
        _("Organ function and examination"),
        [
            "lips",
            "dentition",
            "pharynx",
            "vision_left",
            "vision_right",
            "hearing",
            "motor_function",
            "fundus",
            "skin",
            "sclera",
            "lymph_nodes",
            "barrel_chest",
            "breath_sounds",
            "rales",
            "heart_rate",
            "heart_rhythm",
            "heart_murmur",
            "abdominal_tenderness",
            "abdominal_mass",
            "hepatomegaly",
            "splenomegaly",
            "shifting_dullness",
            "lower_limb_edema",
            "dorsalis_pedis",
            "exam_other",
        ],
    ),
    (
        _("Auxiliary tests"),
        [
            "hemoglobin",
            "white_cells",
            "platelets",
            "urine_protein",
            "urine_glucose",
            "urine_ketone",
            "urine_blood",
            "fasting_glucose",
            "ecg",
            "ecg_detail",
            "hba1c",
            "alt",
            "ast",
            "albumin",
            "total_bilirubin",
            "creatinine",
            "urea",
            "total_cholesterol",
            "triglycerides",
            "ldl",
            "hdl",
            "abdominal_ultrasound",
            "ultrasound_detail",
            "aux_other",
        ],
    ),
    (
        _("Health evaluation and guidance"),
        [
            "health_evaluation",
            "guidance",
            "risk_factor_control",
            "weight_target",
            "risk_other",
            "notice_date",
        ],
    ),
]
FORM_FIELDS = [name for _t, names in CHECK_SECTIONS for name in names]


class HealthCheckForm(forms.ModelForm):
    confirm_warnings = forms.BooleanField(label=_("The unusual values are right: save them"), required=False)

    class Meta:
        model = HealthCheck
        fields = ["check_date", *FORM_FIELDS]
        widgets = {"check_date": DATE, "notice_date": DATE}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name, options in formdata.CHECK_MULTI.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=HealthCheck._meta.get_field(name).verbose_name,
                choices=options,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.widget.attrs.update({"inputmode": "decimal", "step": "any"})
            if name in rules.PLAUSIBILITY and isinstance(field, (forms.DecimalField, forms.IntegerField)):
                # the browser must not refuse a value the service would only warn about
                field.validators = []
                field.widget.attrs.pop("min", None)
                field.widget.attrs.pop("max", None)
        self.fields["check_date"].widget.attrs["autofocus"] = True

    def sections(self) -> list[tuple[str, list]]:
        return [(title, [self[n] for n in names]) for title, names in CHECK_SECTIONS]

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in CHECK_INPUT_FIELDS}


class NoticeForm(forms.Form):
    notice_date = forms.DateField(label=_("Result notified on"), widget=DATE)


class CheckListForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    township = forms.ChoiceField(label=_("Township"), required=False)
    village = forms.ChoiceField(label=_("Village / community"), required=False)

    def __init__(self, *args, prefixes: list[str], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        scope = Region.objects.none()
        for p in prefixes:
            scope = scope | Region.objects.filter(code__startswith=p)
        towns = scope.filter(level="township").order_by("code")
        villages = scope.filter(level="village").order_by("code")
        self.fields["township"].choices = [("", _("All"))] + [(r.code, r.name) for r in towns]
        self.fields["village"].choices = [("", _("All"))] + [(r.code, r.name) for r in villages]

    def region_prefix(self) -> str:
        d = self.cleaned_data
        if d.get("village"):
            return d["village"]
        if d.get("township"):
            return d["township"][:9]
        return ""


class DiagnosisForm(forms.Form):
    icd10_code = forms.CharField(label=_("ICD-10 code"), max_length=10)
    diagnosed_on = forms.DateField(label=_("Diagnosed on"), required=False, widget=DATE)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)


class CaseForm(forms.Form):
    disease = forms.ChoiceField(label=_("Disease"), choices=Disease.choices)
    diagnosed_on = forms.DateField(label=_("Diagnosed on"), widget=DATE)
    source = forms.ChoiceField(label=_("Source of diagnosis"), choices=CaseSource.choices)


class FollowUpForm(forms.ModelForm):
    danger_signs = forms.MultipleChoiceField(
        label=_("Danger signs"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ChronicFollowUp
        fields = [
            n
            for n in FOLLOWUP_INPUT_FIELDS
            if n not in ("symptoms", "medications", "danger_signs", "referral_reason", "referral_to")
        ] + ["referral_reason", "referral_to"]
        widgets = {"visit_date": DATE}

    def __init__(self, *args, disease: str, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["danger_signs"].choices = rules.table("DANGER_SIGNS")[disease]
        hidden = ("fasting_glucose", "hba1c", "hypoglycaemia", "staple_grams", "dorsalis_pedis")
        if disease == "hypertension":
            for name in hidden:
                self.fields.pop(name, None)
        for field in self.fields.values():
            if isinstance(field, (forms.DecimalField, forms.IntegerField)):
                field.validators = []
        self.fields["visit_date"].widget.attrs["autofocus"] = True

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in FOLLOWUP_INPUT_FIELDS}


class ContractForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)
    doctor = forms.ChoiceField(label=_("Contracted family doctor"))
    packages = forms.ModelMultipleChoiceField(
        label=_("Service packages"),
        queryset=ServicePackage.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)
    signer = forms.ChoiceField(label=_("Signed by"), choices=Signer.choices)
    proxy_name = forms.CharField(label=_("Proxy name"), required=False, max_length=40)
    proxy_relation = forms.CharField(label=_("Proxy relation"), required=False, max_length=20)

    def __init__(self, *args, user, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        teams = queries.scope_teams(user).filter(is_active=True)
        self.fields["team"].queryset = teams
        from .models import TeamMember

        members = TeamMember.objects.filter(team__in=teams, is_active=True).select_related("user", "team")
        self.fields["doctor"].choices = [(m.user_id, f"{m.user} · {m.team}") for m in members]


class EndContractForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    reason = forms.CharField(label=_("Reason for ending"), max_length=200)


class DeliveryForm(forms.Form):
    item_code = forms.ChoiceField(label=_("Service"))
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    place = forms.ChoiceField(label=_("Place"), choices=DeliveryPlace.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, items: list[tuple[str, str]], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = items


class TcmForm(forms.Form):
    service_date = forms.DateField(label=_("Service date"), widget=DATE)
    guidance_other = forms.CharField(label=_("Other guidance"), max_length=200, required=False)

    def __init__(self, *args, instrument, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.item_names = []
        for section in instrument.sections:
            for item in section.items:
                name = f"q{item.code}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{item.code}. {item.name}",
                    choices=[(o.code, o.label) for o in item.options],
                    widget=forms.RadioSelect,
                )
                self.item_names.append(name)
        for code, label in formdata.TCM_CONSTITUTIONS:
            self.fields[f"guidance_{code}"] = forms.MultipleChoiceField(
                label=label,
                choices=formdata.TCM_GUIDANCE,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def items(self) -> list:
        return [self[n] for n in self.item_names]

    def guidance_fields(self) -> list:
        return [self[f"guidance_{c}"] for c, _l in formdata.TCM_CONSTITUTIONS]

    def answers(self) -> dict:
        return {n[1:]: self.cleaned_data[n] for n in self.item_names}

    def guidance(self) -> dict:
        return {c: self.cleaned_data.get(f"guidance_{c}") or [] for c, _l in formdata.TCM_CONSTITUTIONS}


class EducationForm(forms.ModelForm):
    class Meta:
        model = EducationActivity
        fields = ["topic", "title", "format", "held_on", "place", "region", "attendee_count"]
        widgets = {"held_on": DATE}

    def __init__(self, *args, prefixes: list[str], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        scope = Region.objects.none()
        for p in prefixes:
            scope = scope | Region.objects.filter(code__startswith=p, level__in=["township", "village"])
        self.fields["region"].queryset = scope.order_by("code")
