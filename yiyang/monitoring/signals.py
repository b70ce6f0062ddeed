"""Incremental recompute: when a record an indicator reads changes, mark what it can affect.

Which models matter, and how each reaches its region, is read from the definitions themselves (the
query's model and region path; for an ``exists`` condition the related model, through its foreign key).
A change marks its county (the 6-digit prefix of the record's region), each period that contains one
of the record's dates or today, and its model, in the outbox (:mod:`.outbox`), inside the writer's
transaction. A drain (``services.drain``) later turns the marks into one run per county and period,
for the periods already materialised there and the indicators that read the marked models.
Periods not yet materialised are left alone: nobody has asked for them. Older periods a correction
touches without any of the record's dates falling in them are refreshed by a manual recompute.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from yiyang.core import clock
from yiyang.core.signals import records_changed

from . import outbox, schema
from .periods import periods_containing
from .registry import all_indicators

logger = logging.getLogger(__name__)


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
        subset = isinstance(ind.numerator, schema.SubsetQuery)
        queries = [(q, subset) for q in schema.parts_of(ind.base_query)]
        if ind.denominator is not None and not isinstance(ind.numerator, schema.SubsetQuery):
            queries += [(q, False) for q in schema.parts_of(ind.numerator)]
        local: dict[type[models.Model], set[str]] = defaultdict(set)
        for q, with_subset in queries:
            try:
                model = apps.get_model(q.model)
            except LookupError:
                continue
            region_path = "code" if q.region == "self" else q.region
            local[model].add(region_path)
            conditions = list(q.where)
            if with_subset and isinstance(ind.numerator, schema.SubsetQuery):
                conditions += list(ind.numerator.where)
            _exists_paths(model, region_path, conditions, local)
        if ind.population is not None:
            local[apps.get_model("monitoring", "DeclaredPopulation")].add("region")
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


def marks_for(instance: models.Model) -> set[outbox.Mark]:
    """The outbox marks a changed record leaves: its counties × the periods of its dates and today."""
    model = type(instance)
    entry = watched().get(model)
    if entry is None:
        return set()
    paths, _codes = entry
    counties = set()
    for path in paths:
        try:
            code = _region_of(instance, path)
        except Exception:  # noqa: S112 — a related row already deleted: nothing to mark
            continue
        if code and len(code) == 12:
            counties.add(code[:6].ljust(12, "0"))
    if not counties:
        return set()
    periods = {p for d in _dates(instance) for p in periods_containing(d)}
    source = model._meta.label_lower
    return {(county, label, source) for county in counties for label in periods}


@functools.cache
def codes_by_source() -> dict[str, frozenset[str]]:
    """``{model label: codes of the indicators reading it}``: what a mark of that model recomputes."""
    return {m._meta.label_lower: frozenset(codes) for m, (_paths, codes) in watched().items()}


def sources_of(codes: set[str]) -> set[str]:
    """The model labels whose marks recompute at least one of ``codes`` (a failed run's retry)."""
    return {label for label, read in codes_by_source().items() if read & codes}


def note_change(instance: models.Model) -> None:
    """Leave the record's marks in the writer's transaction (see :mod:`.outbox`).

    Working out the marks reads the record's related rows; should that fail on some unforeseen shape
    of data, the write goes on (logged) rather than fail for monitoring's sake. Writing the marks is
    part of the writer's transaction, like the record itself."""
    try:
        rows = marks_for(instance)
    except Exception:
        logger.exception("monitoring: no recompute mark for %s", instance._meta.label_lower)
        return
    outbox.mark(rows)


def note_bulk(instances: Iterable[models.Model]) -> None:
    """For writers that bypass the signals (``bulk_create``, ``QuerySet.update``): one write of the
    marks of the whole batch, in the caller's transaction."""
    rows: set[outbox.Mark] = set()
    for instance in instances:
        rows |= marks_for(instance)
    outbox.mark(rows)


def _on_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        note_change(instance)


def _on_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    note_change(instance)


def _on_m2m(sender: Any, instance: models.Model, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        note_change(instance)


def _on_bulk(sender: Any, instances: Iterable[models.Model], **kwargs: Any) -> None:
    if sender in watched():
        note_bulk(instances)


def connect() -> None:
    records_changed.connect(_on_bulk, dispatch_uid="monitoring_records_changed", weak=False)
    for model in watched():
        uid = f"monitoring_{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}_save", weak=False)
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}_delete", weak=False)
        for m2m in model._meta.many_to_many:
            m2m_changed.connect(_on_m2m, sender=m2m.remote_field.through, dispatch_uid=f"{uid}_{m2m.name}")
