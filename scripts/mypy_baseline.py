"""Run mypy (with django-stubs) and hold the code to a baseline that only shrinks.

The code base predates type checking; fixing every finding at once would touch every view. Instead
``mypy-baseline.txt`` lists the findings that existed when checking was switched on, keyed by file,
message and error code — without line numbers, so unrelated edits above a finding do not break the
check. This script fails when mypy reports a finding the baseline does not hold (new code must type-check)
and when the baseline holds a finding mypy no longer reports (a fix must also shrink the baseline, so it
can never grow back unnoticed). ``--update`` rewrites the baseline from the current findings and refuses
to let it grow.

Why not a package: mypy has no baseline mode of its own, and the small packages that add one either key
by line number or pull in their own configuration format; this is forty lines with no dependency.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
TARGETS = ["yiyang", "bench", "conftest.py", "scripts"]
FINDING = re.compile(r"^(?P<path>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def findings() -> collections.Counter[str]:
    """Each finding as ``path: message [code]``, counted (the same message can occur several times)."""
    result = subprocess.run(  # noqa: S603 — a fixed command line
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context", *TARGETS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mypy itself failed (exit {result.returncode})")
    counter: collections.Counter[str] = collections.Counter()
    for line in result.stdout.splitlines():
        m = FINDING.match(line)
        if m:
            counter[f"{m['path']}: {m['message']}"] += 1
    return counter


def read_baseline() -> collections.Counter[str]:
    counter: collections.Counter[str] = collections.Counter()
    if BASELINE.exists():
        for line in BASELINE.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                count, _, key = line.partition(" ")
                counter[key] = int(count)
    return counter


def write_baseline(counter: collections.Counter[str]) -> None:
    header = [
        f"# mypy findings accepted on {dt.date.today().isoformat()} (scripts/mypy_baseline.py).",
        "# It may only shrink: fix a finding, then run `python scripts/mypy_baseline.py --update`.",
        f"# {sum(counter.values())} findings.",
    ]
    body = [f"{n} {key}" for key, n in sorted(counter.items())]
    BASELINE.write_text("\n".join(header + body) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baseline (it may not grow)")
    parser.add_argument("--init", action="store_true", help="write the first baseline, whatever its size")
    args = parser.parse_args()
    current, baseline = findings(), read_baseline()
    new = current - baseline
    gone = baseline - current
    if args.init or args.update:
        if args.update and new:
            print("New mypy findings; fix them instead of adding them to the baseline:")
            print("\n".join(f"  {k} (×{n})" for k, n in sorted(new.items())))
            return 1
        write_baseline(current)
        print(f"mypy baseline: {sum(current.values())} findings (was {sum(baseline.values())}).")
        return 0
    if new:
        print("mypy: new findings (fix them; the baseline only shrinks):")
        print("\n".join(f"  {k} (×{n})" for k, n in sorted(new.items())))
    if gone:
        print(
            "mypy: findings fixed but still in the baseline — run `python scripts/mypy_baseline.py --update`:"
        )
        print("\n".join(f"  {k} (×{n})" for k, n in sorted(gone.items())))
    if new or gone:
        return 1
    print(f"mypy: {sum(current.values())} baseline findings, no new ones.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
