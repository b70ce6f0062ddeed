"""The admission risk assessment's rules, read from ``quality/data/risk_rules.yaml``: the time limit per
county and how each screen's level becomes a risk flag.

The clock (``admission_clock``). ``Stay.admitted_on`` is a date without an hour; ``Stay.created_at`` is
when the admission was recorded. Counting from 00:00 of the admission day would give a resident who
arrives at 21:00 three hours instead of 24; counting from the record time alone would let an admission
entered days late (back-dated) start its clock at the late entry. So the clock starts at the record
time, kept inside the admission day: an admission recorded on its day starts then; one recorded later
starts at the end of the admission day (24:00, the latest the resident can have arrived), so a late
entry gains no time; one recorded before its day (booked ahead) starts at 00:00 of the day. The
assessment is on time when it is made at or before ``clock_start + admission_hours`` — exactly 24 h is
on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from yiyang.core import clock

RULES_PATH = Path(__file__).resolve().parent / "data" / "risk_rules.yaml"
LEVELS = ("none", "low", "moderate", "high")


@dataclass(frozen=True)
class FlagRule:
    code: str
    label: str
    instrument: str
    levels: dict[str, str]


@dataclass(frozen=True)
class Rules:
    default_hours: int
    region_hours: dict[str, int]
    flag_from: str
    flags: tuple[FlagRule, ...]

    def hours_for(self, region_code: str) -> int:
        """The admission time limit of the region (12-digit code): the longest matching prefix."""
        best, hours = -1, self.default_hours
        for prefix, h in self.region_hours.items():
            if region_code.startswith(prefix) and len(prefix) > best:
                best, hours = len(prefix), h
        return hours

    def flag(self, code: str) -> FlagRule:
        return next(f for f in self.flags if f.code == code)

    def shows(self, flag_level: str) -> bool:
        return LEVELS.index(flag_level) >= LEVELS.index(self.flag_from)


def parse(data: dict[str, Any]) -> Rules:
    hours = int(data["default"]["admission_hours"])
    regions = {str(k): int(v["admission_hours"]) for k, v in (data.get("regions") or {}).items()}
    if hours < 1 or any(h < 1 for h in regions.values()):
        raise ValueError("admission_hours must be at least 1")
    flags = tuple(
        FlagRule(
            str(f["code"]),
            str(f["label"]),
            str(f["instrument"]),
            {str(k): str(v) for k, v in f["levels"].items()},
        )
        for f in data["flags"]
    )
    for f in flags:
        bad = set(f.levels.values()) - set(LEVELS)
        if bad:
            raise ValueError(f"{f.code}: unknown flag level(s) {sorted(bad)}")
    flag_from = str(data.get("flag_from", "moderate"))
    if flag_from not in LEVELS:
        raise ValueError(f"flag_from: one of {LEVELS}")
    return Rules(hours, regions, flag_from, flags)


@cache
def _load(path: str) -> Rules:
    return parse(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def rules() -> Rules:
    return _load(str(RULES_PATH))


def admission_clock(admitted_on: dt.date, recorded_at: dt.datetime) -> dt.datetime:
    """When the admission's clock starts (see the module docstring)."""
    zone = clock.zone()
    day_start = dt.datetime.combine(admitted_on, dt.time(0, 0), tzinfo=zone)
    day_end = day_start + dt.timedelta(days=1)
    recorded = recorded_at.astimezone(zone)
    return min(max(recorded, day_start), day_end)


def admission_deadline(
    admitted_on: dt.date, recorded_at: dt.datetime, region_code: str
) -> tuple[dt.datetime, dt.datetime, int]:
    """``(clock_start, due_at, hours)`` of an admission at an institution of ``region_code``."""
    start = admission_clock(admitted_on, recorded_at)
    hours = rules().hours_for(region_code)
    return start, start + dt.timedelta(hours=hours), hours
