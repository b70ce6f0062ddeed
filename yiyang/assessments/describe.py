"""The JSON description of an instrument (`assess describe`, `GET /api/v1/assessments/instruments/{code}`)."""

from __future__ import annotations

from typing import Any

from .schema import Instrument


def describe_instrument(instrument: Instrument) -> dict[str, Any]:
    """The whole definition plus a flat ``items`` list: each item with its section and scored options."""
    data = instrument.model_dump(mode="json", exclude_none=True)
    data["items"] = [
        {
            "code": item.code,
            "section": section.code,
            "name": item.name,
            "definition": item.definition,
            "required": item.required,
            "options": [{"code": o.code, "label": o.label, "score": o.score} for o in item.options],
        }
        for section in instrument.sections
        for item in section.items
    ]
    data["result_levels"] = [{"code": lv.code, "name": lv.name} for lv in instrument.result_levels()]
    return data
