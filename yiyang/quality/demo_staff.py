"""The demo county's staff, certificates and a year of training.

Every institution gets staff fitting its kind (homes mostly carers), the demo logins that work at an
institution are linked to a staff row of their post (doctor_sj, nurse_sj, yly_admin, admin_sj …), carers
hold 养老护理员 certificates with some expired, some expiring within 60 days and some missing, and the
institutions and the county hold a year of training sessions with attendance. Deterministic (seeded).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from yiyang.accounts.models import User
from yiyang.core import crypto
from yiyang.core.demo import COUNTY, synthetic_name, synthetic_phone
from yiyang.core.identity import mask_phone
from yiyang.core.models import Institution, InstitutionKind, Region
from yiyang.core.reach import Reach
from yiyang.core.staff import Staff, StaffPost

from .models import Attendance, CarerLevel, Qualification, QualificationKind, TrainingSession, TrainingTopic

P = StaffPost
#: posts (and how many of each: a range) per institution kind
TEAMS: dict[str, list[tuple[str, int, int]]] = {
    InstitutionKind.GENERAL_HOSPITAL: [
        (P.DOCTOR, 8, 10),
        (P.NURSE, 10, 12),
        (P.THERAPIST, 2, 3),
        (P.PHARMACIST, 1, 2),
        (P.TECHNICIAN, 2, 3),
        (P.MANAGER, 2, 2),
        (P.CARER, 2, 3),
    ],
    InstitutionKind.TCM_HOSPITAL: [
        (P.DOCTOR, 6, 8),
        (P.NURSE, 6, 8),
        (P.THERAPIST, 2, 2),
        (P.PHARMACIST, 1, 1),
        (P.MANAGER, 1, 2),
    ],
    InstitutionKind.TOWNSHIP_HEALTH_CENTRE: [
        (P.DOCTOR, 3, 4),
        (P.NURSE, 3, 4),
        (P.PHARMACIST, 1, 1),
        (P.TECHNICIAN, 1, 1),
        (P.MANAGER, 1, 1),
    ],
    InstitutionKind.VILLAGE_CLINIC: [(P.DOCTOR, 1, 1)],
    InstitutionKind.ELDERCARE_HOME: [(P.CARER, 5, 9), (P.NURSE, 0, 1), (P.MANAGER, 1, 2), (P.OTHER, 1, 1)],
    InstitutionKind.INTEGRATED_CARE: [
        (P.CARER, 10, 12),
        (P.NURSE, 3, 4),
        (P.DOCTOR, 2, 2),
        (P.THERAPIST, 1, 1),
        (P.MANAGER, 2, 2),
    ],
    InstitutionKind.DAY_CARE_CENTRE: [(P.CARER, 2, 3), (P.MANAGER, 1, 1)],
    InstitutionKind.MUTUAL_AID_HOME: [(P.OTHER, 1, 1)],
}
ISSUERS: dict[str, str] = {
    QualificationKind.PHYSICIAN: "贵州省卫生健康委员会",
    QualificationKind.NURSE: "贵州省卫生健康委员会",
    QualificationKind.CARER: "铜仁市职业技能鉴定中心",
    QualificationKind.HEALTH: "江口县疾病预防控制中心",
}
TOPIC_TITLES = {
    TrainingTopic.CAPABILITY: "医养结合人才能力提升培训",
    TrainingTopic.THREE_BASICS: "“三基三严”理论与操作培训",
    TrainingTopic.FIRST_AID: "心肺复苏与海姆立克急救培训",
    TrainingTopic.FIRE: "消防安全知识与疏散演练",
    TrainingTopic.INFECTION: "感染防控与手卫生培训",
    TrainingTopic.OTHER: "老年人跌倒预防与照护技能培训",
}


def _post_of(user: User) -> str:
    name = user.username
    if name.startswith("doctor") or name.startswith("jtys"):
        return P.DOCTOR
    if name.startswith("nurse"):
        return P.NURSE
    return P.MANAGER


def load_staff_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed + 1212)
    institutions = list(Institution.objects.filter(is_active=True).order_by("pk"))
    rows: list[Staff] = []
    # the demo logins that work at an institution become staff rows of their post
    linked: set[tuple[int, str]] = set()
    for user in User.objects.filter(role_assignments__institution__isnull=False).distinct().order_by("pk"):
        for a in user.active_assignments:
            if (
                a.reach != Reach.INSTITUTION
                or a.institution is None
                or (a.institution.pk, user.username) in linked
            ):
                continue
            linked.add((a.institution.pk, user.username))
            display = (user.display_name or user.username).split()[-1]
            phone = synthetic_phone(rng)
            rows.append(
                Staff(
                    institution=a.institution,
                    name=display,
                    sex="F" if _post_of(user) == P.NURSE else "M",
                    post=_post_of(user),
                    user=user,
                    phone_encrypted=crypto.encrypt(phone),
                    phone_masked=mask_phone(phone),
                    hired_on=today - dt.timedelta(days=rng.randint(800, 4000)),
                )
            )
    for inst in institutions:
        for post, lo, hi in TEAMS.get(inst.kind) or []:
            for _ in range(rng.randint(lo, hi)):
                sex = "F" if post in (P.NURSE, P.CARER) and rng.random() < 0.85 else rng.choice("MF")
                phone = synthetic_phone(rng)
                left = rng.random() < 0.06
                hired = today - dt.timedelta(days=rng.randint(30, 3600))
                rows.append(
                    Staff(
                        institution=inst,
                        name=synthetic_name(rng, sex),
                        sex=sex,
                        post=post,
                        phone_encrypted=crypto.encrypt(phone),
                        phone_masked=mask_phone(phone),
                        hired_on=hired,
                        left_on=min(today, hired + dt.timedelta(days=rng.randint(20, 700))) if left else None,
                        leave_reason="个人原因辞职" if left else "",
                    )
                )
    Staff.objects.bulk_create(rows)
    staff = list(Staff.objects.select_related("institution").order_by("pk"))

    quals: list[Qualification] = []
    for s in staff:
        hired = s.hired_on or today - dt.timedelta(days=1000)
        if s.post == P.DOCTOR:
            issued = hired - dt.timedelta(days=rng.randint(100, 3000))
            quals.append(_q(rng, s, QualificationKind.PHYSICIAN, issued, None, "1105206"))
        elif s.post == P.NURSE:
            issued = hired - dt.timedelta(days=rng.randint(30, 1500))
            # 护士执业证书: five years, renewed
            until = issued + dt.timedelta(days=5 * 365)
            while until < today - dt.timedelta(days=30) and rng.random() < 0.9:
                until += dt.timedelta(days=5 * 365)
            quals.append(_q(rng, s, QualificationKind.NURSE, issued, until, "2020520"))
        elif s.post == P.CARER:
            roll = rng.random()
            if roll < 0.12:
                pass  # not yet certified
            else:
                if roll < 0.24:  # expired
                    until = today - dt.timedelta(days=rng.randint(1, 300))
                elif roll < 0.34:  # expiring within 60 days
                    until = today + dt.timedelta(days=rng.randint(0, 59))
                else:
                    until = today + dt.timedelta(days=rng.randint(90, 1400))
                issued = min(
                    until - dt.timedelta(days=3 * 365), today - dt.timedelta(days=rng.randint(30, 400))
                )
                level = rng.choice([CarerLevel.LEVEL_5] * 4 + [CarerLevel.LEVEL_4] * 3 + [CarerLevel.LEVEL_3])
                quals.append(_q(rng, s, QualificationKind.CARER, issued, until, "S0005200", level=level))
            if rng.random() < 0.8:
                issued = today - dt.timedelta(days=rng.randint(10, 420))
                quals.append(
                    _q(rng, s, QualificationKind.HEALTH, issued, issued + dt.timedelta(days=365), "JK")
                )
    Qualification.objects.bulk_create(quals)

    sessions, attendances = _training(rng, staff, institutions, today)
    return {
        "staff": len(staff),
        "qualifications": len(quals),
        "training sessions": sessions,
        "attendances": attendances,
    }


def _q(
    rng: random.Random,
    s: Staff,
    kind: str,
    issued: dt.date,
    until: dt.date | None,
    prefix: str,
    level: str = "",
) -> Qualification:
    return Qualification(
        staff=s,
        kind=kind,
        level=level,
        number=f"{prefix}{rng.randint(10**7, 10**8 - 1)}",
        issuer=ISSUERS.get(kind, ""),
        issued_on=min(issued, until) if until else issued,
        valid_until=until,
    )


def _training(
    rng: random.Random, staff: list[Staff], institutions: list[Institution], today: dt.date
) -> tuple[int, int]:
    by_inst: dict[int, list[Staff]] = {}
    for s in staff:
        by_inst.setdefault(s.institution_id, []).append(s)
    county = Region.objects.get(pk=COUNTY)
    plans: list[tuple[TrainingSession, list[Staff]]] = []
    for inst in institutions:
        members = by_inst.get(inst.pk, [])
        if len(members) < 3:
            continue
        medical = inst.kind not in (InstitutionKind.ELDERCARE_HOME, InstitutionKind.DAY_CARE_CENTRE)
        topics = [TrainingTopic.FIRE, TrainingTopic.INFECTION, TrainingTopic.FIRST_AID]
        topics += [TrainingTopic.THREE_BASICS] if medical else [TrainingTopic.OTHER]
        for i in range(rng.randint(3, 6)):
            topic = topics[i % len(topics)]
            day = today - dt.timedelta(days=rng.randint(1, 360))
            session = TrainingSession(
                topic=topic,
                title=TOPIC_TITLES[topic],
                organiser=inst,
                region=inst.region,
                held_on=day,
                hours=Decimal(rng.choice(["1.5", "2.0", "3.0", "4.0"])),
                place=f"{inst.name}会议室",
                content="理论讲授与现场操作演练，结束后进行考核。",
            )
            plans.append((session, [s for s in members if s.is_active_on(day)]))
    homes = [
        s
        for s in staff
        if s.institution.kind in (InstitutionKind.ELDERCARE_HOME, InstitutionKind.INTEGRATED_CARE)
    ]
    for topic, month_ago in [
        (TrainingTopic.CAPABILITY, 10),
        (TrainingTopic.CAPABILITY, 4),
        (TrainingTopic.FIRST_AID, 7),
    ]:
        day = today - dt.timedelta(days=30 * month_ago + rng.randint(0, 20))
        session = TrainingSession(
            topic=topic,
            title=f"江口县{TOPIC_TITLES[topic]}",
            organiser=None,
            region=county,
            held_on=day,
            hours=Decimal("6.0"),
            place="江口县卫生健康局三楼会议室",
            content="县卫生健康局、县民政局联合举办，面向养老机构、医养结合机构工作人员。",
        )
        pool = [s for s in homes if s.is_active_on(day) and s.post in (P.CARER, P.NURSE, P.MANAGER)]
        plans.append((session, rng.sample(pool, min(len(pool), 30))))
    TrainingSession.objects.bulk_create([p[0] for p in plans])
    rows: list[Attendance] = []
    for session, people in plans:
        for s in people:
            attended = rng.random() < 0.88
            score = rng.randint(55, 100) if attended else None
            rows.append(
                Attendance(
                    session=session,
                    staff=s,
                    attended=attended,
                    hours=session.hours if attended else Decimal(0),
                    passed=(score >= 60) if score is not None else None,
                    score=score,
                )
            )
    Attendance.objects.bulk_create(rows)
    return len(plans), len(rows)
