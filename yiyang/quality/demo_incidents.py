"""A year of incidents and pressure injuries in the demo county's homes (eldercare and integrated
institutions with stays).

Rates follow the resident-days each home had in the year (falls most common, then falls from bed and
medication errors; choking, aspiration, scalds and wandering rare). Older incidents are mostly closed,
recent ones reported or analysed, a few were reopened. Pressure injuries: some present on admission,
some new in the home (a few stage Ⅱ or worse, one 1期 that worsened). Deterministic (seeded) and
relative to ``today``; history rows are written as the state machine would have written them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from yiyang.accounts.models import RoleAssignment, User
from yiyang.care.models.stays import Stay
from yiyang.core import actors, clock
from yiyang.core.models import Institution, InstitutionKind, StateTransition

from .models.incidents import (
    QS2_KINDS,
    SERIOUS_STAGES,
    Incident,
    IncidentKind,
    IncidentStatus,
    PressureInjury,
    PressureInjuryRecord,
    PressureOrigin,
    PressureStage,
    Severity,
)

HOME_KINDS = (InstitutionKind.ELDERCARE_HOME, InstitutionKind.INTEGRATED_CARE)

#: incidents per 1,000 resident-days, by kind (falls most common)
RATES: dict[str, float] = {
    IncidentKind.FALL: 1.6,
    IncidentKind.FALL_FROM_BED: 0.4,
    IncidentKind.CHOKING: 0.12,
    IncidentKind.ASPIRATION: 0.1,
    IncidentKind.SCALD: 0.06,
    IncidentKind.WANDERING: 0.1,
    IncidentKind.MEDICATION_ERROR: 0.3,
    IncidentKind.OTHER: 0.1,
}

TEXT: dict[str, dict[str, list[str]]] = {
    IncidentKind.FALL: {
        "place": ["卫生间", "房间内", "走廊", "餐厅", "院内花园"],
        "what": [
            "夜间自行如厕时滑倒，臀部着地，自述左髋疼痛",
            "起身时头晕跌倒，额部擦伤约2cm",
            "未使用助行器独自行走，在走廊跌倒，双膝擦伤",
            "餐后离座时绊倒，右手腕肿痛",
        ],
        "action": [
            "立即评估意识及肢体活动，测量血压脉搏，通知值班医生查看，伤口消毒处理",
            "就地查看，未随意搬动，医生检查后协助回床，冰敷观察",
        ],
        "cause": [
            "夜间照明不足，老人未按铃呼叫协助；Morse评分高风险但夜间巡视间隔过长",
            "体位性低血压，起身过快；防跌倒宣教未落实到位",
            "地面有水渍未及时清理；老人拒绝使用助行器",
        ],
        "improve": [
            "卫生间加装夜灯和扶手，高风险老人夜间每2小时巡视一次，床旁放置呼叫器",
            "开展防跌倒宣教，起身做到“三个半分钟”，保洁湿拖后放置警示牌",
        ],
    },
    IncidentKind.FALL_FROM_BED: {
        "place": ["房间内"],
        "what": ["夜间翻身时从床上坠落，右肘着地", "躁动欲自行下床，坠床，右额部红肿"],
        "action": ["立即查看生命体征及受伤部位，通知医生，拉起床栏，加强看护"],
        "cause": ["床栏未拉起；老人认知障碍夜间躁动"],
        "improve": ["认知障碍老人睡前检查床栏，使用低位床，交接班核对"],
    },
    IncidentKind.CHOKING: {
        "place": ["餐厅", "房间内"],
        "what": ["进食馒头时噎食，面色发紫、不能说话"],
        "action": ["立即海姆立克急救，异物排出，吸氧，医生查看后生命体征平稳"],
        "cause": ["吞咽功能下降，进食速度过快，食物性状不适宜"],
        "improve": ["吞咽评估后调整为软食，进餐时专人看护，小口慢咽"],
    },
    IncidentKind.ASPIRATION: {
        "place": ["房间内"],
        "what": ["鼻饲后出现呛咳、气促，血氧下降至88%"],
        "action": ["立即停止鼻饲，侧卧吸痰，吸氧，医生查看后转县人民医院进一步诊治"],
        "cause": ["鼻饲后过早放平体位"],
        "improve": ["鼻饲时及鼻饲后30分钟保持床头抬高30°以上，交接班检查"],
    },
    IncidentKind.SCALD: {
        "place": ["卫生间", "房间内"],
        "what": ["自行调节热水洗脚，右足背烫伤起水疱"],
        "action": ["立即冷水冲洗20分钟，医生处理创面，包扎"],
        "cause": ["热水器水温过高，老人感觉减退"],
        "improve": ["热水器出水温度调至45℃以下，协助洗浴前先测水温"],
    },
    IncidentKind.WANDERING: {
        "place": ["院门口", "院内花园"],
        "what": ["午后随探视家属离院未归，2小时后在附近集市找到"],
        "action": ["立即组织人员寻找，通知家属及辖区派出所，找回后检查身体无异常"],
        "cause": ["失智老人随人流离院，门禁未落实登记"],
        "improve": ["失智老人佩戴定位手环，门岗出入登记，探视结束核对人数"],
    },
    IncidentKind.MEDICATION_ERROR: {
        "place": ["护理站", "房间内"],
        "what": ["发药时将同房间老人的降压药发错，发现后及时收回，未服用", "漏服早餐后降糖药一次"],
        "action": ["立即报告医生，监测血压血糖，向家属说明情况"],
        "cause": ["发药时未执行“三查八对”"],
        "improve": ["发药双人核对，药盒按床号和照片标识"],
    },
    IncidentKind.OTHER: {
        "place": ["活动室", "院内"],
        "what": ["康复训练时右踝扭伤", "家属探视时在台阶处绊倒，手掌擦伤"],
        "action": ["冰敷制动，医生查看，拍片未见骨折"],
        "cause": ["活动前热身不足"],
        "improve": ["康复训练前评估，台阶处贴防滑条"],
    },
}
SEVERITY_WEIGHTS = [
    (Severity.LEVEL_4, 0.12),
    (Severity.LEVEL_3, 0.6),
    (Severity.LEVEL_2, 0.26),
    (Severity.LEVEL_1, 0.02),
]
FAMILY = ["儿子", "女儿", "侄子", "老伴", "孙女"]
DOCTORS = ["李医生", "王医生", "张医生", "值班医生陈医生"]
SITES = ["骶尾部", "足跟", "髋部", "坐骨结节", "肩胛部", "枕部", "耳廓", "肘部"]


def _staff(home: Institution, fallback: User) -> tuple[User, User]:
    """(the home's administrator, a reporter): the demo logins where the home has them."""
    admin = reporter = None
    for a in RoleAssignment.objects.filter(institution=home).select_related("user").order_by("pk"):
        if a.role == "institution_admin" and admin is None:
            admin = a.user
        if a.role == "clinician" and reporter is None:
            reporter = a.user
    admin = admin or fallback
    return admin, reporter or admin


def _pick(rng: random.Random, weights: list[tuple[Any, float]]) -> Any:
    x = rng.random() * sum(w for _, w in weights)
    for value, w in weights:
        x -= w
        if x <= 0:
            return value
    return weights[-1][0]


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    hour = rng.choice([2, 5, 7, 9, 11, 12, 14, 16, 18, 20, 22])
    return dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=clock.zone())


def load_incidents_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed + 1201)
    system = actors.system_user()
    first = today - dt.timedelta(days=365)
    homes = list(
        Institution.objects.filter(kind__in=HOME_KINDS, stays__isnull=False).distinct().order_by("pk")
    )
    history: list[tuple[Incident, str, str, str, dt.datetime, User, str, dict[str, Any]]] = []
    incidents = injuries = 0
    forced: set[str] = set()
    for home in homes:
        admin, reporter = _staff(home, system)
        stays = list(
            Stay.objects.filter(institution=home, admitted_on__lte=today)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
            .select_related("elder")
            .order_by("pk")
        )
        spans: list[tuple[Stay, dt.date, dt.date]] = []
        days = 0
        for s in stays:
            lo = max(s.admitted_on, first)
            hi = min(s.ended_on - dt.timedelta(days=1) if s.ended_on else today, today)
            if hi >= lo:
                spans.append((s, lo, hi))
                days += (hi - lo).days + 1
        if not spans:
            continue
        weights = [(sp, float((sp[2] - sp[1]).days + 1)) for sp in spans]
        this_year = [(sp, w) for sp, w in weights if sp[2] >= dt.date(today.year, 1, 1)]
        for kind, rate in RATES.items():
            n = int(days / 1000 * rate + rng.random())
            # every QS-2 kind happens at least once this year somewhere in the county (a small demo
            # county would otherwise show a rare kind at 0 ‰, which reads like "no data")
            force = kind in QS2_KINDS and kind not in forced and bool(this_year)
            forced.update({kind} if force else set())
            for k in range(max(n, 1) if force else n):
                stay, lo, hi = _pick(rng, this_year if force and k == 0 else weights)
                if force and k == 0:
                    lo = max(lo, dt.date(today.year, 1, 1))
                day = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
                at = _at(day, rng)
                text = TEXT[kind]
                severity = _pick(rng, SEVERITY_WEIGHTS)
                if kind in (IncidentKind.CHOKING, IncidentKind.ASPIRATION) and severity == Severity.LEVEL_4:
                    severity = Severity.LEVEL_3
                age = (today - day).days
                status = (
                    IncidentStatus.CLOSED
                    if age > 45 or (age > 14 and rng.random() < 0.5)
                    else (
                        IncidentStatus.ANALYSED if age > 3 and rng.random() < 0.6 else IncidentStatus.REPORTED
                    )
                )
                told = at + dt.timedelta(minutes=rng.randint(10, 90))
                inc = Incident.objects.create(
                    institution=home,
                    elder=stay.elder,
                    stay=stay,
                    kind=kind,
                    occurred_at=at,
                    place=rng.choice(text["place"]),
                    description=rng.choice(text["what"]),
                    severity=severity,
                    immediate_action=rng.choice(text["action"]),
                    family_informed=rng.choice(FAMILY),
                    family_informed_at=told,
                    doctor_informed=rng.choice(DOCTORS),
                    doctor_informed_at=at + dt.timedelta(minutes=rng.randint(3, 30)),
                    reported_by=reporter,
                    reported_at=at + dt.timedelta(hours=rng.randint(1, 12)),
                )
                incidents += 1
                if status != IncidentStatus.REPORTED:
                    when = at + dt.timedelta(days=rng.randint(1, 3))
                    inc.cause_analysis = rng.choice(text["cause"])
                    inc.improvement = rng.choice(text["improve"])
                    history.append((inc, "analyse", "reported", "analysed", when, admin, "", {}))
                if status == IncidentStatus.CLOSED:
                    when = at + dt.timedelta(days=rng.randint(7, 14))
                    inc.follow_up = rng.choice(
                        ["一周后复查恢复良好", "伤口愈合，已恢复日常活动", "持续观察无异常"]
                    )
                    inc.closed_at = when
                    inc.closure_note = "整改措施已落实"
                    history.append((inc, "close", "analysed", "closed", when, admin, "整改措施已落实", {}))
                    if (
                        age > 45 and rng.random() < 0.05
                    ):  # reopened: the measure did not hold, then closed again
                        back = when + dt.timedelta(days=10)
                        history.append(
                            (
                                inc,
                                "reopen",
                                "closed",
                                "analysed",
                                back,
                                admin,
                                "同类事件再次发生，重新分析",
                                {},
                            )
                        )
                        history.append(
                            (
                                inc,
                                "close",
                                "analysed",
                                "closed",
                                back + dt.timedelta(days=7),
                                admin,
                                "补充措施已落实",
                                {},
                            )
                        )
                        inc.closed_at = back + dt.timedelta(days=7)
                inc.status = status
                inc.save()
        # the register: about one entry per 4,000 resident-days, a third present on admission
        n_inj = max(2, int(days / 4000 + rng.random()))
        for k in range(n_inj):
            stay, lo, hi = _pick(rng, weights)
            origin = PressureOrigin.ADMISSION if k % 3 == 0 else PressureOrigin.FACILITY
            if origin == PressureOrigin.ADMISSION:
                found = max(stay.admitted_on, first)
            else:
                found = lo + dt.timedelta(days=rng.randint(min(1, (hi - lo).days), (hi - lo).days))
                if found <= stay.admitted_on:
                    found = stay.admitted_on + dt.timedelta(days=1)
                if found > today:
                    continue
            stage = rng.choice(
                [
                    PressureStage.STAGE_1,
                    PressureStage.STAGE_1,
                    PressureStage.STAGE_2,
                    PressureStage.STAGE_2,
                    PressureStage.STAGE_3,
                    PressureStage.DEEP_TISSUE,
                    PressureStage.UNSTAGEABLE,
                ]
            )
            at = _at(found, rng)
            incident = None
            if origin == PressureOrigin.FACILITY:
                incident = Incident.objects.create(
                    institution=home,
                    elder=stay.elder,
                    stay=stay,
                    kind=IncidentKind.PRESSURE_INJURY,
                    occurred_at=at,
                    place="房间内",
                    description=f"翻身时发现{SITES[k % len(SITES)]}皮肤受损",
                    severity=Severity.LEVEL_2 if stage in SERIOUS_STAGES else Severity.LEVEL_3,
                    immediate_action="减压处理，使用气垫床，每2小时翻身，通知医生评估创面",
                    doctor_informed=rng.choice(DOCTORS),
                    doctor_informed_at=at + dt.timedelta(minutes=30),
                    family_informed=rng.choice(FAMILY),
                    family_informed_at=at + dt.timedelta(hours=2),
                    reported_by=reporter,
                    reported_at=at + dt.timedelta(hours=2),
                    status=IncidentStatus.ANALYSED if (today - found).days > 7 else IncidentStatus.REPORTED,
                    cause_analysis="Braden评分低，翻身间隔过长，营养状况差"
                    if (today - found).days > 7
                    else "",
                    improvement="落实翻身卡，使用减压敷料，营养科会诊" if (today - found).days > 7 else "",
                )
                incidents += 1
                if incident.status == IncidentStatus.ANALYSED:
                    history.append(
                        (
                            incident,
                            "analyse",
                            "reported",
                            "analysed",
                            at + dt.timedelta(days=2),
                            admin,
                            "",
                            {},
                        )
                    )
            injury = PressureInjury.objects.create(
                institution=home,
                elder=stay.elder,
                stay=stay,
                incident=incident,
                site=SITES[k % len(SITES)],
                stage=stage,
                current_stage=stage,
                origin=origin,
                device_related=rng.random() < 0.1,
                first_found_on=found,
                serious_since=found if stage in SERIOUS_STAGES else None,
                recorded_by=reporter,
            )
            injuries += 1
            PressureInjuryRecord.objects.create(
                injury=injury, recorded_on=found, stage=stage, recorded_by=reporter
            )
            day = found + dt.timedelta(days=7)
            current = stage
            while day <= today and injury.healed_on is None:
                worse = (
                    current == PressureStage.STAGE_1
                    and origin == PressureOrigin.FACILITY
                    and rng.random() < 0.2
                )
                if worse:
                    current = PressureStage.STAGE_2
                    injury.serious_since = injury.serious_since or day
                healed = (day - found).days > 21 and rng.random() < 0.35
                PressureInjuryRecord.objects.create(
                    injury=injury,
                    recorded_on=day,
                    stage=current,
                    length_cm=round(rng.uniform(0.5, 4.0), 1),
                    width_cm=round(rng.uniform(0.5, 3.0), 1),
                    healed=healed,
                    note="创面清洁，更换泡沫敷料" if not healed else "创面愈合",
                    recorded_by=reporter,
                )
                if healed:
                    injury.healed_on = day
                day += dt.timedelta(days=7)
            injury.current_stage = current
            injury.save()
    ct = ContentType.objects.get_for_model(Incident)
    StateTransition.objects.bulk_create(
        [
            StateTransition(
                content_type=ct,
                object_id=inc.pk,
                from_state=a,
                to_state=b,
                action=action,
                user=user,
                at=at,
                reason=reason,
                details=details,
            )
            for inc, action, a, b, at, user, reason, details in history
        ],
        batch_size=2000,
    )
    counts: dict[str, int] = defaultdict(int)
    counts["incidents"] = incidents
    counts["pressure injuries"] = injuries
    return dict(counts)
