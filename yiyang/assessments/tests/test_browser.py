"""A doctor fills a Barthel for a demo elder on a tablet, finalises it and finds it in the history —
in Debian's Chromium (Playwright) against a live server.

What the page client cannot show: that one tap on an option selects it, that htmx updates the running
total as the doctor taps, that unanswered items are highlighted until answered, and that the chart is
drawn from the offline ECharts copy. Chromium: /usr/bin/chromium; never ``playwright install``. With
CI=true a missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with
# a running loop unless told otherwise. Must be set before the tests touch the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

from yiyang.core.testing.browser import TABLET, page_opener

pytestmark = [pytest.mark.browser, pytest.mark.urls("yiyang.assessments.tests.urls")]

PASSWORD = "yiyang123"


@pytest.fixture
def tablet(live_server: Any, demo_live: None) -> Iterator[Any]:
    """``tablet()`` opens a tablet-sized Chromium tab (started inside the test: a missing browser
    fails on CI, skips locally)."""
    yield from page_opener(TABLET)


def test_doctor_fills_barthel_on_a_tablet_finalises_and_sees_it_in_history(
    tablet: Any, live_server: Any
) -> None:
    from yiyang.accounts.models import User
    from yiyang.assessments.models import AssessmentResponse
    from yiyang.core.scoping import scope_elders

    doctor = User.objects.get(username="doctor_sj")
    elder = scope_elders(doctor).filter(status="active").order_by("pk").first()
    base = live_server.url
    page = tablet()

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("doctor_sj")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/elders/{elder.pk}/assessments/")
    page.get_by_role("link", name="Barthel 指数（日常生活活动能力）").click()
    page.wait_for_url(f"{base}/elders/{elder.pk}/assessments/new/barthel/")

    # every item starts highlighted as unanswered
    first = page.locator("#item-1")
    highlighted = "rgb(255, 248, 230)"
    assert first.evaluate("el => getComputedStyle(el).backgroundColor") == highlighted

    # one tap per option: the best option of each item (the first listed); htmx keeps the total running
    for n in range(1, 11):
        page.locator(f"#item-{n} .assess-opt").first.click()
        if n == 1:
            page.locator("#running .total").filter(has_text="10").wait_for()
            assert first.evaluate("el => getComputedStyle(el).backgroundColor") != highlighted
    page.locator("#running .total").filter(has_text="100").wait_for()
    assert "已全部作答" in page.locator("#running").inner_text()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, "the fill page fits a tablet without sideways scrolling"

    page.get_by_role("button", name="定稿").click()
    page.wait_for_url(f"{base}/assessments/*/")
    assert "100" in page.locator("#result-total").inner_text()
    assert "无需依赖" in page.locator("#result-level").inner_text()

    page.get_by_role("link", name="评估记录").first.click()
    page.wait_for_url(f"{base}/elders/{elder.pk}/assessments/")
    row = page.locator("#history-barthel tr").nth(1)
    assert "已定稿" in row.inner_text() and "100" in row.inner_text()

    stored = AssessmentResponse.objects.filter(elder=elder, instrument_code="barthel").get()
    assert stored.status == "final" and stored.assessor == doctor and stored.total == 100
