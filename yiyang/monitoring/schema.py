"""The format of an indicator definition file (``indicators/<ID>.yaml``), as pydantic models.

An indicator is data: a numerator and an optional denominator, each a declarative query over one model
(count its rows or sum one of its fields), narrowed by a short list of *conditions*. Conditions are a
deliberately small language — every ``type`` is one building block with a test — looked up in one
registry that refuses an unknown type and names the allowed ones (commcare-hq's ``IndicatorFactory``).

A numerator of type ``subset`` is "the denominator's rows that also satisfy ...", which is what makes
drill-down possible: the rows in the denominator split into those in the numerator and those not.

Which model fields a query names is checked against the live models by :mod:`yiyang.monitoring.checks`
(``manage.py check``), once the app that owns the model is installed; until then the indicator is
reported as 无数据源 (no source), never as 0.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

CODE_PATTERN = r"^[A-Z]{2,4}-[0-9A-Z]{1,4}$"

#: names a condition's ``value`` may use instead of a literal; the engine fills them in per period
VARIABLES = ("$period_start", "$period_end", "$reference_date", "$year_end", "$year_start")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Spec):
    """Where the indicator comes from: the document and clause that define it."""

    document: str = Field(min_length=1)
    clause: str = ""
    note: str = ""


# --------------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------------

Op = Literal["eq", "ne", "in", "gte", "lte", "gt", "lt", "isnull", "startswith", "regex"]


class FieldCondition(_Spec):
    """``field <op> value`` on the query's model (``field`` may follow relations with ``__``)."""

    type: Literal["field"]
    field: str = Field(min_length=1)
    op: Op = "eq"
    value: Any = None


class ResidentCondition(_Spec):
    """常住 on the reference date: a resident household status, and not dead or moved out by then."""

    type: Literal["resident"]
    path: str = ""  # the elder's path from the model ("" when the model is the elder)


class AgeCondition(_Spec):
    """Aged at least ``years`` (or below ``below``) on ``on`` — by default 31 December of the year."""

    type: Literal["age"]
    at_least: int | None = Field(default=None, ge=0, le=150)
    below: int | None = Field(default=None, ge=0, le=150)
    on: Literal["year_end", "reference_date"] = "year_end"
    path: str = ""

    @model_validator(mode="after")
    def _one_bound(self) -> AgeCondition:
        if self.at_least is None and self.below is None:
            raise ValueError("give at_least, below or both")
        return self


class InPeriodCondition(_Spec):
    """A date or date-time field falls inside the period (first to last day, inclusive)."""

    type: Literal["in_period"]
    field: str = Field(min_length=1)


class ValidOnCondition(_Spec):
    """Valid on the reference date: ``start <= day`` and (no ``end`` or ``end >= day``) — a contract
    ending on the reference date is still valid that day."""

    type: Literal["valid_on"]
    start: str = Field(min_length=1)
    end: str = Field(min_length=1)


class DeclaredCondition(_Spec):
    """An institution whose latest declaration for ``indicator`` on or before the reference date says yes."""

    type: Literal["declared"]
    indicator: str = Field(pattern=CODE_PATTERN)
    path: str = ""  # the institution's path from the model


class ExistsCondition(_Spec):
    """At least one related row (``relation``: a reverse relation name) satisfies ``where``."""

    type: Literal["exists"]
    relation: str = Field(min_length=1)
    where: list[Condition] = Field(default_factory=list)


class CountRelatedCondition(_Spec):
    """At least ``at_least`` related rows (``relation``: a reverse relation name) satisfy ``where`` —
    ``exists`` with a minimum (four face-to-face follow-ups in the year)."""

    type: Literal["count_related"]
    relation: str = Field(min_length=1)
    at_least: int = Field(ge=1)
    where: list[Condition] = Field(default_factory=list)
    #: pro-rate ``at_least`` (a yearly count) by the time under management: a date field of this row
    #: (enrolment) from which the row is managed. The rows must then have at least
    #: ceil(at_least × managed days ÷ days in the year), and at least 1, where the managed days run from
    #: the later of this date and 1 January to the period's end (a quarter or month is year to date).
    prorate_from: str | None = None


class AnyCondition(_Spec):
    type: Literal["any"]
    conditions: list[Condition] = Field(min_length=1)


class AllCondition(_Spec):
    type: Literal["all"]
    conditions: list[Condition] = Field(min_length=1)


class NotCondition(_Spec):
    type: Literal["not"]
    condition: Condition


def condition_types() -> dict[str, type[_Spec]]:
    return {
        "field": FieldCondition,
        "resident": ResidentCondition,
        "age": AgeCondition,
        "in_period": InPeriodCondition,
        "valid_on": ValidOnCondition,
        "declared": DeclaredCondition,
        "exists": ExistsCondition,
        "count_related": CountRelatedCondition,
        "any": AnyCondition,
        "all": AllCondition,
        "not": NotCondition,
    }


def _known_type(kind: str, allowed: Any) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, dict):
            names = allowed()
            tag = value.get("type")
            if tag not in names:
                raise ValueError(f"unknown {kind} type {tag!r}; allowed types: {', '.join(sorted(names))}")
        return value

    return BeforeValidator(check)


Condition = Annotated[
    FieldCondition
    | ResidentCondition
    | AgeCondition
    | InPeriodCondition
    | ValidOnCondition
    | DeclaredCondition
    | ExistsCondition
    | CountRelatedCondition
    | AnyCondition
    | AllCondition
    | NotCondition,
    Field(discriminator="type"),
    _known_type("condition", condition_types),
]

for _model in (ExistsCondition, CountRelatedCondition, AnyCondition, AllCondition, NotCondition):
    _model.model_rebuild()


# --------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------

MODEL_PATTERN = r"^[a-z_]+\.[A-Z][A-Za-z]+$"


class CountQuery(_Spec):
    """Count the model's rows in the region that satisfy ``where``."""

    type: Literal["count"]
    model: str = Field(pattern=MODEL_PATTERN)
    region: str = Field(min_length=1, description="path to the row's region; 'self' for core.Region")
    where: list[Condition] = Field(default_factory=list)


class SumQuery(_Spec):
    """Sum one numeric field over the model's rows in the region that satisfy ``where``."""

    type: Literal["sum"]
    model: str = Field(pattern=MODEL_PATTERN)
    region: str = Field(min_length=1)
    field: str = Field(min_length=1)
    where: list[Condition] = Field(default_factory=list)


class OverlapDaysQuery(_Spec):
    """Sum, over the model's rows in the region that satisfy ``where``, the days each row's span
    [``start``, ``end``) overlaps the period: resident-days (住养日/床日) from stays.

    The day of ``start`` counts and the day of ``end`` does not (the census rule of 实际占用床日: the
    admission day counts, the discharge day does not), so a stay that ends on the day it starts adds
    nothing. A row with no ``end`` is still open and counts up to the period's end. Days after today
    have not happened: the window stops at today when the period is the current one. Only rows that
    overlap the window are the query's rows (what a drill-down lists)."""

    type: Literal["overlap_days"]
    model: str = Field(pattern=MODEL_PATTERN)
    region: str = Field(min_length=1)
    start: str = Field(min_length=1)
    end: str = Field(min_length=1)
    where: list[Condition] = Field(default_factory=list)


class SubsetQuery(_Spec):
    """The denominator's rows that also satisfy ``where`` (counted or summed as the denominator is)."""

    type: Literal["subset"]
    where: list[Condition] = Field(min_length=1)


PartQuery = Annotated[
    CountQuery | SumQuery,
    Field(discriminator="type"),
    _known_type("query", lambda: {"count": CountQuery, "sum": SumQuery}),
]


class UnionQuery(_Spec):
    """Several count/sum queries added up, each over its own model with its own region path and
    conditions: what one kind of fact looks like when it is kept in more than one place — beds entered
    one by one as records, plus the declared bed counts of the institutions that have entered none.
    A ``subset`` numerator applies its conditions to every part, so each part's model must have the
    fields they name; a drill-down lists the rows of every part."""

    type: Literal["union"]
    parts: list[PartQuery] = Field(min_length=2)


def query_types() -> dict[str, type[_Spec]]:
    return {
        "count": CountQuery,
        "sum": SumQuery,
        "overlap_days": OverlapDaysQuery,
        "union": UnionQuery,
        "subset": SubsetQuery,
    }


Query = Annotated[
    CountQuery | SumQuery | OverlapDaysQuery | UnionQuery | SubsetQuery,
    Field(discriminator="type"),
    _known_type("query", query_types),
]
BaseQuery = Annotated[
    CountQuery | SumQuery | OverlapDaysQuery | UnionQuery,
    Field(discriminator="type"),
    _known_type(
        "query",
        lambda: {"count": CountQuery, "sum": SumQuery, "overlap_days": OverlapDaysQuery, "union": UnionQuery},
    ),
]

#: a query that reads one model
SingleQuery = CountQuery | SumQuery | OverlapDaysQuery


def parts_of(query: CountQuery | SumQuery | OverlapDaysQuery | UnionQuery) -> list[SingleQuery]:
    """The single-model queries a query adds up (itself, unless it is a union)."""
    return list(query.parts) if isinstance(query, UnionQuery) else [query]


# --------------------------------------------------------------------------------------------------
# The indicator
# --------------------------------------------------------------------------------------------------


class Drill(_Spec):
    """What a drill-down lists: elders, institutions or regions, reached from the query's rows by
    ``path`` (``pk`` when the rows are themselves elders or institutions)."""

    kind: Literal["elder", "institution", "region"]
    path: str = "pk"


class Indicator(_Spec):
    code: str = Field(pattern=CODE_PATTERN)
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    short_name: str = ""
    description: str = ""
    #: "%" for rates, "人"/"个"/"张" for counts, "张/百人" …
    unit: str = Field(min_length=1)
    #: value = numerator × factor ÷ denominator (a count without denominator is the numerator itself)
    factor: int = Field(default=100, ge=1)
    direction: Literal["higher", "lower", "none"] = "higher"
    #: health: 卫健 indicators; eldercare: 民政 sees these too
    domain: Literal["health", "eldercare"] = "health"
    #: shown on the dashboards as a key indicator
    key: bool = False
    #: an officer's declaration (with evidence) decides the numerator, not a service record
    declared: bool = False
    #: written before the source app landed: a query that does not fit the models is a warning and
    #: the indicator shows 无数据源, instead of failing ``manage.py check``
    pending_source: bool = False
    source: Source
    #: models (``app.Model``) that must be installed besides those the queries name — the source app
    requires: list[str] = Field(default_factory=list)
    #: a rate over "60/65岁及以上常住居民": where a statistical population is declared for the region and
    #: year (monitoring.DeclaredPopulation), it is the denominator, and the registry's count is kept
    #: beside it (建档率 = registry ÷ declared); elsewhere the registry count is the denominator, labelled
    population: Literal["60+", "65+"] | None = None
    drill: Drill | None = None
    numerator: Query
    denominator: BaseQuery | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.numerator.type == "subset" and self.denominator is None:
            raise ValueError("a subset numerator needs a denominator")
        for label in self.requires:
            if not re.match(MODEL_PATTERN, label):
                raise ValueError(f"requires: {label!r} is not app.Model")
        if self.population is not None and self.denominator is None:
            raise ValueError("population: only a rate has a population denominator")
        if self.denominator is None and self.factor != 1:
            raise ValueError("an indicator without denominator is a plain count or sum: factor must be 1")
        return self

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    @property
    def base_query(self) -> CountQuery | SumQuery | OverlapDaysQuery | UnionQuery:
        """The query that defines the rows a drill-down lists (the denominator's, else the numerator's)."""
        if self.denominator is not None:
            return self.denominator
        assert not isinstance(self.numerator, SubsetQuery)
        return self.numerator

    @property
    def drillable(self) -> bool:
        """Whether the rows behind the value can be listed (split into "in the numerator" and "not")."""
        return self.drill is not None and (
            isinstance(self.numerator, SubsetQuery) or self.denominator is None
        )

    def models(self) -> list[str]:
        out = [*self.requires, *(p.model for p in parts_of(self.base_query))]
        if self.denominator is not None and not isinstance(self.numerator, SubsetQuery):
            out.extend(p.model for p in parts_of(self.numerator))
        return out
