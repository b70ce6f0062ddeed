"""``make bench``: generate the data set if it is not there yet, then run the search benchmark and the
health archive benchmark.

    .venv/bin/python bench/run.py [--elders 1000000] [--reset] [--only search|health] [options…]

Options other than ``--elders``, ``--reset``, ``--seed`` and ``--only`` go to ``search_bench.py``
(``--runs``, ``--warmup``, ``--more-users``, ``--explain``, ``--no-write``); of them,
``--runs``, ``--warmup``, ``--explain`` and ``--no-write`` go to ``health_archive_bench.py`` too, which
adds its health records to the data set the first time. The database is ``yiyang_bench`` on the local
PostgreSQL unless BENCH_DATABASE_URL says otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def health_options(rest: list[str]) -> list[str]:
    """The options of ``rest`` that the health archive benchmark shares with the search benchmark."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--runs")
    shared.add_argument("--warmup")
    shared.add_argument("--explain", action="store_true")
    shared.add_argument("--no-write", action="store_true")
    known, _others = shared.parse_known_args(rest)
    out = [f"--{name}={value}" for name, value in (("runs", known.runs), ("warmup", known.warmup)) if value]
    return out + ["--explain"] * known.explain + ["--no-write"] * known.no_write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elders", type=int, default=1_000_000)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--seed", type=int, default=20240, help="data-set seed")
    parser.add_argument("--only", choices=("search", "health"), help="run one benchmark (default: both)")
    args, rest = parser.parse_known_args(argv)
    generate = [sys.executable, str(BENCH_DIR / "generate_elders.py"), "--elders", str(args.elders)]
    generate += ["--seed", str(args.seed)] + (["--reset"] if args.reset else [])
    # Separate processes: the generator's memory (a million ID numbers) is gone before timing starts.
    subprocess.run(generate, check=True)  # noqa: S603 — our own scripts, our interpreter
    if args.only != "health":
        subprocess.run([sys.executable, str(BENCH_DIR / "search_bench.py"), *rest], check=True)  # noqa: S603
    if args.only != "search":
        health = [sys.executable, str(BENCH_DIR / "health_archive_bench.py"), *health_options(rest)]
        subprocess.run(health, check=True)  # noqa: S603
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
