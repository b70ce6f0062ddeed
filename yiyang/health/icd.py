"""ICD-10 codes with Chinese names for the problem list.

Two tables, one format (a tab-separated file ``code  name_zh  name_en`` with ``#`` comment lines):

- the shipped **interim** table ``data/icd10_who_interim.tsv``: WHO ICD-10 categories and subcategories
  only (``A00`` or ``A00.0``; no ICD-10-CM extensions such as ``E11.319``), covering the chronic diseases
  of older people and dementia (F00–F03);
- the licensed **国家临床版 2.0** (疾病分类与代码国家临床版) table, once a deployment has it:
  ``manage.py load_icd10 <file.xlsx|.csv|.tsv>`` converts it to the same format at
  ``settings.ICD10_TABLE`` (default ``<BASE_DIR>/var/icd10_national.tsv``), which is then read instead.

Pages label the interim table as such (:func:`is_interim`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

INTERIM_TABLE = Path(__file__).resolve().parent / "data" / "icd10_who_interim.tsv"
#: a WHO ICD-10 code: a 3-character category, or a subcategory with one digit after the point
WHO_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9])?$")
#: 国家临床版 codes extend WHO's (I10.x00, E11.900x001); accepted when that table is loaded
NATIONAL_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,8})?$")

#: the codes the chronic-disease registry uses by default
HYPERTENSION_CODE = "I10"
DIABETES_CODE = "E11.9"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    name_en: str


def national_table() -> Path:
    default = Path(getattr(settings, "BASE_DIR", ".")) / "var" / "icd10_national.tsv"
    return Path(getattr(settings, "ICD10_TABLE", "") or default)


def table_path() -> Path:
    """The national table when one has been loaded, else the interim table."""
    national = national_table()
    return national if national.exists() else INTERIM_TABLE


def is_interim() -> bool:
    return table_path() == INTERIM_TABLE


def read_table(path: Path) -> dict[str, Code]:
    out: dict[str, Code] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("code\t"):
            continue
        code, name, name_en = [*line.split("\t"), "", ""][:3]
        out[code] = Code(code, name, name_en)
    return out


@functools.cache
def _codes(path: str) -> dict[str, Code]:
    return read_table(Path(path))


def codes() -> dict[str, Code]:
    return _codes(str(table_path()))


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


def write_national_table(rows: list[tuple[str, str]], source: str) -> int:
    """Write the 国家临床版 rows (code, Chinese name) to :func:`national_table`; returns the count."""
    target = national_table()
    target.parent.mkdir(parents=True, exist_ok=True)
    clean = sorted(
        {(c.strip().upper(), n.strip()) for c, n in rows if NATIONAL_CODE.match(c.strip().upper())}
    )
    lines = [
        f"# 疾病分类与代码国家临床版, loaded from {source} by manage.py load_icd10",
        "code\tname_zh\tname_en",
    ]
    lines += [f"{c}\t{n}\t" for c, n in clean]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _codes.cache_clear()
    return len(clean)
