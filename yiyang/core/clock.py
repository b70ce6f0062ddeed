"""The one clock: every business "today" and "now" in yiyang is read here.

Why one clock: the counties we serve live on Beijing time (``settings.TIME_ZONE``, Asia/Shanghai),
but servers often run on UTC. ``datetime.date.today()`` reads the *host's* zone, so on a UTC host
between 00:00 and 08:00 Beijing time it answers yesterday, while Django's ``timezone.localdate()``
answers today: a check dated "today" in one module is "in the future" in another, an elder turns 65
a day late, a quarter ends eight hours late. Reading every date and time through this module gives
all apps the same answer, and gives tests one seam to freeze time (the ``freeze_clock`` fixture in
the root ``conftest.py``) instead of a seam per app.

The rule (docs/architecture.md, "One clock"): code outside this module never calls
``date.today()``, ``datetime.now()``, ``timezone.now()``, ``timezone.localdate()`` or friends;
model fields take ``default=clock.now``. Django's own ``auto_now``/``auto_now_add`` bookkeeping
stamps (``created_at``/``updated_at`` that no rule reads) may stay. ``core/tests/test_clock.py``
scans the package and fails on any other read of the system clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

#: The instant the clock is frozen at (tests only; set through ``freeze``), or None for real time.
_frozen: dt.datetime | None = None


def zone() -> ZoneInfo:
    """The business time zone, ``settings.TIME_ZONE`` (Asia/Shanghai), whatever the host's zone is."""
    return ZoneInfo(settings.TIME_ZONE)


def now() -> dt.datetime:
    """The current instant as an aware datetime in the business zone (Beijing time).

    Aware, so it stores and compares correctly against any other aware datetime; in Beijing time,
    so ``now().date()`` is the same date as ``today()``.
    """
    instant = _frozen if _frozen is not None else timezone.now()
    return instant.astimezone(zone())


def today() -> dt.date:
    """The current date in the business zone (Beijing time), not the host's date."""
    return now().date()


def local_date(at: dt.datetime) -> dt.date:
    """The Beijing-time date of a stored instant (an assessment's ``assessed_at``, a check's stamp).

    Naive datetimes are taken to be Beijing time already.
    """
    if timezone.is_naive(at):
        return at.date()
    return at.astimezone(zone()).date()


def freeze(at: dt.date | dt.datetime) -> dt.datetime:
    """Stop the clock at ``at`` and return the frozen instant; for tests (use the fixture).

    A date freezes at 12:00 Beijing time that day, away from both midnights; a naive datetime is
    Beijing time; an aware datetime is taken as the instant it names (so a test can freeze at
    2026-03-31T17:30Z, which is already 2026-04-01 in Beijing).
    """
    global _frozen
    if isinstance(at, dt.datetime):
        instant = at if timezone.is_aware(at) else at.replace(tzinfo=zone())
    else:
        instant = dt.datetime.combine(at, dt.time(12, 0), tzinfo=zone())
    _frozen = instant
    return now()


def unfreeze() -> None:
    """Let the clock run again."""
    global _frozen
    _frozen = None


def is_frozen() -> bool:
    return _frozen is not None
