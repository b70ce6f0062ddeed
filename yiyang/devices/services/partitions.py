"""Monthly partitions of the readings table (PostgreSQL) and the retention of readings.

On PostgreSQL ``devices_reading`` is ``PARTITION BY RANGE (ts)`` (migration 0003), one partition per
calendar month in Beijing time, named ``devices_reading_yYYYYmMM``. :func:`maintain` (daily, Celery beat
``devices.partitions``; ``manage.py devices partitions``) creates the partitions of this month and the
next :data:`MONTHS_AHEAD`, and drops the ones wholly older than ``DEVICES_READING_RETENTION_MONTHS``:
dropping a partition is instant and leaves no dead rows, where a DELETE of a month of readings would
not be. On SQLite (the embedded demo) the table is plain and old rows are deleted.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection, transaction

from yiyang.core import clock

from ..models import Reading
from .ingest import retention_start

MONTHS_AHEAD = 3
PARENT = "devices_reading"
_NAME = re.compile(rf"^{PARENT}_y(\d{{4}})m(\d{{2}})$")


def _month(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{PARENT}_y{month.year:04d}m{month.month:02d}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [PARENT])
        return cursor.fetchone() is not None


def existing_partitions() -> dict[dt.date, str]:
    """``{first day of month: partition name}`` of the partitions that exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    out = {}
    for name in names:
        m = _NAME.match(name)
        if m:
            out[dt.date(int(m[1]), int(m[2]), 1)] = name
    return out


def _bound(month: dt.date) -> str:
    # months in Beijing time, the same days clock.local_date() gives a reading
    return dt.datetime.combine(month, dt.time(), tzinfo=clock.zone()).isoformat()


def ensure_partitions(first: dt.date, last: dt.date) -> list[str]:
    """Create the monthly partitions covering ``first`` … ``last`` that are missing; their names."""
    if not is_partitioned():
        return []
    have = existing_partitions()
    created = []
    month = _month(first)
    while month <= _month(last):
        if month not in have:
            name = partition_name(month)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} "
                    f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(_month(month, 1))}')"
                )
            created.append(name)
        month = _month(month, 1)
    return created


def maintain(today: dt.date | None = None) -> dict[str, list[str] | int]:
    """This month's and the next months' partitions made; readings older than the retention gone."""
    today = today or clock.today()
    keep_from = retention_start(today)
    if not is_partitioned():
        start = dt.datetime.combine(keep_from, dt.time(), tzinfo=clock.zone())
        deleted, _ = Reading.objects.filter(ts__lt=start).delete()
        return {"created": [], "dropped": [], "deleted": deleted}
    with transaction.atomic():
        created = ensure_partitions(today, _month(today, MONTHS_AHEAD))
        dropped = []
        for month, name in sorted(existing_partitions().items()):
            if _month(month, 1) <= keep_from:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE {name}")
                dropped.append(name)
    return {"created": created, "dropped": dropped, "deleted": 0}
