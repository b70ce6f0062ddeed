"""A recompute is bounded and a crashed one does not run forever (issue 15).

A request naming 10,000 periods was accepted (hours of CPU); a run whose worker died stayed "running",
its progress bar polling for ever. Now a request names at most ``MAX_RECOMPUTE_PERIODS`` distinct
periods (422 naming the field otherwise), and a worker or the demo server that starts marks failed the
runs left running longer than ``STALE_RUN_MINUTES``.
"""

from __future__ import annotations

import datetime as dt

from yiyang.core import clock
from yiyang.core.models import Region
from yiyang.monitoring.models import ComputeRun, RunStatus
from yiyang.monitoring.services import MAX_RECOMPUTE_PERIODS, STALE_RUN_MINUTES, fail_stale_runs


def test_a_recompute_of_too_many_periods_is_refused_with_the_field_named(api_for, demo_db):
    months = [f"{y}-{m:02d}" for y in range(2010, 2027) for m in range(1, 13)]
    assert len(months) > MAX_RECOMPUTE_PERIODS
    before = ComputeRun.objects.count()
    r = api_for("wjj").post("/api/v1/monitoring/recompute", {"region": "520621000000", "periods": months})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "periods" and "最多" in r.json()["detail"]
    assert ComputeRun.objects.count() == before


def test_repeated_periods_count_once(api_for, demo_db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        r = api_for("wjj").post(
            "/api/v1/monitoring/recompute",
            {"region": "520621001000", "periods": ["2026Q4"] * (MAX_RECOMPUTE_PERIODS + 5)},
        )
    assert r.status_code == 202
    assert ComputeRun.objects.get(pk=r.json()["id"]).periods["periods"] == ["2026Q4"]


def test_a_run_left_running_by_a_dead_worker_is_marked_failed_and_a_recent_one_is_not(demo_db):
    region = Region.objects.get(code="520621000000")
    now = clock.now()
    stale = ComputeRun.objects.create(
        region=region,
        status=RunStatus.RUNNING,
        started_at=now - dt.timedelta(minutes=STALE_RUN_MINUTES + 1),
    )
    fresh = ComputeRun.objects.create(
        region=region, status=RunStatus.RUNNING, started_at=now - dt.timedelta(minutes=5)
    )
    assert fail_stale_runs() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == RunStatus.FAILED and "中断" in stale.error and stale.finished_at is not None
    assert fresh.status == RunStatus.RUNNING
