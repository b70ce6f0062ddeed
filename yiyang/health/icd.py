"""ICD-10 codes with Chinese names, read from the shipped table ``data/icd10_zh.tsv`` (built by
``scripts/build_icd10.py`` from a PyPI package; see that script for source and licence)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "icd10_zh.tsv"

#: the codes the chronic-disease registry uses by default
HYPERTENSION_CODE = "I10"
DIABETES_CODE = "E11.9"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    name_en: str


@functools.cache
def codes() -> dict[str, Code]:
    out: dict[str, Code] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("code\t"):
            continue
        code, name, name_en = [*line.split("\t"), "", ""][:3]
        out[code] = Code(code, name, name_en)
    return out


def lookup(code: str) -> Code | None:
    return codes().get((code or "").strip().upper())


def search(term: str, limit: int = 20) -> list[Code]:
    """Codes whose code starts with, or whose Chinese or English name contains, ``term``."""
    term = (term or "").strip()
    if not term:
        return []
    upper, lower = term.upper(), term.lower()
    hits = [
        c
        for c in codes().values()
        if c.code.startswith(upper) or term in c.name or lower in c.name_en.lower()
    ]
    return sorted(hits, key=lambda c: (not c.code.startswith(upper), c.code))[:limit]
