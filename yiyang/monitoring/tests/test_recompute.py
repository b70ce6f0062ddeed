"""Recompute runs (the background task behind the progress bar) and the incremental recompute after a
record changes: the write leaves marks in the outbox in its own transaction; a drain turns them into
one run per county and period, only for periods already materialised there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from yiyang.core import clock
from yiyang.core.actors import system_user
from yiyang.core.models import AuditEvent
from yiyang.monitoring import engine, outbox, services, signals, tasks
from yiyang.monitoring.models import ComputeRun, IndicatorValue, RecomputeMark, RunStatus
from yiyang.monitoring.periods import parse_period, periods_containing

from .factories import CITY, COUNTY, TOWN_A, VILLAGE_A, VILLAGE_B, make_elder, make_institution


@pytest.fixture(autouse=True)
def empty_outbox(county):  # type: ignore[no-untyped-def]
    """Start from an empty outbox: loading the demo and building the test county left marks (this is
    rolled back after each test)."""
    RecomputeMark.objects.all().delete()


def _value(code: str, region: str, period: str) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator_code=code, region_id=region, period=period)


def _marks(county: str = COUNTY) -> set[tuple[str, str]]:
    return set(RecomputeMark.objects.filter(region_code=county).values_list("period", "source"))


def drain(capture, *, execute: bool = True) -> list[ComputeRun]:  # type: ignore[no-untyped-def]
    with capture(execute=execute):
        runs = services.drain(acting_user=system_user())
    for r in runs:
        r.refresh_from_db()
    return runs


def test_a_recompute_run_materialises_every_indicator_and_reports_progress(
    county, users, django_capture_on_commit_callbacks
):
    make_elder(county["village_a"], dt.date(1950, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_recompute(
            acting_user=users["wjj"], region=county["county"], periods=["2026", "2026Q1"]
        )
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.total == run.done == 2 * IndicatorValue.objects.values("indicator_code").distinct().count()
    assert run.percent == 100
    assert _value("POP-65", COUNTY, "2026Q1").numerator == 1


def test_recompute_needs_the_permission(county, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.request_recompute(acting_user=users["mzj"], region=county["county"], periods=["2026"])
    assert not ComputeRun.objects.exists()


def test_a_write_leaves_marks_in_its_own_transaction_and_computes_nothing(
    county, django_capture_on_commit_callbacks, today
):
    """The record's county, each period of its dates and today, and its model: no run, no value yet."""
    services.compute_now(COUNTY, "2026")
    before = _value("POP-65", COUNTY, "2026").numerator
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_elder(county["village_a"], dt.date(1956, 1, 1))
    assert callbacks == []  # nothing waits for the commit: no recompute, no broker
    expected = {*periods_containing(today), *periods_containing(dt.date(1956, 1, 1))}
    assert _marks() == {(p, "core.elder") for p in expected}
    assert not ComputeRun.objects.exists()
    assert _value("POP-65", COUNTY, "2026").numerator == before


def test_a_rolled_back_write_leaves_no_mark(county):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_elder(county["village_a"], dt.date(1950, 1, 1))
        assert _marks()  # written with the record…
        raise RuntimeError("the service refuses")
    assert _marks() == set()  # …and gone with it


def test_many_writes_leave_one_mark_per_county_period_and_model(county):
    for n in range(5):
        make_elder(county["village_a"] if n % 2 else county["village_b"], dt.date(1950, 1, 1))
    rows = list(RecomputeMark.objects.filter(region_code=COUNTY, period="2026", source="core.elder"))
    assert len(rows) == 1


def test_a_drain_recomputes_her_county_for_the_materialised_periods_only(
    county, django_capture_on_commit_callbacks
):
    services.compute_now(COUNTY, "2026")
    services.compute_now(COUNTY, "2025")
    before_2025 = _value("POP-65", COUNTY, "2025").computed_at
    # when an elder aged 70 is registered and the outbox drained
    make_elder(county["village_a"], dt.date(1956, 1, 1))
    runs = drain(django_capture_on_commit_callbacks)
    # then this year's values of her county and township count her, and one change run did it
    assert _value("POP-65", COUNTY, "2026").numerator == 1
    assert _value("POP-65", TOWN_A, "2026").numerator == 1
    [run] = runs
    assert run.reason == "change" and run.status == RunStatus.DONE
    assert run.periods["periods"] == ["2026"]
    assert "POP-65" in run.periods["indicators"] and "IR-2" not in run.periods["indicators"]
    # and 2025, which none of her dates fall in, was not touched
    assert _value("POP-65", COUNTY, "2025").computed_at == before_2025
    # the marks are gone; the run and its audit row name the system actor
    assert _marks() == set()
    system = system_user()
    assert run.requested_by == system
    event = AuditEvent.objects.get(object_type="monitoring.computerun", object_id=str(run.pk))
    assert event.user == system and event.username == "system"


def test_a_change_in_a_county_not_materialised_queues_nothing(county, django_capture_on_commit_callbacks):
    make_elder(county["village_a"], dt.date(1950, 1, 1))
    assert drain(django_capture_on_commit_callbacks) == []
    assert not ComputeRun.objects.exists()
    assert _marks() == set()  # taken and dropped: nobody has asked for the county's values


def test_values_above_the_county_move_with_it(county, django_capture_on_commit_callbacks):
    """A city computed once keeps adding up after a county below it is recomputed incrementally."""
    make_institution(county["a"], "township_health_centre", beds={"general": 30, "nursing": 10})
    services.compute_now(CITY, "2026")
    assert _value("IR-2", CITY, "2026").value == 25
    make_institution(county["b"], "township_health_centre", beds={"general": 10, "nursing": 10})
    drain(django_capture_on_commit_callbacks)
    # 20 nursing of 60 beds
    city = _value("IR-2", CITY, "2026")
    assert (city.numerator, city.denominator) == (20, 60)
    assert city.value == Decimal("33.3333")


def test_a_change_queues_one_run_per_materialised_period_of_its_county(
    county, django_capture_on_commit_callbacks, today
):
    """A check dated today touches the year, its quarter and its month; with all three materialised
    (and last year too), three change runs are queued — one per period, so workers take them side by
    side — and last year gets none."""
    labels = sorted(periods_containing(today))
    assert len(labels) == 3
    for label in [*labels, str(today.year - 1)]:
        services.compute_now(COUNTY, label)
    make_elder(county["village_a"], dt.date(1950, 1, 1))
    runs = drain(django_capture_on_commit_callbacks)
    assert sorted(r.periods["periods"][0] for r in runs) == labels
    assert all(len(r.periods["periods"]) == 1 and r.status == RunStatus.DONE for r in runs)
    for label in labels:
        assert _value("POP-65", COUNTY, label).numerator == 1


def test_two_drains_never_take_the_same_mark(county, django_capture_on_commit_callbacks):
    services.compute_now(COUNTY, "2026")
    make_elder(county["village_a"], dt.date(1950, 1, 1))
    first = drain(django_capture_on_commit_callbacks, execute=False)
    second = drain(django_capture_on_commit_callbacks, execute=False)
    assert len(first) == 1 and second == []
    assert ComputeRun.objects.count() == 1


def test_a_queued_run_takes_later_changes_instead_of_a_second_run(county, django_capture_on_commit_callbacks):
    """A change for a county whose run is still queued (not started, so it will read the new record)
    joins that run."""
    services.compute_now(COUNTY, "2026")
    make_elder(county["village_a"], dt.date(1950, 1, 1))
    [run] = drain(django_capture_on_commit_callbacks, execute=False)
    assert "IR-2" not in run.periods["indicators"]
    make_institution(county["b"], "township_health_centre", beds={"general": 10, "nursing": 10})
    assert drain(django_capture_on_commit_callbacks, execute=False) == []
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert {"POP-65", "IR-2"} <= set(run.periods["indicators"]) and run.total == len(
        run.periods["indicators"]
    )
    assert {"core.elder", "core.institution"} <= set(run.periods["sources"])


def test_a_run_is_started_by_one_worker_only(county, users):
    run = services.request_recompute(acting_user=users["wjj"], region=county["county"], periods=["2026"])
    ComputeRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # another worker took it
    assert services.execute_run(run.pk) == 0
    ComputeRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    assert services.execute_run(run.pk) > 0
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.started_at is not None
    assert services.execute_run(run.pk) == 0  # a second delivery of the same task does nothing


def test_a_failed_run_puts_its_marks_back_to_be_retried_later(
    county, monkeypatch, django_capture_on_commit_callbacks
):
    services.compute_now(COUNTY, "2026")
    make_elder(county["village_a"], dt.date(1950, 1, 1))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("engine bug")

    monkeypatch.setattr(engine, "materialise", broken)
    [run] = drain(django_capture_on_commit_callbacks)  # the failure is logged, not raised
    assert run.status == RunStatus.FAILED and "engine bug" in run.error
    mark = RecomputeMark.objects.get(region_code=COUNTY, period="2026", source="core.elder")
    assert mark.attempts == 1 and mark.not_before > clock.now()
    assert drain(django_capture_on_commit_callbacks) == []  # not due yet
    RecomputeMark.objects.update(not_before=clock.now() - dt.timedelta(seconds=1))
    monkeypatch.undo()
    [retry] = drain(django_capture_on_commit_callbacks)
    assert retry.status == RunStatus.DONE and retry.periods["attempt"] == 1
    assert _value("POP-65", COUNTY, "2026").numerator == 1


def test_a_run_the_broker_lost_is_handed_on_again(
    county, users, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[int] = []
    run = services.request_recompute(acting_user=users["wjj"], region=county["county"], periods=["2026"])
    old = clock.now() - services.REDISPATCH_AFTER - dt.timedelta(seconds=1)
    ComputeRun.objects.filter(pk=run.pk).update(dispatched_at=old)
    monkeypatch.setattr(tasks.run_compute, "delay", sent.append)
    drain(django_capture_on_commit_callbacks)
    assert sent == [run.pk]


def test_a_broker_outage_is_logged_and_the_run_stays_queued(
    county, users, monkeypatch, django_capture_on_commit_callbacks
):
    def down(run_id: int) -> None:
        raise ConnectionError("redis down")

    monkeypatch.setattr(tasks.run_compute, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_recompute(acting_user=users["wjj"], region=county["county"], periods=["2026"])
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.dispatched_at is not None


def test_a_bulk_writer_marks_once_per_batch(county, today):
    """Inside ``outbox.batch()`` the marks of every record are collected and written once at the end."""
    with outbox.batch():
        elders = [make_elder(county["village_a"], dt.date(1950, 1, 1)) for _ in range(3)]
        assert _marks() == set()
    assert (str(today.year), "core.elder") in _marks()
    RecomputeMark.objects.all().delete()
    signals.note_bulk(elders)  # for bulk_create, which sends no signals
    assert (str(today.year), "core.elder") in _marks()


def test_a_page_mark_asks_for_missing_values_once_and_a_drain_computes_them(
    county, django_capture_on_commit_callbacks
):
    services.queue_missing(TOWN_A, ["2026"])
    services.queue_missing(COUNTY, ["2026"])  # the township's values are its county's
    assert _marks() == {("2026", outbox.MISSING)}
    [run] = drain(django_capture_on_commit_callbacks)
    assert run.reason == "missing" and run.status == RunStatus.DONE
    assert IndicatorValue.objects.filter(region_id=COUNTY, period="2026").count() == run.total
    services.queue_missing(COUNTY, ["2026"])  # asked again once computed: nothing to do
    assert drain(django_capture_on_commit_callbacks) == []


@pytest.mark.parametrize(
    ("argv", "environ", "serving"),
    [
        (["manage.py", "runserver", "127.0.0.1:8000", "--noreload"], {}, True),  # make demo
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True),  # the autoreloader's child
        (["manage.py", "runserver"], {}, False),  # the autoreloader's watcher: no second drainer
        (["manage.py", "migrate"], {}, False),
        (["manage.py", "indicators", "drain"], {}, False),
        (["pytest", "-q"], {}, False),
    ],
)
def test_the_demo_drainer_starts_only_in_the_process_runserver_serves_from(argv, environ, serving):
    assert outbox.serving_with_runserver(argv, environ) is serving


def test_a_village_with_nothing_counted_is_not_stored_and_reads_as_zero(county):
    """Villages are most of a province's rows: an empty one is not written, a village that becomes
    empty loses its row, and readers show it as computed with nothing counted."""
    from yiyang.monitoring.registry import get_indicator
    from yiyang.monitoring.values import child_rows, rows_for

    elder = make_elder(county["village_b"], dt.date(1950, 1, 1))
    services.compute_now(COUNTY, "2026")
    stored = set(
        IndicatorValue.objects.filter(indicator_code="POP-65", period="2026").values_list(
            "region_id", flat=True
        )
    )
    assert VILLAGE_B in stored and VILLAGE_A not in stored and TOWN_A in stored
    pop65, ir2 = get_indicator("POP-65"), get_indicator("IR-2")
    year = parse_period("2026")
    [empty] = rows_for(VILLAGE_A, year, [pop65])
    assert (empty.computed, empty.numerator, empty.value, empty.judgement.status) == (True, 0, 0, "no_target")
    [rate] = rows_for(VILLAGE_A, year, [ir2])  # a rate over nothing: no value, as computed
    assert (rate.computed, rate.numerator, rate.denominator, rate.value) == (True, 0, 0, None)
    league = {r.code: row for r, row in child_rows(pop65, county["a"], year)}
    assert league[VILLAGE_A].computed and league[VILLAGE_A].numerator == 0
    # the elder dies: her village is empty now, and its stored row goes
    elder.status, elder.status_date = "deceased", dt.date(2026, 1, 2)
    elder.save()
    services.compute_now(COUNTY, "2026")
    assert not IndicatorValue.objects.filter(indicator_code="POP-65", period="2026", region_id=VILLAGE_B)
    assert rows_for(VILLAGE_B, year, [pop65])[0].numerator == 0
    # a village under a township nobody computed is not computed
    assert not rows_for(VILLAGE_A, parse_period("2019"), [pop65])[0].computed
