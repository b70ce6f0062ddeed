#!/usr/bin/env python3
"""Build ``yiyang/health/data/icd10_zh.tsv``: ICD-10 codes with Chinese and English names for the
health archive's problem list (现存主要健康问题 / 既往史 diagnoses).

Why a shipped file: the archive needs Chinese disease names that nobody typed by hand, and no PyPI or
npm package reachable offline carries the national clinical edition (国家临床版 2.0) table. The
MIT-licensed PyPI package ``faker-healthcare-provider`` ships, per locale, a table of 158 common
diseases keyed by ICD-10 code (WHO ICD-10 base codes, ICD-10-CM for the finer ones), with a
Simplified Chinese name per disease (``faker_healthcare/zh_CN/disease_correlations.py``) and the
English name (``faker_healthcare/disease_correlations.py``). This script takes exactly those pairs.

    python3 scripts/build_icd10.py

Needs ``pip`` (only to fetch the wheel) and the standard library. The wheel's sha256 is checked
before anything in it is read; the two modules are read with ``ast`` (nothing from the package is
imported or executed). Output is sorted by code and deterministic. Where one code carries two
Chinese names (G40.909 癫痫 / 痫性发作) the first in the package's order is kept.

Licences: the package is MIT (``icd10_zh.LICENSE``). Its README says base codes are WHO ICD-10,
© World Health Organization, used under CC BY-ND 3.0 IGO, and the finer codes are ICD-10-CM
(CDC/NCHS, U.S. government, free). The Chinese names are the package author's; they are not the
national clinical edition's wording, and the file says so in its header.
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "faker-healthcare-provider"
VERSION = "2.5.0"
WHEEL = "faker_healthcare_provider-2.5.0-py3-none-any.whl"
SHA256 = "5439d7b660798742dba4974546abc182735528aa890afcf145339c6c0af3b99a"
ZH_MODULE = "faker_healthcare/zh_CN/disease_correlations.py"
EN_MODULE = "faker_healthcare/disease_correlations.py"

DATA_DIR = Path(__file__).resolve().parent.parent / "yiyang" / "health" / "data"
OUTPUT = DATA_DIR / "icd10_zh.tsv"
LICENSE_OUT = DATA_DIR / "icd10_zh.LICENSE"


def _table(source: str) -> dict[str, dict]:
    """The ``DISEASE_CORRELATIONS`` literal of a module, read without executing it."""
    for node in ast.parse(source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "DISEASE_CORRELATIONS":
            return ast.literal_eval(node.value)  # type: ignore[arg-type]
    raise SystemExit("DISEASE_CORRELATIONS not found")


def _by_code(table: dict[str, dict]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, data in table.items():
        out.setdefault(data["icd10"], name)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 — fixed arguments, pinned package
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, f"{PACKAGE}=={VERSION}"],
            check=True,
        )
        wheel = Path(tmp) / WHEEL
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != SHA256:
            raise SystemExit(f"{WHEEL}: sha256 {digest} does not match the pinned {SHA256}")
        with zipfile.ZipFile(wheel) as zf:
            zh = _by_code(_table(zf.read(ZH_MODULE).decode("utf-8")))
            en = _by_code(_table(zf.read(EN_MODULE).decode("utf-8")))
            licence = next(n for n in zf.namelist() if n.endswith("licenses/LICENSE"))
            LICENSE_OUT.write_bytes(zf.read(licence))
    lines = [
        f"# ICD-10 codes with Chinese names, from PyPI {PACKAGE} {VERSION} ({ZH_MODULE}, {EN_MODULE}).",
        "# Built by scripts/build_icd10.py; do not edit. MIT (icd10_zh.LICENSE); WHO ICD-10 base codes",
        "# (c) WHO, CC BY-ND 3.0 IGO; ICD-10-CM codes by CDC/NCHS. Names are the package's, not 国家临床版.",
        "code\tname_zh\tname_en",
    ]
    for code in sorted(zh):
        lines.append(f"{code}\t{zh[code]}\t{en.get(code, '')}")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUTPUT}: {len(zh)} codes")


if __name__ == "__main__":
    main()
