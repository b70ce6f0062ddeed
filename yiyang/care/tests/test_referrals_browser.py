"""The referral journey in Debian's Chromium (Playwright), against a live server: the welfare home's
administrator sends a green-channel referral for a resident to 江口县人民医院 from the elder's page;
doctor_rmyy finds it first in 转诊接收, reads the archive summary, accepts it, records the arrival and
completes it with a summary; the summary shows in the elder's archive, and the home's list shows the
referral closed. Pages fit a 1366×768 laptop screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

from yiyang.core.testing.browser import Chromium
from yiyang.web.tests.test_browser import _log_in, _no_horizontal_overflow

pytestmark = [pytest.mark.browser]

SUMMARY = "诊断：急性冠脉综合征。已行冠脉介入治疗，病情稳定出院；出院后双联抗血小板治疗，两周后复诊。"


@pytest.fixture(scope="module")
def _browser() -> Iterator[Chromium]:
    launcher = Chromium()
    yield launcher
    launcher.stop()


@pytest.fixture
def chromium(_browser: Chromium, live_server: Any, demo_live: None) -> Iterator[Chromium]:
    yield _browser
    _browser.close_contexts()


def _resident() -> Any:
    from yiyang.core.models import Elder

    elder = (
        Elder.objects.filter(
            residence_institution__name="江口县社会福利院", status="active", referrals__isnull=True
        )
        .order_by("pk")
        .first()
    )
    assert elder is not None
    return elder


def test_a_green_channel_referral_from_the_home_to_the_county_hospital_and_back(chromium, live_server):
    base = live_server.url
    elder = _resident()

    # The welfare home's administrator starts the referral from the elder's page.
    home = chromium.page()
    _log_in(home, base, "yly_admin")
    home.goto(f"{base}/elders/{elder.pk}/")
    home.get_by_role("link", name="发起转诊").click()
    home.get_by_label("转诊方向").select_option("up")
    home.get_by_label("紧急程度").select_option("green_channel")
    home.get_by_label("接收机构").select_option(label="江口县人民医院（综合医院）")
    home.get_by_label("转诊原因").fill("突发胸痛伴大汗，疑急性冠脉综合征")
    home.get_by_role("button", name="发送转诊").click()
    home.wait_for_url(f"{base}/care/referrals/*/")
    assert "已发出待接收" in home.locator(".state-line").inner_text()
    referral_url = home.url

    # doctor_rmyy finds it in the queue, green channel first, and reads the archive summary.
    hospital = chromium.page()
    _log_in(hospital, base, "doctor_rmyy")
    hospital.get_by_role("link", name="转诊接收").first.click()
    rows = hospital.locator("table.queue tbody tr")
    greens = [("绿色通道" in t) for t in rows.all_inner_texts()]
    assert greens == sorted(greens, reverse=True)  # every green-channel referral before the others
    row = rows.filter(has_text=elder.name).first
    assert "绿色通道" in row.inner_text() and "已发出待接收" in row.inner_text()
    _no_horizontal_overflow(hospital)
    row.get_by_role("link", name=elder.name).click()
    assert "档案摘要" in hospital.locator(".archive-summary").inner_text()
    hospital.get_by_role("button", name="接收").click()
    assert "已接收" in hospital.locator(".state-line").inner_text()
    hospital.get_by_role("button", name="登记到院").click()
    assert "已到院" in hospital.locator(".state-line").inner_text()
    hospital.get_by_label("出院（会诊）小结").fill(SUMMARY)
    hospital.get_by_role("button", name="完成并回传小结").click()
    hospital.wait_for_url(f"{base}/care/referrals/queue/")
    assert elder.name not in hospital.locator("table.queue").inner_text()
    # closed: the hospital no longer reads the elder's archive
    response = hospital.goto(f"{base}/health/elders/{elder.pk}/")
    assert response is not None and response.status == 404

    # The summary is in the elder's archive, and the home's list shows the referral closed.
    home.goto(f"{base}/health/elders/{elder.pk}/")
    assert "转诊小结" in home.locator("#timeline").inner_text()
    assert SUMMARY[:20] in home.locator("#timeline").inner_text()
    home.goto(f"{base}/care/referrals/?side=sent")
    row = home.locator("table.referrals tbody tr", has_text=elder.name).first
    assert "已完成" in row.inner_text()
    _no_horizontal_overflow(home)
    home.goto(referral_url)
    assert SUMMARY in home.locator(".summary").inner_text()
    history = home.locator("table.history").inner_text()
    for step in ("发送", "接收", "登记到院", "完成并回传小结"):
        assert step in history
