"""nurse_sj on a tablet (768×1024): her orders for today, check-in and check-out with one tap each —
in Debian's Chromium (Playwright) against a live server. Chromium: /usr/bin/chromium; never
``playwright install``. With CI=true a missing browser fails the test instead of skipping it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

from yiyang.core.testing.browser import TABLET, page_opener

pytestmark = [pytest.mark.browser]

PASSWORD = "yiyang123"


@pytest.fixture
def tablet(live_server: Any, demo_live: None) -> Iterator[Any]:
    """``tablet()`` opens a tablet-sized Chromium tab (started inside the test: a missing browser
    fails on CI, skips locally)."""
    yield from page_opener(TABLET)


def test_nurse_checks_in_and_out_of_todays_order_on_a_tablet(tablet: Any, live_server: Any) -> None:
    from yiyang.care.models import ServiceOrder

    base = live_server.url
    page = tablet()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("nurse_sj")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/care/orders/mine/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    card = page.locator("article.task").filter(has=page.get_by_role("button", name="签到")).first
    order_id = int(card.get_attribute("id").removeprefix("order-"))
    box = card.get_by_role("button", name="签到").bounding_box()
    assert box["height"] >= 44  # a finger-sized button
    card.get_by_role("button", name="签到").click()
    page.wait_for_load_state()

    card = page.locator(f"#order-{order_id}")
    assert "服务中" in card.inner_text()
    card.get_by_label("服务记录").fill("伤口换药，敷料干燥")
    card.get_by_role("button", name="签退").click()
    page.wait_for_load_state()
    assert "服务完成" in page.locator(f"#order-{order_id}").inner_text()
    order = ServiceOrder.objects.get(pk=order_id)
    assert order.status == "done"
    assert order.checked_in_at is not None and order.checked_out_at is not None
    assert order.checked_in_at <= order.checked_out_at
    assert order.care_record == "伤口换药，敷料干燥"
