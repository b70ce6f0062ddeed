"""Loading the shipped region table (yiyang/core/data/regions.csv.gz, built by scripts/build_regions.py)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from django.db import transaction

from .models import Region

DATA_FILE = Path(__file__).parent / "data" / "regions.csv.gz"


def read_rows(path: Path = DATA_FILE) -> list[dict[str, str]]:
    with gzip.open(path, "rb") as f:
        return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")))


@transaction.atomic
def load_regions(path: Path = DATA_FILE) -> int:
    """Insert the regions that are not there yet (parents first); returns how many were added."""
    rows = read_rows(path)
    have = set(Region.objects.values_list("code", flat=True))
    order = ["province", "city", "county", "township", "village"]
    rows.sort(key=lambda r: (order.index(r["level"]), r["code"]))
    new = [
        Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"] or None)
        for r in rows
        if r["code"] not in have
    ]
    Region.objects.bulk_create(new, batch_size=2000)
    return len(new)
