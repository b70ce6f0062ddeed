"""A realistic year of health management for the demo county, with coverage varying by township.

Run by :func:`yiyang.core.demo.load_demo` after the registry's and the accounts' loaders.
Everything is generated from the seed and ``today``: one family-doctor team per township health
centre (双江's led by doctor_sj, with the demo login ``jtys_sj`` as a member, and ``admin_sj``, the
centre's administrator who manages its teams), the service packages of ``data/packages.yaml``, and
for residents aged 65+ yearly checks (this year and the two before, for the year-on-year charts),
result notices, TCM identifications, hypertension/diabetes registries with follow-ups decided by the
rules, contracts with their services due and delivered and the access grants they write, and
education activities. Rows are bulk-created (no audit rows: demo data is not an action of a user),
so 6,000 elders load in seconds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from yiyang.accounts.models import RoleAssignment, User
from yiyang.assessments.engine import score
from yiyang.assessments.models import AssessmentResponse, ResponseStatus
from yiyang.assessments.registry import get_instrument
from yiyang.assessments.services import content_hash
from yiyang.core import clock
from yiyang.core.actors import system_user
from yiyang.core.demo import DEMO_PASSWORD
from yiyang.core.grants import new_grant
from yiyang.core.models import (
    RESIDENT_STATUSES,
    AccessGrant,
    Elder,
    ElderCategory,
    ElderStatus,
    Institution,
    InstitutionKind,
    Region,
)

from . import icd, rules, services
from .models import (
    ChronicCase,
    ChronicFollowUp,
    Contract,
    ContractService,
    EducationActivity,
    FamilyDoctorTeam,
    FollowThroughItem,
    HealthArchive,
    HealthCheck,
    ServiceDelivery,
    TcmRecord,
    TeamMember,
)
from .models.education import EducationFormat, EducationTopic

FAMILY_DOCTOR_LOGIN = "jtys_sj"
#: the 双江 centre's administrator: forms and manages its family-doctor teams (team.manage)
TEAM_ADMIN_LOGIN = "admin_sj"


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _followthrough_items(
    checks: list[HealthCheck], cases: list[ChronicCase], year: int
) -> list[FollowThroughItem]:
    """What this year's checks ask for next, as services.followthrough.after_check opens it: MMSE and
    GDS-15 after a positive screen, 疑似 items for high BP or glucose of elders not under management."""
    managed = {(c.elder_id, c.disease) for c in cases}
    limits = rules.table("SCREENING_THRESHOLDS")
    days = rules.table("FOLLOW_THROUGH_DAYS")
    items: dict[tuple[int, str], FollowThroughItem] = {}
    for check in checks:
        if check.year != year:
            continue
        day = check.check_date
        wanted = []
        if check.cognitive_screen == rules.SCREEN_POSITIVE:
            wanted.append(("mmse", "认知功能粗筛阳性"))
        if check.emotional_screen == rules.SCREEN_POSITIVE:
            wanted.append(("gds15", "情感状态粗筛阳性"))
        s, d = check.bp_left_systolic or 0, check.bp_left_diastolic or 0
        high = s >= limits["systolic"] or d >= limits["diastolic"]
        if (check.elder_id, "hypertension") not in managed and high:
            wanted.append(("suspected_htn", f"血压 {s}/{d} mmHg"))
        g = check.fasting_glucose
        if (check.elder_id, "diabetes") not in managed and g is not None and g >= limits["fasting_glucose"]:
            wanted.append(("suspected_dm", f"空腹血糖 {g} mmol/L"))
        for kind, finding in wanted:
            items[(check.elder_id, kind)] = FollowThroughItem(
                elder_id=check.elder_id,
                kind=kind,
                reason=f"{day.isoformat()}健康体检{finding}",
                health_check=check,
                due_on=day + dt.timedelta(days=days[kind]),
                doctor=check.doctor,
            )
    return list(items.values())


def _vaccinations(rng: random.Random, day: dt.date) -> list[dict[str, str]]:
    """非免疫规划预防接种史 rows: influenza for about a fifth of elders, pneumococcal for a few."""
    rows = []
    if rng.random() < 0.2:
        rows.append(
            {
                "name": "流感疫苗",
                "date": (day - dt.timedelta(days=rng.randint(20, 300))).isoformat(),
                "institution": "",
            }
        )
    if rng.random() < 0.07:
        rows.append(
            {
                "name": "23价肺炎球菌多糖疫苗",
                "date": (day - dt.timedelta(days=rng.randint(20, 330))).isoformat(),
                "institution": "",
            }
        )
    return rows


def _selfcare_level(r: float, ability: str | None) -> str:
    """The 自理 level of the 体检表 consistent with the elder's 失能/半失能 category (the mapping data:
    不能自理 → 失能, 中度依赖 → 半失能)."""
    if ability == "disabled":
        return "4" if r < 0.8 else "3"
    if ability == "semi_disabled":
        return "3" if r < 0.8 else "2"
    return "1" if r < 0.88 else "2"


def _check_values(
    rng: random.Random,
    day: dt.date,
    complete: bool,
    hypertensive: bool,
    diabetic: bool,
    ability: str | None = None,
) -> dict:
    sbp = int(rng.gauss(148 if hypertensive else 128, 14))
    dbp = int(min(sbp - 30, rng.gauss(86 if hypertensive else 78, 8)))
    height = Decimal(str(round(rng.gauss(156, 7), 1)))
    weight = Decimal(str(round(max(38.0, rng.gauss(58, 9)), 1)))
    values: dict[str, Any] = {
        "check_date": day,
        "symptoms": ["1"] if rng.random() < 0.6 else rng.sample(["2", "3", "4", "13", "14", "15"], 2),
        "self_rating": rng.choice("11222233345"),
        "selfcare_level": _selfcare_level(rng.random(), ability),
        "cognitive_screen": "2" if rng.random() < 0.06 else "1",
        "emotional_screen": "2" if rng.random() < 0.08 else "1",
        "exercise_frequency": rng.choice("1123344"),
        "smoking_status": rng.choice("1111223"),
        "drinking_frequency": rng.choice("111122334"),
        "temperature": Decimal(str(round(rng.uniform(36.1, 37.2), 1))),
        "pulse": rng.randint(60, 92),
        "respiration": rng.randint(14, 22),
        "bp_left_systolic": max(95, min(sbp, 199)),
        "bp_left_diastolic": max(55, min(dbp, 118)),
        "height": height,
        "weight": weight,
        "waist": Decimal(str(round(rng.gauss(84, 8), 1))),
        "lips": "1" if rng.random() < 0.9 else rng.choice("24"),
        "dentition": ["1"] if rng.random() < 0.35 else rng.sample(["2", "3", "4"], rng.randint(1, 2)),
        "pharynx": "1" if rng.random() < 0.88 else "2",
        "vision_left": Decimal(str(round(min(5.2, max(3.8, rng.gauss(4.7, 0.3))), 1))),
        "vision_right": Decimal(str(round(min(5.2, max(3.8, rng.gauss(4.7, 0.3))), 1))),
        "hearing": "2" if rng.random() < 0.12 else "1",
        "motor_function": "2" if rng.random() < 0.05 else "1",
        "skin": "1",
        "lymph_nodes": "1",
        "breath_sounds": "1",
        "heart_rate": rng.randint(60, 92),
        "heart_rhythm": "1" if rng.random() < 0.93 else "2",
        "abdominal_tenderness": "1",
        "abdominal_mass": "1",
        "hepatomegaly": "1",
        "splenomegaly": "1",
        "shifting_dullness": "1",
        "lower_limb_edema": "1",
        "hemoglobin": Decimal(rng.randint(105, 160)),
        "white_cells": Decimal(str(round(rng.uniform(4.0, 9.5), 1))),
        "platelets": Decimal(rng.randint(140, 330)),
        "urine_protein": "-" if rng.random() < 0.9 else "+",
        "urine_glucose": "+" if diabetic and rng.random() < 0.3 else "-",
        "fasting_glucose": Decimal(
            str(round(rng.gauss(8.1 if diabetic else 5.4, 1.0 if diabetic else 0.5), 1))
        ),
        "ecg": "2" if rng.random() < 0.15 else "1",
        "alt": Decimal(rng.randint(10, 45)),
        "ast": Decimal(rng.randint(12, 40)),
        "total_bilirubin": Decimal(str(round(rng.uniform(6, 20), 1))),
        "creatinine": Decimal(rng.randint(55, 110)),
        "urea": Decimal(str(round(rng.uniform(3.5, 7.5), 1))),
        "total_cholesterol": Decimal(str(round(rng.gauss(4.9, 0.7), 2))),
        "triglycerides": Decimal(str(round(max(0.5, rng.gauss(1.5, 0.5)), 2))),
        "ldl": Decimal(str(round(rng.gauss(2.8, 0.5), 2))),
        "hdl": Decimal(str(round(rng.gauss(1.3, 0.2), 2))),
        "abdominal_ultrasound": "2" if rng.random() < 0.2 else "1",
        "health_evaluation": "2" if hypertensive or diabetic or rng.random() < 0.3 else "1",
        "guidance": ["1"] if hypertensive or diabetic else ["2"],
        "risk_factor_control": rng.sample(["3", "4", "6"], 2),
    }
    if not complete:
        for name in rng.sample(
            [
                "ldl",
                "hdl",
                "abdominal_ultrasound",
                "ecg",
                "health_evaluation",
                "waist",
                "pharynx",
                "vision_left",
            ],
            2,
        ):
            values[name] = None if name not in ("health_evaluation", "pharynx") else ""
    return values


def contract_grant(contract: Contract) -> AccessGrant:
    """The grant a contract writes (unsaved): its team sees the elder over the contract's period."""
    return new_grant(
        contract,
        elder_id=contract.elder_id,
        team_id=contract.team_id,
        valid_from=contract.start_date,
        valid_to=contract.effective_end,
    )


def _tcm_patterns(rng: random.Random) -> list[dict]:
    instrument = get_instrument("tcm33")
    patterns = []
    for _ in range(16):
        bias = rng.choice(
            [
                None,
                ["2", "3", "4", "14"],
                ["11", "12", "13", "29"],
                ["9", "16", "28", "32"],
                ["10", "21", "26", "31"],
            ]
        )
        answers = {str(i): rng.choice([1, 1, 1, 2]) for i in range(1, 34)}
        answers["1"] = rng.choice([3, 4, 5])
        for code in bias or []:
            answers[code] = rng.choice([3, 3, 4])
        result = score(instrument, answers)
        patterns.append({"answers": result.answers, "result": result})
    return patterns


def _answer_patterns(instrument_code: str, rng: random.Random, lean: str, n: int) -> list[dict]:
    """Scored answer sets for an instrument: ``lean`` "high" picks the better options, "low" the worse."""
    instrument = get_instrument(instrument_code)
    out = []
    for _ in range(n):
        answers: dict[str, str] = {}
        for section in instrument.sections:
            for item in section.items:
                ranked = sorted(item.options, key=lambda o: -(o.score or 0))
                pool = ranked[:2] if lean == "high" else ranked[1:4] if lean == "mid" else ranked[-3:]
                answers[item.code] = rng.choice(pool).code
        result = score(instrument, answers)
        out.append({"answers": result.answers, "result": result, "version": instrument.version})
    return out


def _response(elder: Elder, code: str, pattern: dict, assessor: User, day: dt.date, due: int | None):  # type: ignore[no-untyped-def]
    result = pattern["result"]
    d = result.as_dict()
    level = d.get("level") or {}
    response = AssessmentResponse(
        elder=elder,
        instrument_code=code,
        instrument_version=pattern["version"],
        status=ResponseStatus.FINAL,
        answers=pattern["answers"],
        total=result.total,
        subscores=result.subscores,
        result=d,
        level_code=level.get("code", "") if isinstance(level, dict) else "",
        level_name=level.get("name", "") if isinstance(level, dict) else "",
        level_reason=result.level_reason or "",
        assessor=assessor,
        assessed_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC),
        finalised_at=dt.datetime.combine(day, dt.time(10, 20), tzinfo=dt.UTC),
        reassessment_due=rules.add_months(day, due) if due else None,
    )
    response.content_hash = content_hash(response)
    return response


def _ability_assessments(
    elders: list[Elder],
    teams: dict[str, FamilyDoctorTeam],
    coverage: dict[str, float],
    ability: dict[int, str],
    today: dt.date,
) -> int:
    """A year of GB/T 42195 assessments for the disabled and semi-disabled (HM-5 near its 70 % target):
    each assessed elder's category follows the assessed level through the mapping data."""
    from yiyang.assessments.services import ability_category

    rng = random.Random(42195)
    patterns = {
        "semi_disabled": _answer_patterns("gbt42195", rng, "mid", 8),
        "disabled": _answer_patterns("gbt42195", rng, "low", 8),
    }
    for kind in patterns:
        patterns[kind] = [
            p
            for p in patterns[kind]
            if ability_category("gbt42195", p["result"].as_dict()["level"]["code"]) == kind
        ] or patterns[kind]
    rows: list[AssessmentResponse] = []
    for e in elders:
        group = ability.get(e.pk)
        town = e.region_id[:9]
        if group is None or town not in teams or rng.random() >= min(0.8, coverage[town] * 0.8):
            continue
        day = _date_between(rng, dt.date(today.year, 2, 1), today - dt.timedelta(days=2))
        rows.append(_response(e, "gbt42195", rng.choice(patterns[group]), teams[town].leader, day, 12))
    AssessmentResponse.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _satisfaction_survey(
    elders: list[Elder], teams: dict[str, FamilyDoctorTeam], coverage: dict[str, float], today: dt.date
) -> int:
    """医养结合服务满意度调查: a sample of elders each year (SA-1…SA-4), mostly satisfied."""
    rng = random.Random(9090)
    instrument = get_instrument("satisfaction")
    rows: list[AssessmentResponse] = []
    for e in elders:
        town = e.region_id[:9]
        if town not in teams or rng.random() >= 0.12:
            continue
        answers: dict[str, str] = {}
        for section in instrument.sections:
            for item in section.items:
                r = rng.random()
                basic = 0.985 - (1 - coverage[town]) * 0.05
                answers[item.code] = "5" if r < 0.72 else "4" if r < basic else "3"
        result = score(instrument, answers)
        pattern = {"answers": result.answers, "result": result, "version": instrument.version}
        day = _date_between(rng, dt.date(today.year, 3, 1), today - dt.timedelta(days=2))
        rows.append(_response(e, "satisfaction", pattern, teams[town].leader, day, None))
    AssessmentResponse.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def load_health_demo(*, elders: int = 0, seed: int = 20221, today: dt.date | None = None) -> dict[str, int]:
    """Load the health-management demo onto the county the registry's loader made (skipped if teams
    exist). ``elders`` is not used: the records are for the elders already there."""
    if FamilyDoctorTeam.objects.exists():
        return {}
    rng = random.Random(seed * 31 + 5)
    today = today or clock.today()
    year = today.year
    packages = {p.code: p for p in services.sync_packages(acting_user=system_user())}
    items = {code: list(p.items.all()) for code, p in packages.items()}
    centres = list(
        Institution.objects.filter(kind=InstitutionKind.TOWNSHIP_HEALTH_CENTRE).order_by("region_id")
    )
    doctor_sj = User.objects.get(username="doctor_sj")
    doctor_tp = User.objects.get(username="doctor_tp")

    # Teams: one per township centre; 双江 led by doctor_sj with jtys_sj, 太平 led by doctor_tp.
    teams: dict[str, FamilyDoctorTeam] = {}
    leaders: dict[str, User] = {}
    fd = User.objects.create_user(
        FAMILY_DOCTOR_LOGIN, password=DEMO_PASSWORD, display_name="双江家庭医生团队 张医生"
    )
    for centre in centres:
        town = centre.region_id[:9]
        if centre.name.startswith("江口县双江"):
            leader = doctor_sj
        elif centre.name.startswith("江口县太平"):
            leader = doctor_tp
        else:
            leader = User.objects.create_user(f"fd_{town}", display_name=f"{centre.name} 团队长")
            leader.set_unusable_password()
            leader.save(update_fields=["password"])
        team = FamilyDoctorTeam.objects.create(
            name=f"{centre.region.name}家庭医生团队", institution=centre, leader=leader
        )
        team.villages.set(Region.objects.filter(code__startswith=town, level="village"))
        TeamMember.objects.create(team=team, user=leader, role="gp")
        RoleAssignment.objects.create(user=leader, role="family_doctor", team=team)
        teams[town] = team
        leaders[town] = leader
    sj_team = next(t for t in teams.values() if t.leader_id == doctor_sj.pk)
    TeamMember.objects.create(team=sj_team, user=fd, role="village_doctor")
    RoleAssignment.objects.create(user=fd, role="family_doctor", team=sj_team)
    admin = User.objects.create_user(
        TEAM_ADMIN_LOGIN, password=DEMO_PASSWORD, display_name="双江街道中心卫生院 院长"
    )
    RoleAssignment.objects.create(user=admin, role="institution_admin", institution=sj_team.institution)
    # Coverage per township: a well-run seat, a few middling, a few lagging (so indicators differ).
    coverage = {town: rng.choice([0.92, 0.85, 0.78, 0.7, 0.62, 0.5, 0.42]) for town in teams}
    coverage[sj_team.institution.region_id[:9]] = 0.88

    elders = list(
        Elder.objects.filter(
            status=ElderStatus.ACTIVE,
            residence_status__in=RESIDENT_STATUSES,
            birth_date__lte=rules.latest_birth_date_for_service(year),
        ).order_by("pk")
    )
    ability = dict(
        ElderCategory.objects.filter(category__in=["disabled", "semi_disabled"]).values_list(
            "elder_id", "category"
        )
    )
    vaccine_rng = random.Random(seed + 65)
    checks: list[HealthCheck] = []
    cases: list[ChronicCase] = []
    archived: set[int] = set()
    hyper: set[int] = set()
    diab: set[int] = set()
    for e in elders:
        town = e.region_id[:9]
        if town not in teams:
            continue
        cov = coverage[town]
        if rng.random() < 0.36:
            hyper.add(e.pk)
        if rng.random() < 0.11:
            diab.add(e.pk)
        team = teams[town]
        for y in (year - 2, year - 1, year):
            if rng.random() >= cov * (0.9 if y < year else 1.0):
                continue
            end = today - dt.timedelta(days=5) if y == year else dt.date(y, 11, 30)
            if end < dt.date(y, 3, 1):
                continue
            day = _date_between(rng, dt.date(y, 3, 1), end)
            complete = rng.random() < 0.85
            values = _check_values(rng, day, complete, e.pk in hyper, e.pk in diab, ability.get(e.pk))
            vaccinations = _vaccinations(vaccine_rng, day)
            if vaccinations:
                values["vaccinations"] = vaccinations
            missing = rules.missing_parts(values)
            notice = None
            if rng.random() < 0.82:
                notice = day + dt.timedelta(days=rng.randint(3, 40))
                if notice > today:
                    notice = None
            check = HealthCheck(
                elder=e,
                year=y,
                institution=team.institution,
                doctor=team.leader,
                recorded_by=team.leader,
                bmi=rules.bmi(values["height"], values["weight"]),
                notice_date=notice,
                notified_in_time=rules.notified_in_time(day, notice),
                part_assessment=not missing["assessment"],
                part_physical=not missing["physical"],
                part_auxiliary=not missing["auxiliary"],
                part_guidance=not missing["guidance"],
                is_complete=all(not m for m in missing.values()),
                influenza_vaccinated=rules.vaccinated(vaccinations, day, "influenza"),
                pneumococcal_vaccinated=rules.vaccinated(vaccinations, day, "pneumococcal"),
                **{k: v for k, v in values.items() if v is not None},
            )
            checks.append(check)
            archived.add(e.pk)
        for disease, members in (("hypertension", hyper), ("diabetes", diab)):
            if e.pk in members and rng.random() < cov + 0.05:
                enrolled = _date_between(rng, dt.date(year - 4, 1, 1), dt.date(year - 1, 6, 30))
                cases.append(
                    ChronicCase(
                        elder=e,
                        disease=disease,
                        icd10_code=icd.HYPERTENSION_CODE if disease == "hypertension" else icd.DIABETES_CODE,
                        diagnosed_on=enrolled - dt.timedelta(days=rng.randint(0, 700)),
                        source=rng.choice(["outpatient", "hospital", "health_check", "screening"]),
                        enrolled_on=enrolled,
                        institution=team.institution,
                        created_by=team.leader,
                    )
                )
                archived.add(e.pk)
    HealthCheck.objects.bulk_create(checks, batch_size=1000)
    ChronicCase.objects.bulk_create(cases, batch_size=1000)

    # Follow-ups through the decision table: quarterly, a recheck in 2 weeks when not controlled.
    followups: list[ChronicFollowUp] = []
    by_elder = {e.pk: e for e in elders}
    for case in cases:
        e = by_elder[case.elder_id]
        town = e.region_id[:9]
        team = teams[town]
        diligence = coverage[town]
        day = max(case.enrolled_on, dt.date(year - 1, 1, 1)) + dt.timedelta(days=rng.randint(0, 40))
        # Each patient has a usual level: counties report control near 50–70 %, so about 60 % of
        # patients sit below target and the rest above it, visit after visit (own generator).
        usual = random.Random(case.elder_id * 7 + len(case.disease))
        on_target = usual.random() < 0.5
        mean_sbp = usual.gauss(134, 5) if on_target else usual.gauss(160, 6)
        mean_fbg = usual.gauss(6.2, 0.35) if on_target else usual.gauss(8.6, 0.9)
        previous = None
        previous_controlled: bool | None = None
        next_due = case.enrolled_on
        while day <= today:
            if rng.random() < diligence + 0.05:
                s = int(rng.gauss(mean_sbp, 7))
                d = int(min(s - 30, rng.gauss(78 if on_target else 88, 5)))
                glucose = (
                    Decimal(str(round(max(4.2, rng.gauss(mean_fbg, 0.5)), 1)))
                    if case.disease == "diabetes"
                    else None
                )
                facts = rules.VisitFacts(
                    disease=case.disease,
                    age=rules.age_on(e.birth_date, day),
                    systolic=max(95, min(s, 178)),
                    diastolic=max(55, min(d, 108)),
                    fasting_glucose=glucose if glucose is None else min(glucose, Decimal("16.0")),
                    adverse_reaction=rng.random() < 0.03,
                    previous_classification=previous,
                    previous_controlled=previous_controlled,
                )
                decision = rules.decide(facts, day)
                followups.append(
                    ChronicFollowUp(
                        case=case,
                        elder=e,
                        visit_date=day,
                        method=rng.choice("1122223"),
                        systolic=facts.systolic,
                        diastolic=facts.diastolic,
                        fasting_glucose=facts.fasting_glucose,
                        adherence=rng.choice("1112"),
                        adverse_reaction=facts.adverse_reaction,
                        controlled=decision.controlled,
                        classification=decision.classification,
                        action=decision.action,
                        rule=decision.rule,
                        next_visit_date=decision.next_visit_date,
                        referral_reason="；".join(decision.urgent_reasons)[:200],
                        institution=team.institution,
                        doctor=team.leader,
                    )
                )
                previous = decision.classification
                previous_controlled = decision.controlled
                next_due = decision.next_visit_date
                day = (
                    decision.next_visit_date
                    if decision.action != "routine"
                    else day + dt.timedelta(days=rng.randint(80, 100))
                )
            else:
                day += dt.timedelta(days=rng.randint(60, 120))
        case.next_visit_due = next_due
    # Each follow-up knows the date of the case's next one (as services.link_followups keeps it): HM-8B/8D
    # read the last follow-up of a period through it.
    by_case: dict[int, list[ChronicFollowUp]] = {}
    for f in followups:
        by_case.setdefault(id(f.case), []).append(f)
    for rows in by_case.values():
        rows.sort(key=lambda f: f.visit_date)
        for current, following in itertools.pairwise(rows):
            current.superseded_on = following.visit_date
    ChronicFollowUp.objects.bulk_create(followups, batch_size=2000)
    ChronicCase.objects.bulk_update(cases, ["next_visit_due"], batch_size=1000)
    FollowThroughItem.objects.bulk_create(_followthrough_items(checks, cases, year), batch_size=2000)

    # TCM: about as often as checks, from a few scored answer patterns.
    patterns = _tcm_patterns(rng)
    instrument = get_instrument("tcm33")
    tcm_pairs: list[tuple[AssessmentResponse, dict]] = []
    for e in elders:
        town = e.region_id[:9]
        if town not in teams or rng.random() >= coverage[town] * 0.85:
            continue
        team = teams[town]
        p = rng.choice(patterns)
        day = _date_between(rng, dt.date(year, 3, 1), today - dt.timedelta(days=3))
        result = p["result"]
        response = AssessmentResponse(
            elder=e,
            instrument_code="tcm33",
            instrument_version=instrument.version,
            status=ResponseStatus.FINAL,
            answers=p["answers"],
            total=result.total,
            subscores=result.subscores,
            result=result.as_dict(),
            level_reason=result.level_reason or "",
            assessor=team.leader,
            assessed_at=dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC),
            finalised_at=dt.datetime.combine(day, dt.time(9, 40), tzinfo=dt.UTC),
            reassessment_due=rules.add_months(day, 12),
        )
        response.content_hash = content_hash(response)
        levels = {code: lv["code"] for code, lv in result.as_dict()["levels"].items()}
        tcm_pairs.append(
            (response, {"elder": e, "day": day, "levels": levels, "scores": result.scores, "team": team})
        )
        archived.add(e.pk)
    AssessmentResponse.objects.bulk_create([r for r, _ in tcm_pairs], batch_size=1000)
    TcmRecord.objects.bulk_create(
        [
            TcmRecord(
                elder=info["elder"],
                service_date=info["day"],
                response=response,
                constitutions=info["levels"],
                primary_constitution=services.primary_constitution(info["levels"], info["scores"]),
                guidance={
                    c: sorted(rng.sample(["1", "2", "3", "4", "5"], 2))
                    for c in services.constitutions_needing_guidance(info["levels"])
                },
                is_complete=not services.tcm.all_no(info["levels"]),
                institution=info["team"].institution,
                doctor=info["team"].leader,
            )
            for response, info in tcm_pairs
        ],
        batch_size=1000,
    )

    people = list(by_elder.values())
    assessed = _ability_assessments(people, teams, coverage, ability, today)
    surveyed = _satisfaction_survey(people, teams, coverage, today)

    # Contracts with their services; deliveries as diligently as the township works.
    contracts: list[tuple[Contract, list[str]]] = []
    for e in elders:
        town = e.region_id[:9]
        if town not in teams or rng.random() >= min(0.97, coverage[town] + 0.08):
            continue
        team = teams[town]
        start = _date_between(rng, today - dt.timedelta(days=330), today - dt.timedelta(days=2))
        codes = ["BASIC", "ELDERLY"] + (["CHRONIC"] if e.pk in hyper or e.pk in diab else [])
        doctor = fd if team is sj_team and rng.random() < 0.5 else team.leader
        c = Contract(
            elder=e,
            team=team,
            doctor=doctor,
            signed_on=start,
            start_date=start,
            end_date=rules.add_months(start, 12) - dt.timedelta(days=1),
            created_by=team.leader,
        )
        contracts.append((c, codes))
        archived.add(e.pk)
    Contract.objects.bulk_create([c for c, _ in contracts], batch_size=1000)
    # Each contract opens its elder to its team, as sign_contract's grant does.
    AccessGrant.objects.bulk_create([contract_grant(c) for c, _ in contracts], batch_size=5000)
    through = Contract.packages.through
    through.objects.bulk_create(
        [
            through(contract_id=c.pk, servicepackage_id=packages[code].pk)
            for c, codes in contracts
            for code in codes
        ],
        batch_size=5000,
    )
    due_rows: list[ContractService] = []
    for c, codes in contracts:
        due_rows.extend(services.service_rows(c, [i for code in codes for i in items[code]]))
    ContractService.objects.bulk_create(due_rows, batch_size=5000)
    deliveries = []
    for row in due_rows:
        town = row.contract.elder.region_id[:9]
        if row.window_start <= today and rng.random() < coverage[town] * (
            0.95 if row.due_date < today else 0.5
        ):
            day = _date_between(rng, row.window_start, min(row.due_date, today))
            deliveries.append(
                ServiceDelivery(
                    contract=row.contract,
                    service=row,
                    item_code=row.item_code,
                    delivered_on=day,
                    delivered_by=row.contract.doctor,
                    place=rng.choice(["home", "home", "clinic", "clinic", "phone"]),
                )
            )
    ServiceDelivery.objects.bulk_create(deliveries, batch_size=5000)

    # Archives for everyone with a health record, numbered per village.
    serial: dict[str, int] = {}
    archives = []
    for pk in sorted(archived):
        e = by_elder[pk]
        serial[e.region_id] = serial.get(e.region_id, 0) + 1
        town = e.region_id[:9]
        archives.append(
            HealthArchive(
                elder=e,
                number=rules.archive_number(e.region_id, serial[e.region_id]),
                established_on=dt.date(year - 3, 1, 1) + dt.timedelta(days=rng.randint(0, 700)),
                institution=teams[town].institution,
                established_by=teams[town].leader,
                responsible_doctor=teams[town].leader,
                blood_type=rng.choice("12345"),
                drug_allergies=["1"] if rng.random() < 0.9 else ["2"],
            )
        )
    HealthArchive.objects.bulk_create(archives, batch_size=2000)

    # Education: a few activities per township this year, some attendees linked.
    topics = list(EducationTopic.values)
    activities = []
    links = []
    town_elders: dict[str, list[Elder]] = {}
    for e in elders:
        town_elders.setdefault(e.region_id[:9], []).append(e)
    for town, team in teams.items():
        for _ in range(int(4 + coverage[town] * 8)):
            day = _date_between(rng, dt.date(year, 1, 10), today - dt.timedelta(days=1))
            topic = rng.choice(topics)
            count = rng.randint(15, 60)
            a = EducationActivity(
                topic=topic,
                title=f"{EducationTopic(topic).label}讲座",
                format=rng.choice(EducationFormat.values),
                held_on=day,
                place=f"{team.institution.region.name}新时代文明实践站",
                region=team.institution.region,
                institution=team.institution,
                organiser=team.leader,
                attendee_count=count,
            )
            activities.append(a)
            pool = town_elders.get(town, [])
            links.append((a, rng.sample(pool, min(len(pool), count // 3))))
    EducationActivity.objects.bulk_create(activities)
    att = EducationActivity.attendees.through
    att.objects.bulk_create(
        [att(educationactivity_id=a.pk, elder_id=e.pk) for a, es in links for e in es], batch_size=5000
    )
    return {
        "teams": len(teams),
        "health_checks": len(checks),
        "chronic_cases": len(cases),
        "followups": len(followups),
        "tcm_records": len(tcm_pairs),
        "contracts": len(contracts),
        "services_due": len(due_rows),
        "deliveries": len(deliveries),
        "archives": len(archives),
        "education": len(activities),
        "ability_assessments": assessed,
        "satisfaction_responses": surveyed,
    }
