"""The inspection loop in Debian's Chromium (Playwright), against a live server: yly_admin runs a
self-inspection of the welfare home with two 不符合 items, starts both rectifications and submits the
fixes with evidence photos; wjj verifies one and reopens the other; the county ledger shows both states.
Pages fit a 1366×768 laptop screen; the checklist form fits a 768×1024 tablet."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

from yiyang.core.testing.browser import TABLET, Chromium
from yiyang.web.tests.test_browser import _log_in, _no_horizontal_overflow

from .inspections_helpers import HOME, PNG

pytestmark = [pytest.mark.browser]

FINDINGS = {"4.2": "本月新入住的王秀英等3人未做入住风险评估", "5.2": "三楼东侧灭火器压力表指针在红区"}


@pytest.fixture(scope="module")
def _browser() -> Iterator[Chromium]:
    launcher = Chromium()
    yield launcher
    launcher.stop()


@pytest.fixture
def chromium(_browser: Chromium, live_server: Any, demo_live: None) -> Iterator[Chromium]:
    yield _browser
    _browser.close_contexts()


def _photo(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


def test_self_inspection_rectification_and_county_verification(chromium, live_server):
    base = live_server.url

    # yly_admin runs the self-inspection from the 质量安全 page
    home = chromium.page()
    _log_in(home, base, "yly_admin")
    home.goto(f"{base}/quality/")
    home.get_by_role("link", name="自查与防火检查").click()
    home.get_by_role("link", name="新建自查").click()
    assert "依据医养结合机构服务质量提升行动方案整理" in home.content()
    for code, note in FINDINGS.items():
        home.get_by_label(f"{code} 判定", exact=True).select_option(label="不符合")
        home.get_by_label(f"{code} 发现问题/备注", exact=True).fill(note)
    home.get_by_role("button", name="其余条目标为符合").click()
    for code in ("1.4", "3.3", "4.4"):  # the items that need evidence
        home.get_by_label(f"{code} 佐证材料", exact=True).set_input_files(files=[_photo(f"{code}.png")])
    _no_horizontal_overflow(home)
    home.get_by_role("button", name="提交检查").click()
    home.wait_for_url(f"{base}/quality/inspections/*/")
    assert "生成整改事项 2 项" in home.content()

    # each finding: start with a measure and a person, then submit the fix with a photo
    links = home.locator("section.card table a")
    assert links.count() == 2
    urls = [base + links.nth(i).get_attribute("href") for i in range(2)]
    for url in urls:
        home.goto(url)
        home.get_by_label("整改措施").fill("立即整改并建立长效制度")
        home.get_by_label("责任人").fill("护理部 刘霞")
        home.get_by_role("button", name="开始整改").click()
        assert "整改中" in home.locator(".state-line").inner_text()
        home.get_by_label("整改佐证材料（PDF、JPEG 或 PNG，不超过 10 MB）").set_input_files(
            files=[_photo("fix.png")]
        )
        home.get_by_role("button", name="提交整改").click()
        assert "已提交待核查" in home.locator(".state-line").inner_text()
        _no_horizontal_overflow(home)

    # wjj verifies the first and reopens the second
    county = chromium.page()
    _log_in(county, base, "wjj")
    county.goto(urls[0])
    county.get_by_label("核查意见").fill("现场查看，已整改到位")
    county.get_by_role("button", name="核查通过").click()
    assert "核查通过" in county.locator(".state-line").inner_text()
    county.goto(urls[1])
    county.get_by_label("退回原因").fill("灭火器更换照片不清晰，请补充")
    county.get_by_role("button", name="退回重改").click()
    assert "核查退回" in county.locator(".state-line").inner_text()
    assert "灭火器更换照片不清晰" in county.content()

    # the county ledger shows both states
    county.goto(f"{base}/quality/")
    county.get_by_role("link", name="整改台账").click()
    county.get_by_label("机构").select_option(label=HOME)
    county.get_by_role("button", name="筛选").click()
    rows = county.locator("table.ledger tbody tr")
    states = {
        note: rows.filter(has_text=note).first.locator("td.state").inner_text() for note in FINDINGS.values()
    }
    assert states == {FINDINGS["4.2"]: "核查通过", FINDINGS["5.2"]: "核查退回"}
    _no_horizontal_overflow(county)


def test_the_checklist_form_fits_a_tablet(chromium, live_server):
    page = chromium.page(TABLET)
    _log_in(page, live_server.url, "yly_admin")
    page.goto(f"{live_server.url}/quality/inspections/new/?kind=fire")
    assert "防火检查记录" in page.content()
    _no_horizontal_overflow(page)
