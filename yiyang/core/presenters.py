"""Turn registry rows into the plain dicts the API returns and the pages show (masked by default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import clock
from .models import (
    Elder,
    ElderCategoryCode,
    ElderStatus,
    Institution,
    LivingSituation,
    Region,
    ResidenceStatus,
)

ADDRESS_MASK = "****"


def display_value(field: str, value: Any) -> Any:
    """An audited value as a user reads it: choice codes become their Chinese labels."""
    choices = {
        "living_situation": LivingSituation,
        "residence_status": ResidenceStatus,
        "status": ElderStatus,
    }
    if field in choices and value in choices[field].values:
        return choices[field](value).label
    if field == "categories" and isinstance(value, list):
        return "、".join(
            str(ElderCategoryCode(v).label) if v in ElderCategoryCode.values else v for v in value
        )
    return value


def change_labels() -> dict[str, str]:
    """Chinese labels of the fields an audit diff names (the form's labels, plus status fields)."""
    from .forms import ElderForm

    labels = {name: str(field.label) for name, field in ElderForm.base_fields.items()}
    labels.update(
        {
            "status": str(Elder._meta.get_field("status").verbose_name),
            "status_date": str(Elder._meta.get_field("status_date").verbose_name),
            "emergency_contacts": str(_("Emergency contacts")),
        }
    )
    return labels


def with_related(qs: QuerySet[Elder]) -> QuerySet[Elder]:
    """The rows :func:`elder_rows` reads, fetched with the elders (categories in one extra query)."""
    return qs.select_related("managing_institution", "residence_institution").prefetch_related("categories")


def _inst(inst: Institution | None) -> dict[str, Any] | None:
    return None if inst is None else {"id": inst.pk, "name": inst.name, "kind": inst.kind}


def elder_rows(elders: Iterable[Elder], *, today: dt.date | None = None) -> list[dict[str, Any]]:
    elders = list(elders)
    today = today or clock.today()
    categories = {e.pk: sorted(e.categories.all(), key=lambda c: c.category) for e in elders}
    paths = Region.paths_for({e.region_id for e in elders})
    return [
        {
            "id": e.pk,
            "name": e.name,
            "sex": e.sex,
            "sex_label": e.get_sex_display(),
            "birth_date": e.birth_date,
            "age": e.age_on(today),
            "id_number": e.id_number_masked,
            "phone": e.phone_masked,
            "region": e.region_id,
            "region_path": paths.get(e.region_id, ""),
            "living_situation": e.living_situation,
            "living_situation_label": e.get_living_situation_display(),
            "residence_status": e.residence_status,
            "categories": [c.category for c in categories[e.pk]],
            "category_labels": [c.get_category_display() for c in categories[e.pk]],
            "managing_institution": _inst(e.managing_institution),
            "residence_institution": _inst(e.residence_institution),
            "status": e.status,
            "status_label": e.get_status_display(),
            "status_date": e.status_date,
        }
        for e in elders
    ]


def elder_detail(elder: Elder) -> dict[str, Any]:
    row = elder_rows([elder])[0]
    row.update(
        {
            "ethnicity": elder.ethnicity,
            "address": (elder.region.full_name() + " " + ADDRESS_MASK) if elder.address_encrypted else "",
            "emergency_contacts": [
                {"name": c.name, "relation": c.relation, "phone": c.phone_masked}
                for c in elder.emergency_contacts.all()
            ],
        }
    )
    return row


def institution_row(inst: Institution) -> dict[str, Any]:
    return {
        "id": inst.pk,
        "name": inst.name,
        "kind": inst.kind,
        "kind_label": inst.get_kind_display(),
        "grade": inst.grade,
        "ownership": inst.ownership,
        "region": inst.region_id,
        "region_path": inst.region.full_name(),
        "uscc": inst.uscc,
        "medical_licence_no": inst.medical_licence_no,
        "eldercare_filing_no": inst.eldercare_filing_no,
        "has_inhouse_clinic": inst.has_inhouse_clinic,
        "elder_friendly_declared": inst.elder_friendly_declared,
        "beds": [{"kind": b.kind, "label": b.get_kind_display(), "count": b.count} for b in inst.beds.all()],
        "departments": [{"kind": d.kind, "name": d.name} for d in inst.departments.all()],
    }
