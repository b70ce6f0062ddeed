"""The one indicator engine: turns a definition (:mod:`.schema`) into database queries and values.

For a region and a period the engine runs, per indicator, one grouped query for the numerator and one
for the denominator over the whole subtree (``GROUP BY`` the row's region code) and rolls the counts up
the code hierarchy in Python — village → township → county → … — because every row sits in exactly one
region and counts and sums add up. A county recompute is therefore two queries per indicator, whatever
the number of townships and villages, and the same holds at province scale.

The engine reads records directly (it is not a view): access control applies to who sees the values
(:mod:`.views`, :mod:`.api`) and to drill-down lists, which always pass through ``core.scoping``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import connection, models, transaction
from django.db.models import Count, Exists, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual

from yiyang.core import clock
from yiyang.core.models import RESIDENT_STATUSES, ElderStatus, Region
from yiyang.core.regions import PREFIX_LENGTH, RegionLevel, level_of, subtree_prefix, subtree_range

from . import schema
from .periods import Period
from .registry import all_indicators, model_available

LEVEL_ORDER = [
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
]
FOUR = Decimal("0.0001")


class NoSource(Exception):
    """The indicator's records do not exist in this installation (or the definition does not fit them)."""


def normalise_region(code: str) -> str:
    """Accept a 6-digit county code (520621) or any 2/4/6/9/12-digit prefix and pad it to 12 digits."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(code)
    code = code.ljust(12, "0")
    level_of(code)
    return code


# --------------------------------------------------------------------------------------------------
# Conditions → Q
# --------------------------------------------------------------------------------------------------


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _variables(period: Period) -> dict[str, dt.date]:
    return {
        "$period_start": period.start,
        "$period_end": period.end,
        "$reference_date": period.reference_date,
        "$year_end": period.year_end,
        "$year_start": dt.date(period.year, 1, 1),
    }


def _value(value: Any, period: Period) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        return _variables(period)[value]
    if isinstance(value, list):
        return [_value(v, period) for v in value]
    return value


def _prefix(path: str) -> str:
    return f"{path}__" if path else ""


def resolve_field(model: type[models.Model], path: str) -> models.Field:
    """The model field at the end of a ``__`` path (raises FieldDoesNotExist)."""
    current: Any = model
    field: Any = None
    for part in path.split("__"):
        if isinstance(field, models.JSONField):
            return field  # keys inside a JSON document are not model fields
        field = current._meta.get_field(part)
        if field.is_relation and part != path.split("__")[-1]:
            current = field.related_model
    return field


def _day_bounds(model: type[models.Model], field: str, start: dt.date, end: dt.date) -> Q:
    target = resolve_field(model, field)
    if isinstance(target, models.DateTimeField):
        tz = clock.zone()
        lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def _related_rows(rel: Any, where: list[Any], period: Period) -> QuerySet:
    related = rel.related_model
    inner = related.objects.all()
    for c in where:
        inner = inner.filter(condition_q(related, c, period))
    return inner


def prorated_bands(at_least: int, period: Period) -> list[tuple[int, dt.date | None, dt.date]]:
    """For a yearly count pro-rated by time under management: ``(required, first, last)`` — a row managed
    from a day in ``first``…``last`` (``first`` None: on or before 1 January) needs ``required`` rows.

    Managed days d = period end − max(start, 1 January) + 1; required = ceil(at_least × d ÷ days in
    the year), at least 1. A row enrolled in October needs one visit in the year, not four."""
    year_start = dt.date(period.year, 1, 1)
    days_in_year = (dt.date(period.year, 12, 31) - year_start).days + 1
    end = period.end
    bands: dict[int, list[dt.date]] = {}
    day = end
    while day >= year_start:
        d = (end - day).days + 1
        required = max(1, -(-at_least * d // days_in_year))
        bands.setdefault(required, []).append(day)
        day -= dt.timedelta(days=1)
    out: list[tuple[int, dt.date | None, dt.date]] = []
    for required, days in sorted(bands.items()):
        first, last = min(days), max(days)
        out.append((required, None if first == year_start else first, last))
    return out


def condition_q(model: type[models.Model], cond: Any, period: Period) -> Q:
    """One condition of a definition as a ``Q`` on ``model`` (the building blocks of the language)."""
    ref = period.reference_date
    if isinstance(cond, schema.FieldCondition):
        value = _value(cond.value, period)
        resolve_field(model, cond.field)
        if cond.op == "eq":
            return Q(**{cond.field: value})
        if cond.op == "ne":
            return ~Q(**{cond.field: value})
        return Q(**{f"{cond.field}__{cond.op}": value})
    if isinstance(cond, schema.ResidentCondition):
        p = _prefix(cond.path)
        alive = Q(**{f"{p}status": ElderStatus.ACTIVE}) | Q(**{f"{p}status_date__gt": ref})
        return Q(**{f"{p}residence_status__in": list(RESIDENT_STATUSES)}) & alive
    if isinstance(cond, schema.AgeCondition):
        day = period.year_end if cond.on == "year_end" else ref
        p = _prefix(cond.path)
        q = Q()
        if cond.at_least is not None:
            q &= Q(**{f"{p}birth_date__lte": years_before(day, cond.at_least)})
        if cond.below is not None:
            q &= Q(**{f"{p}birth_date__gt": years_before(day, cond.below)})
        return q
    if isinstance(cond, schema.InPeriodCondition):
        return _day_bounds(model, cond.field, period.start, period.end)
    if isinstance(cond, schema.ValidOnCondition):
        resolve_field(model, cond.start)
        resolve_field(model, cond.end)
        return Q(**{f"{cond.start}__lte": ref}) & (
            Q(**{f"{cond.end}__isnull": True}) | Q(**{f"{cond.end}__gte": ref})
        )
    if isinstance(cond, schema.DeclaredCondition):
        from .models import Declaration

        latest = (
            Declaration.objects.filter(
                institution_id=models.OuterRef("institution_id"),
                indicator_code=cond.indicator,
                effective_date__lte=ref,
            )
            .order_by("-effective_date", "-id")
            .values("id")[:1]
        )
        holders = (
            Declaration.objects.filter(indicator_code=cond.indicator, effective_date__lte=ref, value=True)
            .filter(id=models.Subquery(latest))
            .values("institution_id")
        )
        return Q(**{f"{_prefix(cond.path)}pk__in": holders})
    if isinstance(cond, schema.CountRelatedCondition):
        rel = model._meta.get_field(cond.relation)
        if not rel.is_relation or not rel.auto_created or not rel.one_to_many:
            raise FieldError(f"{cond.relation} is not a reverse foreign-key relation")
        inner = _related_rows(rel, cond.where, period)
        # A correlated count: through the related table's index on its foreign key for each row.
        n = (
            inner.filter(**{rel.field.name: models.OuterRef("pk")})
            .order_by()
            .values(rel.field.name)
            .annotate(n=Count("pk"))
            .values("n")
        )
        counted = models.Subquery(n, output_field=models.IntegerField())
        if cond.prorate_from is None:
            return Q(GreaterThanOrEqual(counted, cond.at_least))
        resolve_field(model, cond.prorate_from)
        q = Q(pk__in=[])
        for required, lo, hi in prorated_bands(cond.at_least, period):
            band = Q(**{f"{cond.prorate_from}__lte": hi})
            if lo is not None:
                band &= Q(**{f"{cond.prorate_from}__gte": lo})
            q |= band & Q(GreaterThanOrEqual(counted, required))
        return q
    if isinstance(cond, schema.ExistsCondition):
        rel = model._meta.get_field(cond.relation)
        if not rel.is_relation or not (
            rel.one_to_many or rel.many_to_many or (rel.one_to_one and rel.auto_created)
        ):
            raise FieldError(f"{cond.relation} is not a reverse or many-to-many relation")
        inner = _related_rows(rel, cond.where, period)
        if not rel.auto_created:  # a forward many-to-many named on this model
            return Q(**{f"{cond.relation}__in": inner.values("pk")})
        # A correlated EXISTS: PostgreSQL turns it into a semi-join, hashed over a whole province and
        # through the related table's index for one county (where an IN over every related row of the
        # period would read them all).
        return Q(Exists(inner.filter(**{rel.field.name: models.OuterRef("pk")})))
    if isinstance(cond, schema.AnyCondition):
        q = Q(pk__in=[])
        for c in cond.conditions:
            q |= condition_q(model, c, period)
        return q
    if isinstance(cond, schema.AllCondition):
        q = Q()
        for c in cond.conditions:
            q &= condition_q(model, c, period)
        return q
    if isinstance(cond, schema.NotCondition):
        return ~condition_q(model, cond.condition, period)
    raise TypeError(f"unknown condition {cond!r}")  # the schema refuses unknown types first


# --------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------


def _model(label: str) -> type[models.Model]:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise NoSource(label) from exc


def _region_path(query: schema.SingleQuery) -> str:
    return "code" if query.region == "self" else query.region


def _in_region(query: schema.SingleQuery, region_code: str) -> Q:
    lo, hi = subtree_range(region_code)
    path = _region_path(query)
    return Q(**{f"{path}__gte": lo, f"{path}__lte": hi})


AnyQuery = schema.CountQuery | schema.SumQuery | schema.OverlapDaysQuery | schema.UnionQuery
#: one single-model query and the rows it covers
RowSet = tuple[schema.SingleQuery, QuerySet]

#: the annotation an ``overlap_days`` query sums (each row's days inside the window)
OVERLAP_DAYS = "overlap_days_in_period"


def overlap_window(period: Period) -> tuple[dt.date, dt.date]:
    """The days an ``overlap_days`` query counts: the period, stopped at today (days not yet lived are
    not resident-days). For a future period the window is empty (last day before the first)."""
    return period.start, min(period.end, clock.today())


def _overlap_rows(query: schema.OverlapDaysQuery, qs: QuerySet, period: Period) -> QuerySet:
    """The rows whose [start, end) overlaps the window, each annotated with the days it overlaps.

    Computed in the database (date arithmetic through Django's expressions, so one ``GROUP BY`` per
    county as for counts): days = min(end or the day after the window, the day after the window)
    − max(start, the window's first day)."""
    model = qs.model
    first, last = overlap_window(period)
    after = last + dt.timedelta(days=1)
    resolve_field(model, query.start)
    resolve_field(model, query.end)
    qs = qs.filter(**{f"{query.start}__lt": after}).filter(
        Q(**{f"{query.end}__isnull": True}) | Q(**{f"{query.end}__gt": first})
    )
    begin = Greatest(F(query.start), Value(first, output_field=models.DateField()))
    stop = Least(
        Coalesce(F(query.end), Value(after, output_field=models.DateField())),
        Value(after, output_field=models.DateField()),
    )
    return qs.annotate(**{OVERLAP_DAYS: ExpressionWrapper(stop - begin, output_field=models.DurationField())})


def _single_rows(query: schema.SingleQuery, period: Period, region_code: str) -> QuerySet:
    model = _model(query.model)
    qs = model._default_manager.filter(_in_region(query, region_code))
    for cond in query.where:
        qs = qs.filter(condition_q(model, cond, period))
    if isinstance(query, schema.OverlapDaysQuery):
        qs = _overlap_rows(query, qs, period)
    return qs


def query_row_sets(query: AnyQuery, period: Period, region_code: str) -> list[RowSet]:
    """The rows each part of a query covers in the region's subtree for the period (one set for a
    count or sum, one per part for a union)."""
    return [(part, _single_rows(part, period, region_code)) for part in schema.parts_of(query)]


def query_rows(query: AnyQuery, period: Period, region_code: str) -> QuerySet:
    """The rows a single-model count/sum query covers in the region's subtree for the period."""
    if isinstance(query, schema.UnionQuery):
        raise TypeError("a union query has one row set per part: use query_row_sets")
    return _single_rows(query, period, region_code)


def base_row_sets(ind: schema.Indicator, period: Period, region_code: str) -> list[RowSet]:
    """The rows behind the value, per part: the denominator's (or the numerator's for a plain count)."""
    return query_row_sets(ind.base_query, period, region_code)


def numerator_row_sets(ind: schema.Indicator, period: Period, region_code: str) -> list[RowSet]:
    if isinstance(ind.numerator, schema.SubsetQuery):
        out = []
        for part, qs in base_row_sets(ind, period, region_code):
            model = _model(part.model)
            for cond in ind.numerator.where:
                qs = qs.filter(condition_q(model, cond, period))
            out.append((part, qs))
        return out
    return query_row_sets(ind.numerator, period, region_code)


def base_rows(ind: schema.Indicator, period: Period, region_code: str) -> QuerySet:
    """The rows behind the value of a single-model indicator (see :func:`base_row_sets`)."""
    (only,) = _single(base_row_sets(ind, period, region_code))
    return only[1]


def numerator_rows(ind: schema.Indicator, period: Period, region_code: str) -> QuerySet:
    (only,) = _single(numerator_row_sets(ind, period, region_code))
    return only[1]


def _single(sets: list[RowSet]) -> list[RowSet]:
    if len(sets) != 1:
        raise TypeError("a union query has one row set per part: use the *_row_sets functions")
    return sets


def _aggregate_query(ind: schema.Indicator, part: str) -> AnyQuery:
    if part == "denominator":
        assert ind.denominator is not None
        return ind.denominator
    return ind.base_query if isinstance(ind.numerator, schema.SubsetQuery) else ind.numerator


def grouped(qs: QuerySet, query: schema.SingleQuery) -> dict[str, Decimal]:
    """``{region code: count or sum}`` in one ``GROUP BY`` query (resident-days for ``overlap_days``)."""
    if isinstance(query, schema.OverlapDaysQuery):
        rows = qs.order_by().values(rc=F(_region_path(query))).annotate(n=Sum(OVERLAP_DAYS))
        return {r["rc"]: Decimal(_days(r["n"])) for r in rows}
    agg = Sum(query.field) if isinstance(query, schema.SumQuery) else Count("pk")
    rows = qs.order_by().values(rc=F(_region_path(query))).annotate(n=agg).values_list("rc", "n")
    return {code: Decimal(n or 0) for code, n in rows}


def _days(total: Any) -> int:
    """A summed date difference as whole days (a ``timedelta``; some backends answer a number of
    microseconds)."""
    if total is None:
        return 0
    if isinstance(total, dt.timedelta):
        return total.days
    return int(total) // 86_400_000_000


def grouped_sets(sets: list[RowSet]) -> dict[str, Decimal]:
    """``{region code: count or sum}`` added up over the parts (one ``GROUP BY`` query per part)."""
    total: dict[str, Decimal] = defaultdict(Decimal)
    for query, qs in sets:
        for code, n in grouped(qs, query).items():
            total[code] += n
    return dict(total)


@functools.cache
def source_problem(code: str) -> str | None:
    """Why an indicator cannot be computed here (a missing model, a field it does not have), or None.

    Cached per process: installed apps do not change while it runs.
    """
    from .periods import parse_period
    from .registry import get_indicator

    ind = get_indicator(code)
    for label in ind.models():
        if not model_available(label):
            return f"{label} not installed"
    try:
        period = parse_period("2000")
        for part in ("numerator", "denominator") if ind.denominator else ("numerator",):
            sets = (
                numerator_row_sets(ind, period, "100000000000")
                if part == "numerator"
                else query_row_sets(
                    ind.denominator,  # type: ignore[arg-type]
                    period,
                    "100000000000",
                )
            )
            for _query, qs in sets:
                str(qs.query)
    except (FieldError, FieldDoesNotExist, NoSource, ValueError, TypeError, LookupError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# --------------------------------------------------------------------------------------------------
# Computing and materialising
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    code: str
    version: str
    region: str
    period: str
    source_available: bool
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    #: a population rate's registry count (the denominator unless a population is declared) and the
    #: declared statistical population (then the denominator)
    registry_denominator: Decimal | None = None
    declared_population: Decimal | None = None


def declared_populations(region_code: str, year: int, group: str) -> dict[str, Decimal]:
    """``{region code: declared count}`` for the region's subtree, the year and the population group."""
    from .models import DeclaredPopulation

    lo, hi = subtree_range(region_code)
    rows = DeclaredPopulation.objects.filter(
        region_id__gte=lo, region_id__lte=hi, year=year, group=group
    ).values_list("region_id", "count")
    return {code: Decimal(n) for code, n in rows}


def ancestors_within(code: str, root: str) -> list[str]:
    """``code`` and its ancestors down from ``root`` (all as 12-digit codes)."""
    start = len(subtree_prefix(root))
    out = []
    for n in (2, 4, 6, 9, 12):
        if n >= start:
            c = code[:n].ljust(12, "0")
            if c not in out:
                out.append(c)
    return out


def _roll_up(values: dict[str, Decimal], root: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for code, n in values.items():
        for a in ancestors_within(code, root):
            totals[a] += n
    return totals


def rate(ind: schema.Indicator, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if ind.denominator is None:
        return numerator
    if not denominator:
        return None
    return (numerator * ind.factor / denominator).quantize(FOUR)


def _memo_grouped(memo: dict | None, key: tuple, sets_factory: Any, root: str) -> dict[str, Decimal]:
    """Grouped and rolled-up counts, shared between indicators with the same query in one run (the
    65+ residents are the denominator of five indicators and the numerator of POP-65)."""
    if memo is not None and key in memo:
        return memo[key]
    result = _roll_up(grouped_sets(sets_factory()), root)
    if memo is not None:
        memo[key] = result
    return result


def compute_indicator(
    ind: schema.Indicator, region_code: str, period: Period, *, memo: dict | None = None
) -> dict[str, Computed]:
    """The indicator for ``region_code`` and every region below it: ``{region code: Computed}``.

    ``memo`` (one per run) shares identical grouped queries between indicators."""
    codes = memo.get(("codes", region_code)) if memo is not None else None
    if codes is None:
        codes = subtree_codes(region_code)
        if memo is not None:
            memo[("codes", region_code)] = codes
    problem = source_problem(ind.code)
    if problem is not None:
        return {c: Computed(ind.code, ind.version, c, period.label, False, None, None, None) for c in codes}
    num_query = _aggregate_query(ind, "numerator")
    base = (region_code, period.label)
    subset = ind.numerator.model_dump_json() if isinstance(ind.numerator, schema.SubsetQuery) else ""
    num = _memo_grouped(
        memo,
        (*base, num_query.model_dump_json(), subset),
        lambda: numerator_row_sets(ind, period, region_code),
        region_code,
    )
    den: dict[str, Decimal] = {}
    if ind.denominator is not None:
        den_query = ind.denominator
        den = _memo_grouped(
            memo,
            (*base, den_query.model_dump_json(), ""),
            lambda: query_row_sets(den_query, period, region_code),
            region_code,
        )
    declared: dict[str, Decimal] = {}
    if ind.population is not None:
        key = ("population", region_code, period.year, ind.population)
        if memo is not None and key in memo:
            declared = memo[key]
        else:
            declared = declared_populations(region_code, period.year, ind.population)
            if memo is not None:
                memo[key] = declared
    out = {}
    for c in codes:
        n = num.get(c, Decimal(0))
        d = den.get(c, Decimal(0)) if ind.denominator is not None else None
        registry = d if ind.population is not None else None
        stated = declared.get(c)
        if stated is not None:
            d = stated
        out[c] = Computed(
            ind.code, ind.version, c, period.label, True, n, d, rate(ind, n, d), registry, stated
        )
    return out


def subtree_codes(region_code: str) -> list[str]:
    lo, hi = subtree_range(region_code)
    return list(
        Region.objects.filter(code__gte=lo, code__lte=hi).order_by("code").values_list("code", flat=True)
    )


def materialise(
    ind: schema.Indicator,
    region_code: str,
    period: Period,
    *,
    now: dt.datetime | None = None,
    memo: dict | None = None,
) -> int:
    """Compute and store the indicator for the region subtree; replaces earlier values. Returns the
    number of rows stored."""
    now = now or clock.now()
    computed = compute_indicator(ind, region_code, period, memo=memo)
    return write_values(ind, region_code, period, computed, now=now)


def _is_village(code: str) -> bool:
    return code[9:] != "000"


def stored_rows(computed: dict[str, Computed]) -> tuple[list[Computed], list[str]]:
    """The rows worth storing, and the regions left out: a village with nothing counted (numerator and
    denominator zero or none) is not stored. Readers treat it as computed and empty when its township
    has a row (``values._fill_empty_villages``). Most rows of a province are villages, and for many
    indicators (institutions, beds) almost every village is empty."""
    keep: list[Computed] = []
    skip: list[str] = []
    for c in computed.values():
        if _is_village(c.region) and not c.numerator and not c.denominator:
            skip.append(c.region)
        else:
            keep.append(c)
    return keep, skip


def write_values(
    ind: schema.Indicator, region_code: str, period: Period, computed: dict[str, Computed], *, now: Any
) -> int:
    """Store computed values of the region subtree in one transaction: upsert the rows worth storing,
    delete the stored rows of the villages now left out, and move the materialised ancestors above
    the region by its change. Returns the number of rows stored.

    On PostgreSQL the rows go by ``COPY`` into a session-local staging table and then into the values
    table with one ``INSERT … ON CONFLICT DO UPDATE``; elsewhere the subtree's rows are replaced by a
    bulk insert."""
    from .models import IndicatorValue

    keep, skip = stored_rows(computed)
    lo, hi = subtree_range(region_code)
    with transaction.atomic():
        _adjust_ancestors(ind, region_code, period, computed[region_code], now)
        if connection.vendor == "postgresql":
            _upsert_postgresql(ind, period, keep, skip, now)
        else:
            IndicatorValue.objects.filter(
                indicator_code=ind.code, period=period.label, region_id__gte=lo, region_id__lte=hi
            ).delete()
            IndicatorValue.objects.bulk_create(
                [
                    IndicatorValue(
                        indicator_code=c.code,
                        definition_version=c.version,
                        region_id=c.region,
                        period=c.period,
                        source_available=c.source_available,
                        numerator=c.numerator,
                        denominator=c.denominator,
                        value=c.value,
                        registry_denominator=c.registry_denominator,
                        declared_population=c.declared_population,
                        computed_at=now,
                    )
                    for c in keep
                ],
                batch_size=2000,
            )
    return len(keep)


#: the staging table of the PostgreSQL write: session-local, emptied at each commit
STAGE_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS monitoring_value_stage2 (region_id varchar(12) NOT NULL, "
    "source_available boolean NOT NULL, numerator numeric(16, 2), denominator numeric(16, 2), "
    "value numeric(16, 4), registry_denominator numeric(16, 2), declared_population numeric(16, 2)) "
    "ON COMMIT DELETE ROWS"
)
COPY_SQL = (
    "COPY monitoring_value_stage2 (region_id, source_available, numerator, denominator, value, "
    "registry_denominator, declared_population) FROM STDIN"
)
UPSERT_SQL = (
    "INSERT INTO monitoring_indicatorvalue (indicator_code, definition_version, region_id, period, "
    "source_available, numerator, denominator, value, registry_denominator, declared_population, "
    "computed_at) "
    "SELECT %s, %s, region_id, %s, source_available, numerator, denominator, value, registry_denominator, "
    "declared_population, %s FROM monitoring_value_stage2 "
    "ON CONFLICT (indicator_code, region_id, period) DO UPDATE SET "
    "definition_version = EXCLUDED.definition_version, source_available = EXCLUDED.source_available, "
    "numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator, value = EXCLUDED.value, "
    "registry_denominator = EXCLUDED.registry_denominator, "
    "declared_population = EXCLUDED.declared_population, computed_at = EXCLUDED.computed_at"
)
DELETE_LEFT_OUT_SQL = (
    "DELETE FROM monitoring_indicatorvalue WHERE indicator_code = %s AND period = %s AND region_id = ANY(%s)"
)


def _upsert_postgresql(
    ind: schema.Indicator, period: Period, keep: list[Computed], skip: list[str], now: Any
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(STAGE_SQL)  # once per database connection
        cursor.execute("TRUNCATE monitoring_value_stage2")  # within a longer transaction (tests) not empty
        with cursor.cursor.copy(COPY_SQL) as copy:
            for c in keep:
                copy.write_row(
                    (
                        c.region,
                        c.source_available,
                        c.numerator,
                        c.denominator,
                        c.value,
                        c.registry_denominator,
                        c.declared_population,
                    )
                )
        cursor.execute(UPSERT_SQL, [ind.code, ind.version, period.label, now])
        if skip:
            cursor.execute(DELETE_LEFT_OUT_SQL, [ind.code, period.label, skip])


def _adjust_ancestors(
    ind: schema.Indicator, region_code: str, period: Period, new: Computed, now: Any
) -> None:
    """Keep materialised values above the recomputed region consistent without recomputing them: counts
    and sums add up over the region tree, so each ancestor moves by the region's change."""
    from .models import IndicatorValue

    old = IndicatorValue.objects.filter(
        indicator_code=ind.code, region_id=region_code, period=period.label
    ).first()
    ancestors = [a for a in ancestors_within(region_code, region_code[:2].ljust(12, "0")) if a != region_code]
    if old is None or not ancestors or not (old.source_available and new.source_available):
        return
    d_num = (new.numerator or 0) - (old.numerator or 0)
    population = ind.population is not None
    if ind.denominator is None:
        d_den = None
    elif population:  # the registry counts add up; a declared population stays as declared
        old_registry = old.registry_denominator if old.registry_denominator is not None else old.denominator
        d_den = (new.registry_denominator or 0) - (old_registry or 0)
    else:
        d_den = (new.denominator or 0) - (old.denominator or 0)
    if not d_num and not d_den:
        return
    for row in IndicatorValue.objects.select_for_update().filter(
        indicator_code=ind.code, period=period.label, region_id__in=ancestors, source_available=True
    ):
        row.numerator = (row.numerator or 0) + d_num
        if d_den is not None and population:
            registry = row.registry_denominator if row.registry_denominator is not None else row.denominator
            row.registry_denominator = (registry or 0) + d_den
            row.denominator = (
                row.declared_population if row.declared_population is not None else row.registry_denominator
            )
        elif d_den is not None:
            row.denominator = (row.denominator or 0) + d_den
        row.value = rate(ind, row.numerator, row.denominator)
        row.computed_at = now
        row.definition_version = ind.version
        row.save(
            update_fields=[
                "numerator",
                "denominator",
                "registry_denominator",
                "value",
                "computed_at",
                "definition_version",
            ]
        )


def compute_all(
    region_code: str,
    period: Period,
    *,
    indicators: list[schema.Indicator] | None = None,
    progress: Any = None,
) -> int:
    """Materialise every indicator (or the given ones) for the region subtree and period."""
    now = clock.now()
    rows = 0
    memo: dict = {}
    for ind in indicators if indicators is not None else all_indicators():
        rows += materialise(ind, region_code, period, now=now, memo=memo)
        if progress is not None:
            progress()
    return rows


def level_length(level: str) -> int:
    return PREFIX_LENGTH[level]
