"""Forms of the agreements pages. They parse; the services decide (their refusals land on the form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgreementService, ClinicKind, HomeVisitBasis, HomeVisitService, RoundFrequency

DATE = forms.DateInput(attrs={"type": "date"})


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class AgreementForm(forms.Form):
    eldercare_institution: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("Eldercare institution")
    )
    medical_institution: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("Medical institution")
    )
    number = forms.CharField(label=_("Agreement no."), max_length=40, required=False)
    services = forms.MultipleChoiceField(
        label=_("Services covered"), choices=AgreementService.choices, widget=forms.CheckboxSelectMultiple
    )
    round_frequency = forms.ChoiceField(
        label=_("Round frequency"), choices=[("", "—"), *RoundFrequency.choices], required=False
    )
    green_accept_minutes = forms.IntegerField(
        label=_("Green channel: accept within (minutes)"), min_value=1, max_value=1440, required=False
    )
    green_arrive_minutes = forms.IntegerField(
        label=_("Green channel: receive within (minutes)"), min_value=1, max_value=1440, required=False
    )
    responsible_doctor = UserChoice(queryset=None, label=_("Responsible doctor"))
    responsible_nurse = UserChoice(queryset=None, label=_("Responsible nurse"), required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    document = forms.FileField(label=_("Signed document (PDF, JPEG or PNG)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, homes: Any, medical: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["eldercare_institution"].queryset = homes  # type: ignore[attr-defined]
        self.fields["medical_institution"].queryset = medical  # type: ignore[attr-defined]
        self.fields["responsible_doctor"].queryset = clinicians  # type: ignore[attr-defined]
        self.fields["responsible_nurse"].queryset = clinicians  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Signed document (PDF, JPEG or PNG)"))


class RenewForm(forms.Form):
    end_date = forms.DateField(label=_("New end date"), widget=DATE)


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("Last day in force"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ClinicForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ClinicKind.choices)
    name = forms.CharField(label=_("Clinic name"), max_length=100, required=False)
    licence_no = forms.CharField(label=_("Licence or filing no."), max_length=40)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE, required=False)


class RoundForm(forms.Form):
    visited_on = forms.DateField(label=_("Date of round"), widget=DATE)
    staff: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Staff who came"), widget=forms.CheckboxSelectMultiple, required=False
    )
    other_staff = forms.CharField(label=_("Other staff"), max_length=120, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = clinicians  # type: ignore[attr-defined]


class HomeVisitForm(forms.Form):
    elder: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Elder"))
    basis = forms.ChoiceField(label=_("Basis"), choices=HomeVisitBasis.choices)
    visited_on = forms.DateField(label=_("Date of visit"), widget=DATE)
    services = forms.MultipleChoiceField(
        label=_("Services"), choices=HomeVisitService.choices, widget=forms.CheckboxSelectMultiple
    )
    staff: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Staff (at least two)"), widget=forms.CheckboxSelectMultiple
    )
    family_present = forms.CharField(label=_("Family member present"), max_length=40)
    family_relation = forms.CharField(label=_("Relation"), max_length=20, required=False)
    systolic = forms.IntegerField(label=_("Systolic BP (mmHg)"), min_value=0, max_value=400, required=False)
    diastolic = forms.IntegerField(label=_("Diastolic BP (mmHg)"), min_value=0, max_value=300, required=False)
    glucose = forms.DecimalField(
        label=_("Capillary glucose (mmol/L)"), max_digits=4, decimal_places=1, required=False
    )
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    advice = forms.CharField(label=_("Advice"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, elders: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders  # type: ignore[attr-defined]
        self.fields["staff"].queryset = clinicians  # type: ignore[attr-defined]
