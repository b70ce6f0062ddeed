"""Demo alerts: for every demo eldercare home, a few alerts of its residents in every state — an SOS
just raised and waiting, a fall climbing the ladder, a high blood pressure acknowledged, and resolved
ones with each outcome — with their history and who was told. The welfare home (yly_admin's) gets a
ladder of its own; the others use the default.

Times are relative to now (the demo is loaded with the running clock); the history rows carry those
times, written as the machine would have (system notifies and escalates, the home's staff handle).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.contenttypes.models import ContentType

from yiyang.core import clock
from yiyang.core.actors import system_user
from yiyang.core.models import ELDERCARE_KINDS, Elder, Institution, StateTransition

from .models.alerts import Alert, AlertStatus
from .models.rules import EscalationLadder, EscalationStep
from .services.alerts import _notify, ladder_for

WELFARE_HOME = "江口县社会福利院"
MAX_HOMES = 6

#: (kind, severity, message, value, minutes ago, count, path of (action, minutes after, by), outcome, note)
SCENES: list[tuple[str, str, str, Any, int, int, list[tuple[str, int, str]], str, str]] = [
    ("sos", "critical", "一键呼叫", True, 2, 1, [("notify", 0, "system")], "", ""),
    (
        "fall",
        "critical",
        "跌倒",
        True,
        18,
        1,
        [("notify", 0, "system"), ("auto_escalate", 5, "system"), ("auto_escalate", 15, "system")],
        "",
        "",
    ),
    (
        "bp",
        "warning",
        "收缩压 186 mmHg，高于上限 179",
        {"sys": 186, "dia": 98},
        45,
        3,
        [("notify", 0, "system"), ("acknowledge", 4, "staff")],
        "",
        "已通知护士复测，嘱卧床休息",
    ),
    (
        "leave_bed",
        "warning",
        "夜间离床",
        True,
        60 * 9,
        2,
        [("notify", 0, "system"), ("acknowledge", 3, "staff"), ("resolve", 10, "staff")],
        "false_alarm",
        "老人起夜如厕，已扶回床",
    ),
    (
        "spo2",
        "critical",
        "血氧 86 %，低于下限 90",
        86,
        60 * 26,
        4,
        [
            ("notify", 0, "system"),
            ("auto_escalate", 5, "system"),
            ("acknowledge", 7, "staff"),
            ("resolve", 40, "staff"),
        ],
        "hospital",
        "吸氧后未缓解，经绿色通道送县人民医院",
    ),
    (
        "heart_rate",
        "warning",
        "心率 128 次/分，高于上限 120",
        128,
        60 * 50,
        6,
        [("notify", 0, "system"), ("acknowledge", 2, "staff"), ("resolve", 25, "staff")],
        "handled",
        "活动后心率偏快，休息后降至 86 次/分",
    ),
]


def _ladder(home: Institution, staff: list[Any]) -> None:
    ladder, _created = EscalationLadder.objects.get_or_create(institution=home)
    ladder.steps.all().delete()
    for pos, (role, minutes) in enumerate([("carer", 5), ("nurse", 10), ("admin", 15), ("family", 0)]):
        EscalationStep.objects.create(ladder=ladder, position=pos, role=role, wait_minutes=minutes)


def load_alerts_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed + 17)
    system = system_user()
    ct = ContentType.objects.get_for_model(Alert)
    now = clock.now()
    homes = list(Institution.objects.filter(kind__in=ELDERCARE_KINDS).order_by("pk"))
    homes.sort(key=lambda h: h.name != WELFARE_HOME)
    made = 0
    for home in homes[:MAX_HOMES]:
        residents = list(
            Elder.objects.filter(residence_institution=home, status="active").order_by("pk")[:40]
        )
        if not residents:
            continue
        staff = list(
            home.staff_assignments.filter(role__in=["institution_admin", "clinician"])
            .select_related("user")
            .order_by("pk")
        )
        handler = staff[0].user if staff else None
        if home.name == WELFARE_HOME:
            _ladder(home, staff)
        picked = rng.sample(residents, min(len(SCENES), len(residents)))
        for elder, scene in zip(picked, SCENES, strict=False):
            kind, severity, message, value, ago, count, path, outcome, note = scene
            if handler is None and any(by == "staff" for _a, _m, by in path):
                continue
            first = now - dt.timedelta(minutes=ago + rng.randint(0, 3))
            alert = Alert.objects.create(
                kind=kind,
                severity=severity,
                dedup_key=f"elder:{elder.pk}:{kind}",
                elder=elder,
                institution=home,
                message=message,
                first_value=value,
                last_value=value,
                count=count,
                first_at=first,
                last_at=first + dt.timedelta(minutes=min(count - 1, 10)),
                raised_at=first,
            )
            steps = ladder_for(alert)
            state, level = AlertStatus.NEW, 0
            for action, after, by in path:
                at = first + dt.timedelta(minutes=after)
                user = system if by == "system" or handler is None else handler
                to = {
                    "notify": AlertStatus.NOTIFIED,
                    "auto_escalate": AlertStatus.ESCALATED,
                    "acknowledge": AlertStatus.ACKNOWLEDGED,
                    "resolve": AlertStatus.RESOLVED,
                }[action]
                details: dict[str, Any] = {}
                if action == "auto_escalate":
                    level += 1
                    details = {"level": level, "to": steps[min(level, len(steps) - 1)].role}
                if action == "resolve":
                    details = {"outcome": outcome, "note": note}
                alert.status, alert.escalation_level = to, level
                if action in ("notify", "auto_escalate"):
                    before = set(alert.notifications.values_list("pk", flat=True))
                    _notify(alert, level, steps)
                    alert.notifications.exclude(pk__in=before).update(created_at=at)
                    wait = steps[level].wait_minutes if level + 1 < len(steps) else None
                    alert.next_escalation_at = at + dt.timedelta(minutes=wait) if wait else None
                if action == "acknowledge":
                    alert.acknowledged_at, alert.acknowledged_by = at, user
                    alert.next_escalation_at = None
                if action == "resolve":
                    alert.resolved_at, alert.resolved_by = at, user
                    alert.outcome, alert.note = outcome, note
                    alert.next_escalation_at = None
                StateTransition.objects.create(
                    content_type=ct,
                    object_id=alert.pk,
                    from_state=state,
                    to_state=to,
                    action=action,
                    user=user,
                    at=at,
                    reason=note if action in ("acknowledge", "resolve") else "",
                    details=details,
                )
                state = to
            if alert.next_escalation_at is not None and alert.next_escalation_at < now:
                # the demo's tick moves it on when the server starts; keep it due in a few minutes
                alert.next_escalation_at = now + dt.timedelta(minutes=3)
            alert.save()
            made += 1
    return {"alerts": made}
