"""Health archive benchmark: an elder's archive page and timeline with 1,000 records among 1,000,000 elders.

    .venv/bin/python bench/health_archive_bench.py [--runs 200] [--warmup 20] [--explain] [--no-write]
        [--records 1000] [--heavy 3] [--background 200000] [--reset-data] [--seed 5]

Data (added once to the search benchmark's database ``yiyang_bench``, which must hold its elders;
skipped when the heavy elders' records are there, rebuilt with ``--reset-data`` or when the elders
were regenerated), made with the app's own constructors and rules and written with COPY in one
transaction (about 2.5 minutes):

* a family-doctor team for every township health centre of 贵州 (the demo county's own teams as the
  demo loads them — 双江's led by ``doctor_sj`` with ``jtys_sj`` — and one led by a ``bench_fd_<id>``
  user elsewhere) and the service packages of ``health/data/packages.yaml``; every contract below is
  written with the access grant ``sign_contract`` writes;
* ``--heavy`` elders (default 3) of 双江街道, aged 82 or more, with ``--records`` timeline entries each
  (default 1,000) over 15 years: a contract a year with the BASIC, ELDERLY, CHRONIC and DISABLED
  packages, its services due (``services.service_rows``) and about 95 % of them delivered; 60 health
  checks (``demo._check_values``, completeness from ``rules.missing_parts``); 60 scale assessments
  (selfcare, Barthel, Mini-Cog, GDS-15, Morse, Braden, scored by the assessments engine); 30 TCM
  identifications (tcm33 responses + TCM records); 80 education activities attended; 30 diagnoses;
  and hypertension and diabetes follow-ups classified by ``rules.decide`` for the rest;
* background: ``--background`` other elders (default 200,000, random over the province) with 1–3
  records each — health checks, follow-ups of a hypertension or diabetes case, TCM identifications,
  contracts with their services due and some deliveries, education attendance — and an archive each.

What is timed, as the county health officer ``wjj``, the township doctor ``doctor_sj`` (双江街道中心
卫生院, also leader of its team) and the 双江 family doctor ``jtys_sj``, through Django's test client:
the archive page (session login), the timeline fragment htmx loads (first page; filtered by kind and
year), and ``GET /api/v1/elders/{id}/timeline`` (bearer token; first page, filtered, and page 20, the
last one, which reads the whole history). Requests rotate over the heavy elders; all cases and the baseline (a
bare primary-key ``SELECT`` on ``core_elder``, same connection) are interleaved. Figures go to
``docs/benchmarks.md`` (between the ``bench:health-archive`` markers), raw timings to
``bench/out/health_archive.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(BENCH_DIR.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

from search_bench import HEADER, Timer, machine, percentile  # noqa: E402

DOC = BENCH_DIR.parent / "docs" / "benchmarks.md"
OUT_DIR = BENCH_DIR / "out"
START = "<!-- bench:health-archive:start -->"
END = "<!-- bench:health-archive:end -->"
GOAL_MS = 150.0
YEARS = 15
HEAVY_INSTITUTION = 3  # 江口县双江街道中心卫生院 (doctor_sj's)
HEAVY_PACKAGES = ("BASIC", "ELDERLY", "CHRONIC", "DISABLED")
SCALES = ("selfcare", "barthel", "minicog", "gds15", "morse", "braden")
CHUNK = 20_000

CASES = {
    "archive": "archive page `/health/elders/{id}/`",
    "fragment": "timeline fragment (htmx), first page",
    "fragment_filter": "timeline fragment, filtered by kind (+ year)",
    "api": "`GET /api/v1/elders/{id}/timeline`",
    "api_filter": "API timeline, `?kind=…(&year=…)`",
    "api_last": "API timeline, `?page=20` (the last page)",
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def setup() -> None:
    import django

    django.setup()


# --------------------------------------------------------------------------------------------------
# Writing rows: model instances built by the app's code, written with COPY
# --------------------------------------------------------------------------------------------------


class Writer:
    """COPYs model instances (their fields prepared by Django, as ``bulk_create`` would) and hands out
    primary keys for the rows others point at; the sequences are moved past them at the end."""

    def __init__(self, cur, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
        self.cur = cur
        self.now = now
        self.next_id: dict[type, int] = {}
        self.counts: Counter[str] = Counter()

    def pk(self, model: type) -> int:
        if model not in self.next_id:
            self.cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")  # type: ignore[attr-defined]
            self.next_id[model] = self.cur.fetchone()[0]
        value = self.next_id[model]
        self.next_id[model] += 1
        return value

    def copy(self, model: type, objs: list) -> None:  # type: ignore[type-arg]
        from django.db import connection

        if not objs:
            return
        with_pk = objs[0].pk is not None
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]  # type: ignore[attr-defined]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with self.cur.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as cp:  # type: ignore[attr-defined]
            for obj in objs:
                row = []
                for f in fields:
                    value = getattr(obj, f.attname)
                    if value is None and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)):
                        value = self.now
                    row.append(f.get_db_prep_save(value, connection))
                cp.write_row(row)
        self.counts[model._meta.db_table] += len(objs)  # type: ignore[attr-defined]

    def finish(self) -> None:
        for model, nxt in self.next_id.items():
            table = model._meta.db_table  # type: ignore[attr-defined]
            self.cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [max(1, nxt - 1)])


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    from yiyang.health.demo import _date_between

    return _date_between(rng, start, end)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=dt.UTC)


class Maker:
    """Builds realistic rows of each kind, through the app's own rules and constructors."""

    def __init__(self, w: Writer, rng: random.Random, today: dt.date) -> None:
        from yiyang.assessments.registry import get_instrument
        from yiyang.health.demo import _tcm_patterns
        from yiyang.health.models import ServicePackageItem

        self.w, self.rng, self.today = w, rng, today
        self.tcm_patterns = _tcm_patterns(rng)
        self.instruments = {code: get_instrument(code) for code in (*SCALES, "tcm33")}
        self.items: dict[str, list] = {}  # type: ignore[type-arg]
        for item in ServicePackageItem.objects.select_related("package").order_by("package_id", "code"):
            self.items.setdefault(item.package.code, []).append(item)
        self.package_ids = {code: items[0].package_id for code, items in self.items.items()}
        self.serial: dict[str, int] = {}
        self.heavy_activities: list[int] = []  # the 双江 activities the heavy elders attend
        self.rows: dict[type, list] = {}  # type: ignore[type-arg]

    def add(self, obj) -> None:  # type: ignore[no-untyped-def]
        self.rows.setdefault(type(obj), []).append(obj)

    def flush(self) -> None:
        from yiyang.assessments.models import AssessmentResponse
        from yiyang.core.models import AccessGrant
        from yiyang.health import models as m

        order = [
            m.ChronicCase, m.ChronicFollowUp, m.HealthCheck, AssessmentResponse, m.TcmRecord, m.Contract,
            AccessGrant, m.Contract.packages.through, m.ContractService, m.ServiceDelivery,
            m.EducationActivity, m.EducationActivity.attendees.through, m.Diagnosis, m.Medication,
            m.HealthArchive,
        ]  # fmt: skip
        for model in order:
            self.w.copy(model, self.rows.pop(model, []))
        assert not self.rows, f"rows of unexpected models: {list(self.rows)}"

    def check(self, elder_id: int, day: dt.date, team, sick: tuple[bool, bool]) -> None:  # type: ignore[no-untyped-def]
        from yiyang.health import rules
        from yiyang.health.demo import _check_values
        from yiyang.health.models import HealthCheck

        rng = self.rng
        values = _check_values(rng, day, rng.random() < 0.85, *sick)
        missing = rules.missing_parts(values)
        notice = day + dt.timedelta(days=rng.randint(3, 40)) if rng.random() < 0.82 else None
        self.add(
            HealthCheck(
                elder_id=elder_id,
                year=day.year,
                institution_id=team.institution_id,
                doctor_id=team.leader_id,
                recorded_by_id=team.leader_id,
                bmi=rules.bmi(values["height"], values["weight"]),
                notice_date=notice if notice and notice <= self.today else None,
                part_assessment=not missing["assessment"],
                part_physical=not missing["physical"],
                part_auxiliary=not missing["auxiliary"],
                part_guidance=not missing["guidance"],
                is_complete=all(not v for v in missing.values()),
                created_at=_at(day, 16),
                **{k: v for k, v in values.items() if v is not None},
            )
        )

    def case(self, elder_id: int, disease: str, enrolled: dt.date, team):  # type: ignore[no-untyped-def]
        from yiyang.health import icd
        from yiyang.health.models import ChronicCase

        c = ChronicCase(
            id=self.w.pk(ChronicCase),
            elder_id=elder_id,
            disease=disease,
            icd10_code=icd.HYPERTENSION_CODE if disease == "hypertension" else icd.DIABETES_CODE,
            diagnosed_on=enrolled - dt.timedelta(days=self.rng.randint(0, 700)),
            source=self.rng.choice(["outpatient", "hospital", "health_check", "screening"]),
            enrolled_on=enrolled,
            institution_id=team.institution_id,
            created_by_id=team.leader_id,
            created_at=_at(enrolled),
        )
        self.add(c)
        return c

    def followups(self, case, birth: dt.date, days: list[dt.date], team) -> None:  # type: ignore[no-untyped-def]
        """Visits of one case on ``days`` (sorted), each classified by the decision table."""
        from decimal import Decimal

        from yiyang.health import rules
        from yiyang.health.models import ChronicFollowUp

        rng, previous = self.rng, None
        for day in days:
            s = int(rng.gauss(146, 16))
            d = int(min(s - 30, rng.gauss(87, 9)))
            glucose = None
            if case.disease == "diabetes":
                glucose = min(Decimal(str(round(max(4.2, rng.gauss(7.6, 1.6)), 1))), Decimal("16.0"))
            facts = rules.VisitFacts(
                disease=case.disease,
                age=rules.age_on(birth, day),
                systolic=max(95, min(s, 178)),
                diastolic=max(55, min(d, 108)),
                fasting_glucose=glucose,
                adverse_reaction=rng.random() < 0.03,
                previous_classification=previous,
            )
            decision = rules.decide(facts, day)
            self.add(
                ChronicFollowUp(
                    case_id=case.pk,
                    elder_id=case.elder_id,
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
                    institution_id=team.institution_id,
                    doctor_id=team.leader_id,
                    created_at=_at(day, 11),
                )
            )
            previous = decision.classification
            case.next_visit_due = decision.next_visit_date

    def response(self, elder_id: int, code: str, day: dt.date, team, answers=None, result=None):  # type: ignore[no-untyped-def]
        """A finalised assessment, scored by the engine (answers drawn at random unless given)."""
        from yiyang.assessments.engine import score
        from yiyang.assessments.models import AssessmentResponse, ResponseStatus
        from yiyang.assessments.services import content_hash
        from yiyang.health import rules

        instrument = self.instruments[code]
        if result is None:
            answers = {
                item.code: self.rng.choice(item.options).code for s in instrument.sections for item in s.items
            }
            result = score(instrument, answers)
        r = AssessmentResponse(
            id=self.w.pk(AssessmentResponse),
            elder_id=elder_id,
            instrument_code=code,
            instrument_version=instrument.version,
            status=ResponseStatus.FINAL,
            answers=result.answers,
            total=result.total,
            subscores=result.subscores,
            result=result.as_dict(),
            level_code=result.level.code if result.level else "",
            level_name=result.level.name if result.level else "",
            level_reason=(result.level_reason or "") if result.level is None else "",
            assessor_id=team.leader_id,
            assessed_at=_at(day),
            finalised_at=_at(day, 10),
            reassessment_due=rules.add_months(day, instrument.validity_months or 12),
            created_at=_at(day, 10),
            updated_at=_at(day, 10),
        )
        r.content_hash = content_hash(r)
        self.add(r)
        return r

    def tcm(self, elder_id: int, day: dt.date, team) -> None:  # type: ignore[no-untyped-def]
        from yiyang.health import services
        from yiyang.health.models import TcmRecord

        p = self.rng.choice(self.tcm_patterns)
        result = p["result"]
        response = self.response(elder_id, "tcm33", day, team, p["answers"], result)
        levels = {code: lv["code"] for code, lv in result.as_dict()["levels"].items()}
        self.add(
            TcmRecord(
                elder_id=elder_id,
                service_date=day,
                response_id=response.pk,
                constitutions=levels,
                primary_constitution=services.primary_constitution(levels, result.scores),
                guidance={
                    c: sorted(self.rng.sample(["1", "2", "3", "4", "5"], 2))
                    for c in services.constitutions_needing_guidance(levels)
                },
                is_complete=True,
                institution_id=team.institution_id,
                doctor_id=team.leader_id,
                created_at=_at(day, 10),
            )
        )

    def contract(self, elder_id: int, start: dt.date, team, packages, *, deliver: float, renewal_of=None):  # type: ignore[no-untyped-def]
        """A one-year contract, its services due (``services.service_rows``) and the share ``deliver``
        of those already due delivered; returns (contract, deliveries)."""
        from yiyang.health import rules, services
        from yiyang.health.demo import contract_grant
        from yiyang.health.models import Contract, ContractService, ContractStatus, ServiceDelivery

        end = rules.add_months(start, 12) - dt.timedelta(days=1)
        c = Contract(
            id=self.w.pk(Contract),
            elder_id=elder_id,
            team_id=team.pk,
            doctor_id=team.leader_id,
            signed_on=start,
            start_date=start,
            end_date=end,
            status=ContractStatus.ACTIVE if end >= self.today else ContractStatus.EXPIRED,
            renewal_of_id=renewal_of.pk if renewal_of else None,
            created_by_id=team.leader_id,
            created_at=_at(start),
        )
        if renewal_of is not None:
            renewal_of.status = ContractStatus.RENEWED
        self.add(c)
        self.add(contract_grant(c))  # as sign_contract writes it: the team sees the elder for the period
        through = Contract.packages.through
        for code in packages:
            self.add(through(contract_id=c.pk, servicepackage_id=self.package_ids[code]))
        delivered = 0
        for row in services.service_rows(c, [i for code in packages for i in self.items[code]]):
            row.id = self.w.pk(ContractService)
            self.add(row)
            if row.window_start <= self.today and self.rng.random() < deliver * (
                1 if row.due_date < self.today else 0.5
            ):
                self.add(
                    ServiceDelivery(
                        contract_id=c.pk,
                        service_id=row.pk,
                        item_code=row.item_code,
                        delivered_on=_day(self.rng, row.window_start, min(row.due_date, self.today)),
                        delivered_by_id=c.doctor_id,
                        place=self.rng.choice(["home", "home", "clinic", "clinic", "phone"]),
                        created_at=_at(row.window_start),
                    )
                )
                delivered += 1
        return c, delivered

    def archive(self, elder_id: int, village: str, established: dt.date, team) -> None:  # type: ignore[no-untyped-def]
        from yiyang.health import rules
        from yiyang.health.models import HealthArchive

        self.serial[village] = self.serial.get(village, 0) + 1
        self.add(
            HealthArchive(
                elder_id=elder_id,
                number=rules.archive_number(village, self.serial[village]),
                established_on=established,
                institution_id=team.institution_id,
                established_by_id=team.leader_id,
                responsible_doctor_id=team.leader_id,
                blood_type=self.rng.choice("12345"),
                drug_allergies=["1"] if self.rng.random() < 0.9 else ["2"],
            )
        )

    def activities(self, team, town_name: str, n: int, start: dt.date) -> list[int]:  # type: ignore[no-untyped-def]
        from yiyang.health.models import EducationActivity
        from yiyang.health.models.education import EducationFormat, EducationTopic

        ids = []
        for _ in range(n):
            topic = self.rng.choice(EducationTopic.values)
            a = EducationActivity(
                id=self.w.pk(EducationActivity),
                topic=topic,
                title=f"{EducationTopic(topic).label}讲座",
                format=self.rng.choice(EducationFormat.values),
                held_on=_day(self.rng, start, self.today - dt.timedelta(days=1)),
                place=f"{town_name}新时代文明实践站",
                region_id=team.institution.region_id,
                institution_id=team.institution_id,
                organiser_id=team.leader_id,
                attendee_count=self.rng.randint(15, 60),
            )
            self.add(a)
            ids.append(a.pk)
        return ids

    def attend(self, activity_id: int, elder_id: int) -> None:
        from yiyang.health.models import EducationActivity

        through = EducationActivity.attendees.through
        self.add(through(educationactivity_id=activity_id, elder_id=elder_id))


def ensure_teams() -> dict[int, object]:
    """A family-doctor team for every township health centre of 贵州 (institution id → team): the demo
    county's own teams as the demo loaded them (双江's led by doctor_sj with jtys_sj, both holding the
    family-doctor role), and one more per centre elsewhere, led by a ``bench_fd_<centre id>`` user."""
    from django.contrib.auth.hashers import make_password

    from yiyang.accounts.models import User
    from yiyang.core.actors import system_user
    from yiyang.core.models import Institution, InstitutionKind, Region, TeamKind
    from yiyang.health import services
    from yiyang.health.models import FamilyDoctorTeam, TeamMember

    services.sync_packages(acting_user=system_user())
    centres = list(
        Institution.objects.filter(
            kind__in=(InstitutionKind.TOWNSHIP_HEALTH_CENTRE, InstitutionKind.COMMUNITY_HEALTH_CENTRE),
            region__level="township",
            region__code__startswith="52",
        )
        .select_related("region")
        .order_by("pk")
    )
    by_institution = {t.institution_id: t for t in FamilyDoctorTeam.objects.order_by("pk")}
    missing = [c for c in centres if c.pk not in by_institution]
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench_fd_{c.pk}",
                display_name=f"{c.name[:30]} 团队长",
                password=make_password(None),
            )
            for c in missing
        ],
        batch_size=2000,
    )
    teams = FamilyDoctorTeam.objects.bulk_create(
        [
            FamilyDoctorTeam(
                kind=TeamKind.FAMILY_DOCTOR, name=f"{c.region.name}家庭医生团队", institution=c, leader=u
            )
            for c, u in zip(missing, users, strict=True)
        ],
        batch_size=2000,
    )
    TeamMember.objects.bulk_create([TeamMember(team=t, user_id=t.leader_id, role="gp") for t in teams])
    villages: dict[str, list[str]] = {}
    for code in Region.objects.filter(level="village", code__startswith="52").values_list("code", flat=True):
        villages.setdefault(code[:9], []).append(code)
    through = FamilyDoctorTeam.villages.through
    through.objects.bulk_create(
        [
            through(team_id=t.pk, region_id=v)
            for t, c in zip(teams, missing, strict=True)
            for v in villages.get(c.region_id[:9], [])
        ],
        batch_size=5000,
    )
    by_institution |= {t.institution_id: t for t in teams}
    log(f"{len(by_institution):,} family-doctor teams ({len(teams):,} made here, with leaders and villages)")
    return by_institution  # type: ignore[return-value]


def pick_heavy(n: int, rng: random.Random, today: dt.date) -> list[int]:
    """``n`` residents of 双江 aged 82+ without a contract yet (their history brings its own)."""
    from yiyang.core.models import RESIDENT_STATUSES, Elder, ElderStatus

    ids = sorted(
        Elder.objects.filter(
            managing_institution_id=HEAVY_INSTITUTION,
            status=ElderStatus.ACTIVE,
            residence_status__in=RESIDENT_STATUSES,
            birth_date__lte=rules_add_years(today, -82),
            family_contracts__isnull=True,
        ).values_list("pk", flat=True)
    )
    return rng.sample(ids, n)


def heavy_history(mk: Maker, elder, team, n: int) -> Counter[str]:  # type: ignore[no-untyped-def]
    """``n`` timeline entries for one elder over YEARS years."""
    from yiyang.health import icd, rules
    from yiyang.health.models import Diagnosis, Medication

    rng, today = mk.rng, mk.today
    start = max(rules.add_months(today, -12 * YEARS), rules.add_months(elder.birth_date, 12 * 65))
    made: Counter[str] = Counter()

    def days(k: int, lo: dt.date = start, hi: dt.date = today - dt.timedelta(days=3)) -> list[dt.date]:
        return sorted(_day(rng, lo, hi) for _ in range(k))

    # A contract a year, each renewing the last; the last one is in force today.
    first = today - dt.timedelta(days=365 * (YEARS - 1) + 300)
    previous = None
    for k in range(YEARS):
        previous, delivered = mk.contract(
            elder.pk, rules.add_months(first, 12 * k), team, HEAVY_PACKAGES, deliver=0.95, renewal_of=previous
        )
        made["contract"] += 1
        made["service"] += delivered
    for day in days(60):
        mk.check(elder.pk, day, team, (True, True))
        made["check"] += 1
    for i, day in enumerate(days(60)):
        mk.response(elder.pk, SCALES[i % len(SCALES)], day, team)
        made["assessment"] += 1
    for day in days(30):
        mk.tcm(elder.pk, day, team)
        made["tcm"] += 1
        made["assessment"] += 1
    for activity in rng.sample(mk.heavy_activities, 80):
        mk.attend(activity, elder.pk)
        made["education"] += 1
    codes = list(icd.codes().values())
    for day in days(30):
        code = rng.choice(codes)
        mk.add(
            Diagnosis(
                elder_id=elder.pk,
                icd10_code=code.code,
                name=code.name,
                diagnosed_on=day,
                source=rng.choice(["健康体检", "门诊", "住院", "随访"]),
                status=rng.choice(["active", "active", "resolved"]),
                recorded_by_id=team.leader_id,
                recorded_at=_at(day, 15),
            )
        )
        made["diagnosis"] += 1
    drugs = [("硝苯地平缓释片", "每日1次 每次20mg"), ("二甲双胍片", "每日2次 每次0.5g"),
             ("阿托伐他汀钙片", "每晚1次 每次20mg"), ("阿司匹林肠溶片", "每日1次 每次100mg")]  # fmt: skip
    for name, dose in drugs:
        mk.add(
            Medication(
                elder_id=elder.pk, name=name, route="口服", dose=dose, started_on=start, adherence="1",
                recorded_by_id=team.leader_id,
            )
        )  # fmt: skip
    rest = n - sum(made.values())
    if rest < 0:
        raise SystemExit(f"--records {n} is too few for the fixed part of the history ({sum(made.values())})")
    cases = [mk.case(elder.pk, "hypertension", start, team), mk.case(elder.pk, "diabetes", start, team)]
    visits = days(rest, start + dt.timedelta(days=14))
    for i, case in enumerate(cases):
        mk.followups(case, elder.birth_date, visits[i::2], team)
    made["followup"] += len(visits)
    mk.archive(elder.pk, elder.region_id, start, team)
    return made


def background(mk: Maker, teams: dict, n: int, exclude: set[int]) -> Counter[str]:  # type: ignore[type-arg]
    """1–3 records for each of ``n`` elders drawn at random from the whole registry."""
    from yiyang.core.models import Elder

    rng, today = mk.rng, mk.today
    since = rules_add_years(today, -3)
    top = Elder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = sorted(set(rng.sample(range(1, top + 1), min(top, n + len(exclude)))) - exclude)[:n]
    kinds = ["check", "followup", "tcm", "contract", "education"]
    weights = [0.45, 0.25, 0.1, 0.1, 0.1]
    made: Counter[str] = Counter()
    town_activities: dict[int, list[int]] = {}
    t0 = time.perf_counter()
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        rows = Elder.objects.filter(pk__in=chunk).values_list(
            "pk", "region_id", "birth_date", "managing_institution_id"
        )
        for pk, village, birth, institution in rows:
            team = teams.get(institution)
            if team is None:
                continue
            picks = rng.choices(kinds, weights, k=rng.randint(1, 3))
            sick = (rng.random() < 0.36, rng.random() < 0.11)
            case = None
            attended: set[int] = set()
            for kind in picks:
                day = _day(rng, since, today - dt.timedelta(days=3))
                if kind == "check":
                    mk.check(pk, day, team, sick)
                elif kind == "followup":
                    if case is None:
                        disease = "diabetes" if sick[1] and not sick[0] else "hypertension"
                        case = mk.case(pk, disease, day - dt.timedelta(days=rng.randint(30, 900)), team)
                    mk.followups(case, birth, [day], team)
                elif kind == "tcm":
                    mk.tcm(pk, day, team)
                elif kind == "contract":
                    start = _day(rng, today - dt.timedelta(days=700), today - dt.timedelta(days=2))
                    packages = ("BASIC", "ELDERLY") + (("CHRONIC",) if any(sick) else ())
                    _c, delivered = mk.contract(pk, start, team, packages, deliver=0.15)
                    made["service"] += delivered
                else:
                    if institution not in town_activities:
                        town_activities[institution] = mk.activities(
                            team, team.institution.region.name, 6, since
                        )
                    activity = rng.choice([a for a in town_activities[institution] if a not in attended])
                    attended.add(activity)
                    mk.attend(activity, pk)
                made[kind] += 1
            mk.archive(pk, village, since, team)
            made["elders"] += 1
        mk.flush()
        done = min(at + CHUNK, len(ids))
        log(f"background: {done:,}/{len(ids):,} elders ({time.perf_counter() - t0:.0f} s)")
    return made


def rules_add_years(day: dt.date, years: int) -> dt.date:
    from yiyang.health import rules

    return rules.add_months(day, 12 * years)


HEALTH_TABLES = (
    "health_healthcheck", "health_chroniccase", "health_chronicfollowup", "health_tcmrecord",
    "assessments_assessmentresponse", "health_contract", "health_contract_packages",
    "health_contractservice", "health_servicedelivery", "health_educationactivity",
    "health_educationactivity_attendees", "health_diagnosis", "health_medication", "health_healtharchive",
    "health_familydoctorteam", "health_familydoctorteam_villages", "health_teammember",
)  # fmt: skip
TEAM_TABLES = ("health_familydoctorteam", "health_familydoctorteam_villages", "health_teammember")


def reset_data() -> None:
    """Remove the health records and the teams made here; the demo county's teams and their members'
    roles stay as the demo loaded them. The demo teams' contracts go too (with every contract's grant)
    and are signed again by ``generate_elders.sign_demo_team_contracts``."""
    from django.db import connection

    from yiyang.accounts.models import User
    from yiyang.core.models import AccessGrant
    from yiyang.health.models import FamilyDoctorTeam

    tables = [t for t in HEALTH_TABLES if t not in TEAM_TABLES]
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(tables)}, assessments_reassessmenttrigger RESTART IDENTITY")
    AccessGrant.objects.filter(source_type="health.contract").delete()
    FamilyDoctorTeam.objects.filter(leader__username__startswith="bench_fd_").delete()
    User.objects.filter(username__startswith="bench_fd_").delete()
    log("health data removed")


def ensure_data(records: int, heavy: int, n_background: int, seed: int, reset: bool) -> None:
    from django.db import connection, transaction
    from generate_elders import sign_demo_team_contracts

    from yiyang.core.models import Elder
    from yiyang.health.models import Contract, FamilyDoctorTeam, HealthCheck

    if not Elder.objects.exists():
        raise SystemExit("yiyang_bench has no elders: run bench/generate_elders.py (or make bench) first")
    if reset:
        reset_data()
    if heavy_elders():
        log("health data already loaded: nothing to do (use --reset-data to rebuild it)")
        return
    made_here = FamilyDoctorTeam.objects.filter(leader__username__startswith="bench_fd_")
    if HealthCheck.objects.exists() or made_here.exists():
        # Regenerating the elders (generate_elders.py) empties every table that points at them.
        log("health records without the heavy elders' (elders regenerated?): rebuilding")
        reset_data()
    sign_demo_team_contracts(seed)  # the demo teams' contracts, if a reset removed them
    t0 = time.perf_counter()
    rng = random.Random(seed)
    today = dt.date.today()
    with transaction.atomic():
        teams = ensure_teams()
        connection.ensure_connection()
        with connection.connection.cursor() as cur:
            # Foreign keys are checked by deferred triggers: the rows only point at ids read or handed out
            # here, so the load skips a million trigger events (as generate_elders does).
            cur.execute("SET LOCAL session_replication_role = replica")
            w = Writer(cur, dt.datetime.now(dt.UTC))
            mk = Maker(w, rng, today)
            sj = teams[HEAVY_INSTITUTION]
            mk.heavy_activities = mk.activities(sj, "双江街道", 100, rules_add_years(today, -YEARS))
            heavy_ids = pick_heavy(heavy, rng, today)
            for elder in Elder.objects.filter(pk__in=heavy_ids).order_by("pk"):
                made = heavy_history(mk, elder, sj, records)
                log(f"elder {elder.pk}: {sum(made.values()):,} timeline entries {dict(made)}")
            mk.flush()
            contracted = set(Contract.objects.values_list("elder_id", flat=True))  # one contract at a time
            made = background(mk, teams, n_background, set(heavy_ids) | contracted)
            log(f"background: {dict(made)}")
            w.finish()
            cur.execute("SET LOCAL session_replication_role = origin")
    with connection.cursor() as cur:
        for table in (*HEALTH_TABLES, "core_accessgrant"):
            cur.execute(f"ANALYZE {table}")
    log(f"health data loaded: {dict(w.counts)} ({time.perf_counter() - t0:.0f} s)")


# --------------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------------


def bench_users() -> list[tuple[str, str, object]]:
    from yiyang.accounts.models import User

    get = User.objects.get
    return [
        ("county officer", "`wjj`, health officer, scope 江口县 (520621)", get(username="wjj")),
        (
            "township doctor",
            "`doctor_sj`, clinician at 双江街道中心卫生院 and leader of its family-doctor team (scope: the "
            "elders the centre manages or houses and those granted to the team)",
            get(username="doctor_sj"),
        ),
        (
            "family doctor",
            "`jtys_sj`, member of the 双江 family-doctor team (scope: the elders granted to the team)",
            get(username="jtys_sj"),
        ),
    ]


def dataset() -> dict[str, object]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM core_elder")
        elders = cur.fetchone()[0]
        cur.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s) ORDER BY relname",
            [list(HEALTH_TABLES)],
        )
        tables = dict(cur.fetchall())
        cur.execute("SELECT count(DISTINCT elder_id) FROM health_healtharchive")
        archives = cur.fetchone()[0]
    return {"elders": elders, "archives": archives, "tables": tables}


def heavy_elders() -> list[int]:
    """The elders with the longest histories (the ones given ``--records`` entries)."""
    from django.db.models import Count

    from yiyang.health.models import ChronicFollowUp

    rows = (
        ChronicFollowUp.objects.values("elder_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=50)
        .order_by("elder_id")
    )
    return [r["elder_id"] for r in rows]


def entry_years(elder_id: int) -> list[int]:
    from yiyang.health.models import HealthCheck

    return sorted(set(HealthCheck.objects.filter(elder_id=elder_id).values_list("year", flat=True)))


def draw_filters(rng: random.Random, years: list[int]) -> dict[str, object]:
    from yiyang.health.queries import timeline_kinds

    kinds = rng.sample([k for k, _label in timeline_kinds()], rng.randint(1, 3))
    params: dict[str, object] = {"kind": kinds}
    if rng.random() < 0.5:
        params["year"] = rng.choice(years)
    return params


def request_for(case: str, elder_id: int, params: dict[str, object]) -> tuple[str, str, bool]:
    """(path, query string, API?) of one request."""
    if case == "archive":
        return f"/health/elders/{elder_id}/", "", False
    if case == "fragment":
        return f"/health/elders/{elder_id}/timeline/", "", False
    if case == "fragment_filter":
        return f"/health/elders/{elder_id}/timeline/", urlencode(params, doseq=True), False
    path = f"/api/v1/elders/{elder_id}/timeline"
    if case == "api":
        return path, "", True
    if case == "api_filter":
        query = {"kind": ",".join(params["kind"])} | ({"year": params["year"]} if "year" in params else {})  # type: ignore[arg-type]
        return path, urlencode(query), True
    return path, "page=20", True


def count_entries(case: str, response) -> int:  # type: ignore[no-untyped-def]
    if case.startswith("api"):
        return len(response.json()["results"])
    body = response.content.decode()
    if case == "archive":
        body = body[body.find('id="timeline"') :]
    return body.count('<td class="mono">')


def explain_request(client, path: str, query: str, headers: dict[str, str]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Every statement of one request, with EXPLAIN (ANALYZE, BUFFERS) of each read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(path + (f"?{query}" if query else ""), **headers)
    out = []
    with connection.cursor() as cur:
        for q in ctx.captured_queries:
            sql = q["sql"]
            entry: dict[str, object] = {"sql": sql, "ms": float(q["time"]) * 1000}
            if sql.startswith("SELECT"):
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                entry["plan"] = "\n".join(r[0] for r in cur.fetchall())
            out.append(entry)
    return {"path": path, "query": query, "statements": out}


def run(runs: int, warmup: int, seed: int, do_explain: bool) -> dict:  # type: ignore[type-arg]
    from django.db import connection
    from django.test import Client

    from yiyang.accounts.models import ApiToken
    from yiyang.core.models import Elder

    rng = random.Random(seed)
    timer = Timer()
    elders = heavy_elders()
    if not elders:
        raise SystemExit("no elder with a long history: the data set was not loaded")
    years = {e: entry_years(e) for e in elders}
    users = bench_users()
    clients: list[tuple[str, Client, dict[str, str]]] = []
    for label, _desc, user in users:
        page_client = Client()
        page_client.force_login(user)
        ApiToken.objects.filter(user=user).delete()
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}  # type: ignore[arg-type]
        clients.append((label, page_client, bearer))
    max_id = Elder.objects.order_by("-id").values_list("id", flat=True).first() or 1
    results: dict[tuple[str, str], dict[str, list]] = {  # type: ignore[type-arg]
        (label, case): {"server": [], "db": [], "queries": [], "entries": []}
        for label, *_ in clients
        for case in CASES
    }
    baseline: list[float] = []

    def bare_pk() -> float:
        pk = rng.randint(1, max_id)
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, name, region_id, birth_date, id_number_masked FROM core_elder WHERE id = %s", [pk]
            )
            cur.fetchall()
        return time.perf_counter() - t

    plans = []
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    with connection.execute_wrapper(timer):
        for i in range(runs + warmup):
            elder_id = elders[i % len(elders)]
            params = draw_filters(rng, years[elder_id])
            order = [(c, case) for c in clients for case in CASES]
            rng.shuffle(order)
            for (label, client, token), case in order:
                path, query, api = request_for(case, elder_id, params)
                headers = token if api else {}
                with timer.measure():
                    t = time.perf_counter()
                    response = client.get(path + (f"?{query}" if query else ""), **headers)
                    server = time.perf_counter() - t
                if response.status_code != 200:
                    raise SystemExit(f"{label}/{case} {path}?{query}: HTTP {response.status_code}")
                if i >= warmup:
                    r = results[(label, case)]
                    r["server"].append(server * 1000)
                    r["db"].append(timer.seconds * 1000)
                    r["queries"].append(timer.queries)
                    r["entries"].append(count_entries(case, response))
            if i >= warmup:
                baseline.append(bare_pk() * 1000)
            else:
                bare_pk()
            if (i + 1) % 25 == 0:
                print(f"  round {i + 1}/{runs + warmup} ({time.perf_counter() - t0:.0f} s)", flush=True)
    elapsed = time.perf_counter() - t0
    load_after = os.getloadavg()
    if do_explain:
        params = draw_filters(rng, years[elders[0]])
        for label, client, token in clients:
            for case in CASES:
                path, query, api = request_for(case, elders[0], params)
                plan = explain_request(client, path, query, token if api else {})
                plans.append({"user": label, "case": case} | plan)

    base_p50 = percentile(baseline, 50)
    rows = [
        {
            "user": label,
            "case": case,
            "n": len(r["server"]),
            "p50": percentile(r["server"], 50),
            "p95": percentile(r["server"], 95),
            "max": max(r["server"]),
            "db_p50": percentile(r["db"], 50),
            "db_p95": percentile(r["db"], 95),
            "queries": statistics.median(r["queries"]),
            "entries": statistics.median(r["entries"]),
            "ratio_p50": percentile(r["server"], 50) / base_p50,
        }
        for (label, case), r in results.items()
    ]
    from yiyang.health.queries import timeline_kinds

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "code": code_version(),
        "machine": machine(),
        "dataset": dataset(),
        "heavy_elders": elders,
        "entries_per_elder": {e: timeline_size(e) for e in elders},
        "kinds": [k for k, _label in timeline_kinds()],
        "users": [(label, desc) for label, desc, _u in users],
        "runs": runs,
        "warmup": warmup,
        "seed": seed,
        "seconds": round(elapsed, 1),
        "load_before": load_before,
        "load_after": load_after,
        "rows": rows,
        "baseline": {
            "n": len(baseline),
            "p50": base_p50,
            "p95": percentile(baseline, 95),
            "max": max(baseline),
        },
        "plans": plans,
        "raw": {f"{label}/{case}": r for (label, case), r in results.items()} | {"baseline": baseline},
    }


def code_version() -> str:
    """The commit measured, and whether ``yiyang/`` had uncommitted changes."""
    import subprocess

    def git(*args: str) -> str:
        cmd = ["git", "-C", str(BENCH_DIR.parent), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "yiyang")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {head}" + (" with uncommitted changes in yiyang/" if dirty else "")


def timeline_size(elder_id: int) -> int:
    """How many entries the elder's whole timeline has (what ``queries.timeline`` reads at most)."""
    from yiyang.core.models import Elder
    from yiyang.health.queries import timeline

    entries, more = timeline(Elder.objects.get(pk=elder_id), page=1, size=100_000)
    assert not more
    return len(entries)


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def table(report: dict) -> str:  # type: ignore[type-arg]
    lines = [
        "| user | request | p50 ms | p95 ms | max ms | DB p50 ms | DB p95 ms | SQL / request "
        f"| entries shown | p50 ÷ baseline p50 | p95 ≤ {GOAL_MS:.0f} ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['user']} | {CASES[r['case']]} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
            f"| {r['db_p50']:.1f} | {r['db_p95']:.1f} | {r['queries']:.0f} | {r['entries']:.0f} "
            f"| {r['ratio_p50']:.0f}× | {'yes' if r['p95'] <= GOAL_MS else '**no**'} |"
        )
    b = report["baseline"]
    lines.append(
        f"| baseline | bare SQL: `SELECT … FROM core_elder WHERE id = %s` | {b['p50']:.2f} | {b['p95']:.2f} "
        f"| {b['max']:.2f} | {b['p50']:.2f} | {b['p95']:.2f} | 1 | | 1.0× | |"
    )
    return "\n".join(lines)


def section(report: dict) -> str:  # type: ignore[type-arg]
    m, d = report["machine"], report["dataset"]
    met = all(r["p95"] <= GOAL_MS for r in report["rows"])
    goal = (
        f"**Goal met**: every request of every user has p95 ≤ {GOAL_MS:.0f} ms server time."
        if met
        else f"**Goal not met**: some requests have p95 > {GOAL_MS:.0f} ms (marked **no**)."
    )
    pg = ", ".join(f"{k} {v}" for k, v in sorted(m["pg_settings"].items()))
    users = "\n".join(f"- *{label}*: {desc}" for label, desc in report["users"])
    la, lb = report["load_before"], report["load_after"]
    t = d["tables"]
    sizes = report["entries_per_elder"]
    heavy = ", ".join(f"{e} ({n:,})" for e, n in sizes.items())
    return f"""{START}
## Health archive and timeline at {d["elders"]:,} elders (`bench/health_archive_bench.py`)

- Date: {report["date"]}
- Machine: {m["cpu"]}, {m["cores"]} cores, {m["ram_gib"]} GiB RAM; {m["os"]}
- PostgreSQL {m["postgresql"]}, same machine: {pg}
- Python {m["python"]}, Django {m["django"]}; code: {report.get("code", "unknown")}
- Load average {la[0]:.2f} before and {lb[0]:.2f} after the run (the machine is shared; the
  baseline's p95 and max gauge that noise).

Data set: the search benchmark's {d["elders"]:,} elders, with health records for {d["archives"]:,}
of them (`--seed 5`):

- {len(sizes)} elders of 双江街道 with 15 years of history, elder id (timeline entries): {heavy}.
  Each has a contract a year with its services due and ~95 % of them delivered (~300 deliveries),
  60 health checks, 60 scale assessments, 30 TCM identifications (each also an assessment entry),
  80 education activities attended, 30 diagnoses, and hypertension and diabetes follow-ups (~390)
  for the rest;
- 1–3 records for each of the others: health checks, follow-ups, TCM identifications, contracts
  with their services due and some deliveries, education attendance;
- tables: {t.get("health_healthcheck", 0):,} health checks, {t.get("health_chronicfollowup", 0):,}
  follow-ups, {t.get("assessments_assessmentresponse", 0):,} assessments,
  {t.get("health_tcmrecord", 0):,} TCM records, {t.get("health_contract", 0):,} contracts,
  {t.get("health_contractservice", 0):,} services due, {t.get("health_servicedelivery", 0):,}
  deliveries, {t.get("health_educationactivity_attendees", 0):,} education attendances.

What is timed, through Django's test client in-process (no network or WSGI server): the archive
page (session login: cover, problems, medications, cases, TCM history, contracts, year-on-year chart,
the timeline's first 30 entries; it also writes the 谁查看过 audit row), the timeline fragment the
page loads with htmx (first page; a random 1–3 kinds, half the time with a year), and
`GET /api/v1/elders/{{id}}/timeline` (bearer token; first page of 50; the same filters; page 20, the
last of the 1,000 entries, for which every source reads up to 1,001 rows). Each request ran
{report["runs"]} times per user after {report["warmup"]} warm-up rounds, rotating over the heavy
elders; all requests and the baseline were interleaved. *DB* is the part of the server time spent in
SQL; *entries shown* is the timeline rows in the response. The baseline is a bare primary-key
`SELECT` on the same connection in the same run; the ratio column is each p50 over its p50.

Users:
{users}

{table(report)}

{goal}

Reproduce: `make bench` runs it after the search benchmark (`.venv/bin/python bench/run.py --only
health` for this one alone); `.venv/bin/python bench/health_archive_bench.py --explain --no-write`
prints every statement of one request per kind with its plan; `--reset-data` rebuilds the health
records. Raw timings: `bench/out/health_archive.json`.
{END}"""


def write_doc(report: dict) -> None:  # type: ignore[type-arg]
    text = DOC.read_text() if DOC.exists() else HEADER
    block = section(report)
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed rounds (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds first (default 20)")
    parser.add_argument("--seed", type=int, default=5, help="seed for data and draws (default 5)")
    parser.add_argument("--records", type=int, default=1000, help="timeline entries per heavy elder")
    parser.add_argument("--heavy", type=int, default=3, help="elders with a long history (default 3)")
    parser.add_argument("--background", type=int, default=200_000, help="other elders with 1–3 records")
    parser.add_argument("--reset-data", action="store_true", help="delete and rebuild the health records")
    parser.add_argument("--data-only", action="store_true", help="load the data, measure nothing")
    parser.add_argument(
        "--explain", action="store_true", help="save every statement and plan of one request per kind"
    )
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/ alone")
    parser.add_argument(
        "--from-json", action="store_true", help="rewrite docs/ from bench/out/health_archive.json"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        write_doc(json.loads((OUT_DIR / "health_archive.json").read_text()))
        return 0
    setup()
    ensure_data(args.records, args.heavy, args.background, args.seed, args.reset_data)
    if args.data_only:
        return 0
    report = run(args.runs, args.warmup, args.seed, args.explain)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "health_archive.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str)
    )
    print(table(report))
    for p in report["plans"]:
        print(f"\n=== {p['user']} / {p['case']} {p['path']}?{p['query']}: {len(p['statements'])} statements")
        for s in p["statements"]:
            took = re.search(r"Execution Time: ([\d.]+ ms)", s.get("plan", ""))
            print(f"-- {took.group(1) if took else '(not a read)'}: {s['sql'][:160]}")
    if report["plans"]:
        print("\n(plans in bench/out/health_archive.json)")
    if not args.no_write:
        write_doc(report)
        print(f"wrote {DOC.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
