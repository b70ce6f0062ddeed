"""Forms that clean registry input. The pages and the API both validate through these, so a field
error reads the same in the browser and in a 422 response."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .identity import InvalidIdNumber, parse_id_number
from .models import (
    ELDERCARE_KINDS,
    MEDICAL_KINDS,
    Elder,
    ElderCategoryCode,
    ElderStatus,
    Institution,
    InstitutionKind,
    LivingSituation,
    Region,
    ResidenceStatus,
)
from .regions import RegionLevel
from .scoping import managed_institutions, region_scope_prefixes, scope_institutions
from .services import ContactData, ElderData

if TYPE_CHECKING:
    from yiyang.accounts.models import User

PHONE_CHARS = set("0123456789-+ ")
#: institutions an elder can live in (入住机构)
RESIDENCE_KINDS = ELDERCARE_KINDS | {InstitutionKind.NURSING_HOME, InstitutionKind.HOSPICE_CENTRE}
MAX_VILLAGE_CHOICES = 3000


def village_choices(prefixes: list[str]) -> list[tuple[str, list[tuple[str, str]]]] | None:
    """Villages of the user's area grouped by township, for a select; None when the area is too big
    for one list (a province officer types the code instead)."""
    if not prefixes or "" in prefixes:
        return None
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    villages = Region.objects.filter(q, level=RegionLevel.VILLAGE).order_by("code")
    if villages.count() > MAX_VILLAGE_CHOICES:
        return None
    towns = dict(Region.objects.filter(q, level=RegionLevel.TOWNSHIP).values_list("code", "name"))
    groups: dict[str, list[tuple[str, str]]] = {}
    for v in villages:
        groups.setdefault(towns.get(v.code[:9] + "000", ""), []).append((v.code, v.name))
    return list(groups.items())


def clean_phone_value(value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise forms.ValidationError(_("Phone is required."))
        return ""
    if not set(value) <= PHONE_CHARS or not 7 <= sum(c.isdigit() for c in value) <= 15:
        raise forms.ValidationError(_("Phone must be 7 to 15 digits (a mobile has 11)."))
    return value


class ElderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    id_number = forms.CharField(label=_("ID number"), max_length=30)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=16, required=False)
    region = forms.CharField(label=_("Village / community"), max_length=12)
    residence_status = forms.ChoiceField(
        label=_("Household registration"),
        choices=ResidenceStatus.choices,
        initial=ResidenceStatus.REGISTERED_RESIDENT,
    )
    living_situation = forms.ChoiceField(
        label=_("Living situation"), choices=[("", _("Please choose")), *LivingSituation.choices]
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=ElderCategoryCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    managing_institution = forms.ModelChoiceField(
        label=_("Managing institution"), queryset=Institution.objects.none(), required=False
    )
    residence_institution = forms.ModelChoiceField(
        label=_("Residence institution"), queryset=Institution.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, current: Elder | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.current = current
        scoped = scope_institutions(user)
        own = [i.pk for i in managed_institutions(user)]
        managing = self.fields["managing_institution"]
        managing.queryset = scoped.filter(pk__in=own) if own else scoped.filter(kind__in=MEDICAL_KINDS)
        if current is not None and current.managing_institution_id:
            # An eldercare home editing its resident keeps the health centre that holds the archive.
            managing.queryset = Institution.objects.filter(
                Q(pk__in=managing.queryset.values("pk")) | Q(pk=current.managing_institution_id)
            )
        if current is not None and current.residence_institution_id:
            residence = self.fields["residence_institution"]
            residence.queryset = Institution.objects.filter(
                Q(pk__in=scoped.filter(kind__in=RESIDENCE_KINDS).values("pk"))
                | Q(pk=current.residence_institution_id)
            )
        if own and not self.is_bound and "managing_institution" not in self.initial:
            first = managed_institutions(user)[0]
            self.initial["managing_institution" if first.is_medical else "residence_institution"] = first.pk
        if current is None or not current.residence_institution_id:
            self.fields["residence_institution"].queryset = scoped.filter(kind__in=RESIDENCE_KINDS)
        choices = village_choices(region_scope_prefixes(user))
        if choices is not None:
            self.fields["region"].widget = forms.Select(
                choices=[("", _("Choose a village or community")), *choices]
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("Name must have at least 2 characters."))
        if any(c.isdigit() for c in name):
            raise forms.ValidationError(_("Name cannot contain digits."))
        return name

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data.get("phone", ""))

    def clean_region(self) -> Region:
        code = self.cleaned_data["region"].strip()
        region = Region.objects.filter(code=code).first() if code.isdigit() and len(code) == 12 else None
        if region is None:
            raise forms.ValidationError(
                _("Unknown region code: give the 12-digit code of a village or community.")
            )
        if region.level != RegionLevel.VILLAGE:
            raise forms.ValidationError(_("Choose a village or community, not a higher level."))
        if not any(region.code.startswith(p) for p in region_scope_prefixes(self.user)):
            raise forms.ValidationError(_("This village is outside your area."))
        return region

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        own = managed_institutions(self.user)
        nothing_chosen = not data.get("managing_institution") and not data.get("residence_institution")
        if nothing_chosen and own and self.current is None:
            # A clinician registers elders for the institution they work in unless told otherwise.
            inst = own[0]
            data["managing_institution" if inst.is_medical else "residence_institution"] = inst
        residence = data.get("residence_institution")
        if residence is not None and residence.kind not in RESIDENCE_KINDS:
            self.add_error(
                "residence_institution", _("Only an eldercare or nursing institution can be a residence.")
            )
        if data.get("living_situation") == LivingSituation.IN_INSTITUTION and residence is None:
            self.add_error("residence_institution", _("Choose the institution the elder lives in."))
        return data

    def to_data(self, contacts: list[ContactData] | None = None) -> ElderData:
        d = self.cleaned_data
        return ElderData(
            name=d["name"],
            id_number=d["id_number"],
            phone=d.get("phone", ""),
            address=d.get("address", ""),
            ethnicity=d.get("ethnicity", ""),
            region=d["region"],
            living_situation=d["living_situation"],
            residence_status=d["residence_status"],
            managing_institution=d.get("managing_institution"),
            residence_institution=d.get("residence_institution"),
            categories=list(d.get("categories") or []),
            emergency_contacts=contacts,
        )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=40, required=False)
    relation = forms.CharField(label=_("Relation"), max_length=20, required=False)
    phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        filled = [bool((data.get(f) or "").strip()) for f in ("name", "relation", "phone")]
        if any(filled) and not all(filled):
            for f, ok in zip(("name", "relation", "phone"), filled, strict=True):
                if not ok:
                    self.add_error(
                        f, _("Fill in name, relation and phone of the contact, or leave all three empty.")
                    )
        if data.get("phone"):
            try:
                data["phone"] = clean_phone_value(data["phone"])
            except forms.ValidationError as exc:
                self.add_error("phone", exc)
        return data

    def to_contact(self) -> ContactData | None:
        d = self.cleaned_data
        if not (d.get("name") or "").strip():
            return None
        return ContactData(name=d["name"].strip(), relation=d["relation"].strip(), phone=d["phone"])


ContactFormSet = forms.formset_factory(ContactForm, extra=0, max_num=5, min_num=2, validate_max=True)


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=ElderStatus.choices)
    effective_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason / note"), max_length=200, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"),
        choices=[("id_number", _("ID number")), ("phone", _("Phone")), ("address", _("Address"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)


class ElderFilterForm(forms.Form):
    """The filters of the elder list (all optional; bad values are ignored with a message)."""

    AGE_BANDS = [
        ("", _("All ages")),
        ("60-64", "60–64"),
        ("65-69", "65–69"),
        ("70-74", "70–74"),
        ("75-79", "75–79"),
        ("80-89", "80–89"),
        ("90-", _("90 and over")),
    ]
    q = forms.CharField(label=_("Search"), max_length=40, required=False)
    region = forms.CharField(label=_("Region"), max_length=12, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *ElderCategoryCode.choices], required=False
    )
    age_band = forms.ChoiceField(label=_("Age"), choices=AGE_BANDS, required=False)
    living_situation = forms.ChoiceField(
        label=_("Living situation"), choices=[("", _("All")), *LivingSituation.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *ElderStatus.choices],
        required=False,
        initial=ElderStatus.ACTIVE,
    )

    def clean_region(self) -> str:
        code = (self.cleaned_data.get("region") or "").strip()
        if code and (not code.isdigit() or len(code) != 12):
            raise forms.ValidationError(_("Region must be a 12-digit code."))
        return code
