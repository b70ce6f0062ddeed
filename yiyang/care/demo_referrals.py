"""The demo county's referrals (双向转诊) over the last year: up from the eldercare homes and the township
centres to the county hospitals, down from the hospitals for rehabilitation and nursing, some through the
green channel; in every state, with plausible times, their history rows and access grants.

Runs after the agreements' loader when both exist and reads the green channel's promise from whatever
agreement is then in force; it creates no agreement itself.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.contenttypes.models import ContentType

from yiyang.accounts.models import User
from yiyang.core import clock, grants
from yiyang.core.actors import system_user
from yiyang.core.models import (
    ELDERCARE_KINDS,
    HOSPITAL_KINDS,
    AccessGrant,
    Elder,
    ElderStatus,
    Institution,
    InstitutionKind,
    StateTransition,
)
from yiyang.core.signals import records_changed

from .models.referrals import Referral, ReferralDirection, ReferralStatus, ReferralUrgency
from .services.referrals import green_agreement

S = ReferralStatus

UP_REASONS = [
    "突发胸痛、胸闷，疑急性冠脉综合征",
    "跌倒后髋部疼痛，不能站立",
    "血压 186/112 mmHg，伴头痛呕吐",
    "意识改变，言语不清，疑脑卒中",
    "发热咳嗽三天，血氧饱和度下降",
    "空腹血糖 17.2 mmol/L，口干多尿",
    "反复头晕，需专科检查",
    "慢性心衰加重，双下肢水肿",
]
GREEN_REASONS = UP_REASONS[:5]
DOWN_REASONS = [
    "脑梗死恢复期，转回继续康复训练",
    "髋部骨折术后，转回护理与康复",
    "心衰好转出院，转回随访与用药管理",
    "肺炎治愈出院，转回观察护理",
]
SUMMARIES = [
    "诊断：不稳定型心绞痛。处理：冠脉造影及介入治疗。出院医嘱：双联抗血小板，两周后复诊。",
    "诊断：股骨颈骨折。处理：人工髋关节置换术。出院医嘱：康复训练，防跌倒，一月后复查。",
    "诊断：高血压急症。处理：静脉降压后转口服药。出院医嘱：每日监测血压，调整用药见处方。",
    "诊断：急性脑梗死。处理：溶栓及二级预防。出院医嘱：康复训练，控制血压血脂。",
    "诊断：社区获得性肺炎。处理：抗感染治疗。出院医嘱：注意保暖，复查胸片。",
    "会诊意见：糖尿病酮症倾向已纠正，调整胰岛素方案，居家监测血糖。",
]
DECLINE_REASONS = ["床位已满，请转县中医医院", "病情不符合转诊指征，建议门诊就诊"]
RETURN_REASONS = ["经检查无需住院，转回原机构观察", "家属要求转回"]
CANCEL_REASONS = ["病情缓解，家属要求暂不转诊", "已由家属自行送医"]


def _pick_state(rng: random.Random, age_days: int) -> str:
    """Older referrals are mostly closed; the last few days hold the open ones."""
    if age_days <= 2:
        return rng.choice([S.DRAFT, S.SENT, S.SENT, S.ACCEPTED, S.ARRIVED])
    if age_days <= 10:
        return rng.choice([S.ARRIVED, S.ARRIVED, S.COMPLETED, S.COMPLETED, S.DECLINED])
    return rng.choices([S.COMPLETED, S.DECLINED, S.RETURNED, S.CANCELLED], weights=[0.78, 0.08, 0.07, 0.07])[
        0
    ]


#: the states of the most recent referrals, so that every open state is shown
RECENT: list[str] = [S.DRAFT, S.SENT, S.ACCEPTED, S.SENT, S.ARRIVED, S.ACCEPTED, S.ARRIVED, S.SENT]

#: the states of the next ones, so that every way of closing is shown
CLOSINGS: list[str] = [S.CANCELLED, S.DECLINED, S.RETURNED]

#: the path of moves to each state
PATHS: dict[str, list[str]] = {
    S.DRAFT: [],
    S.SENT: ["send"],
    S.ACCEPTED: ["send", "accept"],
    S.ARRIVED: ["send", "accept", "arrive"],
    S.COMPLETED: ["send", "accept", "arrive", "complete"],
    S.RETURNED: ["send", "accept", "arrive", "return"],
    S.DECLINED: ["send", "decline"],
    S.CANCELLED: ["send", "cancel"],
}
NEXT: dict[str, str] = {
    "send": S.SENT,
    "accept": S.ACCEPTED,
    "arrive": S.ARRIVED,
    "complete": S.COMPLETED,
    "return": S.RETURNED,
    "decline": S.DECLINED,
    "cancel": S.CANCELLED,
}


def load_referrals_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    if Referral.objects.exists():
        return {}
    rng = random.Random(seed * 17 + 3)
    hospitals = list(
        Institution.objects.filter(kind__in=HOSPITAL_KINDS, region__code__startswith="520621").order_by(
            "kind", "pk"
        )
    )
    if not hospitals:
        return {}
    homes = list(
        Institution.objects.filter(kind__in=ELDERCARE_KINDS, region__code__startswith="520621").order_by("pk")
    )
    centres = list(
        Institution.objects.filter(
            kind=InstitutionKind.TOWNSHIP_HEALTH_CENTRE, region__code__startswith="520621"
        ).order_by("pk")
    )
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["yly_admin", "doctor_sj", "doctor_tp", "doctor_rmyy"])
    }
    system = system_user()
    staff: dict[int, User] = {}
    for name, username in [
        ("江口县社会福利院", "yly_admin"),
        ("江口县双江街道中心卫生院", "doctor_sj"),
        ("江口县太平镇卫生院", "doctor_tp"),
        ("江口县人民医院", "doctor_rmyy"),
    ]:
        inst = next((i for i in [*hospitals, *homes, *centres] if i.name == name), None)
        if inst is not None and username in users:
            staff[inst.pk] = users[username]

    def who(inst: Institution) -> User:
        return staff.get(inst.pk, system)

    residents: dict[int, list[Elder]] = {}
    for e in Elder.objects.filter(residence_institution__in=homes, status=ElderStatus.ACTIVE).order_by("pk"):
        residents.setdefault(e.residence_institution_id, []).append(e)  # type: ignore[arg-type]
    managed: dict[int, list[Elder]] = {}
    for e in Elder.objects.filter(
        managing_institution__in=centres, residence_institution=None, status=ElderStatus.ACTIVE
    ).order_by("pk"):
        managed.setdefault(e.managing_institution_id, []).append(e)  # type: ignore[arg-type]
    # Keep each home's and centre's first few elders free of referrals, so tests and demos can start one.
    for pool in (*residents.values(), *managed.values()):
        del pool[:3]
    senders = [(h, residents[h.pk]) for h in homes if residents.get(h.pk)] + [
        (c, managed[c.pk]) for c in centres if managed.get(c.pk)
    ]
    if not senders:
        return {}
    n_up = max(12, min(90, elders // 12))
    now = clock.now()
    tz = clock.zone()
    referrals: list[Referral] = []
    moves: list[list[tuple[str, dt.datetime, User, str]]] = []
    used: set[tuple[int, int]] = set()

    def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)

    def build(
        elder: Elder,
        sender: Institution,
        receiver: Institution,
        direction: str,
        green: bool,
        sent: dt.datetime,
        state: str,
        to_home: bool = False,
    ) -> None:
        r = Referral(
            elder=elder,
            from_institution=sender,
            to_institution=receiver,
            direction=direction,
            urgency=ReferralUrgency.GREEN_CHANNEL if green else ReferralUrgency.ROUTINE,
            to_home=to_home,
            reason=rng.choice(
                GREEN_REASONS if green else (UP_REASONS if direction == "up" else DOWN_REASONS)
            ),
            clinical_notes="",
            status=state,
            created_by=who(sender),
            created_at=sent - dt.timedelta(minutes=rng.randint(2, 20)),
        )
        if green:
            agreement = green_agreement(sender, receiver, sent.date())
            if agreement is not None:
                r.agreement = agreement
                r.promised_accept_minutes = agreement.green_accept_minutes
                r.promised_arrive_minutes = agreement.green_arrive_minutes
        t = sent
        steps: list[tuple[str, dt.datetime, User, str]] = []
        for action in PATHS[state]:
            reason = ""
            if action == "send":
                t = sent
                r.sent_at, r.sent_by = t, who(sender)
            elif action == "accept":
                t += dt.timedelta(minutes=rng.randint(4, 25) if green else rng.randint(60, 60 * 30))
                r.accepted_at = t
            elif action == "arrive":
                t += dt.timedelta(minutes=rng.randint(20, 75) if green else rng.randint(60 * 3, 60 * 48))
                r.arrived_at = t
            elif action == "complete":
                t += dt.timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 600))
                r.summary = rng.choice(SUMMARIES)
                r.closed_at = t
            elif action in ("decline", "return", "cancel"):
                t += dt.timedelta(minutes=rng.randint(10, 60 * 20))
                reason = rng.choice(
                    {"decline": DECLINE_REASONS, "return": RETURN_REASONS, "cancel": CANCEL_REASONS}[action]
                )
                setattr(r, f"{action}_reason", reason)
                r.closed_at = t
            t = min(t, now - dt.timedelta(minutes=5))
            if action == "accept":
                r.accepted_at = t
            elif action == "arrive":
                r.arrived_at = t
            elif r.closed_at is not None and action in ("complete", "decline", "return", "cancel"):
                r.closed_at = t
            actor = who(sender) if action in ("send", "cancel") else who(receiver)
            steps.append((action, t, actor, reason))
        referrals.append(r)
        moves.append(steps)

    for i in range(n_up):
        sender, pool = senders[i % len(senders)]
        receiver = hospitals[0] if rng.random() < 0.75 else hospitals[rng.randrange(len(hospitals))]
        elder = pool[rng.randrange(len(pool))]
        for _try in range(10):  # one open referral per elder and hospital
            if (elder.pk, receiver.pk) not in used:
                break
            elder = pool[rng.randrange(len(pool))]
        else:
            continue
        green = (sender.kind in ELDERCARE_KINDS and rng.random() < 0.45) or rng.random() < 0.15
        if i < len(RECENT):
            # the last two days: one of each open state at least (the queue and the clock have work)
            age, state = i // 3, RECENT[i]
            green = green or i in (1, 3)
        else:
            age = int(365 * ((i - len(RECENT)) / n_up) ** 1.3) + 3  # more referrals lately
            age = min(365, max(3, 368 - age)) if i % 2 else min(365, age)
            state = _pick_state(rng, age)
            if i - len(RECENT) < len(CLOSINGS):
                state = CLOSINGS[i - len(RECENT)]  # every way of closing at least once
        day = today - dt.timedelta(days=age)
        if state in (S.DRAFT, S.SENT, S.ACCEPTED, S.ARRIVED):
            used.add((elder.pk, receiver.pk))
        sent = at(day, rng.randint(0, 23), rng.randint(0, 59))
        if age == 0:
            sent = min(sent, now - dt.timedelta(minutes=rng.randint(8, 90)))
        build(elder, sender, receiver, ReferralDirection.UP, green, sent, state)
        # A completed upward referral is often followed by a downward one for rehabilitation.
        if state == S.COMPLETED and rng.random() < 0.35 and referrals[-1].closed_at:
            closed = referrals[-1].closed_at
            assert closed is not None
            down_state = _pick_state(rng, (today - clock.local_date(closed)).days)
            if down_state == S.DRAFT:
                down_state = S.SENT
            if down_state == S.CANCELLED:
                down_state = S.COMPLETED
            build(
                elder,
                receiver,
                sender,
                ReferralDirection.DOWN,
                False,
                min(closed - dt.timedelta(minutes=30), now - dt.timedelta(minutes=10)),
                down_state,
                to_home=sender.kind == InstitutionKind.TOWNSHIP_HEALTH_CENTRE and rng.random() < 0.5,
            )
    Referral.objects.bulk_create(referrals)
    # bulk writes send no post_save: leave the indicators' recompute marks (IR-7 reads referrals)
    records_changed.send(sender=Referral, instances=referrals)
    ctype = ContentType.objects.get_for_model(Referral)
    history: list[StateTransition] = []
    access: list[AccessGrant] = []
    for r, steps in zip(referrals, moves, strict=True):
        now_state: str = S.DRAFT
        for action, when, actor, reason in steps:
            history.append(
                StateTransition(
                    content_type=ctype,
                    object_id=r.pk,
                    from_state=now_state,
                    to_state=NEXT[action],
                    action=action,
                    user=actor,
                    at=when,
                    reason=reason,
                    details={"summary": r.summary} if action == "complete" else {},
                )
            )
            now_state = NEXT[action]
        if r.sent_at is None:
            continue
        start = clock.local_date(r.sent_at)
        end = clock.local_date(r.closed_at) - dt.timedelta(days=1) if r.closed_at else None
        if end is not None and end < start:
            continue  # opened and closed the same day: the grant never outlived the referral
        access.append(
            grants.new_grant(
                r, elder_id=r.elder_id, institution_id=r.to_institution_id, valid_from=start, valid_to=end
            )
        )
    StateTransition.objects.bulk_create(history)
    AccessGrant.objects.bulk_create(access)
    return {"referrals": len(referrals), "referral_moves": len(history)}
