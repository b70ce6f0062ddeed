"""Recompute runs (the background task behind the progress bar) and the incremental recompute after a
record changes: only the record's county, only periods already materialised there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yiyang.monitoring import services
from yiyang.monitoring.models import ComputeRun, IndicatorValue, RunStatus

from .factories import CITY, COUNTY, TOWN_A, make_elder, make_institution


def _value(code: str, region: str, period: str) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator_code=code, region_id=region, period=period)


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
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.request_recompute(acting_user=users["mzj"], region=county["county"], periods=["2026"])
    assert not ComputeRun.objects.exists()


def test_a_new_elder_recomputes_her_county_for_the_materialised_periods_only(
    county, django_capture_on_commit_callbacks, today
):
    services.compute_now(COUNTY, "2026")
    services.compute_now(COUNTY, "2025")
    before_2025 = _value("POP-65", COUNTY, "2025").computed_at
    # when an elder aged 70 is registered
    with django_capture_on_commit_callbacks(execute=True):
        make_elder(county["village_a"], dt.date(1956, 1, 1))
    # then this year's values of her county and township count her, and a change run did it
    assert _value("POP-65", COUNTY, "2026").numerator == 1
    assert _value("POP-65", TOWN_A, "2026").numerator == 1
    run = ComputeRun.objects.get(reason="change")
    assert run.periods["periods"] == ["2026"]
    assert "POP-65" in run.periods["indicators"] and "IR-2" not in run.periods["indicators"]
    # and 2025, which none of her dates fall in, was not touched
    assert _value("POP-65", COUNTY, "2025").computed_at == before_2025


def test_a_change_in_a_county_not_materialised_queues_nothing(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_elder(county["village_a"], dt.date(1950, 1, 1))
    assert not ComputeRun.objects.exists()


def test_values_above_the_county_move_with_it(county, django_capture_on_commit_callbacks):
    """A city computed once keeps adding up after a county below it is recomputed incrementally."""
    make_institution(county["a"], "township_health_centre", beds={"general": 30, "nursing": 10})
    services.compute_now(CITY, "2026")
    assert _value("IR-2", CITY, "2026").value == 25
    with django_capture_on_commit_callbacks(execute=True):
        make_institution(county["b"], "township_health_centre", beds={"general": 10, "nursing": 10})
    # 20 nursing of 60 beds
    city = _value("IR-2", CITY, "2026")
    assert (city.numerator, city.denominator) == (20, 60)
    assert city.value == Decimal("33.3333")


def test_a_change_queues_one_run_per_materialised_period_of_its_county(
    county, django_capture_on_commit_callbacks, today
):
    """A check dated today touches the year, its quarter and its month; with all three materialised
    (and 2025 too), three change runs are queued — one per period, so workers take them side by side —
    and 2025 gets none."""
    from yiyang.monitoring.periods import periods_containing

    labels = sorted(periods_containing(today))
    assert len(labels) == 3
    for label in [*labels, str(today.year - 1)]:
        services.compute_now(COUNTY, label)
    with django_capture_on_commit_callbacks(execute=True):
        make_elder(county["village_a"], dt.date(1950, 1, 1))
    runs = ComputeRun.objects.filter(reason="change").order_by("id")
    assert sorted(r.periods["periods"][0] for r in runs) == labels
    assert all(len(r.periods["periods"]) == 1 and r.status == RunStatus.DONE for r in runs)
    for label in labels:
        assert _value("POP-65", COUNTY, label).numerator == 1
