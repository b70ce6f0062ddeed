"""Forms of the device registry pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DeviceKind

DATE = forms.DateInput(attrs={"type": "date"})


class ElderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.id_number_masked}）"


class DeviceForm(forms.Form):
    serial = forms.CharField(label=_("Serial number"), max_length=64)
    kind = forms.ChoiceField(label=_("Device type"), choices=DeviceKind.choices)
    model_name = forms.CharField(label=_("Model"), max_length=80, required=False)
    elder = ElderChoice(label=_("Resident"), queryset=None, required=False)  # type: ignore[arg-type]
    place = forms.CharField(
        label=_("Place"),
        max_length=100,
        required=False,
        help_text=_("For a sensor in a room or corridor, e.g. 2号楼3层走廊."),
    )
    active_from = forms.DateField(label=_("Active from"), widget=DATE, required=False)

    def __init__(self, *args: Any, elders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders  # type: ignore[attr-defined]


class BindForm(forms.Form):
    elder = ElderChoice(label=_("Resident"), queryset=None, required=False)  # type: ignore[arg-type]
    place = forms.CharField(label=_("Place"), max_length=100, required=False)

    def __init__(self, *args: Any, elders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders  # type: ignore[attr-defined]


class EndForm(forms.Form):
    active_to = forms.DateField(label=_("Last active day"), widget=DATE, required=False)
