"""The demo county's family sickbeds and 互联网+护理服务 orders (appended to ``care/demo.py`` LOADERS).

双江街道中心卫生院 keeps sickbeds in every state over the last year (some with visits overdue) and runs the
order desk: ``doctor_sj`` dispatches, ``nurse_sj`` (主管护师, wound and PICC qualified) serves, with orders
assigned to her today, one late and one in service. Records are written in their final state (like the
other demo loaders, without their services), with the access grants the services would have written.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from yiyang.core import clock
from yiyang.core.grants import new_grant
from yiyang.core.models import AccessGrant, Elder, ElderStatus, Institution

from .models import FamilySickbed, HomeNurse, ServiceOrder, SickbedDueVisit, SickbedVisit
from .models.homecare import NurseTitle, OrderChannel, OrderStatus, Settlement
from .services.homecare import catalogue, due_visit_rows, services_by_code, sickbed_criteria

SJ = "江口县双江街道中心卫生院"
DIAGNOSES = [
    ("I63.9", "脑梗死"),
    ("I10", "特发性(原发性)高血压"),
    ("J44.9", "其他慢性阻塞性肺病"),
    ("C34.90", "支气管和肺恶性肿瘤"),
    ("G30.9", "阿尔茨海默病"),
]
CARE = [
    "测血压、血糖，调整用药",
    "翻身拍背，压疮预防指导",
    "更换导尿管，观察尿色",
    "康复训练指导",
    "伤口换药",
]
FINDINGS = ["病情稳定", "血压偏高，已调整用药", "骶尾部皮肤发红，加强翻身", "精神食欲可", ""]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), clock.zone())


def load_homecare_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    from yiyang.accounts.models import User

    sj = Institution.objects.filter(name=SJ).first()
    people = {u.username: u for u in User.objects.filter(username__in=["nurse_sj", "doctor_sj"])}
    if sj is None or len(people) < 2:
        return {}
    nurse, doctor = people["nurse_sj"], people["doctor_sj"]
    rng = random.Random(seed + 1101)
    HomeNurse.objects.create(
        user=nurse,
        institution=sj,
        title=NurseTitle.SUPERVISOR_NURSE,
        years_of_practice=9,
        specialties=["wound", "picc"],
    )
    HomeNurse.objects.create(user=doctor, institution=sj, is_dispatcher=True)
    # The first elders of the centre stay free of sickbeds and orders (tests and other demos use them).
    pool = list(
        Elder.objects.filter(
            managing_institution=sj, residence_institution=None, status=ElderStatus.ACTIVE
        ).order_by("pk")[20:100]
    )
    if len(pool) < 10:
        return {}
    spec = sickbed_criteria()
    required = [c["code"] for c in spec["required"]]
    indications = [c["code"] for c in spec["indications"]]
    grants: list[AccessGrant] = []

    # -- sickbeds: 14 open (two with visits overdue), 6 discharged, 2 applied, 2 cancelled
    plan = ["admitted"] * 14 + ["discharged"] * 6 + ["applied"] * 2 + ["cancelled"] * 2
    beds, visits, dues = 0, 0, 0
    for i, state in enumerate(plan):
        elder = pool[i]
        code, name = DIAGNOSES[i % len(DIAGNOSES)]
        if state == "admitted":
            applied = today - dt.timedelta(days=rng.randint(3, 80))
        elif state == "discharged":
            applied = today - dt.timedelta(days=rng.randint(100, 360))
        else:
            applied = today - dt.timedelta(days=rng.randint(0, 20))
        bed = FamilySickbed.objects.create(
            elder=elder,
            institution=sj,
            status=state,
            criteria=[*required, rng.choice(indications)],
            diagnosis_code=code,
            diagnosis_name=name,
            doctor=doctor,
            nurse=nurse,
            care_plan="每周上门查床一次；监测生命体征，指导用药与康复，预防压疮和跌倒。",
            visit_frequency="weekly",
            applied_on=applied,
            created_by=doctor,
            created_at=_at(applied, 9),
        )
        beds += 1
        if state in ("applied", "cancelled"):
            continue
        bed.admitted_on = applied + dt.timedelta(days=1)
        bed.planned_until = bed.admitted_on + dt.timedelta(days=spec["default_plan_days"] - 1)
        if state == "discharged":
            bed.discharged_on = bed.admitted_on + dt.timedelta(days=rng.randint(30, 80))
            bed.discharge_summary = "病情稳定，达到撤床标准，转家庭医生签约随访管理。"
        if i % 5 == 2:
            bed.last_reviewed_on = bed.admitted_on + dt.timedelta(days=28)
        bed.save()
        rows = SickbedDueVisit.objects.bulk_create(due_visit_rows(bed, bed.admitted_on, bed.planned_until))
        dues += len(rows)
        end = min(today, bed.discharged_on or today)
        behind = state == "admitted" and i in (1, 6)  # two open beds fall behind on visits
        for row in rows:
            if row.window_start > end:
                if bed.discharged_on:
                    row.cancelled = True
                    row.save(update_fields=["cancelled"])
                continue
            if behind and row.due_date >= today - dt.timedelta(days=16):
                continue
            day = min(end, row.window_start + dt.timedelta(days=rng.randint(0, 5)))
            visit = SickbedVisit.objects.create(
                sickbed=bed,
                visited_on=day,
                visited_by=rng.choice([nurse, doctor]),
                care_given=rng.choice(CARE),
                findings=rng.choice(FINDINGS),
                bp_systolic=rng.randint(118, 165),
                bp_diastolic=rng.randint(70, 98),
                created_at=_at(day, 15),
            )
            row.visit = visit
            row.save(update_fields=["visit"])
            visits += 1
        for person in (doctor, nurse):
            grants.append(
                new_grant(
                    bed,
                    elder_id=elder.pk,
                    user_id=person.pk,
                    valid_from=bed.admitted_on,
                    valid_to=bed.discharged_on,
                )
            )

    # -- orders: every state; nurse_sj's today (three assigned, one in service, one done, one late)
    simple = [s for s in catalogue()["services"] if set(s["requires"]) <= {"doctor_order"}]
    safety = {item["code"]: True for item in catalogue()["home_safety"]}
    orders = 0
    layout: list[tuple[str, dt.datetime]] = [
        (OrderStatus.ASSIGNED, _at(today, 9)),
        (OrderStatus.ASSIGNED, _at(today, 14)),
        (OrderStatus.ASSIGNED, _at(today, 16, 30)),
        (OrderStatus.IN_SERVICE, _at(today, 8)),
        (OrderStatus.DONE, _at(today, 7, 30)),
        (OrderStatus.ASSIGNED, _at(today - dt.timedelta(days=1), 10)),  # late
        (OrderStatus.REQUESTED, _at(today + dt.timedelta(days=1), 9)),
        (OrderStatus.REQUESTED, _at(today - dt.timedelta(days=1), 15)),  # late, unassigned
        (OrderStatus.ACCEPTED, _at(today + dt.timedelta(days=2), 10)),
        (OrderStatus.REJECTED, _at(today - dt.timedelta(days=20), 10)),
        (OrderStatus.CANCELLED, _at(today - dt.timedelta(days=40), 9)),
    ]
    for k in range(30):
        day = today - dt.timedelta(days=rng.randint(2, 360))
        layout.append(
            (OrderStatus.CLOSED if k % 3 else OrderStatus.DONE, _at(day, rng.choice([8, 9, 10, 14, 15])))
        )
    for j, (state, booked) in enumerate(layout):
        elder = pool[24 + j % (len(pool) - 24)] if len(pool) > 24 else pool[j % len(pool)]
        service = simple[j % len(simple)]
        served = state in (OrderStatus.IN_SERVICE, OrderStatus.DONE, OrderStatus.CLOSED)
        assigned = served or state == OrderStatus.ASSIGNED
        order = ServiceOrder(
            elder=elder,
            institution=sj,
            service_code=service["code"],
            service_name=service["name"],
            status=state,
            channel=[OrderChannel.FAMILY, OrderChannel.STAFF, OrderChannel.FAMILY_DOCTOR][j % 3],
            contact_name="家属" if j % 3 == 0 else "",
            contact_relation="子女" if j % 3 == 0 else "",
            booked_at=booked,
            doctor_order=f"医嘱 {booked:%Y%m%d}-{j:03d}" if service["requires"] else "",
            eligibility=[
                {"code": c, "label": catalogue()["conditions"][c], "met": True, "evidence": "演示数据"}
                for c in service["requires"]
            ],
            home_safety=safety if state not in (OrderStatus.REQUESTED, OrderStatus.REJECTED) else {},
            nurse=nurse if assigned else None,
            assigned_at=booked - dt.timedelta(hours=20) if assigned else None,
            checked_in_at=booked + dt.timedelta(minutes=10) if served else None,
            checked_out_at=booked + dt.timedelta(minutes=10 + service["minutes"])
            if state in (OrderStatus.DONE, OrderStatus.CLOSED)
            else None,
            care_record=f"{service['name']}完成，老人生命体征平稳，已做健康指导。"
            if state in (OrderStatus.DONE, OrderStatus.CLOSED)
            else "",
            rating=rng.choice([5, 5, 4, 5, 3]) if state == OrderStatus.CLOSED else None,
            complaint="护士迟到二十分钟" if state == OrderStatus.CLOSED and j % 7 == 0 else "",
            fee=Decimal(str(services_by_code()[service["code"]]["fee"])),
            settlement=Settlement.SETTLED
            if state == OrderStatus.CLOSED and j % 4
            else (Settlement.WAIVED if state == OrderStatus.CLOSED else Settlement.UNSETTLED),
            requested_by=doctor,
            created_at=booked - dt.timedelta(days=1),
        )
        order.save()
        orders += 1
        if assigned:
            last = clock.local_date(order.checked_out_at) if order.checked_out_at else None
            grants.append(
                new_grant(
                    order,
                    elder_id=elder.pk,
                    user_id=nurse.pk,
                    valid_from=min(booked.date(), today),
                    valid_to=last,
                )
            )
    AccessGrant.objects.bulk_create(grants)
    return {"family sickbeds": beds, "sickbed visits": visits, "home nursing orders": orders}
