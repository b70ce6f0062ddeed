"""A monitoring failure can never fail a record write: saving a record only leaves outbox marks in its
own transaction; the engine and the task queue are not in the request at all."""

from __future__ import annotations

import pytest

from yiyang.core.identity import with_check_digit
from yiyang.monitoring import engine, services, tasks
from yiyang.monitoring.models import ComputeRun, IndicatorValue, RecomputeMark

JIANGKOU = "520621000000"


def _new_elder() -> dict:
    return {
        "name": "曾国藩",
        "id_number": with_check_digit("52062119480315001"),
        "region": "520621001001",
        "living_situation": "alone",
        "phone": "13800001111",
        "address": "龙井社区3组12号",
        "categories": ["low_income"],
        "emergency_contacts": [{"name": "曾纪泽", "relation": "儿子", "phone": "13900002222"}],
    }


@pytest.fixture
def materialised(demo_db):  # type: ignore[no-untyped-def]
    """江口县's 2026 values are materialised (so a change there matters) and the outbox is empty."""
    services.compute_now(JIANGKOU, "2026")
    RecomputeMark.objects.all().delete()


@pytest.fixture
def broken_monitoring(materialised, monkeypatch):  # type: ignore[no-untyped-def]
    """Then the engine raises on any use and the broker refuses every task."""

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("monitoring is broken")

    for name in ("compute_indicator", "materialise", "write_values", "compute_all"):
        monkeypatch.setattr(engine, name, fail)
    monkeypatch.setattr(tasks.run_compute, "delay", fail)
    monkeypatch.setattr(tasks.drain, "delay", fail)


def test_a_save_through_the_api_answers_201_with_the_engine_and_broker_broken(
    api_for, broken_monitoring, django_capture_on_commit_callbacks
):
    runs_before = ComputeRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        res = api_for("doctor_sj").post("/api/v1/elders", _new_elder())
    assert res.status_code == 201, res.content
    # the change is recorded for later, in the outbox, and waits there
    assert RecomputeMark.objects.filter(region_code=JIANGKOU, period="2026", source="core.elder").exists()
    assert ComputeRun.objects.count() == runs_before
    assert IndicatorValue.objects.filter(region_id=JIANGKOU, period="2026").exists()


def test_a_drain_with_monitoring_broken_keeps_the_change_for_later(
    broken_monitoring, sj_elder, django_capture_on_commit_callbacks
):
    """The broker refusing leaves the run queued (a later drain hands it on again); the engine failing
    marks the run failed with its error and puts the mark back in the outbox."""
    from yiyang.core.actors import system_user
    from yiyang.core.models import ElderStatus

    sj_elder.status = ElderStatus.DECEASED
    sj_elder.save()
    with django_capture_on_commit_callbacks(execute=True):
        [run, *_others] = services.drain(acting_user=system_user())
    run.refresh_from_db()
    assert run.status == "queued" and run.reason == "change"
    with pytest.raises(RuntimeError):
        services.execute_run(run.pk)  # what a worker does once the broker is back
    run.refresh_from_db()
    assert run.status == "failed" and "monitoring is broken" in run.error
    label = run.periods["periods"][0]
    mark = RecomputeMark.objects.get(region_code=JIANGKOU, period=label, source="core.elder")
    assert mark.attempts == 1
