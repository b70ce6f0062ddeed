#!/usr/bin/env python3
"""Build ``yiyang/core/data/surnames.tsv``, the surname-reading table used for pinyin name search.

Why: a surname is often read differently from the same character elsewhere (曾 zēng not céng, 单 shàn,
仇 qiú, 解 xiè, 朴 piáo, 区 ōu …) and pypinyin 0.55 has no surname mode, so 曾国藩 would be indexed
as "cgf" and a clerk typing "zgf" would not find him. The readings come from the surname dictionary
that the MIT-licensed npm package ``pinyin-pro`` ships (``dist/esm/data/surname.mjs``), plus a few
documented supplements below for surnames that have two readings or are missing there.

    python3 scripts/build_surnames.py

Needs ``npm`` (only to fetch the tarball) and the standard library. The tarball's sha512 is checked
against the registry's dist.integrity pinned here before anything in it is read. Output is sorted
and deterministic.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "pinyin-pro"
VERSION = "3.29.4"
INTEGRITY = "sha512-SPXpDT2cHEy+d26V1RXYMlVzXN42hotFAak1fzyWPi4o2dKXb61UqD4pzxDJHwk6gbv8vQ6EfErd+hYX0Qhzug=="
SOURCE_FILE = "dist/esm/data/surname.mjs"
LICENSE_NAME = "MIT"

DATA_DIR = Path(__file__).resolve().parent.parent / "yiyang" / "core" / "data"
OUTPUT = DATA_DIR / "surnames.tsv"
LICENSE_OUT = DATA_DIR / "surnames.LICENSE"

#: Readings added to (or, for surnames the package lacks, making up) the table. Each says why.
#: Alternatives are separated by "/", the first being the one most people use.
SUPPLEMENTS: dict[str, tuple[str, str]] = {
    "乐": ("lè", "supplement: both Yuè and Lè are surnames (现代汉语词典); DESIGN.md §4 asks for yue/le"),
    "尉": (
        "yù/wèi",
        "supplement: DESIGN.md §4 asks for yu; 现代汉语词典 gives Wèi for the single surname, so both",
    ),
    "种": ("chóng", "supplement: surname reading Chóng (现代汉语词典), not zhǒng/zhòng"),
    "秘": ("bì", "supplement: surname reading Bì (现代汉语词典), not mì"),
    "祭": ("zhài", "supplement: surname reading Zhài (现代汉语词典), not jì"),
}

ENTRY = re.compile(r"^\s*([^\s:'\"]+):\s*'([^']+)',\s*$")


def fetch(workdir: Path) -> tuple[bytes, bytes]:
    """``npm pack`` the pinned tarball, check its integrity, return the surname source and LICENSE.

    The MIT licence asks for its notice to travel with substantial copies, hence the LICENSE.
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
    tarball = workdir / json.loads(result.stdout)[0]["filename"]
    algorithm = INTEGRITY.split("-", 1)[0]
    actual = f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()}"
    if actual != INTEGRITY:
        sys.exit(f"integrity mismatch for {tarball.name}:\n  expected {INTEGRITY}\n  got      {actual}")
    with tarfile.open(tarball, "r:gz") as tar:
        manifest = tar.extractfile(tar.getmember("package/package.json"))
        assert manifest is not None
        if json.load(manifest).get("license") != LICENSE_NAME:
            sys.exit(f"{PACKAGE}@{VERSION} is no longer {LICENSE_NAME}-licensed; review before use")
        handle = tar.extractfile(tar.getmember(f"package/{SOURCE_FILE}"))
        licence = tar.extractfile(tar.getmember("package/LICENSE"))
        assert handle is not None and licence is not None
        return handle.read(), licence.read()


def parse(source: str) -> dict[str, str]:
    """The ``const Surnames = { 欧阳: 'ōu yáng', … }`` object literal as a dict."""
    start = source.index("const Surnames = {")
    end = source.index("};", start)
    lines = source[start:end].splitlines()[1:]
    table: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        match = ENTRY.match(line)
        if match is None:
            raise ValueError(f"unexpected line in {SOURCE_FILE}: {line!r}")
        surname, reading = match.groups()
        if surname in table:
            raise ValueError(f"duplicate surname {surname} in {SOURCE_FILE}")
        table[surname] = reading
    if len(table) < 400:
        raise ValueError(f"only {len(table)} surnames parsed from {SOURCE_FILE}; has its format changed?")
    return table


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="build-surnames-") as tmp:
        source, licence = fetch(Path(tmp))
    table = parse(source.decode("utf-8"))
    rows: dict[str, tuple[str, str]] = {
        surname: (reading, f"{PACKAGE} {VERSION}") for surname, reading in table.items()
    }
    for surname, (extra, note) in SUPPLEMENTS.items():
        readings = rows[surname][0].split("/") if surname in rows else []
        readings += [r for r in extra.split("/") if r not in readings]
        rows[surname] = ("/".join(readings), note)
    header = [
        "# Surname readings (姓氏读音) for pinyin name search; generated by scripts/build_surnames.py.",
        f"# Source: npm package {PACKAGE} {VERSION}, file {SOURCE_FILE}",
        f"#   ({LICENSE_NAME} licence, Copyright (c) 2022-present zh-lx; text in surnames.LICENSE),",
        f"#   tarball {INTEGRITY}",
        "#   plus the supplements listed in the script (their notes say why).",
        "# Columns: surname, readings as a surname (tone-marked syllables separated by spaces;",
        "#   alternative readings separated by '/', most common first), source note.",
        "# Compound surnames (欧阳, 尉迟) are rows of their own.",
        "surname\treadings\tsource",
    ]
    body = [f"{s}\t{reading}\t{note}" for s, (reading, note) in sorted(rows.items())]
    OUTPUT.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    LICENSE_OUT.write_bytes(licence)
    compound = sum(1 for s in rows if len(s) > 1)
    print(f"wrote {OUTPUT.name}: {len(rows)} surnames ({compound} compound)")


if __name__ == "__main__":
    main()
