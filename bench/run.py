"""``make bench``: generate the data set if it is not there yet, then run the search benchmark.

    .venv/bin/python bench/run.py [--elders 1000000] [--reset] [search_bench options…]

Options other than ``--elders``, ``--reset`` and ``--seed`` go to ``search_bench.py`` (``--runs``,
``--province``, ``--explain``, ``--no-write``). The database is ``yiyang_bench`` on the local
PostgreSQL unless BENCH_DATABASE_URL says otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elders", type=int, default=1_000_000)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--seed", type=int, default=20240, help="data-set seed")
    args, rest = parser.parse_known_args(argv)
    generate = [sys.executable, str(BENCH_DIR / "generate_elders.py"), "--elders", str(args.elders)]
    generate += ["--seed", str(args.seed)] + (["--reset"] if args.reset else [])
    # Separate processes: the generator's memory (a million ID numbers) is gone before timing starts.
    subprocess.run(generate, check=True)  # noqa: S603 — our own scripts, our interpreter
    subprocess.run([sys.executable, str(BENCH_DIR / "search_bench.py"), *rest], check=True)  # noqa: S603
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
