"""The demo shows the alert board in use: the welfare home has alerts waiting, climbing the ladder,
acknowledged and resolved (with outcomes), each with its history and who was told."""

from __future__ import annotations

from yiyang.core.transitions import history_of
from yiyang.devices.models import Alert, AlertNotification

HOME = "江口县社会福利院"


def test_the_demo_home_has_alerts_in_every_lasting_state(demo_db):
    alerts = Alert.objects.filter(institution__name=HOME)
    assert {a.status for a in alerts} == {"notified", "escalated", "acknowledged", "resolved"}
    assert {a.outcome for a in alerts if a.status == "resolved"} == {"false_alarm", "hospital", "handled"}
    for a in alerts:
        moves = list(history_of(a))
        assert moves[0].action == "notify" and moves[-1].to_state == a.status
        assert AlertNotification.objects.filter(alert=a).exists()
    escalated = alerts.get(status="escalated")
    assert escalated.escalation_level == 2 and escalated.next_escalation_at is not None


def test_the_demo_board_shows_them_to_the_homes_administrator(client_for):
    html = client_for("yly_admin").get("/devices/alerts/").content.decode()
    assert "跌倒" in html and "一键呼叫" in html
    assert "夜间离床" not in html  # resolved: only under 全部 / 已处理
    assert "夜间离床" in client_for("yly_admin").get("/devices/alerts/?state=resolved").content.decode()
