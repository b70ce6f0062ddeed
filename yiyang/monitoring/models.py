"""Monitoring records: materialised indicator values, targets, declarations, recompute runs,
scorecard self-assessments and reports sent upwards.

Only :mod:`yiyang.monitoring.services` and :mod:`yiyang.monitoring.engine` write these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock


class IndicatorValue(models.Model):
    """指标值: one indicator for one region and period, as last computed (with the definition version)."""

    indicator_code = models.CharField(_("indicator"), max_length=16)
    definition_version = models.CharField(_("definition version"), max_length=16)
    region = models.ForeignKey(
        "core.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    period = models.CharField(_("period"), max_length=7)
    source_available = models.BooleanField(_("source available"), default=True)
    numerator = models.DecimalField(_("numerator"), max_digits=16, decimal_places=2, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=16, decimal_places=2, null=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4, null=True)
    #: for a rate over a population (``Indicator.population``): the registry's count, and the declared
    #: statistical population when one exists (then it is the denominator; 建档率 = registry ÷ declared)
    registry_denominator = models.DecimalField(
        _("registry count"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    declared_population = models.DecimalField(
        _("declared population"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"), default=clock.now)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_code", "region", "period"], name="monitoring_value_once"
            )
        ]
        indexes = [models.Index(fields=["period", "region"], name="monitoring_value_period")]


class TargetOp(models.TextChoices):
    AT_LEAST = ">=", "≥"
    AT_MOST = "<=", "≤"
    ABOVE = ">", ">"
    BELOW = "<", "<"


class Target(models.Model):
    """目标值: a target for an indicator in a region and period; it also applies below that region
    (a county target is the yardstick of its townships) and to the quarters and months of its year."""

    indicator_code = models.CharField(_("indicator"), max_length=16)
    #: a 12-digit region code (not a foreign key: targets are loaded as data, before or without regions)
    region_code = models.CharField(_("region"), max_length=12)
    period = models.CharField(_("period"), max_length=7)
    op = models.CharField(_("comparison"), max_length=2, choices=TargetOp.choices, default=TargetOp.AT_LEAST)
    value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator_code", "region_code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_code", "region_code", "period"], name="monitoring_target_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.op} {self.value} ({self.region_code} {self.period})"


def evidence_path(instance: models.Model, filename: str) -> str:
    stamp = clock.now()
    return f"monitoring/evidence/{stamp:%Y/%m}/{filename}"


class Declaration(models.Model):
    """申报: an officer's statement, with evidence, that an institution holds a declared attribute
    (老年友善 certification IR-3, a green channel IR-7) from a date. The latest declaration on or before
    the reference date decides; withdrawing is a new declaration saying no."""

    institution = models.ForeignKey(
        "core.Institution",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("institution"),
    )
    indicator_code = models.CharField(_("indicator"), max_length=16)
    value = models.BooleanField(_("holds"), default=True)
    effective_date = models.DateField(_("effective date"))
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    declared_at = models.DateTimeField(_("declared at"), default=clock.now)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-effective_date", "-id"]
        indexes = [
            models.Index(fields=["indicator_code", "institution", "effective_date"], name="monitoring_decl")
        ]


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ComputeRun(models.Model):
    """A recompute of indicators for a region subtree and one or more periods (progress bar).

    ``periods`` holds the run's spec: ``{"periods": [...], "indicators": [...]}`` and, for runs a drain
    made from the outbox, the marks' ``sources`` and ``attempt`` (what a failed run marks again).
    A worker starts a run only by moving it from queued to running in one ``UPDATE`` (``execute_run``).
    """

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    periods = models.JSONField(default=list)
    reason = models.CharField(max_length=40, default="manual")  # manual / change / missing / cli
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    #: when the run was last handed to the task queue (a drain hands a run left queued on again)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "region"], name="monitoring_run_status")]

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class RecomputeMark(models.Model):
    """脏标记, the recompute outbox: "the values of the region (a county; a larger area only when a page
    of that area asked) for ``period`` may be stale because a ``source`` record changed" (``source`` is
    a model label, or ``*``: a page found values missing).

    Written by the signal handlers in the writer's own transaction (:mod:`.outbox`), so a rolled-back
    write leaves no mark and a committed one always leaves one; unique, so a busy day leaves one mark
    per county, period and model however many records change. A drain (``services.drain``) takes the
    marks out and turns them into recompute runs.
    """

    region_code = models.CharField(max_length=12)
    period = models.CharField(max_length=7)
    source = models.CharField(max_length=100)
    marked_at = models.DateTimeField(default=clock.now)
    #: a mark put back after a failed run waits until then (backing off), counting its attempts
    not_before = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "period", "source"], name="monitoring_mark_once")
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period} {self.source}"


# --------------------------------------------------------------------------------------------------
# Scorecards (示范县评分)
# --------------------------------------------------------------------------------------------------


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Self-assessment")
    SUBMITTED = "submitted", _("Submitted for review")
    FINAL = "final", _("Final")


class ScorecardAssessment(models.Model):
    """One county's self-assessment against a scorecard definition, then its review and final score."""

    scorecard_code = models.CharField(_("scorecard"), max_length=40)
    scorecard_version = models.CharField(_("scorecard version"), max_length=16)
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    period = models.CharField(_("period"), max_length=7)
    status = models.CharField(
        _("status"), max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    self_total = models.DecimalField(_("self-assessed score"), max_digits=7, decimal_places=2, default=0)
    final_total = models.DecimalField(_("final score"), max_digits=7, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scorecard assessment")
        verbose_name_plural = _("scorecard assessments")
        ordering = ["-created_at", "-id"]


class ScorecardItemScore(models.Model):
    """One item of a scorecard assessment: the self-assessed points with evidence, and the review."""

    assessment = models.ForeignKey(ScorecardAssessment, on_delete=models.CASCADE, related_name="items")
    item_code = models.CharField(_("item"), max_length=20)
    self_points = models.DecimalField(_("self-assessed points"), max_digits=6, decimal_places=2, null=True)
    self_note = models.CharField(_("explanation"), max_length=500, blank=True)
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    indicator_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    review_points = models.DecimalField(_("points awarded"), max_digits=6, decimal_places=2, null=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_code"], name="monitoring_item_once")
        ]


class ScorecardEvent(models.Model):
    """History of a scorecard assessment's state: who moved it, when, from and to."""

    assessment = models.ForeignKey(ScorecardAssessment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=ScorecardStatus.choices)
    to_status = models.CharField(max_length=10, choices=ScorecardStatus.choices)
    action = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]


# --------------------------------------------------------------------------------------------------
# Reports upwards
# --------------------------------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    INDICATORS = "indicators", _("Indicator report")
    SCORECARD = "scorecard", _("Scorecard report")


class Report(models.Model):
    """上报: a generated report file, kept (report history); built from materialised values only."""

    kind = models.CharField(_("report"), max_length=12, choices=ReportKind.choices)
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    period = models.CharField(_("period"), max_length=7)
    file_format = models.CharField(_("format"), max_length=4)  # xlsx / pdf
    file = models.FileField(upload_to="monitoring/reports/%Y/")
    values_computed_at = models.DateTimeField(_("values computed at"), null=True)
    scorecard = models.ForeignKey(
        ScorecardAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated at"), default=clock.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-generated_at", "-id"]


class PopulationGroup(models.TextChoices):
    AGED_60 = "60+", _("Residents aged 60 or more")
    AGED_65 = "65+", _("Residents aged 65 or more")


class DeclaredPopulation(models.Model):
    """统计人口: the official count of resident elders of a region for a year (统计年鉴, 人口抽样调查,
    公安/卫健 年报), entered by an officer with its source or imported. Rates over "65岁及以上常住居民"
    take it as their denominator when one is declared; the registry count is the fallback."""

    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    group = models.CharField(_("population"), max_length=3, choices=PopulationGroup.choices)
    count = models.PositiveIntegerField(_("number of residents"))
    source = models.CharField(_("source"), max_length=200)
    #: 31 December of ``year``: the day the count stands for (marks the year's values for recompute)
    as_of = models.DateField(_("as of"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    declared_at = models.DateTimeField(_("declared at"), default=clock.now)

    class Meta:
        verbose_name = _("declared population")
        verbose_name_plural = _("declared populations")
        ordering = ["-year", "region_id", "group"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "group"], name="monitoring_population_once")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.group}: {self.count}"
