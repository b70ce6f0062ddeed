"""The demo county's year of quality inspections (issue 12), relative to ``today``:

- each eldercare, day-care and integrated institution runs a 自查 with the 自查整改表 every quarter;
  县卫健局 (wjj) makes a 核查 visit at five of them twice a year with the same checklist;
- findings become rectification items in every state: verified (mostly on time, a few late), submitted
  and waiting for 核查, in progress, still open, reopened after 核查 — and some past their deadline;
- monthly fire checks (防火检查) for the past year, plus most pre-holiday checks; 德旺乡敬老院 and
  凯德街道日间照料中心 missed a few months, so QS-5 has gaps to show.
Rows are written in bulk, as the services would write them (deadlines in working days).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from django.contrib.contenttypes.models import ContentType

from yiyang.accounts.models import RoleAssignment, User
from yiyang.core.actors import system_user
from yiyang.core.models import Institution, StateTransition

from .access_inspections import INSPECTED_KINDS
from .checklists.registry import get_checklist
from .models import (
    FireCheckObligation,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    Judgement,
    RectificationItem,
)
from .services.inspections import add_working_days, ensure_obligations

#: what a finding says, by checklist item (the items the demo finds wanting)
FINDINGS = {
    "1.4": ("第三季度“三基三严”培训记录缺签到表", "补齐培训签到和考核记录，每季度归档", "医务科 张敏"),
    "1.6": (
        "医疗废物暂存点与治疗室相邻，未设隔断",
        "加装隔断门并张贴警示标识，专人每日登记交接",
        "后勤 李强",
    ),
    "2.1": ("药房冷藏柜温度记录缺 5 天", "安装温度自动记录仪，药剂员每日两次核对", "药房 王芳"),
    "2.5": ("老年人自带药品未逐人登记", "建立自带药品登记本，入住时清点登记并由家属签字", "护理部 刘霞"),
    "3.3": ("12 名入住老人本年度体检未完成", "联系签约医院上门体检，月底前完成并录入健康档案", "医务科 张敏"),
    "3.8": ("本季度未举办健康知识讲座", "与签约卫生院约定每月一次健康讲座", "社工 陈静"),
    "4.2": ("3 名新入住老人未做安全风险评估", "入住 24 小时内完成跌倒、压疮、噎食风险评估", "护理部 刘霞"),
    "4.4": ("噎食应急预案未演练", "组织全体护理员噎食急救（海姆立克法）演练", "护理部 刘霞"),
    "4.6": ("失智老人区门禁损坏", "更换门禁并增加夜间巡视", "后勤 李强"),
    "5.2": ("二楼走廊灭火器压力不足", "更换灭火器，建立每月检查标签", "安全员 杨勇"),
    "5.4": ("本年度未开展夜间疏散演练", "联合消防救援站开展夜间疏散演练", "安全员 杨勇"),
    "6.2": ("隔离观察室未与生活区分开", "调整隔离观察室位置，设置缓冲区", "院感专员 周丽"),
}
FIRE_FINDINGS = {
    "F1.1": ("一楼安全出口堆放杂物", "当日清理，安全员每日巡查", "安全员 杨勇"),
    "F1.3": ("3 具灭火器过期", "更换过期灭火器", "安全员 杨勇"),
    "F1.4": ("护理站私接电热水壶插线板", "拆除私接线路，开展用电安全提醒", "后勤 李强"),
}
#: institutions that skipped monthly fire checks, and which months back (1 = last month)
MISSED = {"江口县德旺乡敬老院": {2, 5, 9}, "凯德街道日间照料中心": {3, 7}, "太平镇日间照料中心": {11}}
#: yly_admin's home: its recent findings go through every state (the demo's own login)
SHOWCASE = "江口县社会福利院"
SHOWCASE_PATHS: tuple[list[str], ...] = (
    ["start", "submit"],
    ["start"],
    [],
    ["start", "submit", "reopen"],
    ["start", "submit", "verify"],
)
VERIFIED_AT = {
    "江口县社会福利院",
    "江口县太平镇敬老院",
    "江口县德旺乡敬老院",
    "江口县梵净康养中心",
    "双江街道日间照料中心",
}


def _admin(inst: Institution) -> User | None:
    a = (
        RoleAssignment.objects.filter(institution=inst, role="institution_admin")
        .select_related("user")
        .first()
    )
    return a.user if a else None


def load_inspections_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, Any]:
    rng = random.Random(seed * 31 + 12)
    self_list = get_checklist("yyjh-zczg")
    fire_list = get_checklist("fire-monthly")
    officer = User.objects.filter(username="wjj").first() or system_user()
    ct = ContentType.objects.get_for_model(RectificationItem)
    homes = list(Institution.objects.filter(kind__in=INSPECTED_KINDS, is_active=True).order_by("pk"))
    counts = {"inspections": 0, "rectifications": 0, "fire_checks": 0}
    history: list[StateTransition] = []

    def inspect(
        inst: Institution, kind: str, day: dt.date, by: User, found: dict[str, tuple[str, str, str]]
    ) -> Inspection:
        checklist = fire_list if kind == InspectionKind.FIRE else self_list
        at = dt.datetime.combine(day, dt.time(16, 0), tzinfo=dt.UTC)
        ins = Inspection.objects.create(
            institution=inst,
            kind=kind,
            checklist_code=checklist.code,
            checklist_version=checklist.version,
            checklist_title=checklist.title,
            checklist_label=checklist.label,
            inspected_on=day,
            status=InspectionStatus.SUBMITTED,
            created_by=by,
            created_at=at,
            submitted_at=at,
        )
        rows = []
        for pos, (section, item) in enumerate(checklist.items(), start=1):
            judgement = Judgement.COMPLIANT
            note = ""
            if item.code in found:
                judgement = Judgement.NONCOMPLIANT if rng.random() < 0.7 else Judgement.PARTIAL
                note = found[item.code][0]
            elif item.code == "3.6" and inst.kind == "day_care_centre":
                judgement = Judgement.NOT_APPLICABLE
            rows.append(
                InspectionItem(
                    inspection=ins,
                    position=pos,
                    section=section.title,
                    code=item.code,
                    requirement=item.requirement,
                    evidence_required=item.evidence_required,
                    judgement=judgement,
                    note=note,
                )
            )
        InspectionItem.objects.bulk_create(rows)
        counts["inspections" if kind != InspectionKind.FIRE else "fire_checks"] += 1
        for row in InspectionItem.objects.filter(inspection=ins, code__in=list(found)):
            spec = checklist.item(row.code)
            deadline, estimated = add_working_days(day, checklist.deadline_for(spec))  # type: ignore[arg-type]
            _problem, measure, person = found[row.code]
            rect = RectificationItem.objects.create(
                institution=inst,
                inspection=ins,
                inspection_item=row,
                problem=f"{row.requirement}：{row.note}",
                deadline=deadline,
                deadline_estimated=estimated,
                created_at=at,
            )
            _progress(rect, measure, person, by, today)
            counts["rectifications"] += 1
        return ins

    def _progress(item: RectificationItem, measure: str, person: str, by: User, today: dt.date) -> None:
        """Move the item along a path that fits its age, as the machine would, with its history rows."""
        age = (today - item.deadline).days
        roll = rng.random()
        if age > 20:
            path = (
                ["start", "submit", "verify"]
                if roll < 0.8
                else ["start", "submit", "reopen", "submit", "verify"]
            )
        elif age > 0:
            path = (["start", "submit", "verify"], ["start"], [], ["start", "submit", "reopen"])[
                int(roll * 4)
            ]
        else:
            path = (["start", "submit"], ["start"], [], ["start", "submit", "verify"])[int(roll * 4)]
        if item.institution.name == SHOWCASE and age <= 45:
            # yly_admin's home shows every state in turn among its recent findings (some overdue)
            path = SHOWCASE_PATHS[next(showcase) % len(SHOWCASE_PATHS)]
        state = "open"
        when = item.created_at
        targets = {"start": "in_progress", "submit": "submitted", "verify": "verified", "reopen": "reopened"}
        for step in path:
            when = when + dt.timedelta(days=rng.randint(1, 4))
            if clock_date(when) > today:
                break
            new = targets[step]
            actor = officer if step in ("verify", "reopen") else by
            reason = "复查发现整改不到位，请补充整改照片" if step == "reopen" else ""
            history.append(
                StateTransition(
                    content_type=ct,
                    object_id=item.pk,
                    from_state=state,
                    to_state=new,
                    action=step,
                    user=actor,
                    reason=reason,
                    details={},
                    at=when,
                )
            )
            state = new
            if step == "start":
                item.measure, item.responsible = measure, person
            elif step == "submit":
                item.submitted_at = when
            elif step == "verify":
                item.verified_at, item.verified_by = when, officer
                item.closed_on_time = clock_date(when) <= item.deadline
            elif step == "reopen":
                item.reopen_count += 1
        item.status = state
        if state in ("open", "in_progress", "reopened") and item.deadline < today:
            item.escalated_on = item.deadline + dt.timedelta(days=1)
        item.save()

    showcase = itertools.count()
    codes = list(FINDINGS)
    for inst in homes:
        by = _admin(inst) or system_user()
        # a self-inspection each quarter
        for back in (330, 240, 150, 55, 12):
            found = {c: FINDINGS[c] for c in rng.sample(codes, rng.randint(1, 3))}
            inspect(inst, InspectionKind.SELF, today - dt.timedelta(days=back + rng.randint(0, 6)), by, found)
        if inst.name in VERIFIED_AT:
            for back in (200, 40):
                found = {c: FINDINGS[c] for c in rng.sample(codes, rng.randint(1, 2))}
                inspect(
                    inst,
                    InspectionKind.VERIFICATION,
                    today - dt.timedelta(days=back + rng.randint(0, 4)),
                    officer,
                    found,
                )
        # monthly fire checks for the past twelve months, and before most holidays
        missed = MISSED.get(inst.name, set())
        for back in range(0, 12):
            index = today.year * 12 + today.month - 1 - back
            first = dt.date(index // 12, index % 12 + 1, 1)
            if back in missed:
                continue
            day = first + dt.timedelta(days=rng.randint(2, 20))
            if day > today:
                day = today
            found = (
                {c: FIRE_FINDINGS[c] for c in rng.sample(list(FIRE_FINDINGS), 1)}
                if rng.random() < 0.15
                else {}
            )
            inspect(inst, InspectionKind.FIRE, day, by, found)
    StateTransition.objects.bulk_create(history)
    for year in sorted({today.year - 1, today.year}):
        ensure_obligations(homes, year, until=today)
    # pre-holiday checks: most homes did one in the fortnight before each holiday (not the missers)
    for ob in FireCheckObligation.objects.filter(
        kind="holiday", met_by__isnull=True, due_date__lte=today
    ).select_related("institution"):
        if ob.institution.name in MISSED and rng.random() < 0.5:
            continue
        by = _admin(ob.institution) or system_user()
        ins = inspect(
            ob.institution, InspectionKind.FIRE, ob.due_date - dt.timedelta(days=rng.randint(0, 3)), by, {}
        )
        FireCheckObligation.objects.filter(pk=ob.pk).update(met_by=ins)
    return counts


def clock_date(at: dt.datetime) -> dt.date:
    from yiyang.core import clock

    return clock.local_date(at)
