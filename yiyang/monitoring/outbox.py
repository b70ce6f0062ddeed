"""The recompute outbox: marks written with the record, taken out by a drain.

A write that can change an indicator leaves a mark — (county, period, source model) — in
``RecomputeMark``, inside the writer's own transaction (the ``post_save``/``post_delete`` handlers of
:mod:`.signals` run in it). So a rolled-back write leaves no mark, a committed one always leaves one,
and nothing about monitoring — the engine, the broker, the task queue — runs in the writer's request.
A drain (``services.drain``: Celery beat in production, ``manage.py indicators drain``, or the demo's
background thread started here) takes the marks out and coalesces them into one recompute run per
county and period.

Writing a mark is an upsert that touches the existing row (``ON CONFLICT … DO UPDATE``), not an
insert-or-ignore: the row stays locked until the writer commits, so a drain that runs meanwhile skips
it (``SKIP LOCKED``) and takes it on its next turn, after the writer's records are visible. With
"ignore", a drain could take the older mark, recompute before the writer commits, and the change
would be missed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.db import connection
from django.db.models import Q

from yiyang.core import clock
from yiyang.core.regions import RegionLevel, level_of
from yiyang.core.runtime import serving_with_runserver  # noqa: F401  (monitoring.apps and tests call it here)

from .models import RecomputeMark

logger = logging.getLogger(__name__)

#: the source of a mark a page leaves when a county's values for a period are missing
MISSING = "*"

Mark = tuple[str, str, str]  # (county code, period label, source)

_batch: ContextVar[set[Mark] | None] = ContextVar("monitoring_mark_batch", default=None)


def mark(rows: Iterable[Mark]) -> None:
    """Leave marks in the current transaction (or collect them while a :func:`batch` is open)."""
    rows = set(rows)
    if not rows:
        return
    pending = _batch.get()
    if pending is not None:
        pending |= rows
        return
    _write(rows)


def _write(rows: set[Mark], *, attempts: int = 0, not_before: dt.datetime | None = None) -> None:
    now = clock.now()
    RecomputeMark.objects.bulk_create(
        # sorted: concurrent writers lock shared marks in the same order, so they cannot deadlock
        [
            RecomputeMark(
                region_code=c, period=p, source=s, marked_at=now, attempts=attempts, not_before=not_before
            )
            for c, p, s in sorted(rows)
        ],
        update_conflicts=True,
        unique_fields=["region_code", "period", "source"],
        update_fields=["marked_at"],
    )


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Bulk writers (imports, device readings): collect the marks of a whole batch and write them once,
    when the block ends, still inside the caller's transaction. Nested blocks join the outer one."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set(set())
    try:
        yield
        rows = _batch.get() or set()
    finally:
        _batch.reset(token)
    if rows:
        _write(rows)


def mark_missing(region_code: str, labels: Iterable[str]) -> None:
    """A page found values missing for these periods: ask the next drain to compute them, for the
    region's county (a township's or village's values are computed with their county's).

    Insert-or-ignore (a page's mark does not follow a data change, so no lock is needed), in its own
    statement: two first views of a new period leave one mark and neither fails on the duplicate."""
    below_county = level_of(region_code) in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
    code = region_code[:6].ljust(12, "0") if below_county else region_code
    now = clock.now()
    rows = [RecomputeMark(region_code=code, period=p, source=MISSING, marked_at=now) for p in set(labels)]
    RecomputeMark.objects.bulk_create(rows, ignore_conflicts=True)


def mark_again(region_code: str, label: str, sources: Iterable[str], *, attempts: int) -> None:
    """Put back the marks of a failed run, to be retried after a delay that grows with each attempt."""
    delay = dt.timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 360))
    _write({(region_code, label, s) for s in sources}, attempts=attempts, not_before=clock.now() + delay)


def claim(limit: int) -> list[RecomputeMark]:
    """Take up to ``limit`` due marks out of the outbox, inside the caller's transaction.

    The marks are locked and deleted in that transaction, so two drainers never both take one: on
    PostgreSQL each skips rows another holds (``FOR UPDATE SKIP LOCKED``), including a mark a writer's
    uncommitted transaction is touching; SQLite lets one writer at a time in (``BEGIN IMMEDIATE``). If
    the drain's transaction fails, the marks are back. A mark written after the delete is a new row.
    """
    due = Q(not_before__isnull=True) | Q(not_before__lte=clock.now())
    qs = RecomputeMark.objects.filter(due).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    taken = list(qs[:limit])
    if taken:
        RecomputeMark.objects.filter(pk__in=[m.pk for m in taken]).delete()
    return taken


# --------------------------------------------------------------------------------------------------
# The embedded demo's drainer
# --------------------------------------------------------------------------------------------------

_drainer: threading.Thread | None = None


def start_drainer(interval: float) -> threading.Thread:
    """A daemon thread that drains the outbox every ``interval`` seconds (the demo has no Celery beat;
    with eager Celery the runs it queues are computed in this thread, never in a request)."""
    global _drainer
    if _drainer is not None and _drainer.is_alive():
        return _drainer

    def loop() -> None:
        from django.db import close_old_connections

        from yiyang.core.actors import system_user

        from .services import drain

        stop = threading.Event()
        while not stop.wait(interval):
            try:
                drain(acting_user=system_user())
            except Exception:
                logger.exception("monitoring: the outbox drain failed; marks are kept for the next one")
            finally:
                close_old_connections()

    try:  # runs left "running" by a server that was stopped mid-run fail now, not never
        from .services import fail_stale_runs

        fail_stale_runs()
    except Exception:
        logger.exception("monitoring: stale runs could not be marked failed")
    _drainer = threading.Thread(target=loop, name="monitoring-drain", daemon=True)
    _drainer.start()
    return _drainer
