"""Monitoring pages: dashboards (county with its townships, township with its villages), drill-down with
Excel export, recompute with a progress bar, declarations and targets. Thin: parse, scope (regions via
:mod:`.values` over ``core.scoping``; reports, scorecards, declarations and runs via :mod:`.access`),
call a service, render. Lists page through the scoped queryset (``LIST_PAGE_SIZE`` rows a page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yiyang.core import clock, exports
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.core.regions import RegionLevel
from yiyang.core.scoping import get_institution_for_user, has_perm, region_scope_prefixes, scope_institutions
from yiyang.core.services import record_export

from . import drilldown, engine, services
from .access import (
    get_declaration_for_user,
    get_report_for_user,
    get_run_for_user,
    get_scorecard_for_user,
    scope_declarations,
    scope_reports,
    scope_runs,
    scope_scorecards,
)
from .models import DeclaredPopulation, PopulationGroup, Target, TargetOp
from .periods import Period, PeriodError, parse_period, trend_periods
from .registry import all_indicators
from .values import (
    can_view_indicators,
    child_rows,
    computed_at,
    home_region,
    number,
    queue_missing,
    region_for_user,
    rows_for,
    trend_rows,
    visible_indicator,
    visible_indicators,
)

if TYPE_CHECKING:
    from yiyang.accounts.models import User

PAGE_SIZE = 50
LIST_PAGE_SIZE = 50
TREND_LENGTH = 5


def _require_view(request: HttpRequest) -> None:
    if not can_view_indicators(request.user):
        raise PermissionDenied


def _context_region_period(request: HttpRequest) -> tuple[Region, Period]:
    code = request.GET.get("region") or request.POST.get("region") or ""
    if code:
        region = region_for_user(request.user, code)
    else:
        region = home_region(request.user)
        if region is None:
            raise Http404
    text = request.GET.get("period") or request.POST.get("period") or str(clock.today().year)
    try:
        period = parse_period(text)
    except PeriodError:
        period = parse_period(str(clock.today().year))
        messages.error(request, _("Period must be a year (2026), a quarter (2026Q1) or a month (2026-03)."))
    return region, period


def _shortfall_text(row: Any) -> str:
    n = row.judgement.shortfall
    if not n:
        return ""
    kind = row.indicator.drill.kind if row.indicator.drill else ""
    if kind == "elder":
        return _("%(n)s more elders needed") % {"n": n}
    return _("%(n)s more needed") % {"n": n}


def _display(row: Any) -> dict[str, Any]:
    return {
        "row": row,
        "value": number(row.value, places=1),
        "target": number(row.target.value) if row.target else None,
        "shortfall_text": _shortfall_text(row),
    }


@scoped
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """County dashboard (with the league table of townships) or township dashboard (with villages)."""
    _require_view(request)
    region, period = _context_region_period(request)
    inds = visible_indicators(request.user)
    rows = rows_for(region.code, period, inds)
    # First look at a county or smaller area for this period: the values are asked of the next drain
    # (seconds) and shown as 计算中 meanwhile; the page never computes. Larger areas wait for a recompute.
    pending = queue_missing(region, period, rows)
    shown = [_display(r) for r in rows]
    selectable = [i for i in inds if engine.source_problem(i.code) is None]
    chosen_code = request.GET.get("indicator") or next(
        (i.code for i in selectable if i.key and i.is_rate), ""
    )
    chosen = next((i for i in inds if i.code == chosen_code), selectable[0] if selectable else None)
    league: list[dict[str, Any]] = []
    trend: list[dict[str, Any]] = []
    if chosen is not None:
        league = [{"region": c, **_display(r)} for c, r in child_rows(chosen, region, period)]
        trend = [
            {
                "period": p.label,
                "value": number(r.value, places=1),
                "target": number(r.target.value) if r.target else None,
            }
            for p, r in zip(
                trend_periods(period, TREND_LENGTH),
                trend_rows(chosen, region.code, trend_periods(period, TREND_LENGTH)),
                strict=True,
            )
        ]
    chart = {
        "indicator": chosen.name if chosen else "",
        "unit": chosen.unit if chosen else "",
        "target_label": _("Target"),
        "league": [{"name": x["region"].name, "value": x["value"]} for x in league],
        "trend": trend,
        "target": next((x["target"] for x in reversed(trend) if x["target"] is not None), None),
    }
    ctx = {
        "region": region,
        "ancestors": [
            a
            for a in region.ancestors()
            if any(p and a.code.startswith(p) for p in region_scope_prefixes(request.user))
        ],
        "period": period,
        "rows": shown,
        "key_rows": [d for d in shown if d["row"].indicator.key],
        "chosen": chosen,
        "selectable": selectable,
        "league": league,
        "chart": chart,
        "child_level": _("Townships")
        if region.level == RegionLevel.COUNTY
        else _("Villages and communities"),
        "computed_at": computed_at(rows),
        "pending": pending,
        "can_recompute": has_perm(request.user, "indicator.recompute"),
        "trend_labels": [p.label for p in trend_periods(period, TREND_LENGTH)],
        "latest_run": scope_runs(request.user).filter(region=region).first(),
        "links": {
            "targets": True,
            "scorecards": has_perm(request.user, "scorecard.edit")
            or has_perm(request.user, "scorecard.review"),
            "reports": has_perm(request.user, "report.generate"),
        },
    }
    return render(request, "monitoring/dashboard.html", ctx)


@scoped
@login_required
def value_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One value: numerator, denominator, target, and the list behind it (in / not in the numerator)."""
    _require_view(request)
    region, period = _context_region_period(request)
    ind = visible_indicator(request.user, code)
    row = rows_for(region.code, period, [ind])[0]
    queue_missing(region, period, [row])
    part = request.GET.get("part", "out")
    ctx: dict[str, Any] = {"ind": ind, "region": region, "period": period, "d": _display(row), "part": part}
    if ind.drillable and engine.source_problem(ind.code) is None:
        try:
            kind, qs = drilldown.subjects(request.user, ind, region, period, part)
        except ServiceError as exc:
            raise Http404 from exc
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        objects = list(page.object_list)
        _k, inside = drilldown.subjects(request.user, ind, region, period, "in")
        key = "code" if kind == "region" else "pk"
        inside_ids = set(
            inside.filter(**{f"{key}__in": [getattr(o, key) for o in objects]}).values_list(key, flat=True)
        )
        ctx.update(
            kind=kind,
            page=page,
            table=drilldown.rows(kind, objects, inside_ids),
            can_export=kind != "elder" or has_perm(request.user, "elder.export"),
        )
    return render(request, "monitoring/value_detail.html", ctx)


@scoped
@login_required
def value_export(request: HttpRequest, code: str) -> HttpResponse:
    """The drill-down list as Excel; exporting elders needs elder.export and audits every elder."""
    _require_view(request)
    region, period = _context_region_period(request)
    ind = visible_indicator(request.user, code)
    part = request.GET.get("part", "out")
    try:
        kind, qs = drilldown.subjects(request.user, ind, region, period, part)
    except ServiceError as exc:
        raise Http404 from exc
    if kind == "elder" and not has_perm(request.user, "elder.export"):
        raise PermissionDenied
    objects = list(qs[: exports.MAX_ROWS])
    key = "code" if kind == "region" else "pk"
    _k, inside = drilldown.subjects(request.user, ind, region, period, "in")
    inside_ids = set(inside.values_list(key, flat=True))
    if kind == "elder":
        record_export(
            acting_user=request.user,
            what=_("Indicator list %(code)s (Excel)") % {"code": ind.code},
            elders=objects,
            filters={"indicator": ind.code, "region": region.code, "period": period.label, "part": part},
        )
    data = drilldown.workbook(ind, region, period, kind, part, drilldown.rows(kind, objects, inside_ids))
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{ind.code}-{region.code}-{period.label}-{part}.xlsx"'
    )
    return response


@scoped
@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Start a recompute of the region for the period and the trend periods; answers with the progress bar."""
    if not has_perm(request.user, "indicator.recompute"):
        raise PermissionDenied
    region, period = _context_region_period(request)
    labels = [p.label for p in trend_periods(period, TREND_LENGTH)]
    run = services.request_recompute(acting_user=request.user, region=region, periods=labels)
    if request.htmx:
        run.refresh_from_db()
        return render(request, "monitoring/partials/run.html", {"run": run})
    return redirect(f"{reverse('monitoring:dashboard')}?region={region.code}&period={period.label}")


@scoped
@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of a run (polled by htmx until the run is done)."""
    _require_view(request)
    run = get_run_for_user(request.user, pk)
    return render(request, "monitoring/partials/run.html", {"run": run})


class DeclarationForm(forms.Form):
    institution = forms.IntegerField(label=gettext_lazy("Institution"))
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
    value = forms.TypedChoiceField(
        label=gettext_lazy("Declaration"),
        choices=[("1", gettext_lazy("Holds")), ("0", gettext_lazy("No longer holds"))],
        coerce=lambda v: v == "1",
    )
    effective_date = forms.DateField(
        label=gettext_lazy("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.FileField(label=gettext_lazy("Evidence (document or photo)"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [
            (i.code, f"{i.code} {i.name}") for i in all_indicators() if i.declared
        ]


@scoped
@login_required
def declarations(request: HttpRequest) -> HttpResponse:
    """Declared indicators (老年友善, green channel): the declarations in scope and a form to add one."""
    _require_view(request)
    can_declare = has_perm(request.user, "indicator.declare")
    form = DeclarationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_declare:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                inst = get_institution_for_user(request.user, d["institution"])
                services.declare(
                    acting_user=request.user,
                    institution=inst,
                    indicator_code=d["indicator"],
                    value=d["value"],
                    effective_date=d["effective_date"],
                    evidence=d.get("evidence"),
                    note=d.get("note") or "",
                )
            except Http404:
                form.add_error("institution", _("Choose an institution in your area."))
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Declaration recorded."))
                return redirect("monitoring:declarations")
    institutions = scope_institutions(request.user).order_by("region_id", "name")
    page = Paginator(scope_declarations(request.user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, "institutions": institutions, "can_declare": can_declare}
    return render(request, "monitoring/declarations.html", ctx)


@scoped
@login_required
def declaration_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a declaration's evidence (institutions in scope only)."""
    from django.http import FileResponse

    _require_view(request)
    decl = get_declaration_for_user(request.user, pk)
    if not decl.evidence:
        raise Http404
    return FileResponse(
        decl.evidence.open("rb"), as_attachment=True, filename=decl.evidence_name or "evidence"
    )


TARGET_REGION_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


class TargetForm(forms.Form):
    """目标值: the officer's form. The service checks the values (and says which field is wrong)."""

    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    period = forms.CharField(label=gettext_lazy("Period"), max_length=7)
    op = forms.ChoiceField(
        label=gettext_lazy("Comparison"), choices=TargetOp.choices, initial=TargetOp.AT_LEAST
    )
    value = forms.CharField(label=gettext_lazy("Target value"), max_length=20)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200, required=False)

    def __init__(self, *args: Any, indicators: list[Any], regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.code, f"{i.code} {i.name}（{i.unit}）") for i in indicators]
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        for field in self.fields.values():
            field.error_messages["required"] = _("%(field)s: this field is required.") % {
                "field": field.label
            }
            field.error_messages["invalid_choice"] = _("%(field)s: choose one from the list.") % {
                "field": field.label
            }
            field.error_messages["max_length"] = _("%(field)s: too long.") % {"field": field.label}


def _target_regions(request: HttpRequest) -> list[Region]:
    """Regions an officer may set targets for: those of their area down to the townships."""
    within = Q(pk__in=[])
    for p in region_scope_prefixes(request.user):
        if p:
            within |= Q(code__startswith=p)
    return list(Region.objects.filter(within, level__in=TARGET_REGION_LEVELS).order_by("code"))


@scoped
@login_required
def targets(request: HttpRequest) -> HttpResponse:
    """Targets that apply in the user's area (their region and its ancestors); a 卫健 officer sets or
    replaces one for a region of their area (``services.set_target``)."""
    _require_view(request)
    region = home_region(request.user)
    if region is None:
        raise Http404
    can_set = has_perm(request.user, "indicator.declare")
    form = None
    if can_set:
        form = TargetForm(
            request.POST or None,
            indicators=visible_indicators(request.user),
            regions=_target_regions(request),
            initial={"region": region.code, "period": str(clock.today().year)},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_target(
                    acting_user=request.user,
                    indicator_code=d["indicator"],
                    region=region_for_user(request.user, d["region"]),
                    period=d["period"],
                    op=d["op"],
                    value=d["value"],
                    source=d.get("source") or "",
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Target saved."))
                return redirect("monitoring:targets")
    chain = engine.ancestors_within(region.code, region.code[:2].ljust(12, "0"))
    prefix = next((p for p in sorted(region_scope_prefixes(request.user)) if p), region.code)
    codes = {i.code: i for i in visible_indicators(request.user)}
    rows = [
        t
        for t in Target.objects.filter(Q(region_code__in=chain) | Q(region_code__startswith=prefix))
        if t.indicator_code in codes
    ]
    names = dict(Region.objects.filter(code__in={t.region_code for t in rows}).values_list("code", "name"))
    table = [
        {"t": t, "ind": codes[t.indicator_code], "region_name": names.get(t.region_code, t.region_code)}
        for t in rows
    ]
    ctx = {"table": table, "region": region, "form": form, "can_set": can_set}
    return render(request, "monitoring/targets.html", ctx)


class PopulationForm(forms.Form):
    """统计人口: the officer declares a region's 60+/65+ residents for a year, with the source."""

    region = forms.ChoiceField(label=gettext_lazy("Region"))
    year = forms.IntegerField(label=gettext_lazy("Year"))
    group = forms.ChoiceField(
        label=gettext_lazy("Population"), choices=PopulationGroup.choices, initial="65+"
    )
    count = forms.IntegerField(label=gettext_lazy("Number of residents"))
    source = forms.CharField(label=gettext_lazy("Source"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [(r.code, r.name) for r in regions]
        for field in self.fields.values():
            field.error_messages["required"] = _("%(field)s: this field is required.") % {
                "field": field.label
            }
            field.error_messages["invalid"] = _("%(field)s: enter a whole number.") % {"field": field.label}
            field.error_messages["invalid_choice"] = _("%(field)s: choose one from the list.") % {
                "field": field.label
            }


@scoped
@login_required
def populations(request: HttpRequest) -> HttpResponse:
    """统计人口: the declared populations of the user's area; a 卫健 officer declares one
    (``services.declare_population``). Rates over 65+ residents take them as their denominator."""
    _require_view(request)
    region = home_region(request.user)
    if region is None:
        raise Http404
    can_set = has_perm(request.user, "indicator.declare")
    form = None
    if can_set:
        form = PopulationForm(
            request.POST or None,
            regions=_target_regions(request),
            initial={"region": region.code, "year": clock.today().year},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.declare_population(
                    acting_user=cast("User", request.user),
                    region=region_for_user(request.user, d["region"]),
                    year=d["year"],
                    group=d["group"],
                    count=d["count"],
                    source=d.get("source") or "",
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Population saved."))
                return redirect("monitoring:populations")
    prefix = next((p for p in sorted(region_scope_prefixes(request.user)) if p), region.code)
    rows = DeclaredPopulation.objects.filter(region__code__startswith=prefix).select_related("region")
    return render(
        request,
        "monitoring/populations.html",
        {"rows": rows, "region": region, "form": form, "can_set": can_set},
    )


# --------------------------------------------------------------------------------------------------
# Scorecards (示范县评分) and reports upwards
# --------------------------------------------------------------------------------------------------


def _require_scorecards(request: HttpRequest) -> None:
    if not (has_perm(request.user, "scorecard.edit") or has_perm(request.user, "scorecard.review")):
        raise PermissionDenied


@scoped
@login_required
def scorecard_list(request: HttpRequest) -> HttpResponse:
    """Self-assessments of the user's area, and a form to start one."""
    from .scorecards import all_scorecards, start_assessment

    _require_scorecards(request)
    region = home_region(request.user)
    if region is None:
        raise Http404
    if request.method == "POST":
        if not has_perm(request.user, "scorecard.edit"):
            raise PermissionDenied
        try:
            a = start_assessment(
                acting_user=request.user,
                scorecard_code=request.POST.get("scorecard", ""),
                region=region,
                period=request.POST.get("period", ""),
            )
        except (ServiceError, PeriodError) as exc:
            messages.error(
                request,
                getattr(
                    exc,
                    "message",
                    _("Period must be a year (2026), a quarter (2026Q1) or a month (2026-03)."),
                ),
            )
        else:
            return redirect("monitoring:scorecard", pk=a.pk)
    ctx = {
        "page": Paginator(scope_scorecards(request.user), LIST_PAGE_SIZE).get_page(request.GET.get("page")),
        "cards": list(all_scorecards().values()),
        "region": region,
        "year": clock.today().year,
        "can_edit": has_perm(request.user, "scorecard.edit"),
    }
    return render(request, "monitoring/scorecard_list.html", ctx)


@scoped
@login_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One self-assessment: the county scores evidence items, submits; a reviewer awards points, finalises."""
    from . import scorecards as sc
    from .reports import scorecard_rows

    _require_scorecards(request)
    a = get_scorecard_for_user(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "self":
                sc.self_assess_item(
                    a,
                    acting_user=request.user,
                    item_code=request.POST.get("item", ""),
                    points=request.POST.get("points", ""),
                    note=request.POST.get("note", ""),
                    evidence=request.FILES.get("evidence"),
                )
            elif action == "review":
                sc.review_item(
                    a,
                    acting_user=request.user,
                    item_code=request.POST.get("item", ""),
                    points=request.POST.get("points", ""),
                    note=request.POST.get("note", ""),
                )
            elif action == "submit":
                sc.submit(a, acting_user=request.user)
            elif action == "finalise":
                sc.finalise(a, acting_user=request.user)
            elif action == "return":
                sc.return_for_revision(a, acting_user=request.user, reason=request.POST.get("reason", ""))
            else:
                raise Http404
        except ServiceError as exc:
            messages.error(request, exc.message)
        except KeyError:
            raise Http404 from None
        else:
            messages.success(request, _("Saved."))
        return redirect("monitoring:scorecard", pk=a.pk)
    if a.status == "draft" and sc.awaiting_values(a):
        sc.refresh_pending_items(a)  # the values asked for at the start may be there by now
    card = sc.get_scorecard(a.scorecard_code)
    ctx = {
        "a": a,
        "card": card,
        "rows": scorecard_rows(a),
        "events": a.events.select_related("by"),
        "can_self": a.status == "draft" and has_perm(request.user, "scorecard.edit"),
        "can_review": a.status == "submitted" and has_perm(request.user, "scorecard.review"),
        "can_submit": sc.can_act(request.user, a, "submit"),
        "can_finalise": sc.can_act(request.user, a, "finalise"),
        "can_return": sc.can_act(request.user, a, "return"),
        "can_report": has_perm(request.user, "report.generate"),
    }
    return render(request, "monitoring/scorecard_detail.html", ctx)


@scoped
@login_required
def scorecard_evidence(request: HttpRequest, pk: int, item: str) -> HttpResponse:
    from django.http import FileResponse

    _require_scorecards(request)
    a = get_scorecard_for_user(request.user, pk)
    row = a.items.filter(item_code=item).first()
    if row is None or not row.evidence:
        raise Http404
    return FileResponse(row.evidence.open("rb"), as_attachment=True, filename=row.evidence_name or "evidence")


@scoped
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Reports upwards: generate the indicator report or a scorecard as Excel or PDF; the history."""
    from . import reports

    if not has_perm(request.user, "report.generate"):
        raise PermissionDenied
    region = home_region(request.user)
    if region is None:
        raise Http404
    if request.method == "POST":
        scorecard = None
        if request.POST.get("kind") == "scorecard":
            scorecard = get_scorecard_for_user(request.user, request.POST.get("scorecard"))
        try:
            report = reports.generate(
                acting_user=request.user,
                kind=request.POST.get("kind", ""),
                region=scorecard.region
                if scorecard
                else region_for_user(request.user, request.POST.get("region") or region.code),
                period=scorecard.period if scorecard else request.POST.get("period", ""),
                file_format=request.POST.get("format", ""),
                scorecard=scorecard,
            )
        except PeriodError:
            messages.error(
                request, _("Period must be a year (2026), a quarter (2026Q1) or a month (2026-03).")
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Report generated."))
            return redirect(f"{reverse('monitoring:reports')}#report-{report.pk}")
        return redirect("monitoring:reports")
    page = Paginator(scope_reports(request.user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"page": page, "region": region, "year": clock.today().year}
    return render(request, "monitoring/reports.html", ctx)


@scoped
@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    from django.http import FileResponse

    if not has_perm(request.user, "report.generate"):
        raise PermissionDenied
    report = get_report_for_user(request.user, pk)
    return FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1]
    )


# --------------------------------------------------------------------------------------------------
# Fragments other apps include by URL
# --------------------------------------------------------------------------------------------------

#: at most this many indicators in one fragment (a page shows a handful, never the whole registry)
FRAGMENT_MAX_CODES = 12


def _fragment_codes(request: HttpRequest) -> list[str]:
    """The ``codes`` asked for, in the order given; an unknown code (or none, or too many) is a 404."""
    codes = list(dict.fromkeys(c.strip() for c in request.GET.get("codes", "").split(",") if c.strip()))
    known = {i.code for i in all_indicators()}
    if not codes or len(codes) > FRAGMENT_MAX_CODES or any(c not in known for c in codes):
        raise Http404
    return codes


def _fragment_region_period(request: HttpRequest) -> tuple[Region, Period]:
    """The region (the user's own area when none is given, as on the dashboard) and the period; a
    region outside the user's scope and a malformed period are 404s, with no message left behind."""
    code = request.GET.get("region", "")
    region = region_for_user(request.user, code) if code else home_region(request.user)
    if region is None:
        raise Http404
    try:
        period = parse_period(request.GET.get("period") or str(clock.today().year))
    except PeriodError:
        raise Http404 from None
    return region, period


@scoped
@login_required
def indicator_fragment(request: HttpRequest) -> HttpResponse:
    """A few indicators' values for one region and period, as a small table another app's page
    includes by URL (htmx ``hx-get``): the health pages show HM-1/3/4 and HM-8 this way, so there is
    one computation per indicator and health imports nothing from monitoring.

    Scoped as every value here: a region outside the user's area is a 404, and indicators the role
    may not see are left out (a role that sees none of them gets an empty fragment, so the including
    page simply shows nothing). Only materialised values are read; the request never computes —
    missing values are asked of the next drain (``values.queue_missing``) and shown as 计算中."""
    region, period = _fragment_region_period(request)
    codes = _fragment_codes(request)
    visible = {i.code: i for i in visible_indicators(request.user)}
    inds = [visible[c] for c in codes if c in visible]
    rows = rows_for(region.code, period, inds) if inds else []
    pending = queue_missing(region, period, rows)
    ctx = {
        "region": region,
        "period": period,
        "rows": [_display(r) for r in rows],
        "pending": pending,
        "computed_at": computed_at(rows),
    }
    return render(request, "monitoring/partials/indicators.html", ctx)
