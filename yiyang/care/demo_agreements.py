"""The demo county's 医养签约 (agreements), in-house clinics, a year of rounds and home visits.

What the county plan names (seed 004 二(二)1–2): 县人民医院 and 县中医医院 as support institutions of the
homes with a green channel and two-way referral; township health centres doing rounds in the homes of
their township. Most homes are covered, not all, so the coverage view has gaps to show:

- 县社会福利院 (in-house clinic) — 县人民医院: green channel, referral, remote consultation, monthly rounds;
- 太平镇敬老院 — 太平镇卫生院 (fortnightly rounds; doctor_tp2 and nurse_tp), and — 县人民医院 (green
  channel, referral);
- 闵孝镇敬老院 — 闵孝镇卫生院: renewed last year, the renewal ends within 60 days (a warning);
- 桃映镇敬老院 — 县中医医院: monthly rounds, ends within 30 days (an urgent warning);
- 德旺乡敬老院 — 德旺乡卫生院: terminated two months ago (a gap: neither clinic nor agreement);
- 梵净康养中心 (in-house clinic) — 县中医医院: green channel and referral;
- 双江日间照料中心 — 双江街道中心卫生院 (doctor_sj, nurse_sj): monthly rounds;
- 太平镇日间照料中心 — 太平镇卫生院: quarterly rounds;
- 凯德日间照料中心 — 凯德街道中心卫生院: a draft not yet signed (a gap).

Rounds: of each agreement's planned rounds up to today, most on time, some late, some missed. Home
visits: disabled and semi-disabled elders living at home in 双江 and 太平 (two staff each time).
Loaded in bulk like the other demo loaders; the grants are written as their services would.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from yiyang.accounts.models import RoleAssignment, User
from yiyang.core import grants
from yiyang.core.demo import DEMO_PASSWORD
from yiyang.core.models import (
    ELDERCARE_KINDS,
    AccessGrant,
    Elder,
    ElderCategory,
    ElderCategoryCode,
    ElderStatus,
    Institution,
    InstitutionKind,
)

from .models import (
    Agreement,
    AgreementStatus,
    ClinicKind,
    HomeVisit,
    HomeVisitBasis,
    InHouseClinic,
    PlannedRound,
    Round,
    RoundFinding,
)
from .services.rounds import schedule

FINDINGS = [
    ("血压控制尚可，精神状态良好", "继续按时服药，低盐饮食", ""),
    ("血压偏高 152/94mmHg，诉头晕", "调整降压药，一周后复测血压", "氨氯地平片 5mg 每日一次"),
    ("空腹血糖 8.6mmol/L，饮食控制欠佳", "控制主食量，加强餐后活动", ""),
    ("右膝关节疼痛，行走不便", "局部热敷，康复师指导功能锻炼", ""),
    ("咳嗽三天，无发热，肺部听诊清", "多饮水，注意保暖，必要时就诊", "复方甘草片 按说明服用"),
    ("夜间睡眠差，情绪低落", "增加日间活动，家属多陪伴，必要时心理门诊", ""),
    ("骶尾部皮肤发红，压疮风险高", "每两小时翻身，使用减压垫，护理员加强巡视", ""),
]
VISIT_FINDINGS = [
    ("卧床，血压平稳，家属照护到位", "继续协助肢体被动活动，防跌倒"),
    ("血压 148/90mmHg，下肢轻度水肿", "低盐饮食，抬高下肢，按时服药"),
    ("末梢血糖 9.2mmol/L，饮食不规律", "定时定量进餐，监测血糖"),
    ("偏瘫后遗症，肌力Ⅲ级", "指导家属进行关节活动度训练和体位转移"),
    ("情绪低落，少言", "家属多沟通陪伴，鼓励参加社区活动"),
]
EXTRA_STAFF = [
    # (username, display name, institution): the medical sides of the agreements need a named doctor
    ("doctor_zyy", "江口县中医医院 李医生", "江口县中医医院"),
    # the hospital's round team; doctor_rmyy receives referrals and sees residents only through them
    ("doctor_rmyy2", "江口县人民医院 刘医生", "江口县人民医院"),
    ("nurse_rmyy", "江口县人民医院 陈护士", "江口县人民医院"),
    ("doctor_mx", "闵孝镇卫生院 龙医生", "江口县闵孝镇卫生院"),
    ("nurse_tp", "太平镇卫生院 王护士", "江口县太平镇卫生院"),
    # the 太平 home's round doctor is not doctor_tp, whose scope stays her centre's own elders
    ("doctor_tp2", "太平镇卫生院 罗医生", "江口县太平镇卫生院"),
    ("doctor_dw", "德旺乡卫生院 吴医生", "江口县德旺乡卫生院"),
    ("doctor_kd", "凯德街道中心卫生院 杨医生", "江口县凯德街道中心卫生院"),
]


def _staff(by_inst: dict[str, Institution]) -> dict[str, User]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["doctor_rmyy", "doctor_sj", "nurse_sj", "doctor_tp"])
    }
    for username, display, inst_name in EXTRA_STAFF:
        if inst_name not in by_inst:
            continue
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            RoleAssignment.objects.create(user=user, role="clinician", institution=by_inst[inst_name])
        users[username] = user
    return users


def load_agreements_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed + 1010)
    by_inst = {i.name: i for i in Institution.objects.all()}
    homes = {i.name: i for i in Institution.objects.filter(kind__in=ELDERCARE_KINDS)}

    def home(prefix: str) -> Institution | None:
        return next((i for n, i in sorted(homes.items()) if n.startswith(prefix)), None)

    def centre(town: str) -> Institution | None:
        return next(
            (
                i
                for n, i in sorted(by_inst.items())
                if i.kind == InstitutionKind.TOWNSHIP_HEALTH_CENTRE and town in n
            ),
            None,
        )

    staff = _staff(by_inst)
    hospital, tcm = by_inst.get("江口县人民医院"), by_inst.get("江口县中医医院")
    days = dt.timedelta
    year = days(days=365)
    plans: list[dict[str, Any]] = [
        dict(
            home=home("江口县社会福利院"),
            med=hospital,
            doctor="doctor_rmyy2",
            nurse="nurse_rmyy",
            services=["green_channel", "referral", "teleconsultation", "rounds"],
            freq="monthly",
            start=today - days(days=300),
            end=today - days(days=300) + 3 * year,
            green=(15, 60),
        ),
        dict(
            home=home("江口县太平"),
            med=centre("太平"),
            doctor="doctor_tp2",
            nurse="nurse_tp",
            services=["rounds", "health_management", "medication_guidance"],
            freq="fortnightly",
            start=today - days(days=380),
            end=today - days(days=380) + 2 * year,
        ),
        dict(
            home=home("江口县太平"),
            med=hospital,
            doctor="doctor_rmyy2",
            nurse="nurse_rmyy",
            services=["green_channel", "referral"],
            freq="",
            start=today - days(days=200),
            end=today - days(days=200) + 3 * year,
            green=(30, 90),
        ),
        dict(
            home=home("江口县闵孝"),
            med=centre("闵孝"),
            doctor="doctor_mx",
            nurse=None,
            services=["rounds", "health_management"],
            freq="monthly",
            start=today - days(days=365 + 320),
            end=today - days(days=321),
            renewed_until=today + days(days=44),
        ),
        dict(
            home=home("江口县桃映"),
            med=tcm,
            doctor="doctor_zyy",
            nurse=None,
            services=["rounds", "rehabilitation", "referral"],
            freq="monthly",
            start=today - days(days=345),
            end=today + days(days=20),
        ),
        dict(
            home=home("江口县德旺"),
            med=centre("德旺"),
            doctor="doctor_dw",
            nurse=None,
            services=["rounds"],
            freq="monthly",
            start=today - days(days=400),
            end=today + days(days=330),
            terminated=today - days(days=60),
        ),
        dict(
            home=home("江口县梵净康养中心"),
            med=tcm,
            doctor="doctor_zyy",
            nurse=None,
            services=["green_channel", "referral"],
            freq="",
            start=today - days(days=500),
            end=today - days(days=500) + 3 * year,
            green=(20, 60),
        ),
        dict(
            home=home("双江"),
            med=centre("双江"),
            doctor="doctor_sj",
            nurse="nurse_sj",
            services=["rounds", "health_management", "staff_training"],
            freq="monthly",
            start=today - days(days=330),
            end=today - days(days=330) + 2 * year,
        ),
        dict(
            home=home("太平镇日间") or home("太平日间"),
            med=centre("太平"),
            doctor="doctor_tp2",
            nurse="nurse_tp",
            services=["rounds", "health_management"],
            freq="quarterly",
            start=today - days(days=150),
            end=today - days(days=150) + 2 * year,
        ),
        dict(
            home=home("凯德"),
            med=centre("凯德"),
            doctor="doctor_kd",
            nurse=None,
            services=["rounds"],
            freq="monthly",
            start=today + days(days=10),
            end=today + days(days=10) + 2 * year,
            draft=True,
        ),
    ]
    made: list[Agreement] = []
    number = 0
    for p in plans:
        if p["home"] is None or p["med"] is None or p["doctor"] not in staff:
            continue
        number += 1
        green = p.get("green") or (None, None)
        a = Agreement.objects.create(
            eldercare_institution=p["home"],
            medical_institution=p["med"],
            number=f"江医养协〔{p['start'].year}〕{number:02d}号",
            services=p["services"],
            round_frequency=p["freq"],
            green_accept_minutes=green[0],
            green_arrive_minutes=green[1],
            responsible_doctor=staff[p["doctor"]],
            responsible_nurse=staff.get(p["nurse"]) if p["nurse"] else None,
            signed_on=None if p.get("draft") else p["start"] - days(days=7),
            start_date=p["start"],
            end_date=p["end"],
            document="" if p.get("draft") else "care/agreements/demo/agreement.pdf",
            status=AgreementStatus.DRAFT if p.get("draft") else AgreementStatus.ACTIVE,
        )
        if p.get("terminated"):
            a.status, a.terminated_on, a.end_reason = (
                AgreementStatus.TERMINATED,
                p["terminated"],
                "卫生院巡诊人员不足，双方协商解除",
            )
            a.save()
        made.append(a)
        if p.get("renewed_until"):
            a.status = AgreementStatus.RENEWED
            a.save()
            succ = Agreement.objects.create(
                eldercare_institution=a.eldercare_institution,
                medical_institution=a.medical_institution,
                number=a.number.replace(str(a.start_date.year), str(a.end_date.year)),
                services=a.services,
                round_frequency=a.round_frequency,
                responsible_doctor=a.responsible_doctor,
                responsible_nurse=a.responsible_nurse,
                signed_on=a.end_date - days(days=10),
                start_date=a.end_date + days(days=1),
                end_date=p["renewed_until"],
                document=a.document.name,
                status=AgreementStatus.ACTIVE,
                previous=a,
            )
            made.append(succ)

    # the schedules, and a year of rounds on them
    residents: dict[int, list[int]] = {}
    for e in Elder.objects.filter(residence_institution__isnull=False, status=ElderStatus.ACTIVE).only(
        "pk", "residence_institution_id"
    ):
        if e.residence_institution_id is not None:
            residents.setdefault(e.residence_institution_id, []).append(e.pk)
    planned_rows: list[PlannedRound] = []
    for a in made:
        if a.status != AgreementStatus.DRAFT:
            rows = schedule(a)
            last = a.terminated_on or a.end_date
            for r in rows:
                r.cancelled = r.due_date > last
            planned_rows.extend(rows)
    PlannedRound.objects.bulk_create(planned_rows)
    rounds = findings = 0
    for planned in (
        PlannedRound.objects.filter(cancelled=False, on_time_until__lt=today)
        .select_related("agreement")
        .order_by("agreement_id", "due_date")
    ):
        a = planned.agreement
        luck = rng.random()
        if luck < 0.1:
            continue  # missed
        if luck < 0.2:
            day = planned.on_time_until + days(days=rng.randint(1, 5))
        else:
            day = planned.due_date - days(days=rng.randint(0, 3))
        if day > today or day > (a.terminated_on or a.end_date):
            continue
        doctor = a.responsible_doctor
        assert doctor is not None
        record = Round.objects.create(
            agreement=a,
            visited_on=day,
            summary=f"例行巡诊，查看入住老人{min(4, len(residents.get(a.eldercare_institution_id, [])))}名。",
            recorded_by=doctor,
        )
        record.staff.set([u for u in (a.responsible_doctor, a.responsible_nurse) if u is not None])
        planned.round = record
        planned.save(update_fields=["round"])
        rounds += 1
        seen = rng.sample(
            residents.get(a.eldercare_institution_id, []),
            min(3, len(residents.get(a.eldercare_institution_id, []))),
        )
        found: list[RoundFinding] = []
        for elder_id in seen:
            text, advice, rx = rng.choice(FINDINGS)
            found.append(
                RoundFinding(
                    round=record,
                    elder_id=elder_id,
                    findings=text,
                    advice=advice,
                    prescription=rx,
                    follow_up_on=day + days(days=7) if rx else None,
                )
            )
        RoundFinding.objects.bulk_create(found)
        findings += len(found)

    # grants: each signed agreement's residents to its responsible doctor and nurse
    new_grants = []
    for a in made:
        if a.status == AgreementStatus.DRAFT:
            continue
        last = a.effective_end
        for elder_id in residents.get(a.eldercare_institution_id, []):
            for user in (a.responsible_doctor, a.responsible_nurse):
                if user is not None:
                    new_grants.append(
                        grants.new_grant(
                            a, elder_id=elder_id, user_id=user.pk, valid_from=a.start_date, valid_to=last
                        )
                    )
    AccessGrant.objects.bulk_create(new_grants)

    # in-house clinics: the homes the registry flags
    clinics = [
        InHouseClinic(
            eldercare_institution=h,
            kind=ClinicKind.MEDICAL_ROOM,
            name=f"{h.name}医务室",
            licence_no=f"PDY{rng.randint(10**7, 10**8 - 1)}452062117D1001",
            valid_from=today - days(days=rng.randint(400, 1500)),
        )
        for h in homes.values()
        if h.has_inhouse_clinic
    ]
    InHouseClinic.objects.bulk_create(clinics)

    # home visits: disabled and semi-disabled elders at home in 双江 and 太平
    teams = [
        (by_inst.get("江口县双江街道中心卫生院"), [staff.get("doctor_sj"), staff.get("nurse_sj")]),
        (by_inst.get("江口县太平镇卫生院"), [staff.get("doctor_tp"), staff.get("nurse_tp")]),
    ]
    disabled = set(
        ElderCategory.objects.filter(
            category__in=[ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED]
        ).values_list("elder_id", flat=True)
    )
    visits = 0
    for inst, maybe in teams:
        pair = [u for u in maybe if u is not None]
        if inst is None or len(pair) < 2:
            continue
        candidates = Elder.objects.filter(
            managing_institution=inst, residence_institution__isnull=True, status=ElderStatus.ACTIVE
        ).order_by("pk")
        for elder in candidates:
            eligible = elder.pk in disabled
            if not (eligible and rng.random() < 0.7) and rng.random() > 0.08:
                continue
            for _i in range(rng.randint(1, 3)):
                services = rng.sample(
                    [
                        "blood_pressure",
                        "blood_glucose",
                        "rehabilitation",
                        "nursing_skills",
                        "nutrition",
                        "psychological",
                        "consultation",
                    ],
                    rng.randint(2, 4),
                )
                text, advice = rng.choice(VISIT_FINDINGS)
                visit = HomeVisit.objects.create(
                    elder=elder,
                    institution=inst,
                    basis=HomeVisitBasis.CONTRACTED if eligible else HomeVisitBasis.APPLICATION,
                    visited_on=today - days(days=rng.randint(1, 360)),
                    services=services,
                    family_present=rng.choice(["女儿", "儿子", "老伴", "儿媳"]),
                    family_relation=rng.choice(["子女", "配偶"]),
                    systolic=rng.randint(118, 165) if "blood_pressure" in services else None,
                    diastolic=rng.randint(70, 98) if "blood_pressure" in services else None,
                    glucose=round(rng.uniform(5.2, 11.5), 1) if "blood_glucose" in services else None,
                    findings=text,
                    advice=advice,
                    recorded_by=pair[0],
                )
                visit.staff.set(pair)
                visits += 1
    return {
        "agreements": len(made),
        "planned_rounds": len(planned_rows),
        "rounds": rounds,
        "round_findings": findings,
        "inhouse_clinics": len(clinics),
        "home_visits": visits,
    }
