"""Page forms. They only shape input; the services validate and refuse (one set of rules for pages
and the API)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yiyang.core.forms import village_choices
from yiyang.core.models import Region

from . import formdata, queries, rules
from .fields import (
    ARCHIVE_ITEM_FIELDS,
    ARCHIVE_ROW_TABLES,
    CHECK_INPUT_FIELDS,
    CHECK_ROW_TABLES,
    EDUCATION_FIELDS,
    FOLLOWUP_INPUT_FIELDS,
    MEDICATION_FIELDS,
    ROW_COLUMN_LABELS,
)
from .models import (
    ChronicFollowUp,
    EducationActivity,
    HealthArchive,
    HealthCheck,
    Medication,
    ServicePackage,
)
from .models.archive import Adherence, BloodType
from .models.chronic import CaseSource, Disease
from .models.family import DeliveryPlace, MemberRole, Signer

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


def _row_form_class(table: str) -> type[forms.Form]:
    """One row of a row table (formdata.ROW_TABLES) as a form; the service checks the values."""
    fields: dict[str, forms.Field] = {}
    for key, (kind, _required) in formdata.ROW_TABLES[table].items():
        label = ROW_COLUMN_LABELS[key]
        if kind == "choice":
            options = formdata.ROW_CHOICES[(table, key)]
            blank = [] if key == "kind" else [("", "—")]
            fields[key] = forms.ChoiceField(label=label, choices=blank + list(options), required=False)
        elif kind == "month":
            fields[key] = forms.CharField(
                label=label, required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
            )
        elif kind == "date":
            fields[key] = forms.CharField(
                label=label, required=False, max_length=10, widget=forms.TextInput(attrs={"type": "date"})
            )
        else:
            fields[key] = forms.CharField(label=label, required=False, max_length=100)
    return type(f"{table.title().replace('_', '')}RowForm", (forms.Form,), fields)


ROW_FORMS = {table: _row_form_class(table) for table in formdata.ROW_TABLES}
ROW_NAME = re.compile(r"^(?P<table>[a-z_]+)-(?P<n>\d{1,4})-")


class RowTable:
    """A row table on a page: one small form per row, named ``<table>-<n>-<column>``. Rows added in
    the browser (htmx, :func:`yiyang.health.views.checks.row_add`) just take the next number, so no count
    has to be kept; the rows are read back in number order."""

    def __init__(self, table: str, data: Any = None, rows: list[dict] | None = None) -> None:
        self.table = table
        model = HealthCheck if table in CHECK_ROW_TABLES else HealthArchive
        self.title = model._meta.get_field(table).verbose_name
        form_class = ROW_FORMS[table]
        if data is not None:
            numbers = sorted(
                {int(m["n"]) for key in data if (m := ROW_NAME.match(key)) and m["table"] == table}
            )[: formdata.MAX_ROWS + 1]
            self.forms = [form_class(data, prefix=f"{table}-{n}") for n in numbers]
        else:
            self.forms = [form_class(initial=row, prefix=f"{table}-{n}") for n, row in enumerate(rows or [])]
        if not self.forms:  # one blank row to start from (bound and blank when the page was posted)
            self.forms = [form_class(data, prefix=f"{table}-0")]
        self.next_number = max(int(f.prefix.rsplit("-", 1)[1]) for f in self.forms) + 1 if self.forms else 0

    @property
    def columns(self) -> list[Any]:
        return [ROW_COLUMN_LABELS[k] for k in formdata.ROW_TABLES[self.table]]

    def is_valid(self) -> bool:
        return all(f.is_valid() for f in self.forms)

    def errors(self) -> list[str]:
        return [
            str(
                _("%(table)s, row %(n)s: %(column)s: %(error)s")
                % {"table": self.title, "n": i, "column": f.fields[k].label, "error": e}
            )
            for i, f in enumerate(self.forms, start=1)
            for k, errs in f.errors.items()
            for e in errs
        ]

    def rows(self) -> list[dict[str, str]]:
        return [{k: v or "" for k, v in f.cleaned_data.items()} for f in self.forms]


class RowTablesMixin:
    """For a form with ``tables`` (name → :class:`RowTable`): valid only when every row is."""

    tables: dict[str, RowTable]

    def is_valid(self) -> bool:
        tables_ok = all(t.is_valid() for t in self.tables.values())  # every row's errors, not the first
        return super().is_valid() and tables_ok  # type: ignore[misc]

    def table_errors(self) -> list[str]:
        return [e for t in self.tables.values() for e in t.errors()]


class HealthCheckForm(RowTablesMixin, forms.ModelForm):
    confirm_warnings = forms.BooleanField(label=_("The unusual values are right: save them"), required=False)

    class Meta:
        model = HealthCheck
        fields = ["check_date", *FORM_FIELDS]
        widgets = {"check_date": DATE, "notice_date": DATE}

    selfcare_response = forms.ModelChoiceField(
        label=_("Self-care assessment (scale)"),
        queryset=None,
        required=False,
        empty_label=_("— none: choose the self-care ability below —"),
        help_text=_("A finalised self-care assessment of this elder; its level replaces the choice below."),
    )

    def __init__(self, *args, selfcare: QuerySet, **kwargs):  # type: ignore[no-untyped-def]
        """``selfcare``: the elder's self-care assessments a check may take its level from, already
        scoped by the caller (``queries.selfcare_choices`` of an elder fetched for the user)."""
        super().__init__(*args, **kwargs)
        self.fields["selfcare_response"].queryset = selfcare
        self.fields["selfcare_response"].label_from_instance = lambda r: (
            f"{r.assessed_at:%Y-%m-%d} · {r.level_name or '—'} · {r.total if r.total is not None else '—'}"
        )
        if self.instance.pk and self.instance.selfcare_response_id:
            self.initial.setdefault("selfcare_response", self.instance.selfcare_response_id)
        problems = self.instance.main_problems if self.instance.pk else {}
        for key, (title, options) in formdata.MAIN_PROBLEMS.items():
            self.fields[f"mp_{key}"] = forms.MultipleChoiceField(
                label=title,
                choices=options,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=(problems or {}).get(key, []),
            )
        data = self.data if self.is_bound else None
        self.tables = {
            table: RowTable(table, data, getattr(self.instance, table) if self.instance.pk else [])
            for table in CHECK_ROW_TABLES
        }
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

    def problem_fields(self) -> list:
        return [self[f"mp_{key}"] for key in formdata.MAIN_PROBLEMS]

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k in CHECK_INPUT_FIELDS}
        data["main_problems"] = {
            key: self.cleaned_data[f"mp_{key}"]
            for key in formdata.MAIN_PROBLEMS
            if self.cleaned_data.get(f"mp_{key}")
        }
        for table, rows in self.tables.items():
            data[table] = rows.rows()
        return data


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
        # 规范 §2.5/§3.4: blood pressure at every follow-up, diabetes included (the ≥180/110 danger sign)
        for name in ("systolic", "diastolic"):
            self.fields[name].required = True
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

        members = TeamMember.objects.filter(
            team__in=teams, is_active=True, role__in=rules.table("CONTRACT_DOCTOR_ROLES")
        ).select_related("user", "team")
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
    contradiction_confirmed = forms.BooleanField(
        label=_("Yin and yang deficiency both yes: cause checked, the answers are right"), required=False
    )

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
        fields = EDUCATION_FIELDS
        widgets = {"held_on": DATE}

    def __init__(self, *args, prefixes: list[str], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        scope = Region.objects.none()
        for p in prefixes:
            scope = scope | Region.objects.filter(code__startswith=p, level__in=["township", "village"])
        self.fields["region"].queryset = scope.order_by("code")


class BasicInformationForm(RowTablesMixin, forms.Form):
    """个人基本信息表 items of the archive: blood type, allergies, exposure, family history, hereditary
    disease, disabilities, and the 手术 / 外伤 / 输血 tables (``tables``)."""

    blood_type = forms.ChoiceField(label=_("Blood type"), choices=BloodType.choices)
    drug_allergies = forms.MultipleChoiceField(
        label=_("Drug allergies"), choices=formdata.DRUG_ALLERGIES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    allergy_other = forms.CharField(label=_("Other allergy"), max_length=100, required=False)
    exposures = forms.MultipleChoiceField(
        label=_("Exposure history"), choices=formdata.EXPOSURES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    genetic_disease = forms.CharField(label=_("Hereditary disease"), max_length=100, required=False)
    disabilities = forms.MultipleChoiceField(
        label=_("Disabilities"), choices=formdata.DISABILITIES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    HISTORY_TABLES = ARCHIVE_ROW_TABLES

    def __init__(self, *args, archive: HealthArchive | None = None, **kwargs):  # type: ignore[no-untyped-def]
        if archive is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(archive, name) for name in ARCHIVE_ITEM_FIELDS}
        super().__init__(*args, **kwargs)
        family = (archive.family_history if archive else {}) or {}
        for key, label in formdata.FAMILY_MEMBERS:
            self.fields[f"family_{key}"] = forms.MultipleChoiceField(
                label=_("Family history: %(member)s") % {"member": label},
                choices=formdata.FAMILY_DISEASES,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=family.get(key, []),
            )
        data = self.data if self.is_bound else None
        self.tables = {
            table: RowTable(table, data, getattr(archive, table) if archive else [])
            for table in self.HISTORY_TABLES
        }
        self.table_titles = {t: HealthArchive._meta.get_field(t).verbose_name for t in self.HISTORY_TABLES}

    def family_fields(self) -> list:
        return [self[f"family_{key}"] for key, _l in formdata.FAMILY_MEMBERS]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {name: d[name] for name in ARCHIVE_ITEM_FIELDS}
        data["family_history"] = {
            key: d[f"family_{key}"] for key, _l in formdata.FAMILY_MEMBERS if d.get(f"family_{key}")
        }
        for table, rows in self.tables.items():
            data[table] = rows.rows()
        return data


class MedicationForm(forms.ModelForm):
    """主要用药情况 of the archive: one current medication."""

    class Meta:
        model = Medication
        fields = MEDICATION_FIELDS
        widgets = {"started_on": DATE}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["adherence"].choices = [("", "—"), *Adherence.choices]


class TeamForm(forms.Form):
    """家庭医生团队: name, institution, leader and the villages served."""

    name = forms.CharField(label=_("Team name"), max_length=60)
    institution = forms.ChoiceField(label=_("Institution"))
    leader = forms.ChoiceField(label=_("Team leader"))
    villages = forms.MultipleChoiceField(
        label=_("Villages served"), required=False, widget=forms.SelectMultiple(attrs={"size": 12})
    )
    is_active = forms.BooleanField(label=_("Team in use"), required=False, initial=True)

    def __init__(self, *args, institutions: list, candidates: Any, editing: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.institutions = {str(i.pk): i for i in institutions}
        self.fields["institution"].choices = [(pk, i.name) for pk, i in self.institutions.items()]
        self.people = {str(u.pk): u for u in candidates}
        self.fields["leader"].choices = [("", _("Please choose"))] + [
            (pk, str(u)) for pk, u in self.people.items()
        ]
        prefixes = sorted({i.region_id[:6] for i in institutions})
        self.fields["villages"].choices = village_choices(prefixes) or []
        if editing:
            self.fields.pop("institution")
        else:
            self.fields.pop("is_active")

    def cleaned(self) -> dict:
        """The service's arguments: objects for the chosen ids."""
        d = self.cleaned_data
        out = {
            "name": d["name"],
            "leader": self.people[d["leader"]],
            "villages": list(Region.objects.filter(code__in=d["villages"])),
        }
        if "institution" in d:
            out["institution"] = self.institutions[d["institution"]]
        if "is_active" in d:
            out["is_active"] = d["is_active"]
        return out


class TeamMemberForm(forms.Form):
    user = forms.ChoiceField(label=_("Team member"))
    role = forms.ChoiceField(label=_("Role in team"), choices=MemberRole.choices)

    def __init__(self, *args, candidates: Any, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in candidates}
        self.fields["user"].choices = [("", _("Please choose"))] + [
            (pk, str(u)) for pk, u in self.people.items()
        ]
