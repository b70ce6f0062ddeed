"""The incident journey in Debian's Chromium (Playwright) against a live server: yly_admin reports a
fall from a tablet (768 px wide; the form fits without scrolling sideways), records the cause analysis
and closes it on a laptop; wjj finds it in the county view of incidents per institution.

Chromium: /usr/bin/chromium; never ``playwright install``. With CI=true a missing browser fails the test
instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with
# a running loop unless told otherwise. Must be set before the tests touch the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

from yiyang.core.testing.browser import LAPTOP, TABLET, Chromium

from .incidents_fixtures import *  # noqa: F403  (the incident tests' fixtures)

pytestmark = [pytest.mark.browser]

PASSWORD = "yiyang123"


@pytest.fixture
def browser(live_server: Any, demo_live: None) -> Iterator[Chromium]:
    """One Chromium for the test; ``browser.page(TABLET)`` opens a tab with its own login."""
    launcher = Chromium()
    try:
        yield launcher
    finally:
        launcher.stop()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_a_fall_reported_on_a_tablet_analysed_closed_and_counted_for_the_county(
    browser: Chromium, live_server: Any
) -> None:
    from yiyang.core import clock
    from yiyang.core.models import Institution
    from yiyang.quality.models import Incident
    from yiyang.quality.services.incidents import residents_of

    welfare = Institution.objects.get(name="江口县社会福利院")
    elder = residents_of(welfare.pk)[0]
    base = live_server.url

    page = browser.page(TABLET)
    _login(page, base, "yly_admin")
    page.goto(f"{base}/quality/")
    page.get_by_role("link", name="上报不良事件").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.locator("select[name=kind]").select_option("fall")
    page.locator("select[name=elder_id]").select_option(str(elder.pk))
    page.locator("input[name=place]").fill("卫生间")
    page.locator("select[name=severity]").select_option("III")
    page.locator("textarea[name=description]").fill("夜间如厕时滑倒，臀部着地")
    page.locator("textarea[name=immediate_action]").fill("评估意识和肢体活动，通知值班医生")
    page.locator("input[name=family_informed]").fill("儿子")
    page.get_by_role("button", name="上报", exact=True).click()
    page.wait_for_url(f"{base}/quality/incidents/*/")
    assert "已上报" in page.locator(".state").inner_text()
    incident = Incident.objects.filter(elder=elder).latest("pk")

    desk = browser.page(LAPTOP)
    _login(desk, base, "yly_admin")
    desk.goto(f"{base}/quality/incidents/{incident.pk}/")
    desk.locator("textarea[name=cause_analysis]").fill("夜间照明不足")
    desk.locator("textarea[name=improvement]").fill("卫生间加装夜灯和扶手")
    desk.get_by_role("button", name="记录原因分析").click()
    desk.wait_for_load_state()
    assert "已分析" in desk.locator(".state").inner_text()
    desk.locator("textarea[name=follow_up]").fill("一周后复查恢复良好")
    desk.get_by_role("button", name="结案").click()
    desk.wait_for_load_state()
    assert "已结案" in desk.locator(".state").inner_text()
    history = desk.locator("table.grid").last.inner_text()
    assert "记录原因分析" in history and "结案" in history

    county = browser.page(LAPTOP)
    _login(county, base, "wjj")
    county.goto(f"{base}/quality/incidents/county/?year={clock.today().year}")
    assert welfare.name in county.locator("table.grid").inner_text()
