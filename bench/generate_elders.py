"""Generate a province-sized registry in a dedicated PostgreSQL database for the search benchmark.

    .venv/bin/python bench/generate_elders.py [--elders 1000000] [--reset] [--seed 20240]

What it builds, all with the project's own code where the project has it:

* the database ``yiyang_bench`` (created if missing, dropped first with ``--reset``), migrated;
* the shipped region table and the demo county 江口县 with its institutions and logins
  (``yiyang.core.demo.load_demo(elders=0)``);
* synthetic townships and villages under every other county of 贵州 (52xxxx): only 江口县 has real
  ones in the shipped table. Codes follow the statistical scheme (街道 001–, 镇 101–, 乡 201–;
  社区 001–, 村 201–), names are made-up place names, each township gets a health centre that manages
  its elders and each county a welfare home, so a county holds about 1/88 of the elders and a
  township about 1/1500, as in the real province;
* N elders (default 1,000,000): names, ID numbers, birth dates and phones from ``demo``'s generators,
  ID numbers encrypted with ``crypto.encrypt`` and indexed with ``search.id_number_index``, name keys
  from ``search.search_keys_for``; loaded with COPY into core_elder, core_eldersearchkey and
  core_eldercategory, secondary indexes built after the load, then VACUUM ANALYZE;
* family-doctor contracts in force for ~90 % of the demo teams' residents aged 65+, each with its
  access grant, so the demo logins see what they see in the demo (``sign_demo_team_contracts``).

Re-running is cheap: every step is skipped when its rows are there; elders are regenerated (after a
TRUNCATE) only when their number differs from ``--elders``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from bisect import bisect
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(BENCH_DIR.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiyang_bench"
PROVINCE = "52"  # 贵州
DEMO_COUNTY = "520621"  # 江口县: real townships and villages in the shipped table
CHUNK = 50_000
OUT_DIR = BENCH_DIR / "out"

# Characters of Guizhou place names, for made-up townships and villages.
PLACE_CHARS = (
    "龙坝溪河江山坪场田寨屯铺堡关口岩洞沙水石桥塘湾岭冲坡林花马牛羊凤云青白红金银高新大小上下中东南西北"
    "长平安兴和顺丰乐宁福兴隆盛华光明阳清松柏竹茶樟枫梅桃李杨柳双三五九官民德仁义礼"
)

ELDER_COLUMNS = (
    "id", "name", "id_number_encrypted", "id_number_index", "id_number_masked", "sex", "birth_date",
    "ethnicity", "phone_encrypted", "phone_masked", "address_encrypted", "region_id", "residence_status",
    "living_situation", "managing_institution_id", "residence_institution_id", "status", "status_date",
    "created_at", "updated_at", "created_by_id",
)  # fmt: skip


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def ensure_database(*, reset: bool) -> None:
    """Create the bench database (dropping it first on ``reset``) through the maintenance database."""
    import psycopg

    url = urlparse(database_url())
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if reset:
            log(f"dropping database {name}")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()


def load_reference_data() -> None:
    from django.core.management import call_command

    from yiyang.accounts.models import User
    from yiyang.core.demo import load_demo

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated ({time.perf_counter() - t:.1f} s)")
    if not User.objects.filter(username="wjj").exists():
        t = time.perf_counter()
        made = load_demo(elders=0)
        log(f"demo county loaded: {made} ({time.perf_counter() - t:.1f} s)")


def _place_name(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + suffix
        if name not in used:
            used.add(name)
            return name


def synthesise_regions(seed: int) -> None:
    """Townships and villages (and their health centres) under every 贵州 county that has none."""
    from django.db import transaction

    from yiyang.core.models import Institution, InstitutionKind, Region

    rng = random.Random(seed)
    counties = list(Region.objects.filter(code__startswith=PROVINCE, level="county").order_by("code"))
    have = set(
        Region.objects.filter(code__startswith=PROVINCE, level="township").values_list("parent_id", flat=True)
    )
    todo = [c for c in counties if c.code not in have]
    if not todo:
        return
    t = time.perf_counter()
    with transaction.atomic():
        townships: list[Region] = []
        villages: list[Region] = []
        for county in todo:
            used: set[str] = set()
            n_jd, n_zhen, n_xiang = rng.randint(1, 4), rng.randint(6, 12), rng.randint(2, 7)
            kinds = (
                [(f"{i:03d}", "街道") for i in range(1, n_jd + 1)]
                + [(f"{100 + i:03d}", "镇") for i in range(1, n_zhen + 1)]
                + [(f"{200 + i:03d}", "乡") for i in range(1, n_xiang + 1)]
            )
            for tcode, suffix in kinds:
                town = Region(
                    code=f"{county.code[:6]}{tcode}000",
                    name=_place_name(rng, used, suffix),
                    level="township",
                    parent_id=county.code,
                )
                townships.append(town)
                n_villages = rng.randint(4, 9) if suffix == "街道" else rng.randint(7, 16)
                vsuffix, start = ("社区", 1) if suffix == "街道" else ("村", 201)
                vused: set[str] = set()
                for v in range(n_villages):
                    villages.append(
                        Region(
                            code=f"{town.code[:9]}{start + v:03d}",
                            name=_place_name(rng, vused, vsuffix),
                            level="village",
                            parent_id=town.code,
                        )
                    )
        Region.objects.bulk_create(townships, batch_size=2000)
        Region.objects.bulk_create(villages, batch_size=2000)
        county_names = {c.code: c.name for c in todo}
        centres = Institution.objects.bulk_create(
            [
                Institution(
                    name=f"{county_names[town.parent_id]}{town.name}"
                    + ("社区卫生服务中心" if town.name.endswith("街道") else "卫生院"),
                    kind=InstitutionKind.COMMUNITY_HEALTH_CENTRE
                    if town.name.endswith("街道")
                    else InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
                    region_id=town.code,
                )
                for town in townships
            ],
            batch_size=2000,
        )
        through = Institution.service_area.through
        through.objects.bulk_create(
            [through(institution_id=c.pk, region_id=c.region_id) for c in centres], batch_size=2000
        )
        first_town = {}
        for town in townships:
            first_town.setdefault(town.parent_id, town.code)
        Institution.objects.bulk_create(
            [
                Institution(
                    name=f"{c.name}社会福利院",
                    kind=InstitutionKind.ELDERCARE_HOME,
                    ownership="public",
                    region_id=first_town[c.code],
                )
                for c in todo
            ]
        )
    log(
        f"synthesised {len(townships)} townships, {len(villages)} villages and their institutions under "
        f"{len(todo)} counties ({time.perf_counter() - t:.1f} s)"
    )


class Geography:
    """Where elders live: a county uniformly, then a village (town seats 3× as populous)."""

    def __init__(self) -> None:
        from yiyang.core.models import ELDERCARE_KINDS, Institution, InstitutionKind, Region

        villages = list(
            Region.objects.filter(code__startswith=PROVINCE, level="village")
            .order_by("code")
            .values_list("code", "name")
        )
        by_county: dict[str, list[tuple[str, str]]] = {}
        for code, name in villages:
            by_county.setdefault(code[:6], []).append((code, name))
        self.counties = sorted(by_county)
        self.villages = by_county
        self.cum_weights = {
            c: list(accumulate(3.0 if code[6:9] in ("001", "002") else 1.0 for code, _n in vs))
            for c, vs in by_county.items()
        }
        centre_kinds = (InstitutionKind.TOWNSHIP_HEALTH_CENTRE, InstitutionKind.COMMUNITY_HEALTH_CENTRE)
        self.centres = dict(
            Institution.objects.filter(kind__in=centre_kinds, region__level="township").values_list(
                "region_id", "id"
            )
        )
        homes: dict[str, list[int]] = {}
        for pk, region_id in (
            Institution.objects.filter(kind__in=ELDERCARE_KINDS)
            .exclude(kind="day_care_centre")
            .values_list("id", "region_id")
        ):
            homes.setdefault(region_id[:6], []).append(pk)
        self.homes = homes

    def village(self, rng: random.Random) -> tuple[str, str]:
        county = rng.choice(self.counties)
        vs = self.villages[county]
        cw = self.cum_weights[county]
        return vs[bisect(cw, rng.random() * cw[-1])]


def generate_elders(n: int, seed: int, today: dt.date):  # type: ignore[no-untyped-def]
    """Yield (elder row, search keys, categories) for ``n`` elders, deterministic for a seed."""
    from yiyang.core import crypto
    from yiyang.core.demo import ETHNICITIES, _birth_date, synthetic_id, synthetic_name, synthetic_phone
    from yiyang.core.identity import mask_id_number, mask_phone
    from yiyang.core.models import ElderCategoryCode, LivingSituation, ResidenceStatus
    from yiyang.core.search import id_number_index, search_keys_for

    geo = Geography()
    rng = random.Random(seed)
    seen: set[str] = set()
    keys_cache: dict[str, list[str]] = {}
    now = dt.datetime.now(dt.UTC)
    living_choices = [
        LivingSituation.ALONE, LivingSituation.EMPTY_NEST, LivingSituation.WITH_CHILDREN,
        LivingSituation.IN_INSTITUTION,
    ]  # fmt: skip
    residence_choices = [
        ResidenceStatus.REGISTERED_RESIDENT, ResidenceStatus.REGISTERED_AWAY,
        ResidenceStatus.NON_REGISTERED_RESIDENT,
    ]  # fmt: skip
    optional_categories = [
        (ElderCategoryCode.LOW_INCOME, 0.09), (ElderCategoryCode.DESTITUTE, 0.02),
        (ElderCategoryCode.HANDICAPPED, 0.05), (ElderCategoryCode.VETERAN, 0.02),
        (ElderCategoryCode.FAMILY_PLANNING_SPECIAL, 0.01), (ElderCategoryCode.LEFT_BEHIND, 0.12),
    ]  # fmt: skip
    pk = 0
    while pk < n:
        sex = "M" if rng.random() < 0.47 else "F"
        birth = _birth_date(rng, today)
        village, village_name = geo.village(rng)
        county = village[:6]
        area = "522221" if county == DEMO_COUNTY and rng.random() < 0.35 else county
        number = synthetic_id(rng, birth, sex, area)
        if number in seen:
            continue
        seen.add(number)
        pk += 1
        age = today.year - birth.year
        living = rng.choices(living_choices, [0.16, 0.34, 0.46, 0.04 if age < 80 else 0.1])[0]
        homes = geo.homes.get(county)
        residence = rng.choice(homes) if living == LivingSituation.IN_INSTITUTION and homes else None
        name = synthetic_name(rng, sex)
        phone = synthetic_phone(rng) if rng.random() < 0.8 else ""
        address = f"{village_name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        row = (
            pk, name, crypto.encrypt(number), id_number_index(number), mask_id_number(number), sex, birth,
            rng.choice(ETHNICITIES), crypto.encrypt(phone), mask_phone(phone) if phone else "",
            crypto.encrypt(address), village,
            rng.choices(residence_choices, [0.86, 0.1, 0.04])[0], living,
            geo.centres.get(village[:9] + "000"), residence, "active", None, now, now, None,
        )  # fmt: skip
        keys = keys_cache.get(name)
        if keys is None:
            keys = keys_cache[name] = sorted(search_keys_for(name))
        cats = []
        if age >= 80:
            cats.append(ElderCategoryCode.ADVANCED_AGE)
        r = rng.random()
        if r < 0.05 + 0.002 * max(0, age - 70):
            cats.append(ElderCategoryCode.DISABLED)
        elif r < 0.15 + 0.004 * max(0, age - 70):
            cats.append(ElderCategoryCode.SEMI_DISABLED)
        for code, p in optional_categories:
            if rng.random() < p:
                cats.append(code)
        yield row, keys, cats


def _secondary_indexes(cur, tables: tuple[str, ...]) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(name, CREATE INDEX statement) of the indexes that back no constraint (safe to drop and rebuild)."""
    cur.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [list(tables)],
    )
    return cur.fetchall()


def load_elders(n: int, seed: int) -> bool:
    """Load ``n`` elders unless exactly that many are there; whether it loaded anything."""
    from django.db import connection

    from yiyang.core.models import Elder

    have = Elder.objects.count()
    saved = OUT_DIR / "dropped_indexes.json"  # present while a load is unfinished
    if have == n and not saved.exists():
        log(f"{n:,} elders already loaded: nothing to do (use --reset to regenerate)")
        return False
    tables = ("core_elder", "core_eldersearchkey", "core_eldercategory")
    connection.ensure_connection()
    pg = connection.connection  # psycopg, in autocommit mode (Django's default): each COPY commits
    assert pg.autocommit
    with pg.cursor() as cur:
        if have:
            log(f"{have:,} elders present ({n:,} wanted, or the last load did not finish): truncating")
            cur.execute("TRUNCATE core_elder RESTART IDENTITY CASCADE")
        # Foreign keys are checked by triggers; the generator only writes ids it read from the
        # database, so checking 5 M rows one by one is skipped (and verified in bulk below).
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '512MB'")
        # Remember the indexes on disk first, so a load killed half-way still rebuilds them next time.
        indexes = dict(_secondary_indexes(cur, tables))
        if saved.exists():
            for name, ddl in json.loads(saved.read_text()):
                indexes.setdefault(name, ddl)
        OUT_DIR.mkdir(exist_ok=True)
        saved.write_text(json.dumps(sorted(indexes.items())))
        for name in indexes:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        log(f"dropped {len(indexes)} secondary indexes for the load")

        t0 = time.perf_counter()
        stream = generate_elders(n, seed, dt.date.today())
        done = keys_total = cats_total = 0
        while done < n:
            chunk = [next(stream) for _ in range(min(CHUNK, n - done))]
            with cur.copy(f"COPY core_elder ({', '.join(ELDER_COLUMNS)}) FROM STDIN") as cp:
                for row, _k, _c in chunk:
                    cp.write_row(row)
            with cur.copy("COPY core_eldersearchkey (elder_id, key) FROM STDIN") as cp:
                for row, keys, _c in chunk:
                    for key in keys:
                        cp.write_row((row[0], key))
                        keys_total += 1
            with cur.copy(
                "COPY core_eldercategory (elder_id, category, since, source, source_ref) FROM STDIN"
            ) as cp:
                for row, _k, cats in chunk:
                    for cat in cats:
                        cp.write_row((row[0], cat, None, "基准数据", ""))
                        cats_total += 1
            done += len(chunk)
            elapsed = time.perf_counter() - t0
            eta = elapsed / done * (n - done)
            log(
                f"{done:,}/{n:,} elders ({done / elapsed:,.0f}/s, {elapsed:.0f} s elapsed, ~{eta:.0f} s left)"
            )
        log(f"copied {done:,} elders, {keys_total:,} search keys, {cats_total:,} categories")

        t = time.perf_counter()
        for ddl in indexes.values():
            cur.execute(ddl)
        saved.unlink()
        log(f"rebuilt {len(indexes)} indexes ({time.perf_counter() - t:.1f} s)")
        cur.execute("SELECT setval(pg_get_serial_sequence('core_elder', 'id'), %s)", [n])
        cur.execute("SET session_replication_role = origin")
        cur.execute(
            """
            SELECT (SELECT count(*) FROM core_elder e LEFT JOIN core_region r ON r.code = e.region_id
                    WHERE r.code IS NULL)
                 + (SELECT count(*) FROM core_elder e LEFT JOIN core_institution i
                    ON i.id = e.managing_institution_id
                    WHERE e.managing_institution_id IS NOT NULL AND i.id IS NULL)
                 + (SELECT count(*) FROM core_elder e LEFT JOIN core_institution i
                    ON i.id = e.residence_institution_id
                    WHERE e.residence_institution_id IS NOT NULL AND i.id IS NULL)
            """
        )
        dangling = cur.fetchone()[0]
        if dangling:
            raise SystemExit(f"{dangling} elders point at missing regions or institutions")
    t = time.perf_counter()
    with pg.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")
    log(f"VACUUM ANALYZE ({time.perf_counter() - t:.1f} s)")
    return True


#: share of a demo township's residents aged 65+ who have a family-doctor contract in force (the demo
#: county's own loader draws 0.5–0.97 per township; 双江 0.88 + 0.08)
CONTRACT_COVERAGE = 0.9


def sign_demo_team_contracts(seed: int) -> int:
    """Family-doctor contracts, in force today, for the elders of the demo county's teams, each with the
    access grant signing writes — so the demo logins have their real role set *and* their team's
    elders (doctor_sj is a clinician of 双江街道中心卫生院 and leads its team; jtys_sj is a member).

    About ``CONTRACT_COVERAGE`` of each team's residents aged 65+ are contracted; the packages and the
    one-year period are those ``health.services.sign_contract`` would set. Skipped when the demo teams
    have contracts already; the services due are not generated (no benchmark here reads them).
    """
    from django.db import transaction

    from yiyang.core.actors import system_user
    from yiyang.core.models import RESIDENT_STATUSES, AccessGrant, Elder, ElderStatus
    from yiyang.health import rules, services
    from yiyang.health.demo import contract_grant
    from yiyang.health.models import Contract, FamilyDoctorTeam

    teams = list(FamilyDoctorTeam.objects.filter(institution__region__code__startswith=DEMO_COUNTY))
    if not teams or Contract.objects.filter(team__in=teams).exists():
        return 0
    packages = {p.code: p for p in services.sync_packages(acting_user=system_user())}
    rng = random.Random(seed + 65)
    today = dt.date.today()
    contracts: list[Contract] = []
    with transaction.atomic():
        for team in teams:
            villages = list(team.villages.values_list("code", flat=True))
            elders = (
                Elder.objects.filter(
                    region_id__in=villages,
                    status=ElderStatus.ACTIVE,
                    residence_status__in=RESIDENT_STATUSES,
                    birth_date__lte=rules.latest_birth_date_for_service(today.year),
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for elder_id in elders:
                if rng.random() >= CONTRACT_COVERAGE:
                    continue
                start = today - dt.timedelta(days=rng.randint(2, 330))
                contracts.append(
                    Contract(
                        elder_id=elder_id,
                        team=team,
                        doctor_id=team.leader_id,
                        signed_on=start,
                        start_date=start,
                        end_date=rules.add_months(start, 12) - dt.timedelta(days=1),
                        created_by_id=team.leader_id,
                    )
                )
        Contract.objects.bulk_create(contracts, batch_size=5000)
        through = Contract.packages.through
        through.objects.bulk_create(
            [
                through(contract_id=c.pk, servicepackage_id=packages[code].pk)
                for c in contracts
                for code in ("BASIC", "ELDERLY")
            ],
            batch_size=5000,
        )
        AccessGrant.objects.bulk_create([contract_grant(c) for c in contracts], batch_size=5000)
    log(f"{len(contracts):,} contracts of the demo county's family-doctor teams, with their access grants")
    return len(contracts)


def analyze() -> None:
    """Fresh planner statistics for every table (the regions and institutions made above too).

    Autovacuum would get there on its own, but it may be off (it is on some test servers) and the
    planner misjudges joins on a table it has never analysed: core_institution's default estimate
    made the page query of a region filter join 2,000 elders against every institution row by row.
    """
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    log(f"ANALYZE ({time.perf_counter() - t:.1f} s)")


def describe() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT relname, reltuples::bigint, pg_total_relation_size(oid)
            FROM pg_class
            WHERE relname IN ('core_elder', 'core_eldersearchkey', 'core_eldercategory', 'core_region')
            ORDER BY relname
            """
        )
        return {name: {"rows": rows, "bytes": size} for name, rows, size in cur.fetchall()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elders", type=int, default=1_000_000, help="how many elders (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=20240, help="random seed (default 20240)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    ensure_database(reset=args.reset)
    setup_django()
    load_reference_data()
    synthesise_regions(args.seed)
    loaded = load_elders(args.elders, args.seed)
    signed = sign_demo_team_contracts(args.seed)
    if loaded or signed:
        analyze()
    sizes = describe()
    for name, info in sizes.items():
        log(f"{name}: ~{info['rows']:,} rows, {info['bytes'] / 2**20:,.0f} MiB with indexes")
    total = time.perf_counter() - t0
    if loaded:
        OUT_DIR.mkdir(exist_ok=True)
        facts = {"elders": args.elders, "seed": args.seed, "seconds": round(total, 1), "tables": sizes}
        (OUT_DIR / "dataset.json").write_text(json.dumps(facts))
    log(f"done in {total:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
