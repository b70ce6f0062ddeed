"""``manage.py load_icd10 <file>``: install the licensed 国家临床版 2.0 ICD-10 table (疾病分类与代码国家
临床版), replacing the shipped interim WHO table on the problem list.

The file is the one the province or 国家卫生健康委 distributes (Excel ``.xlsx``, or ``.csv``/``.tsv``
exported from it). The first row names the columns; the code column is the one titled 编码/代码/疾病编码/
诊断编码 (or ``code``), the name column 名称/疾病名称/诊断名称 (or ``name``). Codes are kept when they
look like ICD-10 (a letter, two digits, optionally a point and up to eight characters).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiyang.health import icd

CODE_TITLES = ("编码", "代码", "疾病编码", "诊断编码", "主要编码", "code")
NAME_TITLES = ("名称", "疾病名称", "诊断名称", "name")


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(r) for r in csv.reader(handle, delimiter=delimiter)]


def _column(header: list[str], titles: tuple[str, ...]) -> int:
    for i, title in enumerate(header):
        if title.strip().lower() in titles:
            return i
    raise CommandError(f"找不到列：{' / '.join(titles)}（表头：{', '.join(header)}）")


class Command(BaseCommand):
    help = "Install the 国家临床版 ICD-10 table (xlsx/csv/tsv) in place of the interim WHO table."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        rows = _rows(path)
        if not rows:
            raise CommandError("文件为空")
        code_col, name_col = _column(rows[0], CODE_TITLES), _column(rows[0], NAME_TITLES)
        pairs = [(r[code_col], r[name_col]) for r in rows[1:] if len(r) > max(code_col, name_col)]
        count = icd.write_national_table(pairs, path.name)
        self.stdout.write(f"已载入国家临床版编码 {count} 条：{icd.national_table()}")
