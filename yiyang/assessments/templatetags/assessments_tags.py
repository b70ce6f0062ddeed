"""Small template helpers for the assessment pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    """``mapping[key]`` or an empty string: ``{{ chosen|get:item.code }}``."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
