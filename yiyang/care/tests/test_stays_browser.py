"""The home's journey in Debian's Chromium (Playwright) against a live server: yly_admin lands on the
home's workspace (not a health centre's counts), admits an elder to a 护理型床位 by ID number, switches the
stay to 住院 and back to 休养, and the elder's archive shows one continuous history of the stay.

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

from yiyang.core.testing.browser import LAPTOP, page_opener

pytestmark = [pytest.mark.browser]

PASSWORD = "yiyang123"


@pytest.fixture
def laptop(live_server: Any, demo_live: None) -> Iterator[Any]:
    """``laptop()`` opens a laptop-sized Chromium tab (started inside the test: a missing browser
    fails on CI, skips locally)."""
    yield from page_opener(LAPTOP)


def test_yly_admin_admits_to_a_nursing_bed_switches_to_medical_and_back_with_one_history(
    laptop: Any, live_server: Any
) -> None:
    from yiyang.accounts.models import User
    from yiyang.care.models.stays import Bed, BedKind, BedStatus, Stay, StayStatus
    from yiyang.care.services import stays as services
    from yiyang.core import crypto
    from yiyang.core.models import Elder, ElderStatus, Institution

    # given: a new room of two 护理型床位 and an elder of the county living at home
    admin = User.objects.get(username="yly_admin")
    welfare = Institution.objects.get(name="江口县社会福利院")
    beds = services.create_room_beds(
        acting_user=admin,
        institution=welfare,
        building="3号楼",
        room="388",
        kind=BedKind.ELDERCARE_NURSING,
        count=2,
    )
    elder = (
        Elder.objects.filter(
            status=ElderStatus.ACTIVE, residence_institution=None, region__code__startswith="520621"
        )
        .filter(stays__isnull=True)
        .order_by("pk")
        .first()
    )
    assert elder is not None
    id_number = crypto.decrypt(elder.id_number_encrypted)
    base = live_server.url
    page = laptop()

    # the home's workspace and menu, not a health centre's
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("yly_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").inner_text() == "江口县社会福利院"
    nav = page.locator("nav.mainnav").inner_text()
    assert "入住管理" in nav and "床位" in nav and "住户" in nav and "照护记录" in nav
    assert "辖区" not in page.content()
    assert page.locator("#residents-by-level").is_visible()

    # when: admitting the elder to the first 护理型床位 by ID number
    page.get_by_role("link", name="入住管理").click()
    page.get_by_label("身份证号").fill(id_number)
    page.locator("select[name=bed_id]").select_option(str(beds[0].pk))
    page.locator("select[name=mode]").select_option("care")
    page.get_by_role("button", name="办理入住").click()
    page.wait_for_url(f"{base}/care/residents/*/")
    assert page.locator("#stay-status").inner_text() == "在院休养"
    stay = Stay.objects.get(elder=elder, status=StayStatus.CARE)
    assert stay.bed_id == beds[0].pk and Bed.objects.get(pk=beds[0].pk).status == BedStatus.OCCUPIED

    # switch to 住院 and back to 休养
    page.locator("#move-action").select_option("to_medical")
    page.locator("input[name=reason]").fill("肺部感染")
    page.locator("#move-submit").click()
    page.wait_for_load_state()
    assert page.locator("#stay-status").inner_text() == "住院"
    page.locator("#move-action").select_option("to_care")
    page.locator("input[name=reason]").fill("病情稳定")
    page.locator("#move-submit").click()
    page.wait_for_load_state()
    assert page.locator("#stay-status").inner_text() == "在院休养"

    # then: one stay, and the archive shows its admission and both switches on one timeline
    assert Stay.objects.filter(elder=elder).count() == 1
    page.get_by_role("link", name="健康档案").click()
    page.wait_for_url(f"{base}/health/elders/{elder.pk}/")
    timeline = page.locator("#timeline").inner_text()
    assert "入住江口县社会福利院" in timeline
    assert "转为住院（医疗）" in timeline and "转为休养（养老）" in timeline
    assert "肺部感染" in timeline and "病情稳定" in timeline
