"""Template tags for risk flags (:mod:`yiyang.core.flags`).

- one elder: ``{% elder_risk_flags elder.pk %}``
- a list: ``{% risk_flags_map rows "elder_id" as fmap %}`` once (a dotted path walks into nested
  lists: ``{% risk_flags_map rooms "beds.stay.elder_id" as fmap %}``), then
  ``{% include "core/partials/risk_flags.html" with flags=fmap|flags_of:row.elder_id %}`` per row
- a group's counts: ``{% risk_flag_counts elder_ids %}`` ("跌倒 3 · 走失 1")
"""

from __future__ import annotations

from typing import Any

from django import template

from yiyang.core import flags as core_flags

register = template.Library()


@register.inclusion_tag("core/partials/risk_flags.html", takes_context=True)
def elder_risk_flags(context: template.Context, elder_id: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    flags = core_flags.flags_for(user, [elder_id]).get(int(elder_id), []) if user and elder_id else []
    return {"flags": flags}


@register.simple_tag(takes_context=True)
def risk_flags_map(context: template.Context, rows: Any, attr: str = "elder_id") -> dict[int, list]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    ids = [v for v in _walk(rows or [], attr.split(".")) if v]
    return core_flags.flags_for(user, ids) if user else {}


def _walk(values: Any, path: list[str]) -> list[Any]:
    """The values at ``path`` ("beds.stay.elder_id") under each row; lists met on the way are flattened."""
    current = list(values)
    for part in path:
        nxt: list[Any] = []
        for v in current:
            if v is None:
                continue
            got = v.get(part) if isinstance(v, dict) else getattr(v, part, None)
            if isinstance(got, (list, tuple)):
                nxt.extend(got)
            else:
                nxt.append(got)
        current = nxt
    return current


@register.filter
def flags_of(fmap: dict[int, list] | None, elder_id: Any) -> list:
    try:
        return (fmap or {}).get(int(elder_id), [])
    except (TypeError, ValueError):
        return []


@register.inclusion_tag("core/partials/risk_flag_counts.html", takes_context=True)
def risk_flag_counts(context: template.Context, elder_ids: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {"counts": core_flags.flag_counts(user, elder_ids or []) if user else []}
