"""One clock: every "today" and "now" is Beijing time read through ``yiyang.core.clock``, and a test
can freeze it. The scan at the end fails on any other read of the system clock in the package."""

from __future__ import annotations

import ast
import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from yiyang.core import clock

BEIJING = ZoneInfo("Asia/Shanghai")
PACKAGE = Path(__file__).resolve().parents[2]


def test_a_frozen_date_is_noon_beijing_time_and_today_and_now_agree(freeze_clock):
    frozen = freeze_clock(dt.date(2026, 4, 1))
    assert frozen == dt.datetime(2026, 4, 1, 12, 0, tzinfo=BEIJING)
    assert clock.today() == dt.date(2026, 4, 1)
    assert clock.now() == frozen and clock.now().date() == clock.today()


def test_a_naive_datetime_is_beijing_time_and_an_aware_one_is_the_instant_it_names(freeze_clock):
    freeze_clock(dt.datetime(2026, 4, 1, 1, 30))
    assert clock.now() == dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.UTC)
    freeze_clock(dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC))
    assert clock.today() == dt.date(2026, 3, 31)
    freeze_clock(dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC))
    assert clock.today() == dt.date(2026, 4, 1)


def test_now_is_aware_and_in_beijing_time_even_when_the_frozen_instant_is_utc(freeze_clock):
    freeze_clock(dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.UTC))
    assert clock.now().utcoffset() == dt.timedelta(hours=8)
    assert (clock.now().date(), clock.now().hour, clock.now().minute) == (dt.date(2026, 4, 1), 1, 30)


def test_local_date_of_a_stored_instant_is_its_beijing_date():
    assert clock.local_date(dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.UTC)) == dt.date(2026, 4, 1)
    assert clock.local_date(dt.datetime(2026, 4, 1, 1, 30)) == dt.date(2026, 4, 1)


def test_unfreeze_lets_the_clock_run_again():
    try:
        clock.freeze(dt.date(2001, 1, 1))
        assert clock.is_frozen() and clock.today() == dt.date(2001, 1, 1)
    finally:
        clock.unfreeze()
    assert not clock.is_frozen()
    assert clock.today() != dt.date(2001, 1, 1)
    assert abs(clock.now() - timezone.now()) < dt.timedelta(seconds=5)


def test_the_real_clock_answers_beijing_time_on_a_utc_host():
    """Django sets the process zone from TIME_ZONE, which hid the bug; a process on UTC (another
    entry point, Windows, a library resetting TZ) still gets Beijing dates from the clock."""
    saved = os.environ.get("TZ")
    try:
        os.environ["TZ"] = "UTC"
        time.tzset()
        assert time.localtime().tm_gmtoff == 0  # the host's own date is now the UTC date
        expected = timezone.now().astimezone(BEIJING).date()
        assert clock.today() == expected
        assert clock.now().utcoffset() == dt.timedelta(hours=8)
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


# --------------------------------------------------------------------------------------------------
# No other module reads the system clock
# --------------------------------------------------------------------------------------------------

#: Reading these (called or passed as a callable, e.g. ``default=timezone.now``) reads the system clock.
CLOCK_READS = {
    "datetime.date.today",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "django.utils.timezone.now",
    "time.time",
    "time.time_ns",
    "time.localtime",
    "time.gmtime",
    "time.ctime",
}
#: These read the clock when called without a value (with one they convert it).
CLOCK_READS_WITHOUT_ARGUMENT = {"django.utils.timezone.localdate", "django.utils.timezone.localtime"}


def clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, name) of every read of the system clock in ``source``, however the module was imported
    (``import datetime as dt``, ``from datetime import date``, ``from django.utils import timezone as
    tz``, ``from django.utils.timezone import now``, ``import django.utils.timezone`` …)."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def qualified(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = qualified(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    calls = {id(n.func): n for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name | ast.Attribute) or not isinstance(
            getattr(node, "ctx", None), ast.Load
        ):
            continue
        name = qualified(node)
        if name in CLOCK_READS:
            found.append((node.lineno, name))
        elif name in CLOCK_READS_WITHOUT_ARGUMENT:
            call = calls.get(id(node))
            if call is None or not (call.args or call.keywords):
                found.append((node.lineno, name))
    return sorted(found)


def test_the_scan_finds_every_import_style_used_in_the_code_base():
    source = """
import datetime
import datetime as dt
import time
from datetime import date, datetime as DateTime
from django.utils import timezone
from django.utils import timezone as tz
from django.utils.timezone import now, localdate
import django.utils.timezone
from time import time as epoch

a = datetime.date.today()
b = dt.date.today()
c = dt.datetime.now(dt.UTC)
d = date.today()
e = DateTime.utcnow()
f = timezone.now()
g = tz.localdate()
h = localdate()
i = now()
j = django.utils.timezone.now()
k = time.time()
l = epoch()
m = timezone.localtime()
field = models.DateTimeField(default=timezone.now)
day = models.DateField(default=dt.date.today)
ok1 = timezone.localdate(value)
ok2 = timezone.localtime(value)
ok3 = dt.date(2026, 4, 1)
ok4 = clock.today() + dt.timedelta(days=1)
ok5 = time.monotonic()
"""
    lines = [n for n, _ in clock_reads(source)]
    assert lines == list(range(12, 27)), clock_reads(source)


def _package_sources() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in p.relative_to(PACKAGE).parts
        and "migrations" not in p.relative_to(PACKAGE).parts
        and p != PACKAGE / "core" / "clock.py"
    ]


def test_nothing_outside_the_clock_reads_the_system_clock():
    """Business dates and times come from ``yiyang.core.clock`` (docs/architecture.md, "One clock")."""
    sources = _package_sources()
    assert PACKAGE / "core" / "services.py" in sources and len(sources) > 50
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
        for path in sources
        for line, name in clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "read the time through yiyang.core.clock:\n" + "\n".join(offenders)


def test_no_template_prints_the_server_time():
    offenders = [
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*.html")
        if "{% now " in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.mark.parametrize("name", sorted(CLOCK_READS | CLOCK_READS_WITHOUT_ARGUMENT))
def test_every_name_the_scan_looks_for_exists(name):
    """A misspelt entry would make the scan silently blind to that read."""
    import importlib

    module, _, attr = name.rpartition(".")
    try:
        obj = importlib.import_module(module)
    except ModuleNotFoundError:
        parent, _, cls = module.rpartition(".")
        obj = getattr(importlib.import_module(parent), cls)
    assert callable(getattr(obj, attr))
