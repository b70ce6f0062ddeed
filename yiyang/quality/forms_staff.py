"""Forms of the staff and training pages. They parse; the services decide (their refusals land on the
form beside the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiyang.core.models import Sex
from yiyang.core.staff import StaffPost

from .models import CarerLevel, QualificationKind, TrainingTopic

DATE = forms.DateInput(attrs={"type": "date"})


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    post = forms.ChoiceField(label=_("Post"), choices=StaffPost.choices)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Stored encrypted and shown masked; leave empty to keep the stored number."),
    )
    hired_on = forms.DateField(label=_("Hired on"), required=False, widget=DATE)
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("User account"), required=False
    )

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts  # type: ignore[attr-defined]


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DATE)
    reason = forms.CharField(label=_("Reason for leaving"), max_length=200, required=False)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2)


class QualificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Certificate"), choices=QualificationKind.choices)
    name = forms.CharField(label=_("Certificate name"), max_length=60, required=False)
    level = forms.ChoiceField(
        label=_("Skill level"), choices=[("", "—"), *CarerLevel.choices], required=False
    )
    number = forms.CharField(label=_("Certificate no."), max_length=40)
    issuer = forms.CharField(label=_("Issued by"), max_length=80, required=False)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=DATE, help_text=_("Leave empty if it does not expire.")
    )
    evidence = forms.FileField(
        label=_("Scan of the certificate"), required=False, help_text=_("PDF, JPEG or PNG, at most 10 MB.")
    )


class SessionForm(forms.Form):
    organiser = forms.ChoiceField(label=_("Organiser"))
    topic = forms.ChoiceField(label=_("Topic"), choices=TrainingTopic.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    content = forms.CharField(
        label=_("Content"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, organisers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = organisers  # type: ignore[attr-defined]
