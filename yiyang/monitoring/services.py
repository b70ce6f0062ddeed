"""The only writers of monitoring records: recompute runs (asked for, or drained from the outbox),
declarations, targets.

Each is one transaction, takes the acting user keyword-only (the system actor for work no person
does, :mod:`yiyang.core.actors`) and writes its audit row inside it; background work is queued with
``transaction.on_commit`` so a rolled-back request queues nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution, Region
from yiyang.core.scoping import region_scope_prefixes, require_perm

from . import engine, error_codes, outbox, signals
from .models import (
    ComputeRun,
    Declaration,
    DeclaredPopulation,
    IndicatorValue,
    PopulationGroup,
    RecomputeMark,
    RunStatus,
    Target,
    TargetOp,
)
from .periods import PeriodError, parse_period
from .registry import UnknownIndicator, all_indicators, get_indicator

if TYPE_CHECKING:
    from yiyang.accounts.models import User

logger = logging.getLogger(__name__)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
#: a recompute names at most this many periods (issue 15: 10,000 periods meant hours of CPU); five years
#: of months, quarters and years is 85
MAX_RECOMPUTE_PERIODS = 100
#: a run still "running" this long after it started was left by a worker that died
STALE_RUN_MINUTES = 120
EVIDENCE_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ofd"}


def _period(text: str, field: str = "period"):  # type: ignore[no-untyped-def]
    try:
        return parse_period(text)
    except PeriodError:
        raise ServiceError(
            error_codes.INVALID_PERIOD,
            _("Period must be a year (2026), a quarter (2026Q1) or a month (2026-03)."),
            field=field,
        ) from None


def _indicator(code: str, field: str = "indicator"):  # type: ignore[no-untyped-def]
    try:
        return get_indicator(code)
    except UnknownIndicator:
        raise ServiceError(
            error_codes.UNKNOWN_INDICATOR, _("No indicator has this code."), field=field, status=404
        ) from None


# --------------------------------------------------------------------------------------------------
# Recompute
# --------------------------------------------------------------------------------------------------


def _create_run(
    *,
    acting_user: User,
    region: Region,
    labels: list[str],
    codes: list[str],
    reason: str,
    extra: dict[str, Any] | None = None,
) -> ComputeRun:
    run = ComputeRun.objects.create(
        region=region,
        periods={"periods": labels, "indicators": codes, **(extra or {})},
        reason=reason,
        total=len(labels) * len(codes),
        requested_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=run,
        object_repr=f"{region.name} {','.join(labels)}",
        changes={"recompute": [None, f"{region.code} {','.join(labels)}"]},
        reason=reason,
    )
    return run


@transaction.atomic
def request_recompute(
    *,
    acting_user: User,
    region: Region,
    periods: list[str],
    indicators: list[str] | None = None,
    reason: str = "manual",
) -> ComputeRun:
    """Queue a recompute of the region subtree for the periods (every indicator unless named)."""
    require_perm(acting_user, "indicator.recompute")
    if len(set(periods)) > MAX_RECOMPUTE_PERIODS:
        raise ServiceError(
            error_codes.INVALID_PERIOD,
            _("periods: at most %(n)d periods per recompute; %(given)d were given.")
            % {"n": MAX_RECOMPUTE_PERIODS, "given": len(set(periods))},
            field="periods",
        )
    labels = list(dict.fromkeys(_period(p).label for p in periods))
    codes = [_indicator(c).code for c in indicators] if indicators else [i.code for i in all_indicators()]
    run = _create_run(acting_user=acting_user, region=region, labels=labels, codes=codes, reason=reason)
    transaction.on_commit(lambda: dispatch([run.pk]))
    return run


def fail_stale_runs(*, older_than: dt.timedelta | None = None) -> int:
    """Mark failed the runs left running by a worker that died (issue 15: a crashed run stayed
    "running" forever, and its progress bar with it). Called when a worker or the demo server starts;
    a run counts as stale when it started longer ago than any run takes (``STALE_RUN_MINUTES``)."""
    limit = older_than or dt.timedelta(minutes=STALE_RUN_MINUTES)
    return ComputeRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=clock.now() - limit).update(
        status=RunStatus.FAILED,
        # stored as text, in the site's language (the run list shows the error as it is)
        error=_("Interrupted: the worker stopped while the run was in progress."),
        finished_at=clock.now(),
    )


def dispatch(run_ids: list[int]) -> None:
    """Hand queued runs to the task queue (a worker; inline with eager Celery, as in the demo).

    A refusal is logged, never raised to whoever asked: with the broker down the run stays queued and a
    later drain hands it on again; a run that fails is marked failed (and a drain's run puts its marks
    back), so the failure shows on the run, not as an error page."""
    from .tasks import run_compute

    for pk in run_ids:
        ComputeRun.objects.filter(pk=pk, status=RunStatus.QUEUED).update(dispatched_at=clock.now())
        try:
            run_compute.delay(pk)
        except Exception:
            logger.exception("monitoring: recompute run %s not started", pk)


def execute_run(run_id: int) -> int:
    """Work through a run, saving progress after each indicator (what the progress bar polls).

    A worker takes the run by moving it from queued to running in one ``UPDATE``; when that changes no
    row, another worker has it (or it is finished) and this one does nothing."""
    started = clock.now()
    claimed = ComputeRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, done=0, started_at=started
    )
    if claimed != 1:
        return 0
    run = ComputeRun.objects.select_related("region").get(pk=run_id)
    spec = run.periods
    codes = spec.get("indicators") or [i.code for i in all_indicators()]
    rows = 0
    done = 0
    try:
        for label in spec.get("periods", []):
            period = parse_period(label)
            memo: dict = {}  # indicators sharing a query (the 65+ residents) run it once per period
            for code in codes:
                rows += engine.materialise(get_indicator(code), run.region_id, period, memo=memo)
                done += 1
                ComputeRun.objects.filter(pk=run.pk).update(done=done)
    except Exception as exc:
        ComputeRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=clock.now()
        )
        if spec.get("sources"):  # a drain's run: its marks go back to the outbox, to be tried again
            for label in spec.get("periods", []):
                outbox.mark_again(
                    run.region_id, label, spec["sources"], attempts=int(spec.get("attempt", 0)) + 1
                )
        raise
    ComputeRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, done=done, finished_at=clock.now())
    return rows


UNFINISHED = (RunStatus.QUEUED, RunStatus.RUNNING)
#: how many marks one drain takes at most (the rest wait for the next)
DRAIN_LIMIT = 10_000
#: a run still queued this long after it was handed on is handed on again (a broker that lost it)
REDISPATCH_AFTER = dt.timedelta(minutes=10)


@transaction.atomic
def drain(*, acting_user: User, limit: int = DRAIN_LIMIT) -> list[ComputeRun]:
    """Turn the outbox's marks into recompute runs: one per region (county) and period, then hand the
    runs to the task queue when this transaction commits. Returns the runs created.

    For each (county, period) the marks ask for: the indicators reading a marked model, if the period
    is materialised in the county (periods nobody has looked at are left alone, as before); and, for a
    page's ``*`` mark, the indicators the county does not have yet and no active run is computing.
    What a queued run of the same county and period (not yet started, so it will read the new records)
    does not cover joins it instead of starting another. Marks are claimed atomically
    (:func:`.outbox.claim`), so concurrent drains never duplicate a run; the claim, the runs and their
    audit rows (naming ``acting_user``, the system actor for the periodic drain) commit together.
    """
    marks = outbox.claim(limit)
    groups: dict[tuple[str, str], list[RecomputeMark]] = defaultdict(list)
    for m in marks:
        groups[(m.region_code, m.period)].append(m)
    everything = [i.code for i in all_indicators()]
    by_source = signals.codes_by_source()
    created: list[ComputeRun] = []
    for (code, label), group in sorted(groups.items()):
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        sources = {m.source for m in group}
        present = set(
            IndicatorValue.objects.filter(region_id=code, period=label).values_list(
                "indicator_code", flat=True
            )
        )
        unfinished = ComputeRun.objects.filter(region=region, status__in=UNFINISHED)
        active = [r for r in unfinished if label in r.periods.get("periods", [])]
        wanted: set[str] = set()
        if outbox.MISSING in sources:
            covered = {c for r in active for c in r.periods.get("indicators", [])}
            wanted |= set(everything) - present - covered
        changed = sources - {outbox.MISSING}
        if present:
            for source in changed:
                wanted |= by_source.get(source, frozenset())
        if not wanted:
            continue
        codes = [c for c in everything if c in wanted]  # definition order
        spec = {"sources": sorted(sources), "attempt": max(m.attempts for m in group)}
        if _join_queued(active, label, codes, spec):
            continue
        created.append(
            _create_run(
                acting_user=acting_user,
                region=region,
                labels=[label],
                codes=codes,
                reason="change" if changed and present else "missing",
                extra=spec,
            )
        )
    cutoff = clock.now() - REDISPATCH_AFTER
    lost = list(
        ComputeRun.objects.filter(status=RunStatus.QUEUED)
        .filter(Q(dispatched_at__lt=cutoff) | Q(dispatched_at__isnull=True, created_at__lt=cutoff))
        .values_list("pk", flat=True)
    )
    ids = [r.pk for r in created] + lost
    if ids:
        transaction.on_commit(lambda: dispatch(ids))
    return created


def _join_queued(active: list[ComputeRun], label: str, codes: list[str], spec: dict[str, Any]) -> bool:
    """Add ``codes`` to a drain's queued run of this one period, if one is still queued (atomically:
    the ``UPDATE`` matches only while no worker has taken it)."""
    for run in active:
        drained = "sources" in run.periods
        if run.status != RunStatus.QUEUED or run.periods.get("periods") != [label] or not drained:
            continue
        old = run.periods
        merged = list(dict.fromkeys([*old.get("indicators", []), *codes]))
        new = {
            **old,
            "indicators": merged,
            "sources": sorted(set(old["sources"]) | set(spec["sources"])),
            "attempt": max(int(old.get("attempt", 0)), spec["attempt"]),
        }
        joined = ComputeRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED)
        if joined.update(periods=new, total=len(merged)):
            return True
    return False


def queue_missing(region_code: str, labels: list[str]) -> None:
    """Ask the next drain for values a page found missing (see :func:`.outbox.mark_missing`); pages
    never compute. Not audited: it records no one's decision, only that the values are wanted."""
    outbox.mark_missing(region_code, labels)


def compute_now(region_code: str, period_label: str, codes: list[str] | None = None) -> int:
    """Materialise at once, without a run row (the CLI and tests)."""
    period = _period(period_label)
    inds = [_indicator(c) for c in codes] if codes else None
    return engine.compute_all(region_code, period, indicators=inds)


# --------------------------------------------------------------------------------------------------
# Declarations (申报)
# --------------------------------------------------------------------------------------------------


def _check_evidence(evidence: UploadedFile | None) -> None:
    if evidence is None:
        return
    if evidence.size and evidence.size > MAX_EVIDENCE_BYTES:
        raise ServiceError(
            error_codes.EVIDENCE_TOO_LARGE, _("The evidence file is larger than 20 MB."), field="evidence"
        )
    if Path(evidence.name or "").suffix.lower() not in EVIDENCE_SUFFIXES:
        raise ServiceError(
            error_codes.EVIDENCE_TYPE,
            _("Evidence must be a PDF, OFD, image, Word or Excel file."),
            field="evidence",
        )


def _store_evidence(decl: Declaration, evidence: UploadedFile) -> None:
    """Keep the file under the declaration's upload path with its original name (not yet saved)."""
    decl.evidence_name = (evidence.name or "")[:200]
    decl.evidence.save(Path(evidence.name or "evidence").name, evidence, save=False)


@transaction.atomic
def declare(
    *,
    acting_user: User,
    institution: Institution,
    indicator_code: str,
    value: bool,
    effective_date: dt.date,
    evidence: UploadedFile | None = None,
    note: str = "",
) -> Declaration:
    """Record that ``institution`` holds (or no longer holds) a declared attribute from a date.

    The caller has scoped ``institution`` (``get_institution_for_user``)."""
    require_perm(acting_user, "indicator.declare")
    ind = _indicator(indicator_code)
    if not ind.declared:
        raise ServiceError(
            error_codes.NOT_DECLARED_INDICATOR,
            _("This indicator is computed from records; it cannot be declared."),
            field="indicator",
        )
    try:
        period = parse_period(str(effective_date.year))
    except PeriodError:
        raise ServiceError(
            error_codes.INVALID_DATE,
            _("Effective date: give a date from 1900 on."),
            field="effective_date",
        ) from None
    counted = any(
        qs.filter(pk=institution.pk).exists()
        for _query, qs in engine.base_row_sets(ind, period, institution.region_id)
    )
    if not counted:
        raise ServiceError(
            error_codes.INSTITUTION_NOT_COUNTED,
            _("This institution is not of a type the indicator counts."),
            field="institution",
        )
    _check_evidence(evidence)
    decl = Declaration(
        institution=institution,
        indicator_code=ind.code,
        value=value,
        effective_date=effective_date,
        note=note.strip()[:500],
        declared_by=acting_user,
    )
    if evidence is not None:
        _store_evidence(decl, evidence)
    decl.save()
    audit.record(
        "create",
        user=acting_user,
        obj=decl,
        object_repr=f"{institution.name} {ind.code}",
        changes={
            "indicator": [None, ind.code],
            "value": [None, value],
            "effective_date": [None, effective_date.isoformat()],
            "evidence": [None, decl.evidence_name or None],
        },
    )
    return decl


@transaction.atomic
def attach_evidence(decl: Declaration, *, acting_user: User, evidence: UploadedFile) -> Declaration:
    """Add the evidence file to a declaration recorded without one (the API's second step).

    The caller has scoped ``decl`` to the user's institutions. Evidence once attached is kept as it is:
    a different file means a new declaration."""
    require_perm(acting_user, "indicator.declare")
    if decl.evidence:
        raise ServiceError(
            error_codes.EVIDENCE_PRESENT,
            _("This declaration already has its evidence; record a new declaration instead."),
            field="evidence",
            status=409,
        )
    _check_evidence(evidence)
    _store_evidence(decl, evidence)
    decl.save(update_fields=["evidence", "evidence_name"])
    audit.record(
        "update",
        user=acting_user,
        obj=decl,
        object_repr=f"{decl.institution.name} {decl.indicator_code}",
        changes={"evidence": [None, decl.evidence_name]},
    )
    return decl


# --------------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------------


MAX_TARGET = Decimal("10") ** 10  # Target.value: 12 digits, 2 after the point
CENT = Decimal("0.01")


def _target_value(value: Any, unit: str) -> Decimal:
    """The threshold as a Decimal that fits ``Target.value``, or a refusal naming the field."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or isinstance(value, bool):
        raise ServiceError("INVALID_VALUE", _("The target must be a number."), field="value")
    if number < 0:
        raise ServiceError("INVALID_VALUE", _("The target value cannot be negative."), field="value")
    if unit == "%" and number > 100:
        raise ServiceError(
            "INVALID_VALUE", _("The target value is a percentage: at most 100."), field="value"
        )
    if number >= MAX_TARGET:
        raise ServiceError("INVALID_VALUE", _("The target value is too large."), field="value")
    if number != number.quantize(CENT):
        raise ServiceError(
            "INVALID_VALUE", _("The target value has at most two decimal places."), field="value"
        )
    return abs(number).quantize(CENT) if number == 0 else number.quantize(CENT)  # no -0


def _require_region_in_scope(acting_user: User, region_code: str) -> None:
    """Targets are set for regions in the officer's own area (the caller has already scoped the region
    with ``values.region_for_user``; this guards the service itself). Refused like a missing region."""
    if not any(p and region_code.startswith(p) for p in region_scope_prefixes(acting_user)):
        raise ServiceError(
            error_codes.REGION_OUT_OF_SCOPE,
            _("Region: choose a region in your area."),
            field="region",
            status=404,
        )


@transaction.atomic
def set_target(
    *,
    acting_user: User,
    indicator_code: str,
    region: Region,
    period: str,
    op: str,
    value: Any,
    source: str = "",
) -> Target:
    """Set (or replace) the target of an indicator for a region in the officer's area and a period."""
    require_perm(acting_user, "indicator.declare")
    _require_region_in_scope(acting_user, region.code)
    ind = _indicator(indicator_code)
    label = _period(period).label
    if op not in TargetOp.values:
        raise ServiceError("INVALID_OP", _("Comparison: choose ≥, ≤, > or <."), field="op")
    number = _target_value(value, ind.unit)
    old = (
        Target.objects.select_for_update()
        .filter(indicator_code=ind.code, region_code=region.code, period=label)
        .first()
    )
    target, created = Target.objects.update_or_create(
        indicator_code=ind.code,
        region_code=region.code,
        period=label,
        defaults={"op": op, "value": number, "source": source.strip()[:200], "updated_by": acting_user},
    )
    target.created = created  # type: ignore[attr-defined]  # the API answers 201 or 200
    audit.record(
        "update" if old else "create",
        user=acting_user,
        obj=target,
        changes={"target": [f"{old.op}{old.value}" if old else None, f"{op}{number}"]},
    )
    return target


@transaction.atomic
def remove_target(*, acting_user: User, target: Target) -> None:
    """Remove a target of the officer's area; the ancestors' targets (if any) apply again."""
    require_perm(acting_user, "indicator.declare")
    _require_region_in_scope(acting_user, target.region_code)
    audit.record(
        "delete",
        user=acting_user,
        obj=target,
        changes={"target": [f"{target.op}{target.value}", None]},
    )
    target.delete()


@transaction.atomic
def declare_population(
    *,
    acting_user: User,
    region: Region,
    year: int,
    group: str,
    count: Any,
    source: str,
) -> DeclaredPopulation:
    """Declare (or replace) the statistical population of a region in the officer's area for a year:
    the denominator of the rates over "60/65岁及以上常住居民" from then on (a source is required)."""
    require_perm(acting_user, "indicator.declare")
    _require_region_in_scope(acting_user, region.code)
    if group not in PopulationGroup.values:
        raise ServiceError("INVALID_GROUP", _("Population: choose 60+ or 65+."), field="group")
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= clock.today().year + 1:
        raise ServiceError("INVALID_YEAR", _("Year: give a year from 1990 to next year."), field="year")
    try:
        number = int(str(count).strip())
    except (TypeError, ValueError):
        number = -1
    if isinstance(count, bool) or number < 0 or number > 100_000_000:
        raise ServiceError(
            "INVALID_VALUE", _("Number of residents: a whole number, 0 or more."), field="count"
        )
    source = (source or "").strip()
    if len(source) < 2:
        raise ServiceError(
            "SOURCE_REQUIRED",
            _("Source: name the statistics the number comes from (for example 2026年统计年鉴)."),
            field="source",
        )
    old = DeclaredPopulation.objects.select_for_update().filter(region=region, year=year, group=group).first()
    row, _created = DeclaredPopulation.objects.update_or_create(
        region=region,
        year=year,
        group=group,
        defaults={
            "count": number,
            "source": source[:200],
            "as_of": dt.date(year, 12, 31),
            "declared_by": acting_user,
            "declared_at": clock.now(),
        },
    )
    audit.record(
        "update" if old else "create",
        user=acting_user,
        obj=row,
        changes={
            "count": [old.count if old else None, number],
            "source": [old.source if old else None, source],
        },
    )
    return row


def load_populations_file(path: Path, *, acting_user: User) -> int:
    """Import declared populations from a CSV file with the header ``region,year,group,count,source``
    (``indicators load-populations FILE``). Each row goes through :func:`declare_population`."""
    import csv

    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = str(row["region"]).strip().ljust(12, "0")
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise ServiceError("UNKNOWN_REGION", _("Region %(code)s does not exist.") % {"code": code})
            declare_population(
                acting_user=acting_user,
                region=region,
                year=int(row["year"]),
                group=row["group"].strip(),
                count=row["count"],
                source=row["source"],
            )
            count += 1
    return count
