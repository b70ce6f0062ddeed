"""The demo county's beds and stays: every institution with declared beds gets them as records (as many
of each kind as it declared), and the eldercare institutions get two years of stays — admissions,
transfers, leaves, 住院 ↔ 休养 switches where a clinic is on site, discharges and deaths — with their
history rows, access grants and a week of care notes at the county welfare home (yly_admin's).

Bulk-written for speed (``bulk_create``); the rows are what the services would have written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType

from yiyang.accounts.models import User
from yiyang.assessments.models import AssessmentResponse
from yiyang.core import actors, clock, crypto
from yiyang.core.grants import new_grant
from yiyang.core.identity import mask_phone
from yiyang.core.models import (
    AccessGrant,
    BedCapacity,
    Elder,
    ElderCategoryCode,
    ElderStatus,
    ElderStatusChange,
    Institution,
    InstitutionKind,
    LivingSituation,
    StateTransition,
)

from .models.stays import (
    AdmissionSource,
    Bed,
    BedKind,
    BedStatus,
    CareNote,
    CareNoteKind,
    DischargeDestination,
    Stay,
    StayStatus,
)

HOME_KINDS = (InstitutionKind.ELDERCARE_HOME, InstitutionKind.INTEGRATED_CARE)
WELFARE = "江口县社会福利院"
NOTES: dict[str, list[str]] = {
    CareNoteKind.DAILY_LIFE: ["协助洗漱、进食，午休正常", "协助沐浴，更换衣物床单", "陪同户外散步30分钟"],
    CareNoteKind.NURSING: ["翻身拍背，皮肤完好无压红", "测量血压 132/80 mmHg", "会阴护理，皮肤清洁"],
    CareNoteKind.MEDICATION: ["按医嘱服用降压药，已看服到口", "协助注射胰岛素，餐前血糖 7.2"],
    CareNoteKind.REHABILITATION: ["下肢关节被动活动20分钟", "助行器步行训练，耐受良好"],
    CareNoteKind.OBSERVATION: ["夜间睡眠好，无异常", "食欲一般，已告知医生"],
}
GUARDIANS = ["儿子", "女儿", "侄子", "配偶", "孙子"]


def _layout(kind: str, n: int, institution: Institution) -> list[tuple[str, str, str, str]]:
    """(building, floor, room, number) for ``n`` beds of ``kind``: rooms of 2–4 beds on floors of ten."""
    per_room = 2 if kind in (BedKind.ELDERCARE_NURSING, BedKind.HOSPICE) else 3
    building: str = {
        BedKind.ELDERCARE: "1号楼",
        BedKind.ELDERCARE_NURSING: "2号楼",
        BedKind.GENERAL: "住院楼",
        BedKind.NURSING: "护理楼",
        BedKind.REHAB: "康复楼",
        BedKind.HOSPICE: "安宁楼",
    }.get(BedKind(kind), "1号楼")
    out = []
    for i in range(n):
        room_no, bed_no = divmod(i, per_room)
        floor, room_in_floor = divmod(room_no, 10)
        out.append((building, str(floor + 1), f"{floor + 1}{room_in_floor + 1:02d}", str(bed_no + 1)))
    return out


def _beds() -> dict[int, list[Bed]]:
    """Beds as records for every institution with declared beds, as many as it declared of each kind."""
    now = clock.now()
    rows = []
    institutions = {i.pk: i for i in Institution.objects.filter(beds__isnull=False).distinct()}
    for cap in BedCapacity.objects.filter(institution_id__in=institutions).order_by("institution_id", "kind"):
        inst = institutions[cap.institution_id]
        for building, floor, room, number in _layout(cap.kind, cap.count, inst):
            rows.append(
                Bed(
                    institution=inst,
                    building=building,
                    floor=floor,
                    room=room,
                    number=number,
                    kind=cap.kind,
                    created_at=now,
                )
            )
    made = Bed.objects.bulk_create(rows, batch_size=2000)
    by_inst: dict[int, list[Bed]] = defaultdict(list)
    for b in made:
        by_inst[b.institution_id].append(b)
    return by_inst


class _History:
    """StateTransition rows of the demo stays (written in bulk at the end)."""

    def __init__(self) -> None:
        self.rows: list[tuple[Stay, str, str, str, dt.date, str, dict[str, Any], User]] = []

    def add(
        self,
        stay: Stay,
        action: str,
        a: str,
        b: str,
        day: dt.date,
        user: User,
        reason: str = "",
        **details: Any,
    ) -> None:
        self.rows.append((stay, action, a, b, day, reason, {"date": day.isoformat(), **details}, user))

    def write(self) -> int:
        ct = ContentType.objects.get_for_model(Stay)
        objs = [
            StateTransition(
                content_type=ct,
                object_id=stay.pk,
                from_state=a,
                to_state=b,
                action=action,
                user=user,
                at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=clock.zone()),
                reason=reason,
                details=details,
            )
            for stay, action, a, b, day, reason, details, user in self.rows
        ]
        StateTransition.objects.bulk_create(objs, batch_size=2000)
        return len(objs)


def load_stays_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed + 11)
    beds = _beds()
    system = actors.system_user()
    yly = User.objects.filter(username="yly_admin").first() or system
    homes = list(Institution.objects.filter(kind__in=HOME_KINDS, pk__in=list(beds)).order_by("pk"))
    disabled = set(
        Elder.objects.filter(
            categories__category__in=[ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED]
        ).values_list("pk", flat=True)
    )
    levels: dict[int, AssessmentResponse] = {}
    for r in (
        AssessmentResponse.objects.current()
        .filter(instrument_code="gbt42195")
        .order_by("elder_id", "assessed_at", "id")
    ):
        levels[r.elder_id] = r  # the latest wins
    # elders living at home who may have stayed before (no current residence, aged 75+)
    past_pool = list(
        Elder.objects.filter(
            status=ElderStatus.ACTIVE,
            residence_institution=None,
            birth_date__lte=dt.date(today.year - 75, 1, 1),
        )
        .exclude(living_situation=LivingSituation.IN_INSTITUTION)
        .values_list("pk", "birth_date")
        .order_by("pk")
    )
    # a few more current residents per home, so a small demo's homes show real work (the elders with
    # the highest ids: tests and fixtures pick the first elders of a health centre)
    per_home = min(10, elders // 60)
    past_pool.sort(key=lambda row: -row[0])
    moving_in = past_pool[: per_home * len(homes)]
    past_pool = past_pool[len(moving_in) :]
    rng.shuffle(past_pool)
    moved: dict[int, list[int]] = defaultdict(list)
    history = _History()
    stays: list[Stay] = []
    plans: list[tuple[Stay, list[tuple]]] = []

    def guardian(stay: Stay) -> None:
        if rng.random() < 0.9:
            phone = f"1{rng.choice('3589')}{rng.randint(10**8, 10**9 - 1)}"
            stay.guardian_name = rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(
                ["建国", "秀英", "明", "芳", "伟"]
            )
            stay.guardian_relation = rng.choice(GUARDIANS)
            stay.guardian_phone_encrypted = crypto.encrypt(phone)
            stay.guardian_phone_masked = mask_phone(phone)

    def level(stay: Stay) -> None:
        r = levels.get(stay.elder_id)
        if r is not None:
            stay.assessment_id, stay.care_level_code, stay.care_level = r.pk, r.level_code, r.level_name

    for home in homes:
        user = yly if home.name == WELFARE else system
        switch = home.is_medical or home.has_inhouse_clinic
        home_beds = [b for b in beds[home.pk] if b.kind != BedKind.DAY_CARE]
        free = {
            k: [b for b in home_beds if b.kind == k] for k in (BedKind.ELDERCARE, BedKind.ELDERCARE_NURSING)
        }
        for k in free:
            rng.shuffle(free[k])
        residents = list(
            Elder.objects.filter(residence_institution=home, status=ElderStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", "birth_date")
        )
        newcomers, moving_in = moving_in[:per_home], moving_in[per_home:]
        residents += newcomers
        moved[home.pk] = [pk for pk, _b in newcomers]
        for n, (elder_id, _birth) in enumerate(residents):
            kind = BedKind.ELDERCARE_NURSING if elder_id in disabled else BedKind.ELDERCARE
            pool = free[kind] or free[BedKind.ELDERCARE] or free[BedKind.ELDERCARE_NURSING]
            if not pool:
                break
            bed = pool.pop()
            admitted = (
                today if (n == 0 and home.name == WELFARE) else today - dt.timedelta(days=rng.randint(5, 720))
            )
            stay = Stay(
                elder_id=elder_id,
                institution=home,
                bed=bed,
                status=StayStatus.CARE,
                admitted_on=admitted,
                source=rng.choice(AdmissionSource.values),
                created_by=user,
            )
            guardian(stay)
            level(stay)
            moves: list[tuple] = []
            span = (today - admitted).days
            if span > 60 and rng.random() < 0.25 and free[kind]:
                new = free[kind].pop()
                pool.append(bed)  # the first bed is free again
                moves.append(("transfer", admitted + dt.timedelta(days=rng.randint(10, span // 2)), new))
            if switch and span > 40 and rng.random() < 0.3:
                start = admitted + dt.timedelta(days=rng.randint(span // 2, span - 10))
                moves.append(("to_medical", start, None))
                if rng.random() < 0.7:
                    moves.append(("to_care", start + dt.timedelta(days=rng.randint(3, 9)), None))
            elif span > 30 and rng.random() < 0.15:
                start = today - dt.timedelta(days=rng.randint(2, 25))
                if start > admitted:
                    moves.append(("leave", start, None))
            stays.append(stay)
            plans.append((stay, moves))
        # two years of stays that have ended: discharges (and deaths among those who stayed long)
        past = min(max(4, len(home_beds) // 6), max(4, elders // 40))
        for _ in range(past):
            if not past_pool:
                break
            elder_id, _birth = past_pool.pop()
            admitted = today - dt.timedelta(days=rng.randint(60, 730))
            ended = min(today - dt.timedelta(days=1), admitted + dt.timedelta(days=rng.randint(14, 300)))
            bed = rng.choice(home_beds)
            stay = Stay(
                elder_id=elder_id,
                institution=home,
                bed=bed,
                status=StayStatus.DISCHARGED,
                admitted_on=admitted,
                ended_on=ended,
                destination=rng.choice(DischargeDestination.values),
                source=rng.choice(AdmissionSource.values),
                created_by=user,
            )
            guardian(stay)
            level(stay)
            moves = []
            if switch and (ended - admitted).days > 20 and rng.random() < 0.4:
                moves.append(("to_medical", admitted + dt.timedelta(days=5), None))
                moves.append(("to_care", admitted + dt.timedelta(days=12), None))
            moves.append(("discharge", ended, None))
            stays.append(stay)
            plans.append((stay, moves))
    # apply the moves on the unsaved stays (state, bed, dates), then write everything
    for stay, moves in plans:
        state = StayStatus.CARE
        for action, day, new_bed in moves:
            before = state
            if action == "transfer":
                stay.bed = new_bed
            elif action == "to_medical":
                state = StayStatus.MEDICAL
            elif action == "to_care":
                state = StayStatus.CARE
            elif action == "leave":
                state, stay.leave_since = StayStatus.ON_LEAVE, day
            elif action == "discharge":
                state = StayStatus.DISCHARGED
            moves_state = (action, before, state, day)
            stay._demo_moves = [*getattr(stay, "_demo_moves", []), moves_state]  # type: ignore[attr-defined]
        stay.status = state
    Stay.objects.bulk_create(stays, batch_size=1000)
    for home_id, ids in moved.items():
        housed = [s.elder_id for s in stays if s.institution_id == home_id and s.elder_id in set(ids)]
        Elder.objects.filter(pk__in=housed).update(residence_institution_id=home_id)

    # deaths: one long-staying resident per home died this month
    deaths: list[Stay] = []
    for home in homes:
        candidates = [
            s
            for s in stays
            if s.institution_id == home.pk
            and s.status == StayStatus.CARE
            and (today - s.admitted_on).days > 90
        ]
        if candidates:
            s = max(candidates, key=lambda x: x.elder_id)
            # at the welfare home today, so its home page shows the day's work (a death keeps the
            # elder's residence: the home still sees its late resident, and only its residents)
            day = today if home.name == WELFARE else today - dt.timedelta(days=rng.randint(3, 30))
            s._demo_moves = [*getattr(s, "_demo_moves", []), ("death", s.status, StayStatus.DECEASED, day)]  # type: ignore[attr-defined]
            s.status, s.ended_on = StayStatus.DECEASED, day
            deaths.append(s)
    Stay.objects.bulk_update(deaths, ["status", "ended_on"])
    for s in deaths:
        Elder.objects.filter(pk=s.elder_id).update(status=ElderStatus.DECEASED, status_date=s.ended_on)
    ElderStatusChange.objects.bulk_create(
        [
            ElderStatusChange(
                elder_id=s.elder_id,
                from_status=ElderStatus.ACTIVE,
                to_status=ElderStatus.DECEASED,
                effective_date=s.ended_on or today,
                reason=f"在{s.institution.name}入住期间去世",
                changed_by=yly if s.institution.name == WELFARE else system,
            )
            for s in deaths
        ]
    )

    for s in stays:
        user = yly if s.institution.name == WELFARE else system
        for action, a, b, day in getattr(s, "_demo_moves", []):
            details: dict[str, Any] = {}
            if action == "transfer":
                details["to_bed"] = s.bed.label if s.bed else ""
            if action == "discharge":
                details["destination"] = s.destination
            history.add(s, action, a, b, day, user, **details)
    transitions = history.write()

    occupied = [s.bed_id for s in stays if s.status in (StayStatus.CARE, StayStatus.MEDICAL)]
    reserved = [s.bed_id for s in stays if s.status == StayStatus.ON_LEAVE]
    Bed.objects.filter(pk__in=occupied).update(status=BedStatus.OCCUPIED)
    Bed.objects.filter(pk__in=reserved).update(status=BedStatus.RESERVED)
    for home in homes:  # a bed or two under repair in each home
        spare = Bed.objects.filter(institution=home, status=BedStatus.FREE).order_by("-pk")[:2]
        Bed.objects.filter(pk__in=[b.pk for b in spare]).update(status=BedStatus.OUT_OF_SERVICE)

    AccessGrant.objects.bulk_create(
        [
            new_grant(
                s,
                elder_id=s.elder_id,
                valid_from=s.admitted_on,
                valid_to=s.ended_on,
                institution_id=s.institution_id,
            )
            for s in stays
        ],
        batch_size=2000,
    )

    # a week of care notes at the welfare home; a few residents have none (the overdue list)
    notes = []
    now = clock.now()
    for s in stays:
        if s.institution.name != WELFARE or s.status not in (StayStatus.CARE, StayStatus.MEDICAL):
            continue
        if rng.random() < 0.15:
            continue
        for d in range(min(7, (today - s.admitted_on).days + 1)):
            if rng.random() < 0.6:
                note_kind = rng.choice(list(NOTES))
                at = now - dt.timedelta(days=d, hours=rng.randint(1, 10))
                if clock.local_date(at) < s.admitted_on:
                    continue
                notes.append(
                    CareNote(
                        stay=s,
                        elder_id=s.elder_id,
                        kind=note_kind,
                        content=rng.choice(NOTES[note_kind]),
                        done_at=at,
                        done_by=yly,
                    )
                )
    CareNote.objects.bulk_create(notes, batch_size=2000)
    return {
        "beds": sum(len(v) for v in beds.values()),
        "stays": len(stays),
        "stay_moves": transitions,
        "care_notes": len(notes),
    }
