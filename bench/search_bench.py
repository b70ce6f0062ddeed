"""Elder search benchmark: ``GET /api/v1/elders`` as real users, against a bare SQL baseline.

    .venv/bin/python bench/search_bench.py [--runs 200] [--warmup 20] [--more-users] [--explain] [--no-write]

Each request goes through Django's test client with a bearer token, so it runs exactly what a
deployment runs: middleware, token authentication, the filter form, ``scope_elders`` +
``filter_elders``, the COUNT and the first page of 20 rows through ``presenters.with_related`` and
``elder_rows``, JSON rendering. "Server time" is the time from handing the request to Django to
getting the response back, in this process; "DB" is the part of it spent in SQL (Django's
``execute_wrapper``), both per request.

Queries are drawn from real rows in the user's scope (random sample, fixed seed): the list with no
filter (the page a user lands on), a full name, the first two characters of a name, three pinyin
initials, a full ID number (blind index), a township (for a township doctor, whose scope is one
township, a village) code, and that code with initials. The kinds are interleaved
with the baseline — a bare ``SELECT … FROM core_elder WHERE id = %s`` (and a bare blind-index
equality) on the same connection — so load from anything else on the machine hits all of them alike.
Figures go to ``docs/benchmarks.md`` (the section between the ``bench:search`` markers) and the raw
timings to ``bench/out/search.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(BENCH_DIR.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

DOC = BENCH_DIR.parent / "docs" / "benchmarks.md"
OUT_DIR = BENCH_DIR / "out"
HEADER = """# Benchmarks

Figures measured by the programs in `bench/` (see `bench/README.md`). Performance is never a
wall-clock limit inside unit tests (DESIGN §5): each benchmark times a baseline in the same run and
reports ratios against it, with the machine and the date. Sections between `bench:` markers are
rewritten by the benchmark that owns them.
"""
START = "<!-- bench:search:start -->"
END = "<!-- bench:search:end -->"
GOAL_MS = 50.0
PAGE = 20

KINDS = {
    "browse": "no filter: the list's first page",
    "name": "full name (张国华)",
    "name_prefix": "name prefix, 2 characters (张国)",
    "initials": "pinyin initials, 3 letters (zgh)",
    "id_number": "full ID number (blind index)",
    "region": "region filter",
    "region_initials": "region filter + 3 initials",
}


def setup() -> None:
    import django

    django.setup()


class Timer:
    """Sums the time and counts the statements Django sends while a request runs."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0
        self.log: list[tuple[str, object]] = []
        self.keep = False

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t
            self.queries += 1
            if self.keep:
                self.log.append((sql, params))

    @contextmanager
    def measure(self, *, keep: bool = False):  # type: ignore[no-untyped-def]
        self.seconds, self.queries, self.log, self.keep = 0.0, 0, [], keep
        yield self


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (the 'inclusive' method)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def initials_of(keys: list[str]) -> list[str]:
    return [k for k in keys if k.isascii() and len(k) == 3]


#: the users the goal (p95 ≤ 50 ms) is about; the others are measured for information
GOAL_USERS = ("county officer", "township doctor", "family doctor")
#: users whose scope is one township: their region queries name a village
TOWNSHIP_USERS = ("township doctor", "family doctor")


def bench_users(more: bool) -> list[tuple[str, str, object]]:
    """(label, description, user): the demo county's health officer, a township doctor and a family
    doctor with the roles the demo gives them, and with ``more`` the county's civil-affairs officer
    and a province-wide officer (created here)."""
    from yiyang.accounts.models import RoleAssignment, User

    get = User.objects.get
    users = [
        ("county officer", "`wjj`, health officer, scope 江口县 (520621, one county)", get(username="wjj")),
        (
            "township doctor",
            "`doctor_sj`, clinician at 双江街道中心卫生院 and leader of its family-doctor team, as in the "
            "demo (scope: the elders the centre manages or houses, and those granted to the team)",
            get(username="doctor_sj"),
        ),
        (
            "family doctor",
            "`jtys_sj`, member of the 双江 family-doctor team (scope: the elders granted to the team by "
            "their contracts in force)",
            get(username="jtys_sj"),
        ),
    ]
    for username in ("doctor_sj", "jtys_sj"):
        if not RoleAssignment.objects.filter(user__username=username, role="family_doctor").exists():
            # A data set made before issue 9: its health benchmark deleted the demo's team roles.
            raise SystemExit(
                f"{username} has lost the demo's family-doctor role in this data set: rebuild it with "
                "`bench/generate_elders.py --reset`"
            )
    if more:
        users.append(
            (
                "civil officer",
                "`mzj`, civil-affairs officer of 江口县 (scope: residents of the county's eldercare homes)",
                get(username="mzj"),
            )
        )
        user, created = User.objects.get_or_create(
            username="bench_province", defaults={"display_name": "省卫健委"}
        )
        if created:
            RoleAssignment.objects.create(user=user, role="health_officer", region_id="520000000000")
        users.append(("province officer", "`bench_province`, health officer, scope 贵州省 (every row)", user))
    return users


def draw_queries(user, n: int, rng: random.Random, township_scope: bool) -> dict[str, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    """``n`` query parameter sets per kind, each built from an elder the user can see."""
    from yiyang.core import crypto
    from yiyang.core.models import Elder, ElderSearchKey
    from yiyang.core.scoping import scope_elders

    ids = sorted(scope_elders(user).values_list("id", flat=True))
    picked = rng.sample(ids, min(len(ids), 3 * n))
    elders = {
        e["id"]: e
        for e in Elder.objects.filter(id__in=picked).values("id", "name", "id_number_encrypted", "region_id")
    }
    keys: dict[int, list[str]] = {}
    for elder_id, key in ElderSearchKey.objects.filter(elder_id__in=picked).values_list("elder_id", "key"):
        keys.setdefault(elder_id, []).append(key)
    rows = [elders[i] for i in picked]
    three = [e for e in rows if initials_of(keys.get(e["id"], []))]

    def region_of(e: dict) -> str:  # a township code; the doctor's scope is one township, so a village
        return e["region_id"] if township_scope else e["region_id"][:9] + "000"

    out: dict[str, list[dict[str, str]]] = {k: [] for k in KINDS}
    for e in rows[:n]:
        out["browse"].append({})
        out["name"].append({"q": e["name"]})
        out["name_prefix"].append({"q": e["name"][:2]})
        out["id_number"].append({"q": crypto.decrypt(e["id_number_encrypted"])})
        out["region"].append({"region": region_of(e)})
    for e in three[:n]:
        initials = rng.choice(initials_of(keys[e["id"]]))
        out["initials"].append({"q": initials})
        out["region_initials"].append({"q": initials, "region": region_of(e)})
    return out


def machine() -> dict[str, object]:
    from django.db import connection

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    except OSError:
        mem_kb = 0
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit')"
        )
        settings = {}
        for name, setting, unit in cur.fetchall():
            if unit == "8kB":
                settings[name] = f"{int(setting) * 8 // 1024} MB"
            elif unit == "kB":
                settings[name] = f"{int(setting) // 1024} MB"
            else:
                settings[name] = setting
    import django

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 2**20, 1),
        "postgresql": pg,
        "pg_settings": settings,
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": platform.platform(),
    }


def dataset() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM core_elder), (SELECT count(*) FROM core_eldersearchkey), "
            "(SELECT count(*) FROM core_region WHERE level = 'village' AND code LIKE '52%%')"
        )
        elders, keys, villages = cur.fetchone()
    return {"elders": elders, "search_keys": keys, "villages": villages}


def explain(timer: Timer, client, token: str, params: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """EXPLAIN (ANALYZE, BUFFERS) of the COUNT and the page query of one request."""
    from django.db import connection

    with timer.measure(keep=True):
        client.get("/api/v1/elders", params, HTTP_AUTHORIZATION=f"Bearer {token}")
    log = list(timer.log)
    parts = []
    with connection.cursor() as cur:
        for sql, sql_params in log:
            if "core_elder" not in sql or "api_token" in sql.lower():
                continue
            if not re.search(r"COUNT\(\*\)|ORDER BY", sql):
                continue
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
            plan = "\n".join(r[0] for r in cur.fetchall())
            parts.append(f"-- {cur.mogrify(sql, sql_params) if hasattr(cur, 'mogrify') else sql}\n{plan}")
    return "\n\n".join(parts)


def run(runs: int, warmup: int, seed: int, more_users: bool, do_explain: bool) -> dict:
    from django.db import connection
    from django.test import Client

    from yiyang.accounts.models import ApiToken
    from yiyang.core.models import Elder

    rng = random.Random(seed)
    timer = Timer()
    client = Client()
    users = bench_users(more_users)
    plans: list[dict[str, object]] = []
    cases = []  # (user label, kind, token, list of params)
    for label, _desc, user in users:
        ApiToken.objects.filter(user=user).delete()
        token = ApiToken.issue(user)
        queries = draw_queries(user, runs + warmup, rng, township_scope=label in TOWNSHIP_USERS)
        for kind in KINDS:
            qs = queries[kind]
            if len(qs) < runs + warmup:
                print(f"  {label}/{kind}: only {len(qs)} queries could be drawn", flush=True)
            cases.append((label, kind, token, qs))

    max_id = Elder.objects.order_by("-id").values_list("id", flat=True).first() or 1
    index_values = list(
        Elder.objects.filter(id__in=[rng.randint(1, max_id) for _ in range(runs + warmup)]).values_list(
            "id_number_index", flat=True
        )
    )
    baseline_ids = [rng.randint(1, max_id) for _ in range(runs + warmup)]

    def bare_pk(i: int) -> float:
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, name, region_id, birth_date, id_number_masked FROM core_elder WHERE id = %s",
                [baseline_ids[i]],
            )
            cur.fetchall()
        return time.perf_counter() - t

    def bare_index(i: int) -> float:
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, name, region_id, birth_date, id_number_masked FROM core_elder "
                "WHERE id_number_index = %s",
                [index_values[i % len(index_values)]],
            )
            cur.fetchall()
        return time.perf_counter() - t

    results: dict[tuple[str, str], dict[str, list[float]]] = {
        (label, kind): {"server": [], "db": [], "queries": [], "count": [], "params": []}
        for label, kind, _t, _q in cases
    }
    baseline: dict[str, list[float]] = {"pk": [], "blind_index": []}
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    with connection.execute_wrapper(timer):
        for i in range(runs + warmup):
            order = list(range(len(cases)))
            rng.shuffle(order)
            for j in order:
                label, kind, token, qs = cases[j]
                if i >= len(qs):
                    continue
                with timer.measure():
                    t = time.perf_counter()
                    response = client.get("/api/v1/elders", qs[i], HTTP_AUTHORIZATION=f"Bearer {token}")
                    server = time.perf_counter() - t
                if response.status_code != 200:
                    body = response.content[:300]
                    raise SystemExit(f"{label}/{kind} {qs[i]}: HTTP {response.status_code} {body!r}")
                count = response.json()["count"]
                if count < 1:
                    raise SystemExit(f"{label}/{kind} {qs[i]}: nothing found for a query drawn from a row")
                if i >= warmup:
                    r = results[(label, kind)]
                    r["server"].append(server * 1000)
                    r["db"].append(timer.seconds * 1000)
                    r["queries"].append(timer.queries)
                    r["count"].append(count)
                    r["params"].append(qs[i])
            if i >= warmup:
                baseline["pk"].append(bare_pk(i) * 1000)
                baseline["blind_index"].append(bare_index(i) * 1000)
            else:
                bare_pk(i), bare_index(i)
            if (i + 1) % 50 == 0:
                print(f"  round {i + 1}/{runs + warmup} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if do_explain:
            for label, kind, token, qs in cases:
                plan = explain(timer, client, token, qs[0])
                plans.append({"user": label, "kind": kind, "params": qs[0], "plan": plan})
    elapsed = time.perf_counter() - t0
    load_after = os.getloadavg()

    base_p50 = percentile(baseline["pk"], 50)
    rows = []
    for (label, kind), r in results.items():
        if not r["server"]:
            continue
        rows.append(
            {
                "user": label,
                "kind": kind,
                "n": len(r["server"]),
                "p50": percentile(r["server"], 50),
                "p95": percentile(r["server"], 95),
                "max": max(r["server"]),
                "db_p50": percentile(r["db"], 50),
                "db_p95": percentile(r["db"], 95),
                "queries": statistics.median(r["queries"]),
                "matches_median": statistics.median(r["count"]),
                "matches_max": max(r["count"]),
                "ratio_p50": percentile(r["server"], 50) / base_p50,
            }
        )
    baseline_rows = [
        {
            "kind": kind,
            "n": len(v),
            "p50": percentile(v, 50),
            "p95": percentile(v, 95),
            "max": max(v),
            "ratio_p50": percentile(v, 50) / base_p50,
        }
        for kind, v in baseline.items()
    ]
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "dataset": dataset(),
        "users": [(label, desc) for label, desc, _u in users],
        "runs": runs,
        "warmup": warmup,
        "seed": seed,
        "seconds": round(elapsed, 1),
        "load_before": load_before,
        "load_after": load_after,
        "rows": rows,
        "baseline": baseline_rows,
        "plans": plans,
        "raw": {f"{label}/{kind}": r for (label, kind), r in results.items()} | {"baseline": baseline},
    }


SHAPES_START = "<!-- bench:scope-shapes:start -->"
SHAPES_END = "<!-- bench:scope-shapes:end -->"


def compare_shapes(runs: int, seed: int) -> dict:
    """The unfiltered list's COUNT and first page for each user, with the scope built as it is
    (``scope_elders``: one plain filter, or the UNION of indexed branches read first) and as one OR
    across the same branches (``elder_scope_q``, the shape of the scope before issue 9), interleaved
    with the bare primary-key baseline. Through the ORM, without the HTTP layer."""
    from django.db import connection

    from yiyang.core.models import Elder
    from yiyang.core.scoping import elder_scope_q, scope_elders
    from yiyang.core.search import list_order

    rng = random.Random(seed)
    users = [(label, desc, u) for label, desc, u in bench_users(False) if label in GOAL_USERS]
    shapes = {
        "branches": lambda u: scope_elders(u),
        "one OR": lambda u: Elder.objects.filter(elder_scope_q(u)),
    }
    max_id = Elder.objects.order_by("-id").values_list("id", flat=True).first() or 1
    timings: dict[str, list[float]] = {f"{label}/{shape}": [] for label, _d, _u in users for shape in shapes}
    timings["baseline"] = []
    counts: dict[str, int] = {}
    for i in range(runs + 2):  # two warm-up rounds
        order = [(label, user, shape) for label, _d, user in users for shape in shapes]
        rng.shuffle(order)
        for label, user, shape in order:
            user._assignments_cache = None
            t = time.perf_counter()
            qs = shapes[shape](user)
            count = qs.count()
            list(list_order(qs, count)[:PAGE])
            if i >= 2:
                timings[f"{label}/{shape}"].append((time.perf_counter() - t) * 1000)
            counts[f"{label}/{shape}"] = count
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SELECT id, name, region_id FROM core_elder WHERE id = %s", [rng.randint(1, max_id)])
            cur.fetchall()
        if i >= 2:
            timings["baseline"].append((time.perf_counter() - t) * 1000)
        print(f"  shapes round {i + 1}/{runs + 2}", flush=True)
    base = percentile(timings["baseline"], 50)
    rows = [
        {
            "case": key,
            "n": len(v),
            "p50": percentile(v, 50),
            "p95": percentile(v, 95),
            "max": max(v),
            "matches": counts.get(key, 1),
            "ratio_p50": percentile(v, 50) / base,
        }
        for key, v in timings.items()
    ]
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "dataset": dataset(),
        "users": [(label, desc) for label, desc, _u in users],
        "runs": runs,
        "load": os.getloadavg(),
        "rows": rows,
    }


def shapes_section(report: dict) -> str:
    m, d = report["machine"], report["dataset"]
    lines = [
        "| user / scope built as | COUNT + first page p50 ms | p95 ms | max ms | elders in scope "
        "| p50 ÷ baseline p50 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:
        name = "baseline: bare `SELECT … WHERE id = %s`" if r["case"] == "baseline" else r["case"]
        lines.append(
            f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {r['matches']:,} "
            f"| {r['ratio_p50']:.0f}× |"
        )
    la = report["load"]
    return f"""{SHAPES_START}
## Scope query shapes at {d["elders"]:,} elders (`bench/search_bench.py --compare-shapes`)

- Date: {report["date"]}; machine as above ({m["cpu"]}, {m["cores"]} cores, PostgreSQL {m["postgresql"]});
  load average {la[0]:.2f} at the end of the run.

The unfiltered elder list's `COUNT(*)` and first page (`search.list_order`, 20 rows) through the ORM,
{report["runs"]} times per case, interleaved with the bare primary-key baseline. *branches* is
`scope_elders` as it is: one role branch as a plain filter; institution branches OR the granted ids,
read first as an array (one bitmap of index scans); a region with anything else as the UNION of the
branches' ids, read first; *one OR* is `Elder.objects.filter(elder_scope_q(u))`,
the same elders as one OR across the branches with the grants as an `IN (…)` sub-query — the shape
of the township doctor's scope before issue 9, when a family-doctor team's elders were an OR'd
sub-query on contracts. (For the county officer, who has no grant, that OR is hypothetical: it shows
what an OR'd grants branch would cost a region; their scope was and is the plain region filter. For
the family doctor, whose only branch is the team's grants, both shapes are one set of ids.) The users
have the demo's roles: the township doctor is a clinician of 双江街道中心卫生院 and leads its
family-doctor team, the family doctor is a member of that team; the team's contracts and grants come
from `generate_elders.sign_demo_team_contracts`.

{chr(10).join(lines)}

Reproduce: `.venv/bin/python bench/search_bench.py --compare-shapes [--shape-runs 30]`. Raw timings:
`bench/out/scope_shapes.json`.
{SHAPES_END}"""


def table(report: dict) -> str:
    lines = [
        "| user | query | p50 ms | p95 ms | max ms | DB p50 ms | DB p95 ms | SQL / request "
        "| matches (median / max) | p50 ÷ baseline p50 | p95 ≤ 50 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in report["rows"]:
        ok = r["p95"] <= GOAL_MS
        verdict = ("yes" if ok else "**no**") if r["user"] in GOAL_USERS else f"({'yes' if ok else 'no'})"
        lines.append(
            f"| {r['user']} | {KINDS[r['kind']]} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
            f"| {r['db_p50']:.1f} | {r['db_p95']:.1f} | {r['queries']:.0f} "
            f"| {r['matches_median']:,.0f} / {r['matches_max']:,} | {r['ratio_p50']:.0f}× | {verdict} |"
        )
    names = {"pk": "bare SQL: `SELECT … FROM core_elder WHERE id = %s`",
             "blind_index": "bare SQL: `… WHERE id_number_index = %s`"}  # fmt: skip
    for b in report["baseline"]:
        lines.append(
            f"| baseline | {names[b['kind']]} | {b['p50']:.2f} | {b['p95']:.2f} | {b['max']:.2f} "
            f"| {b['p50']:.2f} | {b['p95']:.2f} | 1 | 1 / 1 | {b['ratio_p50']:.1f}× | |"
        )
    return "\n".join(lines)


def section(report: dict) -> str:
    m, d = report["machine"], report["dataset"]
    met = all(r["p95"] <= GOAL_MS for r in report["rows"] if r["user"] in GOAL_USERS)
    who = ", the ".join(GOAL_USERS[:-1]) + " and the " + GOAL_USERS[-1]
    goal = (
        f"**Goal met**: every query kind of the {who} has p95 ≤ {GOAL_MS:.0f} ms server time."
        if met
        else f"**Goal not met**: some query kinds of the {who} have p95 > {GOAL_MS:.0f} ms (marked **no**)."
    )
    pg = ", ".join(f"{k} {v}" for k, v in sorted(m["pg_settings"].items()))
    users = "\n".join(f"- *{label}*: {desc}" for label, desc in report["users"])
    extra = [label for label, _d in report["users"] if label not in GOAL_USERS]
    if extra:
        users += (
            f"\n\nThe goal is about the first {len(GOAL_USERS)}; the {' and the '.join(extra)} are timed "
            "for information."
        )
    la, lb = report["load_before"], report["load_after"]
    return f"""{START}
## Elder search at {d["elders"]:,} elders (`bench/search_bench.py`)

- Date: {report["date"]}
- Machine: {m["cpu"]}, {m["cores"]} cores, {m["ram_gib"]} GiB RAM; {m["os"]}
- PostgreSQL {m["postgresql"]}, same machine: {pg}
- Python {m["python"]}, Django {m["django"]}
- Load average {la[0]:.2f} before and {lb[0]:.2f} after the run: other work shared the machine, which
  shows in the p95 and max columns (the bare baseline's own p95 gauges that noise).

Data set: {d["elders"]:,} synthetic elders over {d["villages"]:,} villages of 贵州 (88 counties, a
county holds about 1/88 of them), {d["search_keys"]:,} name search keys, from
`bench/generate_elders.py`.

What is timed: `GET /api/v1/elders` through Django's test client with a bearer token: token check,
filter form, `scope_elders` + `filter_elders`, `COUNT(*)`, the first page of {PAGE} rows in the list's
order (village, name, id) through `with_related` + `elder_rows`, JSON. *Server time* (p50, p95, max)
is the whole request in-process, without network or WSGI server; *DB* is the part of it spent in
SQL. Each kind ran {report["runs"]} times after {report["warmup"]} warm-up runs, each time with a
different query drawn from a random row in the user's scope (seed {report["seed"]}); all kinds and the
baseline were interleaved. The baseline is a bare primary-key `SELECT` on the same connection in the
same run, and the ratio column is each kind's p50 over its p50.

Users:
{users}

{table(report)}

{goal}

Reproduce: `make bench` (or `.venv/bin/python bench/run.py`, with `--elders 100000` for a quick run,
`--more-users` for the extra users, `--explain` for query plans), which generates the data set once
into the PostgreSQL database `yiyang_bench` and then runs `bench/search_bench.py`. Raw timings:
`bench/out/search.json`.
{END}"""


def write_doc(report: dict, *, start: str = START, end: str = END, render=section) -> None:  # type: ignore[no-untyped-def]
    text = DOC.read_text() if DOC.exists() else HEADER
    block = render(report)
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query kind (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed runs per kind first (default 20)")
    parser.add_argument("--seed", type=int, default=7, help="seed for drawing queries (default 7)")
    parser.add_argument(
        "--more-users",
        action="store_true",
        help="also time the civil-affairs officer and a province-wide officer",
    )
    parser.add_argument("--explain", action="store_true", help="save EXPLAIN ANALYZE of one query per kind")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/ alone")
    parser.add_argument(
        "--from-json", action="store_true", help="rewrite docs/ from bench/out/search.json, measure nothing"
    )
    parser.add_argument(
        "--compare-shapes",
        action="store_true",
        help="time the unfiltered list with the scope as built and as one OR (and nothing else)",
    )
    parser.add_argument("--shape-runs", type=int, default=30, help="runs per case of --compare-shapes")
    args = parser.parse_args(argv)
    if args.from_json:
        write_doc(json.loads((OUT_DIR / "search.json").read_text()))
        return 0
    setup()
    if args.compare_shapes:
        shapes = compare_shapes(args.shape_runs, args.seed)
        OUT_DIR.mkdir(exist_ok=True)
        (OUT_DIR / "scope_shapes.json").write_text(json.dumps(shapes, ensure_ascii=False, indent=1))
        print(shapes_section(shapes))
        if not args.no_write:
            write_doc(shapes, start=SHAPES_START, end=SHAPES_END, render=shapes_section)
        return 0
    report = run(args.runs, args.warmup, args.seed, args.more_users, args.explain)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "search.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(table(report))
    for p in report["plans"]:
        print(f"\n=== {p['user']} / {p['kind']} {p['params']}\n{p['plan']}")
    if not args.no_write:
        write_doc(report)
        print(f"wrote {DOC.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
