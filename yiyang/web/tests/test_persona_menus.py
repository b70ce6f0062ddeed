"""Every demo persona's home page and every entry of its menu open without a server error, and each
menu fits the role: an eldercare home's staff get a home's menu without family sickbeds or nursing
orders (a home runs neither), medical institutions' staff get them, officers read."""

from __future__ import annotations

import re

import pytest

from yiyang.care.tests.factories import make_user
from yiyang.core.models import Institution

PERSONAS = [
    "wjj",
    "mzj",
    "swjw",
    "doctor_sj",
    "doctor_tp",
    "doctor_rmyy",
    "nurse_sj",
    "jtys_sj",
    "admin_sj",
    "yly_admin",
    "sysadmin",
]
SICKBEDS, ORDERS = "家庭病床", "互联网+护理服务"


def _menu(page: str) -> dict[str, str]:
    nav = re.search(r"<nav.*?</nav>", page, re.S)
    assert nav, "no menu"
    return {
        label.strip(): href
        for href, label in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0))
    }


def _menu_of(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    home = client.get("/")
    assert home.status_code == 200
    return _menu(home.content.decode())


@pytest.mark.parametrize("username", PERSONAS)
def test_every_menu_entry_opens_without_a_server_error(username, client_for):  # type: ignore[no-untyped-def]
    client = client_for(username)
    client.raise_request_exception = False
    menu = _menu_of(client)
    assert len(menu) >= 3
    for label, href in menu.items():
        status = client.get(href).status_code
        assert status in (200, 302, 403), (username, label, href, status)


def test_each_menu_fits_the_role(client_for):  # type: ignore[no-untyped-def]
    menus = {u: _menu_of(client_for(u)) for u in PERSONAS}
    # a home: its own menu, its medical services page, no family sickbeds or nursing orders
    home = menus["yly_admin"]
    assert {"入住管理", "床位", "住户", "照护记录", "双向转诊"} <= home.keys()
    assert home["医疗服务"] == "/care/medical/"
    assert SICKBEDS not in home and ORDERS not in home
    # medical institutions' staff run family sickbeds and orders; a family doctor requests orders
    for u in ["doctor_sj", "doctor_tp", "doctor_rmyy", "nurse_sj", "admin_sj"]:
        assert SICKBEDS in menus[u] and ORDERS in menus[u], u
    assert ORDERS in menus["jtys_sj"] and SICKBEDS not in menus["jtys_sj"]
    # officers read: no order desk, no admissions; 民政 sees no medical worklist
    for u in ["wjj", "mzj", "swjw"]:
        assert SICKBEDS not in menus[u] and ORDERS not in menus[u] and "入住管理" not in menus[u], u
    assert "医养覆盖" in menus["wjj"] and "医养覆盖" in menus["mzj"]
    assert "健康管理" not in menus["mzj"]
    # the system administrator administers, nothing about elders
    assert "老年人" not in menus["sysadmin"] and "系统管理" in menus["sysadmin"]


def test_an_integrated_institutions_administrator_runs_family_sickbeds(client, demo_db):  # type: ignore[no-untyped-def]
    integrated = Institution.objects.get(name="江口县梵净康养中心")
    assert integrated.is_medical and integrated.is_eldercare
    client.force_login(make_user("admin_fj", "institution_admin", integrated))
    menu = _menu_of(client)
    assert "住户" in menu and SICKBEDS in menu and ORDERS in menu
    assert client.get("/care/sickbeds/").status_code == 200


def test_a_homes_staff_are_refused_family_sickbeds_and_orders_in_chinese(client_for, users):  # type: ignore[no-untyped-def]
    from yiyang.core.scoping import scope_elders

    client = client_for("yly_admin")
    resident = scope_elders(users["yly_admin"]).order_by("pk").first()
    assert resident is not None
    for url in [
        "/care/sickbeds/",
        f"/care/sickbeds/new/?elder={resident.pk}",
        "/care/orders/",
        f"/care/orders/new/?elder={resident.pk}",
    ]:
        r = client.get(url)
        assert r.status_code == 403, url
        assert "不是医疗机构" in r.content.decode(), url
    assert client.post(f"/care/sickbeds/new/?elder={resident.pk}", {}).status_code == 403
