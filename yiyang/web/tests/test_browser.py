"""User journeys through the real pages in Debian's Chromium (Playwright), against a live server.

What a page-client test cannot show: that the search box really searches as one types (htmx swaps
#results without reloading the page), that the 查看 control reveals the full ID number in place and
the reveal then shows up on 谁查看过, that a clinician of another township gets the 404 page without
the elder's name, that the register form puts the Chinese ID error next to the ID field, that the
health-check page really loads the indicator engine's values from monitoring's fragment (and says
计算中 where none are computed yet), and that the list and detail pages fit a laptop and a tablet
screen without sideways scrolling.

Chromium: /usr/bin/chromium (``apt-get install -y chromium fonts-noto-cjk``); never ``playwright
install``. With CI=true a missing browser fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with
# a running loop unless told otherwise. Must be set before the tests touch the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

from yiyang.core.testing.browser import LAPTOP, TABLET, Chromium

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "yiyang123"
REVEAL_REASON = "入户随访核对身份证号"


@pytest.fixture(scope="module")
def _chromium() -> Iterator[Chromium]:
    launcher = Chromium()
    yield launcher
    launcher.stop()


@pytest.fixture
def chromium(_chromium: Chromium, live_server: Any, demo_live: None) -> Iterator[Chromium]:
    """A browser for one test against the live server with the demo county; its tabs close afterwards."""
    yield _chromium
    _chromium.close_contexts()


# --- helpers -----------------------------------------------------------------------------------


def _user(username: str) -> Any:
    from yiyang.accounts.models import User

    return User.objects.get(username=username)


def _log_in(page: Any, base_url: str, username: str) -> None:
    """Through the login page, as a person would; lands on the home page."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")
    # the header names who is logged in (display name, not the username)
    assert str(_user(username)) in page.locator("header .who").inner_text()


def _searchable_elder() -> tuple[Any, str, set[int]]:
    """An active elder doctor_sj can see and doctor_tp cannot, whose pinyin initials find few enough
    elders that the search answer fits on the first page of results.

    Returns (elder, initials, pks of the elders the search must list).
    """
    from yiyang.core.pinyin import name_initials
    from yiyang.core.scoping import scope_elders
    from yiyang.core.search import filter_elders
    from yiyang.core.views import PAGE_SIZE

    sj_scope = scope_elders(_user("doctor_sj"))
    tp_visible = set(scope_elders(_user("doctor_tp")).values_list("pk", flat=True))
    best = None
    for elder in sj_scope.filter(status="active").order_by("pk")[:60]:
        if elder.pk in tp_visible:
            continue
        variants = name_initials(elder.name)
        if not variants or len(variants[0]) < 2:
            continue
        initials = variants[0]
        expected = set(filter_elders(sj_scope, q=initials, status="active").values_list("pk", flat=True))
        if (
            elder.pk in expected
            and len(expected) <= PAGE_SIZE
            and (best is None or len(expected) < len(best[2]))
        ):
            best = (elder, initials, expected)
    assert best is not None, (
        "the demo county has no elder of doctor_sj's that a pinyin search finds on page 1"
    )
    return best


def _no_horizontal_overflow(page: Any) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, f"{page.url}: page is {widths[0]}px wide in a {widths[1]}px window"


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


# --- journeys ----------------------------------------------------------------------------------


def test_doctor_finds_elder_by_initials_reveals_id_and_sees_it_audited(
    chromium: Chromium, live_server: Any
) -> None:
    from yiyang.core import crypto
    from yiyang.core.models import AuditEvent

    elder, initials, expected_pks = _searchable_elder()
    full_id = crypto.decrypt(elder.id_number_encrypted)
    assert len(full_id) == 18
    base = live_server.url
    page = chromium.page()

    _log_in(page, base, "doctor_sj")
    page.locator("nav.mainnav").get_by_role("link", name="老年人", exact=True).click()
    page.wait_for_url(f"{base}/elders/")
    assert page.get_by_role("heading", level=1).inner_text() == "老年人"

    # search as you type: htmx replaces #results; the page itself is not reloaded
    page.evaluate("() => { window.__sameDocument = true; }")
    search = page.locator("#id_q")
    assert search.get_attribute("placeholder"), "the search box explains what it accepts"
    with page.expect_response(
        lambda r: (
            r.url == f"{base}/elders/"
            and r.request.method == "POST"
            and f"q={initials}" in (r.request.post_data or "")
            and r.request.headers.get("hx-request") == "true"
        )
    ) as answer:
        search.press_sequentially(initials, delay=60)
    assert answer.value.status == 200
    links = page.locator("#results tbody a[href^='/elders/']")
    expect_count = len(expected_pks)
    page.wait_for_function(
        "([n, q]) => document.querySelectorAll('#results tbody a[href^=\"/elders/\"]').length === n"
        " && new URLSearchParams(location.search).get('q') === q",
        arg=[expect_count, initials],
    )
    hrefs = links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    shown = {int(h.strip("/").rsplit("/", 1)[1]) for h in hrefs}
    assert shown == expected_pks
    assert page.evaluate("() => window.__sameDocument === true"), (
        "typing reloaded the page instead of swapping #results"
    )
    assert re.search(rf"(?<!\d){expect_count}(?!\d)", page.locator("#results .count").inner_text())

    target = page.locator(f"#results a[href='/elders/{elder.pk}/']")
    assert target.inner_text() == elder.name
    # the list shows the ID number masked, never in full
    row_text = page.locator(
        "#results tbody tr", has=page.locator(f"a[href='/elders/{elder.pk}/']")
    ).inner_text()
    assert full_id not in row_text and full_id[:6] in row_text and "*" in row_text
    target.click()
    page.wait_for_url(f"{base}/elders/{elder.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith(elder.name)

    # reveal the ID number with a reason
    id_field = page.locator("#field-id_number")
    masked = id_field.locator(".mono").first.inner_text()
    assert masked != full_id and masked[:6] == full_id[:6] and masked[-2:] == full_id[-2:] and "*" in masked
    assert full_id not in page.content()
    id_field.get_by_text("查看", exact=True).click()
    reason_box = id_field.get_by_label("查看原因（将被记录）")
    reason_box.fill(REVEAL_REASON)
    with page.expect_response(
        lambda r: r.url == f"{base}/elders/{elder.pk}/reveal/" and r.request.method == "POST"
    ) as answer:
        id_field.get_by_role("button", name="显示").click()
    assert answer.value.status == 200
    revealed = id_field.locator("[data-revealed='id_number']")
    revealed.wait_for()
    assert revealed.inner_text().strip() == full_id
    assert "本次查看已记录" in id_field.inner_text()
    assert page.url == f"{base}/elders/{elder.pk}/", "the reveal swaps the field in place"

    # 谁查看过 lists the reveal, by doctor_sj, with the reason given
    page.get_by_role("link", name="谁查看过").click()
    page.wait_for_url(f"{base}/elders/{elder.pk}/audit/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("谁查看过")
    reveal_rows = page.locator("#audit-table tbody tr.audit-reveal")
    assert reveal_rows.count() == 1
    cells = reveal_rows.first.locator("td").all_inner_texts()
    assert cells[1] == str(_user("doctor_sj"))
    assert cells[2] == "查看完整信息"
    assert cells[3] == "身份证号", "the field is named as on the detail page, not by its code"
    assert cells[4] == REVEAL_REASON
    assert full_id not in page.content(), "the audit page must not repeat the revealed number"
    # and it is the stored audit event, not text the page made up
    event = AuditEvent.objects.get(action="reveal", object_type="core.elder", object_id=str(elder.pk))
    assert (event.user.username, event.field, event.reason) == ("doctor_sj", "id_number", REVEAL_REASON)


def test_searching_by_full_id_number_never_puts_the_number_in_a_url(
    chromium: Chromium, live_server: Any
) -> None:
    """Issue 15 (ID search by GET): every URL the browser requests is what an access log records. A
    search by full ID number POSTs; the address bar, the pager and the export link carry a token."""
    from yiyang.core import crypto
    from yiyang.core.scoping import scope_elders

    elder = scope_elders(_user("wjj")).filter(status="active").order_by("pk").first()
    assert elder is not None
    full_id = crypto.decrypt(elder.id_number_encrypted)
    base = live_server.url
    page = chromium.page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    _log_in(page, base, "wjj")
    page.goto(f"{base}/elders/")
    with page.expect_response(lambda r: r.url == f"{base}/elders/" and r.request.method == "POST"):
        page.locator("#id_q").fill(full_id)
    page.locator(f"#results a[href='/elders/{elder.pk}/']").wait_for()
    page.wait_for_function("() => new URLSearchParams(location.search).has('sq')")
    assert page.locator("#results tbody tr").count() == 1
    # a reload of the pushed URL still finds the elder (the token resolves in this session)
    page.reload()
    page.locator(f"a[href='/elders/{elder.pk}/']").first.wait_for()
    export_href = page.locator("#export-link").get_attribute("href") or ""
    assert "sq=" in export_href
    urls = [*requested, page.url, export_href]
    leaked = [u for u in urls if re.search(r"\d{17}[\dXx]", u)]
    assert not leaked, leaked
    assert full_id not in " ".join(urls)


def test_doctor_of_another_township_gets_not_found_without_the_name(
    chromium: Chromium, live_server: Any
) -> None:
    from yiyang.core.scoping import scope_elders

    elder, _initials, _pks = _searchable_elder()
    assert not scope_elders(_user("doctor_tp")).filter(pk=elder.pk).exists()
    base = live_server.url
    page = chromium.page()
    _log_in(page, base, "doctor_tp")

    for path in (f"/elders/{elder.pk}/", f"/elders/{elder.pk}/audit/"):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "未找到"
        assert "不存在" in page.locator("main").inner_text()
        assert elder.name not in page.content(), f"{path} shows the name of an elder outside doctor_tp's area"
        assert elder.name not in page.title()


def test_register_form_rejects_wrong_check_digit_next_to_the_id_field(
    chromium: Chromium, live_server: Any
) -> None:
    from django.utils import translation

    from yiyang.core.identity import InvalidIdNumber, parse_id_number, with_check_digit
    from yiyang.core.models import Elder, LivingSituation, Region
    from yiyang.core.regions import RegionLevel
    from yiyang.core.scoping import region_scope_prefixes

    prefixes = region_scope_prefixes(_user("doctor_sj"))
    village = Region.objects.filter(level=RegionLevel.VILLAGE).order_by("code")
    village = next(v for v in village if any(v.code.startswith(p) for p in prefixes))
    good = with_check_digit("520621" + "19480917" + "035")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with translation.override("zh-hans"):
        try:
            parse_id_number(bad)
        except InvalidIdNumber as exc:
            expected_error = str(exc)
        else:
            raise AssertionError(f"{bad} should have a wrong check digit")
    assert re.search(r"[\u4e00-\u9fff]", expected_error), (
        f"the ID error is not translated: {expected_error!r}"
    )
    assert "alone" in LivingSituation.values
    elders_before = Elder.objects.count()
    base = live_server.url
    page = chromium.page()

    _log_in(page, base, "doctor_sj")
    page.locator("nav.mainnav").get_by_role("link", name="老年人建档").click()
    page.wait_for_url(f"{base}/elders/new/")
    assert page.get_by_role("heading", level=1).inner_text() == "老年人建档"
    page.locator("#id_name").fill("柏秀兰")
    page.locator("#id_id_number").fill(bad)
    region = page.locator("#id_region")
    if region.evaluate("el => el.tagName") == "SELECT":  # a village picker for a small area, else the code
        region.select_option(village.code)
    else:
        region.fill(village.code)
    page.locator("#id_living_situation").select_option("alone")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()

    assert page.url == f"{base}/elders/new/", "the form must come back, not go to a new record"
    assert page.locator(".errors[role=alert]").inner_text().startswith("请")
    id_box = page.locator(".field", has=page.locator("#id_id_number"))
    assert "invalid" in (id_box.get_attribute("class") or "").split()
    assert id_box.locator(".fielderror").inner_text() == f"身份证号：{expected_error}"
    # only the ID number is wrong: no other field complains, and what was typed is kept
    assert page.locator(".fielderror").count() == 1
    assert page.locator("#id_id_number").input_value() == bad
    assert page.locator("#id_name").input_value() == "柏秀兰"
    assert Elder.objects.count() == elders_before
    assert not Elder.objects.filter(name="柏秀兰").exists()


def test_health_check_page_loads_the_engines_values_in_place(chromium: Chromium, live_server: Any) -> None:
    """The health-check page computes no rate: htmx loads HM-1/3/4 of the doctor's area from
    monitoring's fragment, the numbers are the materialised ones, and each links to its detail page.
    A year nobody has computed says 计算中 instead of a number."""
    from yiyang.core import clock
    from yiyang.monitoring import services
    from yiyang.monitoring.models import IndicatorValue

    county, year = "520621000000", str(clock.today().year)
    services.compute_now(county, year, ["HM-1", "HM-3", "HM-4"])
    base = live_server.url
    page = chromium.page()
    _log_in(page, base, "doctor_sj")

    page.goto(f"{base}/health/checks/")
    table = page.locator(".indicator-values")
    table.locator("tr[data-code='HM-4']").wait_for()
    assert table.get_attribute("data-region") == county and table.get_attribute("data-period") == year
    for code in ("HM-1", "HM-3", "HM-4"):
        v = IndicatorValue.objects.get(indicator_code=code, region_id=county, period=year)
        cells = table.locator(f"tr[data-code='{code}'] td").all_inner_texts()
        assert [c.strip() for c in cells[1:3]] == [
            f"{v.numerator.normalize():f}",
            f"{v.denominator.normalize():f}",
        ]
    assert page.locator(".indicator-include").count() == 0, "the placeholder is swapped for the values"
    table.locator("tr[data-code='HM-1'] a").click()
    page.wait_for_url(
        re.compile(rf"{re.escape(base)}/monitoring/values/HM-1/\?region={county}&period={year}$")
    )
    assert "65岁及以上老年人健康管理率" in page.get_by_role("heading", level=1).inner_text()

    page.goto(f"{base}/health/checks/?year=2021")
    pending = page.locator(".indicator-values [role='status']")
    pending.wait_for()
    assert pending.inner_text().startswith("计算中")
    assert page.locator(".indicator-values tr[data-code='HM-1'] td").nth(3).inner_text().strip() == "计算中"


@pytest.mark.parametrize("viewport", [LAPTOP, TABLET], ids=["1366x768", "768x1024"])
def test_list_and_detail_fit_the_screen(
    chromium: Chromium, live_server: Any, tmp_path: Path, viewport: dict[str, int]
) -> None:
    from yiyang.core.scoping import scope_elders
    from yiyang.core.views import PAGE_SIZE

    base = live_server.url
    page = chromium.page(viewport)
    _log_in(page, base, "doctor_sj")

    page.goto(f"{base}/elders/")
    rows = page.locator("#results tbody tr")
    assert rows.count() == min(PAGE_SIZE, scope_elders(_user("doctor_sj")).filter(status="active").count())
    shot = tmp_path / f"elder-list-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=str(shot))
    assert _png_size(shot) == (viewport["width"], viewport["height"])
    _no_horizontal_overflow(page)

    rows.first.locator("a").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/elders/\d+/$"))
    page.screenshot(path=str(tmp_path / f"elder-detail-{viewport['width']}x{viewport['height']}.png"))
    _no_horizontal_overflow(page)
    # with the reveal control open, the reason box and button must fit as well
    page.locator("#field-id_number").get_by_text("查看", exact=True).click()
    page.locator("#field-id_number").get_by_role("button", name="显示").wait_for()
    _no_horizontal_overflow(page)
