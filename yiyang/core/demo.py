"""The demo county: 贵州省铜仁市江口县 (520621), with its real townships and villages, the institutions
its 2022 demonstration-county plan names and synthetic elders.

:func:`load_demo` runs every app's own demo loader (``AppConfig.demo_loader``) in ``INSTALLED_APPS``
order — this module's :func:`load_registry_demo` first, then the accounts' logins, then the domain
apps' records — so the registry imports no other app.

Everything is generated from a fixed seed so two runs give the same county. Elders are synthetic:
valid GB 11643 numbers with 江口县 address codes (520621, and 522221, the county's code before the
2011 re-coding, which older residents' numbers still carry), names drawn from common surnames and
given-name characters, ages following a rural Guizhou 60+ pyramid.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string
from stdnum.cn import uscc

from . import clock, crypto
from .identity import mask_id_number, mask_phone, with_check_digit
from .models import (
    BedCapacity,
    BedKind,
    Department,
    DepartmentKind,
    Elder,
    EldercareOwnership,
    ElderCategory,
    ElderCategoryCode,
    ElderSearchKey,
    EmergencyContact,
    HospitalGrade,
    Institution,
    InstitutionKind,
    LivingSituation,
    Region,
    ResidenceStatus,
)
from .regions_data import load_regions
from .search import id_number_index, search_keys_for

COUNTY = "520621000000"
DEMO_PASSWORD = "yiyang123"  # noqa: S105 — printed by `make demo`, documented in the README

SURNAMES = "杨张王李吴刘陈罗田龙黄周徐胡赵何杜姚蒋谢唐冉彭肖石梁邓舒曾廖易向付罗宋冯杨张单仇解区查乐盖缪朴"
GIVEN = "秀兰英华明国志建文德永福贵芳玉桂珍淑凤成光荣金银海林春秋梅菊莲家忠正远昌兴平安云山松清水长友发琴琼翠"
MALE_GIVEN = "国志建德永福贵成光荣金海林忠正远昌兴平安山松长友发"
FEMALE_GIVEN = "秀兰英华芳玉桂珍淑凤春秋梅菊莲琴琼翠云"
# 60+ age pyramid, rural south-west China (share per 5-year band, 60–64 … 95–99)
AGE_BANDS = [(60, 0.27), (65, 0.25), (70, 0.19), (75, 0.13), (80, 0.09), (85, 0.05), (90, 0.018), (95, 0.002)]
RELATIONS = ["儿子", "女儿", "配偶", "儿媳", "孙子", "侄子"]
ETHNICITIES = ["土家族"] * 5 + ["汉族"] * 3 + ["苗族", "侗族"]


# The township health centre of each township (the plan names 双江, 凯德 and 太平 explicitly).
TOWNSHIP_CENTRES = {
    "520621001000": "江口县双江街道中心卫生院",
    "520621002000": "江口县凯德街道中心卫生院",
    "520621101000": "江口县闵孝镇卫生院",
    "520621102000": "江口县太平镇卫生院",
    "520621103000": "江口县坝盘镇卫生院",
    "520621104000": "江口县民和镇卫生院",
    "520621105000": "江口县桃映镇卫生院",
    "520621106000": "江口县怒溪镇卫生院",
    "520621202000": "江口县德旺乡卫生院",
    "520621204000": "江口县官和乡卫生院",
}


def _uscc(rng: random.Random, prefix: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = prefix + "".join(rng.choice(alphabet) for _ in range(17 - len(prefix)))
    return body + uscc.calc_check_digit(body)


def _institutions(rng: random.Random) -> list[Institution]:
    townships = list(Region.objects.filter(parent_id=COUNTY, level="township").order_by("code"))
    seat = townships[0]  # 双江街道: the county seat
    made: list[Institution] = []

    def add(name: str, kind: str, region: Region, **extra: object) -> Institution:
        inst = Institution.objects.create(
            name=name,
            kind=kind,
            region=region,
            uscc=_uscc(rng, "12520621" if kind != InstitutionKind.ELDERCARE_HOME else "52520621"),
            **extra,
        )
        made.append(inst)
        return inst

    hospital = add(
        "江口县人民医院",
        InstitutionKind.GENERAL_HOSPITAL,
        seat,
        grade=HospitalGrade.LEVEL_2,
        medical_licence_no="PDY00001452062117A1001",
        address="江口县双江街道",
        elder_friendly_declared=True,
    )
    tcm = add(
        "江口县中医医院",
        InstitutionKind.TCM_HOSPITAL,
        seat,
        grade=HospitalGrade.LEVEL_2,
        medical_licence_no="PDY00002452062117A2101",
        address="江口县双江街道",
    )
    for inst, beds, depts in [
        (
            hospital,
            {BedKind.GENERAL: 420, BedKind.REHAB: 30, BedKind.HOSPICE: 6},
            [
                (DepartmentKind.GERIATRICS, "老年医学科"),
                (DepartmentKind.REHABILITATION, "康复医学科"),
                (DepartmentKind.INTERNAL, "内科"),
            ],
        ),
        (
            tcm,
            {BedKind.GENERAL: 260, BedKind.REHAB: 40},
            [(DepartmentKind.REHABILITATION, "康复科"), (DepartmentKind.TCM, "针灸推拿科")],
        ),
    ]:
        BedCapacity.objects.bulk_create(
            [BedCapacity(institution=inst, kind=k, count=n) for k, n in beds.items()]
        )
        Department.objects.bulk_create([Department(institution=inst, kind=k, name=n) for k, n in depts])

    for town in townships:
        name = TOWNSHIP_CENTRES.get(town.code, f"江口县{town.name}卫生院")
        centre = add(
            name,
            InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
            town,
            medical_licence_no=f"PDY{rng.randint(10**8, 10**9 - 1)}452062117B1001",
            elder_friendly_declared=rng.random() < 0.5,
        )
        centre.service_area.add(town)
        BedCapacity.objects.bulk_create(
            [
                BedCapacity(institution=centre, kind=BedKind.GENERAL, count=rng.randint(20, 60)),
                BedCapacity(institution=centre, kind=BedKind.NURSING, count=rng.randint(5, 20)),
            ]
        )
        Department.objects.create(institution=centre, kind=DepartmentKind.GENERAL_PRACTICE, name="全科")
        villages = list(Region.objects.filter(parent=town).order_by("code"))
        for village in villages[: max(1, len(villages) // 3)]:
            clinic = add(f"{village.name}卫生室", InstitutionKind.VILLAGE_CLINIC, village, parent=centre)
            clinic.service_area.add(village)

    by_name = {t.name: t for t in townships}

    def town(name: str) -> Region:
        return next(t for n, t in by_name.items() if n.startswith(name))

    welfare = add(
        "江口县社会福利院",
        InstitutionKind.ELDERCARE_HOME,
        seat,
        ownership=EldercareOwnership.PUBLIC,
        eldercare_filing_no="黔铜民养备2021001",
        has_inhouse_clinic=True,
    )
    BedCapacity.objects.bulk_create(
        [
            BedCapacity(institution=welfare, kind=BedKind.ELDERCARE, count=120),
            BedCapacity(institution=welfare, kind=BedKind.ELDERCARE_NURSING, count=60),
        ]
    )
    homes = [welfare]
    for tname in ["太平", "闵孝", "桃映", "德旺"]:
        home = add(
            f"江口县{tname}{'镇' if tname != '德旺' else '乡'}敬老院",
            InstitutionKind.ELDERCARE_HOME,
            town(tname),
            ownership=EldercareOwnership.RURAL_WELFARE,
            eldercare_filing_no=f"黔铜民养备2020{rng.randint(100, 999)}",
        )
        BedCapacity.objects.bulk_create(
            [
                BedCapacity(institution=home, kind=BedKind.ELDERCARE, count=rng.randint(30, 60)),
                BedCapacity(institution=home, kind=BedKind.ELDERCARE_NURSING, count=rng.randint(5, 15)),
            ]
        )
        homes.append(home)
    private = add(
        "江口县梵净康养中心",
        InstitutionKind.INTEGRATED_CARE,
        town("凯德"),
        ownership=EldercareOwnership.PRIVATE,
        eldercare_filing_no="黔铜民养备2022018",
        has_inhouse_clinic=True,
    )
    BedCapacity.objects.bulk_create(
        [
            BedCapacity(institution=private, kind=BedKind.ELDERCARE, count=80),
            BedCapacity(institution=private, kind=BedKind.ELDERCARE_NURSING, count=50),
        ]
    )
    homes.append(private)
    for tname in ["双江", "凯德", "太平"]:
        centre = add(f"{town(tname).name}日间照料中心", InstitutionKind.DAY_CARE_CENTRE, town(tname))
        # a township's day-care centre serves its 社区 (居民委员会, village codes 001–099)
        centre.service_area.set(
            Region.objects.filter(parent=centre.region, level="village", code__regex=r"^[0-9]{9}0[0-9]{2}$")
        )
    # 农村互助幸福院 in about half of the 村 (own generator: the rest of the demo stays as it was)
    mutual = random.Random(4207)
    for village in Region.objects.filter(parent_id__in=[t.code for t in townships], level="village").order_by(
        "code"
    ):
        if int(village.code[9:]) >= 200 and mutual.random() < 0.5:
            made.append(
                Institution.objects.create(
                    name=f"{village.name.removesuffix('村民委员会')}村互助幸福院",
                    kind=InstitutionKind.MUTUAL_AID_HOME,
                    region=village,
                    ownership=EldercareOwnership.PUBLIC,
                )
            )
    return made


def _birth_date(rng: random.Random, today: dt.date) -> dt.date:
    r, acc = rng.random(), 0.0
    band_start = AGE_BANDS[-1][0]
    for start, share in AGE_BANDS:
        acc += share
        if r <= acc:
            band_start = start
            break
    age = band_start + rng.randint(0, 4)
    latest = today.replace(year=today.year - age)
    return latest - dt.timedelta(days=rng.randint(0, 364))


def synthetic_id(rng: random.Random, birth: dt.date, sex: str, area: str = "520621") -> str:
    seq = rng.randint(0, 99)
    sex_digit = rng.choice("13579" if sex == "M" else "02468")
    return with_check_digit(f"{area}{birth:%Y%m%d}{seq:02d}{sex_digit}")


def synthetic_name(rng: random.Random, sex: str) -> str:
    pool = MALE_GIVEN if sex == "M" else FEMALE_GIVEN
    given = rng.choice(pool) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
    return rng.choice(SURNAMES) + given


def synthetic_phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "151", "182", "187", "198"]) + f"{rng.randint(0, 99_999_999):08d}"


def demo_loaders() -> list[tuple[str, Callable[..., dict[str, int]]]]:
    """``(app label, loader)`` for every installed app whose ``AppConfig`` names a ``demo_loader``
    (a dotted path), in ``INSTALLED_APPS`` order: each app loads its own demo data on what the apps
    before it loaded, and the registry imports none of them."""
    loaders = []
    for config in apps.get_app_configs():
        path = getattr(config, "demo_loader", None)
        if path:
            loaders.append((config.label, import_string(path)))
    return loaders


@transaction.atomic
def load_demo(*, elders: int = 6000, seed: int = 20221, today: dt.date | None = None) -> dict[str, int]:
    """Load the demo county: every app's demo loader in ``INSTALLED_APPS`` order, in one transaction.
    Returns the counts the loaders report (institutions, elders, users, then each app's own)."""
    today = today or clock.today()
    counts: dict[str, int] = {}
    for _label, loader in demo_loaders():
        counts.update(loader(elders=elders, seed=seed, today=today))
    return counts


def load_registry_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    """The registry's part: regions, the county's institutions and ``elders`` synthetic elders."""
    rng = random.Random(seed)
    load_regions()
    institutions = _institutions(rng)
    centres = {i.region_id: i for i in institutions if i.kind == InstitutionKind.TOWNSHIP_HEALTH_CENTRE}
    homes = [
        i for i in institutions if i.kind in (InstitutionKind.ELDERCARE_HOME, InstitutionKind.INTEGRATED_CARE)
    ]
    villages = list(Region.objects.filter(code__startswith="520621", level="village").order_by("code"))
    # Town seats (街道) are more populous than mountain villages.
    weights = [3.0 if v.code[6:9] in ("001", "002") else 1.0 for v in villages]

    seen: set[str] = set()
    batch: list[Elder] = []
    extras: list[tuple[Elder, list[str], str, list[tuple[str, str, str]]]] = []
    while len(batch) < elders:
        sex = "M" if rng.random() < 0.47 else "F"
        birth = _birth_date(rng, today)
        area = "522221" if rng.random() < 0.35 else "520621"
        number = synthetic_id(rng, birth, sex, area)
        if number in seen:
            continue
        seen.add(number)
        village = rng.choices(villages, weights)[0]
        age = today.year - birth.year
        living = rng.choices(
            [
                LivingSituation.ALONE,
                LivingSituation.EMPTY_NEST,
                LivingSituation.WITH_CHILDREN,
                LivingSituation.IN_INSTITUTION,
            ],
            [0.16, 0.34, 0.46, 0.04 if age < 80 else 0.1],
        )[0]
        residence = rng.choice(homes) if living == LivingSituation.IN_INSTITUTION else None
        name = synthetic_name(rng, sex)
        phone = synthetic_phone(rng) if rng.random() < 0.8 else ""
        elder = Elder(
            name=name,
            id_number_encrypted=crypto.encrypt(number),
            id_number_index=id_number_index(number),
            id_number_masked=mask_id_number(number),
            sex=sex,
            birth_date=birth,
            ethnicity=rng.choice(ETHNICITIES),
            phone_encrypted=crypto.encrypt(phone),
            phone_masked=mask_phone(phone) if phone else "",
            address_encrypted=crypto.encrypt(f"{village.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"),
            region=village,
            residence_status=rng.choices(
                [
                    ResidenceStatus.REGISTERED_RESIDENT,
                    ResidenceStatus.REGISTERED_AWAY,
                    ResidenceStatus.NON_REGISTERED_RESIDENT,
                ],
                [0.86, 0.1, 0.04],
            )[0],
            living_situation=living,
            managing_institution=centres.get(village.code[:9] + "000"),
            residence_institution=residence,
        )
        cats = []
        if age >= 80:
            cats.append(ElderCategoryCode.ADVANCED_AGE)
        r = rng.random()
        if r < 0.05 + 0.002 * max(0, age - 70):
            cats.append(ElderCategoryCode.DISABLED)
        elif r < 0.15 + 0.004 * max(0, age - 70):
            cats.append(ElderCategoryCode.SEMI_DISABLED)
        for code, p in [
            (ElderCategoryCode.LOW_INCOME, 0.09),
            (ElderCategoryCode.DESTITUTE, 0.02),
            (ElderCategoryCode.HANDICAPPED, 0.05),
            (ElderCategoryCode.VETERAN, 0.02),
            (ElderCategoryCode.FAMILY_PLANNING_SPECIAL, 0.01),
            (ElderCategoryCode.LEFT_BEHIND, 0.12),
        ]:
            if rng.random() < p:
                cats.append(code)
        contacts = []
        if living != LivingSituation.IN_INSTITUTION or rng.random() < 0.7:
            contacts.append(
                (
                    synthetic_name(rng, rng.choice("MF"))[:1] + rng.choice(GIVEN) + rng.choice(GIVEN),
                    rng.choice(RELATIONS),
                    synthetic_phone(rng),
                )
            )
        batch.append(elder)
        extras.append((elder, cats, name, contacts))

    Elder.objects.bulk_create(batch, batch_size=1000)
    ElderSearchKey.objects.bulk_create(
        [ElderSearchKey(elder=e, key=k) for e, _c, name, _k in extras for k in sorted(search_keys_for(name))],
        batch_size=5000,
    )
    ElderCategory.objects.bulk_create(
        [ElderCategory(elder=e, category=c, source="演示数据") for e, cats, _n, _k in extras for c in cats],
        batch_size=5000,
    )
    EmergencyContact.objects.bulk_create(
        [
            EmergencyContact(
                elder=e, name=n, relation=rel, phone_encrypted=crypto.encrypt(p), phone_masked=mask_phone(p)
            )
            for e, _c, _n, contacts in extras
            for n, rel, p in contacts
        ],
        batch_size=5000,
    )
    return {"institutions": len(institutions), "elders": len(batch)}
