"""Administrative-division codes (统计用区划代码): 12 digits = province 2, city 2, county 2, township 3,
village 3. A region's subtree is every code that starts with its significant prefix, so scoping by
region is a plain ``startswith`` query that works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


#: significant digits of a code at each level
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


def level_of(code: str) -> RegionLevel:
    """The level of a 12-digit code, read from which trailing groups are zero."""
    if len(code) != 12 or not code.isdigit():
        raise ValueError(f"not a 12-digit region code: {code!r}")
    if code[2:] == "0" * 10:
        return RegionLevel.PROVINCE
    if code[4:] == "0" * 8:
        return RegionLevel.CITY
    if code[6:] == "0" * 6:
        return RegionLevel.COUNTY
    if code[9:] == "000":
        return RegionLevel.TOWNSHIP
    return RegionLevel.VILLAGE


def subtree_prefix(code: str) -> str:
    """The prefix every code in ``code``'s subtree starts with (520621000000 → 520621)."""
    return code[: PREFIX_LENGTH[level_of(code)]]


def subtree_range(code: str) -> tuple[str, str]:
    """The first and last code of ``code``'s subtree: 520621000000 → (520621000000, 520621999999).

    Codes are 12 digits, so "starts with the prefix" and "lies in this range" select the same rows,
    on every database and collation. Filter a large table (elders) with the range: an ordinary
    B-tree index on the code answers it and also yields rows in code order for ORDER BY, and the
    planner estimates it from the column's histogram. A ``LIKE '520621%'`` needs PostgreSQL's
    pattern_ops index, which cannot give that order, so "first page ordered by region" walked the
    whole index filtering row by row (seconds at a million elders; see docs/benchmarks.md).
    """
    prefix = subtree_prefix(code)
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def normalise_code(code: str) -> str:
    """Accept 2/4/6/9/12-digit codes (as officials type them) and pad to 12 digits."""
    code = code.strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(f"not a region code: {code!r}")
    return code.ljust(12, "0")
