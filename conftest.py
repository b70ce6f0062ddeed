"""Shared fixtures: a small demo county loaded once per test database, named demo users, an API client.

Tests read like the rules they check and use the demo personas (doctor_sj, doctor_tp, wjj, mzj,
yly_admin, sysadmin) so a failure names who could see what.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` check what only PostgreSQL can show (20 transactions racing for a
    row lock); on SQLite, which runs one writer at a time, they have nothing to check, so that pass
    deselects them (reported as deselected, never as skipped-and-green). ``make test`` with CI=true
    runs the suite again on PostgreSQL, where they run and must pass."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    kept = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("postgresql")])
        items[:] = kept


DEMO_ELDERS = 400


def _ensure_demo() -> None:
    from yiyang.core.demo import load_demo
    from yiyang.core.models import Elder

    if not Elder.objects.exists():
        load_demo(elders=DEMO_ELDERS, seed=7)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        _ensure_demo()


@pytest.fixture
def demo_db(db):  # type: ignore[no-untyped-def]
    """The demo county, for tests in a transaction (rolled back after each test)."""
    return None


@pytest.fixture
def demo_live(transactional_db):  # type: ignore[no-untyped-def]
    """The demo county for tests that need committed data (live server); reloaded after flushes.

    On SQLite the flush that ends a transactional test empties tables with DELETE, which the audit
    table's append-only trigger (core migration 0002) refuses; the trigger is lifted for the one
    statement that empties the table and put back as it was. PostgreSQL flushes with TRUNCATE,
    which its row trigger does not see.
    """
    _ensure_demo()
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditevent'"
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute("DELETE FROM core_auditevent")
        for _name, sql in triggers:
            cursor.execute(sql)


@pytest.fixture
def users(demo_db):  # type: ignore[no-untyped-def]
    from yiyang.accounts.models import User

    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def client_for(demo_db):  # type: ignore[no-untyped-def]
    """A logged-in page client for a demo user."""

    def make(username: str) -> Client:
        from yiyang.accounts.models import User

        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    return make


class ApiClient:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):  # type: ignore[no-untyped-def]
        return self.client.get(path, params, **self.headers)

    def post(self, path: str, data=None):  # type: ignore[no-untyped-def]
        return self.client.post(path, data or {}, content_type="application/json", **self.headers)

    def patch(self, path: str, data=None):  # type: ignore[no-untyped-def]
        return self.client.patch(path, data or {}, content_type="application/json", **self.headers)


@pytest.fixture
def api_for(demo_db):  # type: ignore[no-untyped-def]
    """An API client holding a bearer token issued for a demo user."""

    def make(username: str) -> ApiClient:
        from yiyang.accounts.models import ApiToken, User

        return ApiClient(ApiToken.issue(User.objects.get(username=username)))

    return make


@pytest.fixture
def elder_of(demo_db):  # type: ignore[no-untyped-def]
    """An active elder whose archive is kept by the given institution name."""

    def pick(institution_name: str):  # type: ignore[no-untyped-def]
        from yiyang.core.models import Elder

        return (
            Elder.objects.filter(managing_institution__name=institution_name, residence_institution=None)
            .order_by("pk")
            .first()
        )

    return pick


SJ = "江口县双江街道中心卫生院"
TP = "江口县太平镇卫生院"


@pytest.fixture
def sj_elder(elder_of):  # type: ignore[no-untyped-def]
    return elder_of(SJ)


@pytest.fixture
def tp_elder(elder_of):  # type: ignore[no-untyped-def]
    return elder_of(TP)


@pytest.fixture
def freeze_clock():  # type: ignore[no-untyped-def]
    """Freeze yiyang's clock (``yiyang.core.clock``) for one test; it runs again afterwards.

    ``freeze_clock(dt.date(2026, 4, 1))`` stops it at 12:00 Beijing time that day;
    ``freeze_clock(datetime)`` at that instant (naive = Beijing time). Returns the frozen ``now()``;
    call it again to move the clock. ``clock.today()`` and ``clock.now()`` always agree.
    """
    from yiyang.core import clock

    yield clock.freeze
    clock.unfreeze()


@pytest.fixture
def today(freeze_clock) -> dt.date:  # type: ignore[no-untyped-def]
    """Today in Beijing; the clock is frozen at the current instant so a test that runs across
    midnight cannot see two dates."""
    from yiyang.core import clock

    return freeze_clock(clock.now()).date()
