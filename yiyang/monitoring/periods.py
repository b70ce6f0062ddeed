"""Reporting periods: a year (``2026``), a quarter (``2026Q3``) or a month (``2026-03``).

An indicator is computed *for* a period: records dated inside it count, and the population is taken on
its reference date, the period's last day. Ages are reckoned on 31 December of the period's year
(INDICATORS.md: "65+" means aged 65 or more on 31 December of the reporting year).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

PATTERN = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


class PeriodError(ValueError):
    """The text is not a period this system knows (YYYY, YYYYQn or YYYY-MM)."""


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    label: str
    kind: str  # year | quarter | month

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def reference_date(self) -> dt.date:
        """The day the population is counted on: the period's last day."""
        return self.end

    @property
    def year_end(self) -> dt.date:
        """31 December of the reporting year: the day ages are reckoned on."""
        return dt.date(self.start.year, 12, 31)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def display(self) -> str:
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "quarter":
            return f"{self.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.year}年{self.start.month}月"

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    m = PATTERN.match((text or "").strip())
    if not m:
        raise PeriodError(text)
    year = int(m["year"])
    if year < 1900:
        raise PeriodError(text)
    if m["quarter"]:
        q = int(m["quarter"])
        first = 3 * q - 2
        start = dt.date(year, first, 1)
        end = dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
        return Period(start, end, f"{year}Q{q}", "quarter")
    if m["month"]:
        month = int(m["month"])
        return Period(
            dt.date(year, month, 1),
            dt.date(year, month, calendar.monthrange(year, month)[1]),
            f"{year}-{month:02d}",
            "month",
        )
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), "year")


def periods_containing(day: dt.date) -> list[str]:
    """The year, quarter and month that contain ``day`` (what a dated record can change)."""
    return [str(day.year), f"{day.year}Q{(day.month - 1) // 3 + 1}", f"{day.year}-{day.month:02d}"]


def trend_periods(period: Period, count: int = 5) -> list[Period]:
    """The ``count`` periods of the same kind ending with ``period`` (oldest first), for trend charts."""
    out = [period]
    current = period
    for _ in range(count - 1):
        prev_day = current.start - dt.timedelta(days=1)
        if current.kind == "year":
            current = parse_period(str(prev_day.year))
        elif current.kind == "quarter":
            current = parse_period(f"{prev_day.year}Q{(prev_day.month - 1) // 3 + 1}")
        else:
            current = parse_period(f"{prev_day.year}-{prev_day.month:02d}")
        out.append(current)
    return list(reversed(out))
