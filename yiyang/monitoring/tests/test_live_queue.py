"""The recompute queue for real: committed data, concurrent first views, and a real Celery worker on the
real Redis draining the outbox on its beat.

These tests need a database that other threads and processes can open: the test database itself on
PostgreSQL; on SQLite (whose test database lives in memory, out of another process's reach) a file
copy of it, which the test's own connection uses while the test runs. They run on both.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from yiyang.core.identity import with_check_digit

JIANGKOU = "520621000000"
ROOT = Path(__file__).resolve().parents[3]
#: the worker must start, beat must fire and the run must finish within this
WORKER_TIMEOUT = 120.0


def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def shared_database(demo_live: None, tmp_path: Path) -> Iterator[str]:
    """A database URL other threads and processes can use, holding the demo county; what the test
    writes is committed (a transactional test)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield _database_url(connection.settings_dict)
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    in_memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)  # shared by every thread's connection
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.connection = in_memory
        connection.settings_dict["NAME"] = name


def test_concurrent_first_views_of_a_new_period_queue_one_run_and_none_fails(shared_database: str) -> None:
    """Eight officers open the county's dashboard for a period nobody has looked at, all at once: every
    page answers (计算中), one mark is left, one run is queued by the drain."""
    from django.db import connection

    from yiyang.accounts.models import User
    from yiyang.core.actors import system_user
    from yiyang.monitoring import services
    from yiyang.monitoring.models import ComputeRun, RecomputeMark

    RecomputeMark.objects.all().delete()
    wjj = User.objects.get(username="wjj")
    start = threading.Barrier(8)
    answers: list[int | str] = []

    def view() -> None:
        try:
            c = Client()
            c.force_login(wjj)
            start.wait(timeout=30)
            res = c.get("/monitoring/", {"region": JIANGKOU, "period": "2025Q2"})
            answers.append(res.status_code if "计算中" in res.content.decode() else "no 计算中")
        except Exception as exc:  # a duplicate key would land here
            answers.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=view) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert answers == [200] * 8
    assert list(RecomputeMark.objects.values_list("region_code", "period", "source")) == [
        (JIANGKOU, "2025Q2", "*")
    ]
    services.drain(acting_user=system_user())  # commits: the run is handed on (eager here) and computed
    run = ComputeRun.objects.get(region_id=JIANGKOU, reason="missing")
    assert run.periods["periods"] == ["2025Q2"] and run.status == "done"


def test_two_drains_at_once_never_take_the_same_mark(shared_database: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The first drain claims the marks and is still inside its transaction when a second starts: the
    second claims none of them (PostgreSQL skips the locked marks; SQLite lets it in after the first
    commits, when the marks are gone). One run in all."""
    from django.db import connection

    from yiyang.core.actors import system_user
    from yiyang.core.models import Elder
    from yiyang.monitoring import outbox, services, tasks
    from yiyang.monitoring.models import ComputeRun, RecomputeMark

    services.compute_now(JIANGKOU, "2026")
    RecomputeMark.objects.all().delete()
    elder = Elder.objects.filter(region__code__startswith="520621", status="active").order_by("pk").first()
    elder.status = "deceased"
    elder.save()
    assert RecomputeMark.objects.filter(region_code=JIANGKOU, period="2026").exists()
    monkeypatch.setattr(tasks.run_compute, "delay", lambda run_id: None)  # runs are not the point here
    claimed, release = threading.Event(), threading.Event()
    real_claim = outbox.claim

    taken_by: dict[str, int] = {}

    def claim_and_hold(limit: int):  # type: ignore[no-untyped-def]
        taken = real_claim(limit)
        taken_by[threading.current_thread().name] = len(taken)
        if threading.current_thread().name == "first":
            claimed.set()
            release.wait(timeout=30)
        return taken

    monkeypatch.setattr(outbox, "claim", claim_and_hold)
    results: dict[str, object] = {}

    def drain(name: str) -> None:
        try:
            results[name] = len(services.drain(acting_user=system_user()))
        except Exception as exc:
            results[name] = repr(exc)
        finally:
            connection.close()

    first = threading.Thread(target=drain, args=("first",), name="first")
    first.start()
    assert claimed.wait(timeout=30)
    second = threading.Thread(target=drain, args=("second",), name="second")
    second.start()
    second.join(timeout=2)  # PostgreSQL: done already, with nothing; SQLite: waiting for the first
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert results == {"first": 1, "second": 0}
    assert taken_by["first"] > 0 and taken_by["second"] == 0
    assert ComputeRun.objects.filter(region_id=JIANGKOU, reason="change").count() == 1


def _redis_or_fail() -> None:
    """Redis is part of the CI environment (.ci/run starts it): missing there, this test fails."""
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        message = f"Redis at {settings.CELERY_BROKER_URL} is not reachable ({exc}); start redis-server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (required when CI=true)")


def _forget_queue(queue: str) -> None:
    """Leave the shared Redis as it was: the test queue's list (beat may have sent one more drain) and
    kombu's bindings of it."""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _wait_for(check, timeout: float, worker: subprocess.Popen, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    pytest.fail(f"the Celery worker did not drain the outbox in {timeout:.0f} s; its log ends:\n{tail}")


def test_a_real_worker_drains_a_save_on_its_beat(shared_database: str, tmp_path: Path) -> None:
    """A save through the API leaves marks; a Celery worker with beat (solo pool, the real Redis, this
    database) drains them as the system actor and the county's value changes."""
    from yiyang.accounts.models import ApiToken, User
    from yiyang.core.actors import system_user
    from yiyang.monitoring import services
    from yiyang.monitoring.models import ComputeRun, IndicatorValue, RecomputeMark

    _redis_or_fail()
    services.compute_now(JIANGKOU, "2026")
    RecomputeMark.objects.all().delete()
    before = IndicatorValue.objects.get(indicator_code="POP-65", region_id=JIANGKOU, period="2026").numerator
    queue = f"yiyang-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yiyang.settings.test",
        "DATABASE_URL": shared_database,
        "YIYANG_CELERY_WORKER": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MONITORING_DRAIN_SECONDS": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 — our interpreter, our app
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "yiyang",
                "worker",
                "--beat",
                "--schedule",
                str(tmp_path / "beat-schedule"),
                "--pool=solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        token = ApiToken.issue(User.objects.get(username="doctor_sj"))
        res = Client().post(
            "/api/v1/elders",
            {
                "name": "曾国藩",
                "id_number": with_check_digit("52062119480315001"),
                "region": "520621001001",
                "living_situation": "alone",
                "phone": "13800001111",
                "address": "龙井社区3组12号",
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert res.status_code == 201, res.content
        assert RecomputeMark.objects.filter(region_code=JIANGKOU, period="2026", source="core.elder")

        def counted() -> bool:
            v = IndicatorValue.objects.get(indicator_code="POP-65", region_id=JIANGKOU, period="2026")
            return v.numerator == before + 1

        _wait_for(counted, WORKER_TIMEOUT, worker, log)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        _forget_queue(queue)
    run = ComputeRun.objects.filter(region_id=JIANGKOU, reason="change", status="done").latest("id")
    assert run.requested_by == system_user() and run.periods["periods"] == ["2026"]
    assert not RecomputeMark.objects.filter(region_code=JIANGKOU, period="2026", source="core.elder")
