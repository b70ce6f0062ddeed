"""The live alert board and the alert pages: the board polls every 5 seconds (HTMX, no websockets),
acknowledges and resolves in place, highlights what waits; the menus show it to those who may see
alerts; an elder's thresholds page for doctors; the ladder page for the home's administrator."""

from __future__ import annotations

import pytest

from yiyang.care.tests.factories import make_home, make_user
from yiyang.devices.models import Alert, EscalationLadder, ThresholdRule

from . import alerts_fixtures
from .alerts_helpers import read

_fresh_rules = alerts_fixtures._fresh_rules
home = alerts_fixtures.home
resident = alerts_fixtures.resident
band = alerts_fixtures.band

BOARD = "/devices/alerts/"


@pytest.fixture
def alert(band) -> Alert:  # type: ignore[no-untyped-def]
    read(band, "sos", True)
    return Alert.objects.get(device=band)


def test_the_board_polls_and_highlights_what_waits(client_for, alert, resident):
    page = client_for("yly_admin").get(BOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 5s"' in html and "/devices/alerts/board/" in html
    assert "告警看板" in html and resident.name in html
    assert 'class="unacked critical fresh"' in html
    assert "确认" in html  # the acknowledge button
    rows = client_for("yly_admin").get("/devices/alerts/board/?state=open").content.decode()
    assert "<html" not in rows and resident.name in rows


def test_acknowledge_and_resolve_from_the_board_in_place(client_for, alert):
    c = client_for("yly_admin")
    r = c.post(
        f"/devices/alerts/{alert.pk}/act/",
        {"action": "acknowledge", "board_state": "open"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
    r = c.post(f"/devices/alerts/{alert.pk}/act/", {"action": "resolve"}, HTTP_HX_REQUEST="true")
    assert "处置结果" in r.content.decode()  # the refusal names the field, beside the board
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
    c.post(
        f"/devices/alerts/{alert.pk}/act/",
        {"action": "resolve", "outcome": "handled"},
        HTTP_HX_REQUEST="true",
    )
    assert Alert.objects.get(pk=alert.pk).status == "resolved"


def test_the_alert_page_shows_who_was_told_and_the_history(client_for, alert):
    from yiyang.devices.models import AlertNotification

    board = client_for("yly_admin").get(BOARD).content.decode()
    assert "条通知未读" in board
    html = client_for("yly_admin").get(f"/devices/alerts/{alert.pk}/").content.decode()
    assert "江口县社会福利院 院长" in html and "通知" in html
    # opening the alert reads the notification: who read it, when
    assert AlertNotification.objects.get(alert=alert).read_at is not None
    assert "转诊" in html  # the one-step referral form


def test_another_homes_alert_is_not_found_and_officers_only_read(client_for, alert):
    other = make_home("江口县另一敬老院")
    make_user("admin_other2", "institution_admin", other)
    assert client_for("admin_other2").get(f"/devices/alerts/{alert.pk}/").status_code == 404
    assert (
        client_for("admin_other2")
        .post(f"/devices/alerts/{alert.pk}/act/", {"action": "acknowledge"})
        .status_code
        == 404
    )
    assert str(alert.elder.name) not in client_for("admin_other2").get(BOARD).content.decode()
    wjj = client_for("wjj").get(BOARD).content.decode()
    assert alert.elder.name in wjj and 'value="acknowledge"' not in wjj
    assert (
        client_for("wjj").post(f"/devices/alerts/{alert.pk}/act/", {"action": "acknowledge"}).status_code
        == 403
    )


def test_the_menus_show_the_board_to_those_who_see_alerts(client_for, demo_db):
    assert 'href="/devices/alerts/"' in client_for("yly_admin").get("/").content.decode()  # a home's menu
    assert 'href="/devices/alerts/"' in client_for("doctor_sj").get("/").content.decode()
    assert 'href="/devices/alerts/"' not in client_for("sysadmin").get("/").content.decode()
    assert client_for("sysadmin").get(BOARD).status_code == 403


def test_a_doctor_sets_an_elders_thresholds_on_the_page(client_for, sj_elder):
    url = f"/devices/elders/{sj_elder.pk}/thresholds/"
    page = client_for("doctor_sj").get(url)
    assert page.status_code == 200 and "WHO" in page.content.decode()
    bad = client_for("doctor_sj").post(url, {"spo2.low": "95", "spo2.high": "90"})
    assert bad.status_code == 200 and "上限" in bad.content.decode()
    ok = client_for("doctor_sj").post(
        url, {"spo2.low": "88", "heart_rate.high": "130", "heart_rate.note": "房颤"}
    )
    assert ok.status_code == 302
    assert {(r.type, r.low, r.high) for r in ThresholdRule.objects.filter(elder=sj_elder)} == {
        ("spo2", 88, None),
        ("heart_rate", None, 130),
    }
    assert client_for("doctor_tp").get(url).status_code == 404
    assert client_for("wjj").post(url, {"spo2.low": "80"}).status_code == 403


def test_the_administrator_keeps_the_homes_ladder(client_for, home, users):
    url = "/devices/alerts/ladder/"
    assert client_for("yly_admin").get(url).status_code == 200
    r = client_for("yly_admin").post(
        url,
        {
            "institution": home.pk,
            "steps[0].role": "carer",
            "steps[0].wait_minutes": "3",
            "steps[1].role": "admin",
            "steps[1].wait_minutes": "10",
            "steps[2].role": "family",
            "steps[2].wait_minutes": "0",
        },
    )
    assert r.status_code == 302
    steps = EscalationLadder.objects.get(institution=home).steps.order_by("position")
    assert [(s.role, s.wait_minutes) for s in steps] == [("carer", 3), ("admin", 10), ("family", 0)]
    assert client_for("doctor_sj").get(url).status_code == 403
