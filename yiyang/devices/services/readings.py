"""Readings as charts: an elder's readings of one type over the last days, averaged per bucket (an hour
over 7 days, four hours over 30), so a wristband's reading a minute draws as a readable line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock

from ..models import Reading

UNITS = {"heart_rate": _("bpm"), "spo2": "%", "bp": "mmHg", "glucose": "mmol/L", "temperature": "°C"}


def chart_series(readings: QuerySet[Reading], type_: str, days: int) -> dict[str, Any]:
    """``{"count", "unit", "x": [bucket start], "series": [{"name", "data"}], "latest"}`` for one type."""
    now = clock.now()
    bucket = dt.timedelta(hours=1 if days <= 7 else 4)
    rows = (
        readings.filter(type=type_, ts__gte=now - dt.timedelta(days=days))
        .order_by("ts")
        .values_list("ts", "value")
    )
    sums: dict[dt.datetime, list[list[float]]] = defaultdict(list)
    zone = clock.zone()
    count = 0
    latest: Any = None
    start = dt.datetime(2000, 1, 1, tzinfo=zone)
    for ts, value in rows.iterator(chunk_size=5000):
        count += 1
        latest = (ts, value)
        key = start + ((ts.astimezone(zone) - start) // bucket) * bucket
        if type_ == "bp" and isinstance(value, dict):
            sums[key].append([float(value["sys"]), float(value["dia"])])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            sums[key].append([float(value)])
    keys = sorted(sums)
    names = [str(_("Systolic")), str(_("Diastolic"))] if type_ == "bp" else [""]
    series = []
    for i, name in enumerate(names):
        data = [round(sum(v[i] for v in sums[k]) / len(sums[k]), 1) for k in keys]
        series.append({"name": name, "data": data})
    return {
        "count": count,
        "unit": str(UNITS.get(type_, "")),
        "x": [k.strftime("%m-%d %H:%M") for k in keys],
        "series": series,
        "latest": latest,
    }
