"""Alert rules (告警规则): which readings raise an alert, read from data.

The defaults are ``devices/data/rules.yaml`` (thresholds with their sources, events that alert at once,
"no reading for N minutes" per device kind, the default escalation ladder). ``ThresholdRule`` rows
override one threshold for an institution or one elder; the most specific wins (elder, institution,
file). A reading alerts when it is below ``low`` or above ``high``; a value exactly on a limit does not.

:func:`evaluate` is the hook the ingestion worker calls after storing each new reading. It is cheap for
the common case (a reading in range): the file is parsed once per process and the overrides of an
elder and institution are cached for a few seconds (:data:`OVERRIDE_TTL_SECONDS`), dropped at once in
this process when a doctor changes them.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml
from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from yiyang.core import clock

from .models.rules import BP_PARTS, THRESHOLD_TYPES, Severity, ThresholdRule

if TYPE_CHECKING:
    from yiyang.core.models import Elder

    from .models.readings import Reading

RULES_FILE = Path(__file__).parent / "data" / "rules.yaml"
#: how long a process trusts its cached overrides (another process's change shows after this long)
OVERRIDE_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class Limit:
    """One threshold in force: alert below ``low`` or above ``high`` (None: no limit on that side)."""

    type: str
    part: str
    low: Decimal | None
    high: Decimal | None
    severity: str
    unit: str
    #: where it comes from: "elder", "institution" or "default"
    origin: str
    source: str = ""

    def breach(self, value: Decimal) -> str | None:
        if self.low is not None and value < self.low:
            return "low"
        if self.high is not None and value > self.high:
            return "high"
        return None


@dataclass(frozen=True)
class EventRule:
    type: str
    severity: str
    per_place: bool = False
    night: tuple[dt.time, dt.time] | None = None

    def applies_at(self, local: dt.datetime) -> bool:
        if self.night is None:
            return True
        start, end = self.night
        t = local.time()
        return t >= start or t < end if start > end else start <= t < end


@dataclass(frozen=True)
class StepSpec:
    role: str
    wait_minutes: int


@dataclass(frozen=True)
class RuleBook:
    limits: dict[tuple[str, str], Limit]
    events: dict[str, EventRule]
    silence_minutes: dict[str, int]
    escalation: tuple[StepSpec, ...]


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{where}: not a number: {value!r}")
    return Decimal(str(value))


def _hhmm(text: str) -> dt.time:
    return dt.datetime.strptime(str(text), "%H:%M").time()


def parse(data: dict[str, Any]) -> RuleBook:
    """The rule book from the file's data; a malformed file fails loudly naming the entry."""
    severities = set(Severity.values)
    limits: dict[tuple[str, str], Limit] = {}
    for type_, spec in (data.get("thresholds") or {}).items():
        if type_ not in THRESHOLD_TYPES:
            raise ValueError(f"thresholds.{type_}: not a reading type with thresholds")
        severity = spec.get("severity", "warning")
        if severity not in severities:
            raise ValueError(f"thresholds.{type_}.severity: {severity!r}")
        parts = BP_PARTS if type_ == "bp" else ("",)
        for part in parts:
            node = spec[part] if part else spec
            where = f"thresholds.{type_}{'.' + part if part else ''}"
            if "source" not in node or not str(node["source"]).strip():
                raise ValueError(f"{where}: names no source (say 本地默认值 for a local default)")
            limits[(type_, part)] = Limit(
                type=type_,
                part=part,
                low=_decimal(node.get("low"), where),
                high=_decimal(node.get("high"), where),
                severity=severity,
                unit=str(spec.get("unit", "")),
                origin="default",
                source=str(node["source"]),
            )
    events: dict[str, EventRule] = {}
    for type_, spec in (data.get("events") or {}).items():
        spec = spec or {}
        night = spec.get("night")
        events[type_] = EventRule(
            type=type_,
            severity=spec.get("severity", "critical"),
            per_place=bool(spec.get("per_place", False)),
            night=(_hhmm(night["from"]), _hhmm(night["to"])) if night else None,
        )
    silence = {str(k): int(v) for k, v in (data.get("silence_minutes") or {}).items()}
    steps = tuple(StepSpec(s["role"], int(s["wait_minutes"])) for s in data.get("escalation") or [])
    return RuleBook(limits=limits, events=events, silence_minutes=silence, escalation=steps)


@cache
def rulebook() -> RuleBook:
    """The defaults of ``rules.yaml``, parsed once per process."""
    return parse(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))


# -- overrides -------------------------------------------------------------------------------------

_cache: dict[tuple[int | None, int | None], tuple[float, list[ThresholdRule]]] = {}
_cache_lock = threading.Lock()


def forget_overrides() -> None:
    """Drop this process's cached overrides (called after a change, and by tests)."""
    with _cache_lock:
        _cache.clear()


def _overrides(elder_id: int | None, institution_id: int | None) -> list[ThresholdRule]:
    key = (elder_id, institution_id)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    q = Q(pk__in=[])
    if elder_id:
        q |= Q(elder_id=elder_id)
    if institution_id:
        q |= Q(institution_id=institution_id)
    rows = list(ThresholdRule.objects.filter(q)) if (elder_id or institution_id) else []
    with _cache_lock:
        if len(_cache) > 50_000:
            _cache.clear()
        _cache[key] = (now + OVERRIDE_TTL_SECONDS, rows)
    return rows


def limits_for(elder_id: int | None, institution_id: int | None) -> dict[tuple[str, str], Limit]:
    """The thresholds in force for an elder (served by an institution): the file's, then the
    institution's overrides, then the elder's; an override's empty limit keeps the one below."""
    limits = dict(rulebook().limits)
    rows = _overrides(elder_id, institution_id)
    for origin in ("institution", "elder"):
        for r in rows:
            if (origin == "elder") != (r.elder_id is not None):
                continue
            base = limits.get((r.type, r.part))
            if base is None:
                continue
            limits[(r.type, r.part)] = replace(
                base,
                low=r.low if r.low is not None else base.low,
                high=r.high if r.high is not None else base.high,
                severity=r.severity or base.severity,
                origin=origin,
                source=r.note or base.source,
            )
    return limits


# -- evaluating a reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What a reading calls for: an alert of ``kind`` with a message."""

    kind: str
    severity: str
    message: str
    per_place: bool = False


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value))
    except Exception:
        return None
    return number if number.is_finite() else None


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check(
    reading_type: str, value: Any, at: dt.datetime, limits: dict[tuple[str, str], Limit]
) -> Finding | None:
    """The finding for one reading, or None (in range, not an alerting event, or unreadable)."""
    book = rulebook()
    event = book.events.get(reading_type)
    if event is not None:
        if value is False or value is None or not event.applies_at(at.astimezone(clock.zone())):
            return None
        return Finding(reading_type, event.severity, "", per_place=event.per_place)
    if reading_type not in THRESHOLD_TYPES:
        return None
    parts = BP_PARTS if reading_type == "bp" else ("",)
    breaches: list[tuple[Limit, str, Decimal]] = []
    for part in parts:
        limit = limits.get((reading_type, part))
        raw = value.get(part) if part and isinstance(value, dict) else (None if part else value)
        number = _number(raw)
        if limit is None or number is None:
            continue
        side = limit.breach(number)
        if side:
            breaches.append((limit, side, number))
    if not breaches:
        return None
    severity = max((b[0].severity for b in breaches), key=lambda s: Severity.values.index(s))
    with translation.override(settings.LANGUAGE_CODE):
        texts = []
        for limit, side, number in breaches:
            bound = limit.low if side == "low" else limit.high
            assert bound is not None
            texts.append(
                (
                    _("%(what)s %(value)s %(unit)s, below the lower limit %(limit)s")
                    if side == "low"
                    else _("%(what)s %(value)s %(unit)s, above the upper limit %(limit)s")
                )
                % {
                    "what": PART_LABELS.get((reading_type, limit.part), reading_type),
                    "value": _fmt(number),
                    "unit": limit.unit,
                    "limit": _fmt(bound),
                }
            )
        message = "；".join(texts)
    return Finding(reading_type, severity, message)


def _labels() -> dict[tuple[str, str], Any]:
    from django.utils.translation import gettext_lazy

    return {
        ("heart_rate", ""): gettext_lazy("Heart rate"),
        ("spo2", ""): gettext_lazy("Blood oxygen"),
        ("bp", "sys"): gettext_lazy("Systolic pressure"),
        ("bp", "dia"): gettext_lazy("Diastolic pressure"),
        ("glucose", ""): gettext_lazy("Blood glucose"),
        ("temperature", ""): gettext_lazy("Body temperature"),
    }


PART_LABELS = _labels()


def evaluate(reading: Reading) -> None:
    """Raise or count an alert for a newly stored reading (the ingestion worker's hook). A reading in
    range, or of a type that does not alert, does nothing."""
    from .services import alerts as alert_services

    device = reading.device
    institution_id = device.institution_id
    if institution_id is None and reading.elder_id is not None:
        elder = cast("Elder", reading.elder)
        institution_id = elder.residence_institution_id or elder.managing_institution_id
    needs_limits = reading.type in THRESHOLD_TYPES
    limits = limits_for(reading.elder_id, institution_id) if needs_limits else {}
    finding = check(reading.type, reading.value, reading.ts, limits)
    if finding is None:
        return
    alert_services.raise_alert(
        kind=finding.kind,
        severity=finding.severity,
        message=finding.message,
        elder=None if finding.per_place else reading.elder,
        device=device,
        value=reading.value,
        at=reading.ts,
        per_place=finding.per_place or reading.elder_id is None,
    )
