"""The health pages show the indicator engine's values, not counts of their own (issue 9 §5): the
health-check page HM-1/3/4 and the chronic follow-up page HM-8, through monitoring's indicator
fragment included by URL. The tests follow the page to the fragment it names, as the browser does,
and compare what it shows with what the engine materialised."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

from yiyang.health import services
from yiyang.monitoring import services as monitoring
from yiyang.monitoring.models import IndicatorValue

COUNTY = "520621000000"


def fragment_url(page: str) -> str:
    """The URL the page asks htmx to load its indicator values from."""
    found = re.findall(r'<div class="indicator-include" hx-get="([^"]+)"', page)
    assert len(found) == 1, "the page includes exactly one indicator fragment"
    return html.unescape(found[0])


def shown(fragment: str) -> dict[str, tuple[str, str]]:
    """``{code: (numerator, denominator)}`` as the fragment's table shows them."""
    out = {}
    for code, body in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', fragment, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        out[code] = (cells[1], cells[2])
    return out


def stored(code: str, region: str, period: str) -> tuple[int, int]:
    v = IndicatorValue.objects.get(indicator_code=code, region_id=region, period=period)
    return int(v.numerator), int(v.denominator)


def as_shown(pair: tuple[int, int]) -> tuple[str, str]:
    return str(pair[0]), str(pair[1])


def test_check_page_names_the_fragment_of_hm1_hm3_hm4_for_the_area_and_year_shown(client_for, fresh_elder):
    village = fresh_elder().region_id
    township = village[:9] + "000"
    c = client_for("wjj")

    def params(query: dict) -> dict[str, list[str]]:
        url = fragment_url(c.get("/health/checks/", query).content.decode())
        assert urlsplit(url).path == "/monitoring/fragments/indicators/"
        return parse_qs(urlsplit(url).query)

    assert params({"year": 2025, "village": village}) == {
        "codes": ["HM-1,HM-3,HM-4"],
        "period": ["2025"],
        "region": [village],
    }
    assert params({"year": 2026, "township": township})["region"] == [township]
    # nothing chosen: the user's own area, which the fragment decides as the dashboard does
    assert "region" not in params({"year": 2026})
    # a year the form refuses: no values at all (and no fragment)
    assert "indicator-include" not in c.get("/health/checks/", {"year": 1999}).content.decode()


def test_check_page_shows_the_engines_hm1_hm3_hm4_of_the_village(
    client_for, users, fresh_elder, check_data, today
):
    """Three new 65+ residents of a village: a has a complete check notified within the month, b an
    incomplete one, c none. HM-1 gains one managed elder, HM-3 two checked elders, HM-4 counts checks
    (two, one notified in time); the denominators of HM-1/3 already held all three."""
    a = fresh_elder()
    b = fresh_elder(exclude=(a.pk,))
    fresh_elder(exclude=(a.pk, b.pk))
    day = today - dt.timedelta(days=40)
    village, year = a.region_id, str(day.year)
    codes = ["HM-1", "HM-3", "HM-4"]
    monitoring.compute_now(COUNTY, year, codes)
    before = {code: stored(code, village, year) for code in codes}

    full = services.record_health_check(a, acting_user=users["doctor_sj"], data=check_data(day))
    services.record_notice(full, acting_user=users["doctor_sj"], notice_date=day + dt.timedelta(days=3))
    partial = check_data(day)
    del partial["health_evaluation"]
    services.record_health_check(b, acting_user=users["doctor_sj"], data=partial)
    monitoring.compute_now(COUNTY, year, codes)
    after = {code: stored(code, village, year) for code in codes}

    gained = {code: (after[code][0] - before[code][0], after[code][1] - before[code][1]) for code in codes}
    assert gained == {"HM-1": (1, 0), "HM-3": (2, 0), "HM-4": (1, 2)}
    c = client_for("wjj")
    page = c.get("/health/checks/", {"year": year, "village": village}).content.decode()
    fragment = c.get(fragment_url(page)).content.decode()
    assert shown(fragment) == {code: as_shown(after[code]) for code in codes}


def test_followup_page_shows_the_engines_hm8_of_the_doctors_area(client_for, users, fresh_elder, today):
    """A new hypertension patient enrolled today with one controlled face-to-face visit: HM-8B (control)
    gains the patient in numerator and denominator; HM-8A in its denominator, and in its numerator when
    the days left in the year need only one visit (pro-rated by time under management, HM-8A's note)."""
    year = str(today.year)
    codes = ["HM-8A", "HM-8B", "HM-8C", "HM-8D"]
    monitoring.compute_now(COUNTY, year, codes)
    before = {code: stored(code, COUNTY, year) for code in codes}
    doctor = users["doctor_sj"]
    case = services.enrol_case(
        fresh_elder(),
        acting_user=doctor,
        disease="hypertension",
        diagnosed_on=today - dt.timedelta(days=400),
        source="outpatient",
        enrolled_on=today,
    )
    services.record_followup(
        case, acting_user=doctor, data={"visit_date": today, "method": "1", "systolic": 130, "diastolic": 80}
    )
    monitoring.compute_now(COUNTY, year, codes)
    after = {code: stored(code, COUNTY, year) for code in codes}
    gained = {code: (after[code][0] - before[code][0], after[code][1] - before[code][1]) for code in codes}
    left = (dt.date(today.year, 12, 31) - today).days + 1
    days = (dt.date(today.year, 12, 31) - dt.date(today.year, 1, 1)).days + 1
    standard = 1 if -(-4 * left // days) <= 1 else 0  # one visit is enough in the last quarter
    assert gained == {"HM-8A": (standard, 1), "HM-8B": (1, 1), "HM-8C": (0, 0), "HM-8D": (0, 0)}

    c = client_for("doctor_sj")
    url = fragment_url(c.get("/health/chronic/").content.decode())
    assert parse_qs(urlsplit(url).query) == {"codes": [",".join(codes)], "period": [year]}
    fragment = c.get(url).content.decode()
    assert f'data-region="{COUNTY}"' in fragment  # the clinician's own area: her institution's county
    assert shown(fragment) == {code: as_shown(after[code]) for code in codes}


def test_a_role_that_sees_no_health_indicator_keeps_its_lists_without_values(client_for):
    """A family-doctor team member reads health records but no indicators: the page and its lists
    answer as before, and the fragment it names is empty."""
    c = client_for("jtys_sj")
    for path in ("/health/checks/", "/health/chronic/"):
        res = c.get(path)
        assert res.status_code == 200, path
        fragment = c.get(fragment_url(res.content.decode()))
        assert fragment.status_code == 200 and fragment.content.decode().strip() == "", path
