"""Elder search: by name characters, pinyin initials, or a full ID number through the blind index.

Every key is matched as a prefix on ElderSearchKey (indexed), so 张三 finds 张三丰, zs finds 张三丰
and 曾三, 三丰 finds 张三丰 (the given name is a key too). A full 18-character ID number is hashed
and looked up exactly; nothing else about an ID number is searchable, by design.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import QuerySet, Value
from django.db.models.functions import Concat

from . import clock, crypto
from .identity import InvalidIdNumber, parse_id_number
from .models import Elder, ElderCategory, ElderSearchKey
from .pinyin import name_search_keys
from .regions import subtree_range

ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
MAX_QUERY = 40
#: the elder list's order: by village, then name
LIST_ORDER = ("region_id", "name", "pk")
#: up to this many matches a list is sorted after filtering (see ``list_order``)
SORT_AFTER_FILTER_MAX = 5000


def id_number_index(number: str) -> str:
    return crypto.blind_index(number, purpose="id_number")


def search_keys_for(name: str) -> set[str]:
    return {k[:40] for k in name_search_keys(name) if k}


def filter_by_query(qs: QuerySet[Elder], q: str) -> QuerySet[Elder]:
    """Narrow an already-scoped queryset by the text a user typed."""
    q = (q or "").strip()[:MAX_QUERY]
    if not q:
        return qs
    compact = q.replace(" ", "")
    if ID_LIKE.match(compact):
        try:
            number = parse_id_number(compact).number
        except InvalidIdNumber:
            return qs.none()
        return qs.filter(id_number_index=id_number_index(number))
    key = compact.lower()
    matching = ElderSearchKey.objects.filter(key__startswith=key).values("elder_id")
    return qs.filter(pk__in=matching)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def birth_range_for_ages(low: int, high: int | None, *, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """Birth dates of people aged ``low``..``high`` (inclusive) on ``today``: (after, on_or_before)."""
    latest = _years_before(today, low)
    earliest = None if high is None else _years_before(today, high + 1)
    return earliest, latest


def filter_elders(
    qs: QuerySet[Elder],
    *,
    q: str = "",
    region: str = "",
    category: str = "",
    age_band: str = "",
    living_situation: str = "",
    status: str = "",
    today: dt.date | None = None,
) -> QuerySet[Elder]:
    """Apply the list filters to an already-scoped queryset."""
    today = today or clock.today()
    qs = filter_by_query(qs, q)
    if region:
        qs = qs.filter(region__code__range=subtree_range(region))
    if category:
        qs = qs.filter(pk__in=ElderCategory.objects.filter(category=category).values("elder_id"))
    if age_band:
        low_s, _sep, high_s = age_band.partition("-")
        earliest, latest = birth_range_for_ages(int(low_s), int(high_s) if high_s else None, today=today)
        qs = qs.filter(birth_date__lte=latest)
        if earliest is not None:
            qs = qs.filter(birth_date__gt=earliest)
    if living_situation:
        qs = qs.filter(living_situation=living_situation)
    if status:
        qs = qs.filter(status=status)
    return qs


def list_order(qs: QuerySet[Elder], count: int) -> QuerySet[Elder]:
    """``qs`` in the list's order (LIST_ORDER), written so its first page stays fast.

    ``count`` is how many rows ``qs`` has. Up to SORT_AFTER_FILTER_MAX the first key is an
    expression no index supplies, so PostgreSQL finds the matches through the filters' own indexes
    and sorts at most that many rows. Ordered by the bare column its planner may instead walk the
    region index in order, testing every row, on the assumption that matches are spread evenly;
    a township doctor's elders sit together in one township, and that walk read half the table for
    their first page (1.4 s at 1,000,000 elders; docs/benchmarks.md). With many matches the walk is
    what finds the first rows at once, so the bare columns stay. Same order either way.
    """
    if count <= SORT_AFTER_FILTER_MAX:
        return qs.order_by(Concat("region_id", Value("")), *LIST_ORDER[1:])
    return qs.order_by(*LIST_ORDER)
