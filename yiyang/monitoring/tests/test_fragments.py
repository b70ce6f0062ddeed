"""The indicator fragment other apps include by URL (``/monitoring/fragments/indicators/``): the
engine's materialised values of a few indicators for one region and period, scoped like every value
(a region outside the user's area is a 404; indicators the role may not see are left out), and never
computed inside the request."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from yiyang.monitoring import services
from yiyang.monitoring.models import IndicatorValue
from yiyang.monitoring.registry import all_indicators

URL = "/monitoring/fragments/indicators/"
COUNTY = "520621000000"
SJ_TOWN = "520621001000"


def shown(html: str) -> dict[str, list[str]]:
    """``{code: [numerator, denominator, value, target, status]}`` as the fragment's table shows them."""
    rows = {}
    for code, body in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        rows[code] = [" ".join(c.split()) for c in cells[1:]]
    return rows


def figure(value: Decimal | None) -> str:
    """A stored count as the table prints it (``floatformat:"-2"``)."""
    return "—" if value is None else f"{value.normalize():f}"


@pytest.fixture
def computed(demo_db):  # type: ignore[no-untyped-def]
    services.compute_now(COUNTY, "2026", ["HM-1", "HM-3", "HM-4", "IR-9"])


def test_shows_the_stored_values_of_the_codes_asked_for_in_their_order(client_for, computed):
    res = client_for("wjj").get(URL, {"codes": "HM-4,HM-1", "region": SJ_TOWN, "period": "2026"})
    assert res.status_code == 200
    html = res.content.decode()
    rows = shown(html)
    assert list(rows) == ["HM-4", "HM-1"]
    for code in ("HM-1", "HM-4"):
        stored = IndicatorValue.objects.get(indicator_code=code, region_id=SJ_TOWN, period="2026")
        assert rows[code][:2] == [figure(stored.numerator), figure(stored.denominator)]
    # the detail page of each value is one click away, for the same region and period
    assert f'href="/monitoring/values/HM-1/?region={SJ_TOWN}&period=2026"' in html
    assert 'data-region="520621001000"' in html and 'data-period="2026"' in html


def test_a_value_is_judged_against_its_target(client_for, computed):
    """HM-1 has the county's 2026 target (≥ 72 %, seeded from the 江口县 plan): the status says met or not."""
    html = client_for("wjj").get(URL, {"codes": "HM-1", "period": "2026"}).content.decode()
    stored = IndicatorValue.objects.get(indicator_code="HM-1", region_id=COUNTY, period="2026")
    target, status = shown(html)["HM-1"][3:5]
    assert target == "≥72%"
    assert status.startswith("达标" if stored.value >= 72 else "未达标")


def test_without_a_region_it_shows_the_users_own_area(client_for, computed):
    """As on the dashboard: a 卫健 officer's region; a clinician's institution's county."""
    for user in ("wjj", "doctor_sj"):
        html = client_for(user).get(URL, {"codes": "HM-3", "period": "2026"}).content.decode()
        assert f'data-region="{COUNTY}"' in html, user
        assert "江口县" in html


def test_a_region_outside_the_users_area_is_not_found(client_for, county, computed):
    services.compute_now("529901000000", "2026", ["HM-1"])
    c = client_for("wjj")
    assert c.get(URL, {"codes": "HM-1", "region": "529901", "period": "2026"}).status_code == 404
    assert c.get(URL, {"codes": "HM-1", "region": "5206x1", "period": "2026"}).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"codes": "HM-1,XX-9"},  # an unknown indicator
        {"codes": ""},  # none
        {"codes": ",".join(i.code for i in all_indicators()[:13])},  # more than a page shows
        {"codes": "HM-1", "period": "2026Q5"},  # not a period
    ],
    ids=["unknown-code", "no-code", "too-many", "bad-period"],
)
def test_a_malformed_request_is_not_found(client_for, computed, params):
    assert client_for("wjj").get(URL, params).status_code == 404


def test_indicators_the_role_may_not_see_are_left_out(client_for, computed):
    """民政 sees the eldercare indicators only: asking for HM-1 and IR-9 shows IR-9; asking for HM-1
    alone gives an empty fragment (the page that includes it shows nothing), not an error."""
    c = client_for("mzj")
    both = c.get(URL, {"codes": "HM-1,IR-9", "period": "2026"})
    assert both.status_code == 200 and list(shown(both.content.decode())) == ["IR-9"]
    health_only = c.get(URL, {"codes": "HM-1", "period": "2026"})
    assert health_only.status_code == 200 and health_only.content.decode().strip() == ""


def test_a_family_doctor_without_indicator_access_gets_an_empty_fragment(client_for, computed):
    res = client_for("jtys_sj").get(URL, {"codes": "HM-1,HM-3,HM-4", "period": "2026"})
    assert res.status_code == 200 and res.content.decode().strip() == ""


def test_logged_out_is_sent_to_the_login_page(client, computed):
    res = client.get(URL, {"codes": "HM-1", "period": "2026"})
    assert res.status_code == 302 and "/accounts/login/" in res["Location"]


def test_missing_values_show_computing_and_the_request_computes_nothing(client_for, demo_db):
    """Pages never compute: a period nobody has computed shows 计算中 for each value, and the request
    writes no value and starts no run — it leaves one mark for the next drain, for the county even
    when a township was asked for."""
    from yiyang.monitoring.models import ComputeRun, RecomputeMark

    res = client_for("wjj").get(URL, {"codes": "HM-1,HM-3", "region": SJ_TOWN, "period": "2025Q3"})
    html = res.content.decode()
    assert res.status_code == 200
    assert list(shown(html)) == ["HM-1", "HM-3"]
    assert all(row[2] == "计算中" and row[4] == "计算中" for row in shown(html).values())
    assert 'role="status"' in html and "计算中" in html
    assert not IndicatorValue.objects.filter(period="2025Q3").exists()
    assert not ComputeRun.objects.exists()
    marks = RecomputeMark.objects.filter(period="2025Q3", source="*")
    assert list(marks.values_list("region_code", flat=True)) == [COUNTY]
