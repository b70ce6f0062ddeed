"""A year filter outside 1900–2100 never reaches the database as a date: the timeline page answers with
no records (no record is dated then), the API refuses it with a field error — never a 500."""

import pytest

from yiyang.health.models import HealthCheck


@pytest.fixture
def checked_elder(demo_db):
    return HealthCheck.objects.order_by("pk").first().elder


@pytest.mark.parametrize("year", ["10000", "1899", "2101", "-5", "99999999999"])
def test_timeline_page_with_a_year_out_of_range_shows_no_records(client_for, checked_elder, year):
    r = client_for("wjj").get(f"/health/elders/{checked_elder.pk}/timeline/", {"year": year})
    assert r.status_code == 200
    assert "暂无记录" in r.content.decode()


def test_timeline_page_with_a_year_in_range_filters(client_for, checked_elder):
    year = HealthCheck.objects.filter(elder=checked_elder).first().year
    r = client_for("wjj").get(f"/health/elders/{checked_elder.pk}/timeline/", {"year": year, "kind": "check"})
    assert r.status_code == 200 and "暂无记录" not in r.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/elders/{pk}/timeline", "/api/v1/health-checks"])
def test_api_refuses_a_year_out_of_range(api_for, checked_elder, url):
    r = api_for("wjj").get(url.format(pk=checked_elder.pk), year=10000)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "year"
