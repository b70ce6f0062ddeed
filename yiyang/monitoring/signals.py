"""Incremental recompute: when a record an indicator reads changes, recompute only what it can affect.

Which models matter, and how each reaches its region, is read from the definitions themselves (the
query's model and region path; for an ``exists`` condition the related model, through its foreign key).
A change marks its county (the 6-digit prefix of the record's region) and the periods that contain the
record's dates and today; after the transaction commits, one recompute run per county and period is
queued for those of the periods that are already materialised there (so workers take the periods in
parallel), and only for the indicators that read the model.
Periods not yet materialised are left alone: nobody has asked for them. Older periods a correction
touches without any of the record's dates falling in them are refreshed by a manual recompute.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from yiyang.core import clock

from . import schema
from .periods import periods_containing
from .registry import all_indicators

_pending = threading.local()


def _walk(conditions: list[Any]) -> list[Any]:
    out = []
    for c in conditions:
        out.append(c)
        if isinstance(c, schema.ExistsCondition | schema.CountRelatedCondition):
            out.extend(_walk(c.where))
        elif isinstance(c, schema.AnyCondition | schema.AllCondition):
            out.extend(_walk(c.conditions))
        elif isinstance(c, schema.NotCondition):
            out.extend(_walk([c.condition]))
    return out


def _exists_paths(model: type[models.Model], region_path: str, conditions: list[Any], out: dict) -> None:
    for c in conditions:
        if isinstance(c, schema.ExistsCondition | schema.CountRelatedCondition):
            try:
                rel = model._meta.get_field(c.relation)
            except Exception:  # noqa: S112 — a definition without source: nothing to watch
                continue
            if rel.auto_created and not rel.many_to_many:
                related = rel.related_model
                path = f"{rel.field.name}__{region_path}"
                out[related].add(path)
                _exists_paths(related, path, c.where, out)
        elif isinstance(c, schema.AnyCondition | schema.AllCondition):
            _exists_paths(model, region_path, c.conditions, out)
        elif isinstance(c, schema.NotCondition):
            _exists_paths(model, region_path, [c.condition], out)
        elif isinstance(c, schema.DeclaredCondition):
            out[apps.get_model("monitoring", "Declaration")].add("institution__region")


@functools.cache
def watched() -> dict[type[models.Model], tuple[set[str], set[str]]]:
    """``{model: (region paths, indicator codes reading it)}`` for each installed model definitions read."""
    paths: dict[type[models.Model], set[str]] = defaultdict(set)
    codes: dict[type[models.Model], set[str]] = defaultdict(set)
    for ind in all_indicators():
        queries = [ind.base_query]
        if ind.denominator is not None and not isinstance(ind.numerator, schema.SubsetQuery):
            queries.append(ind.numerator)
        local: dict[type[models.Model], set[str]] = defaultdict(set)
        for q in queries:
            try:
                model = apps.get_model(q.model)
            except LookupError:
                continue
            region_path = "code" if q.region == "self" else q.region
            local[model].add(region_path)
            conditions = list(q.where)
            if q is ind.base_query and isinstance(ind.numerator, schema.SubsetQuery):
                conditions += list(ind.numerator.where)
            _exists_paths(model, region_path, conditions, local)
        for model, ps in local.items():
            paths[model] |= ps
            codes[model].add(ind.code)
    return {m: (paths[m], codes[m]) for m in paths}


def _region_of(instance: models.Model, path: str) -> str | None:
    obj: Any = instance
    parts = path.split("__")
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    last = parts[-1]
    field = obj._meta.get_field(last)
    value = getattr(obj, field.attname) if field.is_relation else getattr(obj, last)
    return str(value) if value else None


def _dates(instance: models.Model) -> set[dt.date]:
    days = {clock.today()}
    for f in instance._meta.concrete_fields:
        value = getattr(instance, f.attname, None)
        if isinstance(value, dt.datetime):
            days.add(clock.local_date(value))
        elif isinstance(value, dt.date):
            days.add(value)
    return days


def note_change(instance: models.Model) -> None:
    """Mark the county and periods a changed record can affect; recompute after commit."""
    entry = watched().get(type(instance))
    if entry is None:
        return
    paths, codes = entry
    counties = set()
    for path in paths:
        try:
            code = _region_of(instance, path)
        except Exception:  # noqa: S112 — a related row already deleted: nothing to mark
            continue
        if code and len(code) == 12:
            counties.add(code[:6].ljust(12, "0"))
    if not counties:
        return
    periods = {p for d in _dates(instance) for p in periods_containing(d)}
    connection = transaction.get_connection()
    blocks = getattr(connection, "atomic_blocks", None)
    key = id(blocks[0]) if connection.in_atomic_block and blocks else None
    pending = getattr(_pending, "changes", None)
    if pending is None or getattr(_pending, "key", None) != key:
        pending = _pending.changes = {}  # a rolled-back transaction's changes are dropped here
        _pending.key = key
    for county in counties:
        ps, cs = pending.setdefault(county, (set(), set()))
        ps |= periods
        cs |= codes
    # Every change registers the flush; the first to run after commit takes everything pending and the
    # rest find nothing. Outside a transaction it runs at once.
    transaction.on_commit(flush)


def flush() -> None:
    from yiyang.core.models import Region

    from .models import IndicatorValue
    from .services import request_recompute

    changes = getattr(_pending, "changes", None) or {}
    _pending.changes = None
    if not changes:
        return
    for county, (periods, codes) in changes.items():
        materialised = set(
            IndicatorValue.objects.filter(region_id=county, period__in=periods)
            .values_list("period", flat=True)
            .distinct()
        )
        region = Region.objects.filter(code=county).first()
        if region is None:
            continue
        # One run per period, so that workers recompute a day's periods side by side: the user waits
        # for the slowest period, not for their sum (docs/scaling.md).
        for label in sorted(materialised):
            request_recompute(
                acting_user=None,
                region=region,
                periods=[label],
                indicators=sorted(codes),
                reason="change",
            )


def _on_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        note_change(instance)


def _on_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    note_change(instance)


def _on_m2m(sender: Any, instance: models.Model, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        note_change(instance)


def connect() -> None:
    for model in watched():
        uid = f"monitoring_{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}_save", weak=False)
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}_delete", weak=False)
        for m2m in model._meta.many_to_many:
            m2m_changed.connect(_on_m2m, sender=m2m.remote_field.through, dispatch_uid=f"{uid}_{m2m.name}")
