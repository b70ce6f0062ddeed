"""Risk flags shown beside a resident wherever the resident appears (跌倒, 压力性损伤, 噎食/误吸 …).

The registry imports no domain app: an app that keeps flags (quality's admission risk assessment)
registers a source, ``fn(elder_ids) -> {elder_id: [Flag, …]}``, at start-up
(:func:`register_flag_source`); pages ask :func:`flags_for` (one elder or a batch for a list, one query
per source) and render them with the ``elder_flags`` template tags, so core and care never import
quality.

Flags are health data: :func:`flags_for` keeps only the elders the user may read with
``health.view`` (the scoping layer), so a 民政 officer or a system administrator sees none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .scoping import has_perm, scope_elders

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User


@dataclass(frozen=True)
class Flag:
    code: str  # "fall"
    label: str  # "跌倒"
    level: str  # "moderate" | "high" (lower levels are not flags)
    level_label: str  # "高危"
    #: where the flag comes from, shown as a tooltip ("Morse 50分 · 2026-12-01")
    detail: str = ""


FlagSource = Callable[[list[int]], dict[int, list[Flag]]]

_SOURCES: list[FlagSource] = []


def register_flag_source(fn: FlagSource) -> FlagSource:
    """Add a source (idempotent, so an app's ``ready`` may run twice in tests)."""
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def readable_elder_ids(user: User | AnonymousUser, elder_ids: Iterable[int]) -> list[int]:
    """The elders of ``elder_ids`` whose health ``user`` may read."""
    ids = sorted({int(i) for i in elder_ids if i})
    if not ids or not has_perm(user, "health.view"):
        return []
    return list(scope_elders(user, "health.view").filter(pk__in=ids).values_list("pk", flat=True))


def flags_for(user: User | AnonymousUser, elder_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """``{elder_id: [Flag, …]}`` for the elders the user may read the health of (others absent)."""
    ids = readable_elder_ids(user, elder_ids)
    out: dict[int, list[Flag]] = {}
    if not ids:
        return out
    for source in _SOURCES:
        for elder_id, flags in source(ids).items():
            if elder_id in ids and flags:
                out.setdefault(elder_id, []).extend(flags)
    return out


def flag_counts(user: User | AnonymousUser, elder_ids: Iterable[int]) -> list[tuple[str, int]]:
    """``[(label, residents flagged), …]`` over a group of elders, in the sources' order."""
    counts: dict[str, int] = {}
    for flags in flags_for(user, elder_ids).values():
        for f in flags:
            counts[f.label] = counts.get(f.label, 0) + 1
    return list(counts.items())
