"""健康体检表 pages: entry, 体检日 batch entry, detail, lists and the export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from yiyang.core import clock, exports
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.core.scoping import has_perm, region_scope_prefixes
from yiyang.core.xlsx import workbook_bytes

from .. import fields, formdata, queries, rules, services
from ..forms import CHECK_SECTIONS, ROW_FORMS, CheckListForm, HealthCheckForm, NoticeForm
from ..models import HealthCheck
from ._common import _need, _to_form, indicator_query

#: the indicators the check lists page shows (the engine's values, through monitoring's fragment)
CHECK_INDICATORS = ["HM-1", "HM-3", "HM-4"]


@scoped
@login_required
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    """健康体检表 entry. With ``?queue=<village code>`` the page is a step of the batch queue: after
    saving it opens the next elder of the village without this year's check."""
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    queue = request.GET.get("queue", "")
    form = HealthCheckForm(
        request.POST or None, initial={"check_date": clock.today()}, selfcare=queries.selfcare_choices(elder)
    )
    if request.method == "POST" and form.is_valid():
        try:
            check = services.record_health_check(
                elder,
                acting_user=request.user,
                data=form.service_data(),
                confirm_warnings=form.cleaned_data.get("confirm_warnings", False),
                selfcare_response=form.cleaned_data.get("selfcare_response"),
            )
        except ServiceError as exc:
            _to_form(form, exc)
            form.needs_confirmation = exc.code == "CONFIRM_WARNINGS"  # type: ignore[attr-defined]
        else:
            messages.success(request, _("Health check saved for %(name)s.") % {"name": elder.name})
            if queue:
                nxt = _queue(request, queue).exclude(pk=elder.pk).first()
                if nxt is not None:
                    return redirect(f"{_url('health:check-create', nxt.pk)}?queue={queue}")
                return redirect(f"{_url('health:batch')}?village={queue}")
            return redirect("health:check-detail", check.pk)
    return render(request, "health/check_form.html", {"elder": elder, "form": form, "queue": queue})


@scoped
@login_required
def check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a 健康体检表 (the audit row keeps the field diff); the same form as a new check."""
    _need(request, "health.change")
    check = queries.get_check(request.user, pk)
    elder = check.elder
    form = HealthCheckForm(request.POST or None, instance=check, selfcare=queries.selfcare_choices(elder))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_health_check(
                elder,
                acting_user=request.user,
                data=form.service_data(),
                confirm_warnings=form.cleaned_data.get("confirm_warnings", False),
                check=check,
                selfcare_response=form.cleaned_data.get("selfcare_response"),
            )
        except ServiceError as exc:
            _to_form(form, exc)
            form.needs_confirmation = exc.code == "CONFIRM_WARNINGS"  # type: ignore[attr-defined]
        else:
            messages.success(request, _("Health check saved for %(name)s.") % {"name": elder.name})
            return redirect("health:check-detail", check.pk)
    return render(request, "health/check_form.html", {"elder": elder, "form": form, "check": check})


@scoped
@login_required
def row_add(request: HttpRequest, table: str) -> HttpResponse:
    """htmx: one empty row of a row table (住院史, 用药, 接种, 手术…), numbered ``n``, and the add
    button again with ``n + 1``. Shows no record."""
    if table not in ROW_FORMS:
        raise Http404
    try:
        n = max(0, min(int(request.GET.get("n") or 0), 9999))
    except ValueError:
        n = 0
    form = ROW_FORMS[table](prefix=f"{table}-{n}")
    return render(
        request, "health/partials/row.html", {"table": table, "row": form, "next_number": n + 1, "oob": True}
    )


def _url(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


def _queue(request: HttpRequest, village: str) -> Any:
    elders = queries.health_elders(request.user).filter(region_id=village)
    return queries.without_check(elders, clock.today().year).order_by("name", "pk")


@scoped
@login_required
def batch(request: HttpRequest) -> HttpResponse:
    """体检日 batch entry: pick a village; the queue lists its 65+ residents with no check this year."""
    _need(request, "health.change")
    prefixes = region_scope_prefixes(request.user)
    village = request.GET.get("village", "")
    villages = Region.objects.none()
    for p in prefixes:
        villages = villages | Region.objects.filter(code__startswith=p, level="village")
    queue = list(_queue(request, village)[:300]) if village else []
    return render(
        request,
        "health/batch.html",
        {"villages": villages.order_by("code"), "village": village, "queue": queue},
    )


@scoped
@login_required
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = queries.get_check(request.user, pk)
    if request.method == "GET":
        core_services.record_view(check.elder, acting_user=request.user)
    notice_form = NoticeForm(request.POST or None)
    if request.method == "POST":
        _need(request, "health.change")
        if notice_form.is_valid():
            try:
                services.record_notice(
                    check, acting_user=request.user, notice_date=notice_form.cleaned_data["notice_date"]
                )
                messages.success(request, _("Notice date saved."))
                return redirect("health:check-detail", check.pk)
            except ServiceError as exc:
                _to_form(notice_form, exc)
    sections = [
        (
            title,
            [
                (HealthCheck._meta.get_field(n).verbose_name, _display(check, n))
                for n in names
                if _filled(check, n)
            ],
        )
        for title, names in CHECK_SECTIONS
    ]
    missing = rules.missing_parts(services.check_values(check))
    labels = {f.name: f.verbose_name for f in check._meta.get_fields() if hasattr(f, "verbose_name")}
    return render(
        request,
        "health/check_detail.html",
        {
            "check": check,
            "sections": sections,
            "notice_form": notice_form,
            "missing": [
                (rules.PART_LABELS[p], [labels.get(n, n) for n in names]) for p, names in missing.items()
            ],
            "problems": [
                (title, formdata.labels(options, check.main_problems.get(key)))
                for key, (title, options) in formdata.MAIN_PROBLEMS.items()
                if (check.main_problems or {}).get(key)
            ],
            "tables": [
                (HealthCheck._meta.get_field(t).verbose_name, *_row_display(t, getattr(check, t)))
                for t in fields.CHECK_ROW_TABLES
                if getattr(check, t)
            ],
            "deadline": rules.notice_deadline(check.check_date),
            "in_time": rules.notified_in_time(check.check_date, check.notice_date),
            "can_change": has_perm(request.user, "health.change"),
        },
    )


def _row_display(table: str, rows: list[dict]) -> tuple[list, list[list[str]]]:
    """Headings and cells of a stored row table, choice codes shown as their wording."""
    keys = list(formdata.ROW_TABLES[table])
    cells = [
        [
            formdata.label(formdata.ROW_CHOICES[(table, k)], row.get(k)) or row.get(k, "")
            if (table, k) in formdata.ROW_CHOICES
            else row.get(k, "")
            for k in keys
        ]
        for row in rows
        if isinstance(row, dict)
    ]
    return [fields.ROW_COLUMN_LABELS[k] for k in keys], cells


def _filled(check: HealthCheck, name: str) -> bool:
    return getattr(check, name) not in (None, "", [], {})


def _display(check: HealthCheck, name: str) -> Any:
    value = getattr(check, name)
    if name in formdata.CHECK_MULTI:
        return formdata.labels(formdata.CHECK_MULTI[name], value)
    if HealthCheck._meta.get_field(name).choices:
        return getattr(check, f"get_{name}_display")()
    return value


def _check_lists(request: HttpRequest) -> tuple[CheckListForm, dict[str, Any]]:
    params = request.GET.copy()
    params.setdefault("year", str(clock.today().year))
    form = CheckListForm(params, prefixes=region_scope_prefixes(request.user))
    if not form.is_valid():
        return form, {"overdue": [], "unchecked": [], "by_village": []}
    year = form.cleaned_data["year"]
    prefix = form.region_prefix()
    elders = queries.health_elders(request.user)
    if prefix:
        elders = elders.filter(region__code__startswith=prefix)
    checks = queries.scope_checks(request.user).filter(elder__in=elders, year=year)
    unchecked = queries.without_check(elders, year).select_related("region").order_by("region_id", "name")
    return form, {
        "year": year,
        "overdue": list(queries.overdue_notices(checks, clock.today()).order_by("check_date")[:500]),
        "unchecked": unchecked,
        "by_village": queries.counts_by_village(unchecked),
        # HM-1/3/4 as the engine computed them, for the area shown (a village, a township, else the
        # user's own area)
        "indicators": indicator_query(
            CHECK_INDICATORS, year, form.cleaned_data.get("village") or form.cleaned_data.get("township")
        ),
    }


@scoped
@login_required
def check_lists(request: HttpRequest) -> HttpResponse:
    """Overdue notices (> 1 month) and 65+ residents with no check this year, per township/village."""
    form, data = _check_lists(request)
    unchecked = data["unchecked"]
    page = Paginator(unchecked, 50).get_page(request.GET.get("page")) if unchecked != [] else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "health/check_lists.html",
        {
            "form": form,
            **data,
            "page": page,
            "query": query.urlencode(),
            "can_export": has_perm(request.user, "elder.export"),
        },
    )


@scoped
@login_required
def check_lists_export(request: HttpRequest) -> HttpResponse:
    """Excel of both lists; every exported elder is audited through core.services.record_export."""
    _need(request, "elder.export")
    form, data = _check_lists(request)
    overdue = data["overdue"]
    unchecked = list(data["unchecked"][: exports.MAX_ROWS]) if data["unchecked"] != [] else []
    paths = Region.paths_for({e.region_id for e in unchecked} | {c.elder.region_id for c in overdue})
    wb = Workbook()
    ws = wb.active
    ws.title = _("Notice overdue")
    ws.append([_("Name"), _("ID number"), _("Village / community"), _("Check date"), _("Notice due by")])
    for c in overdue:
        ws.append(
            [c.elder.name, c.elder.id_number_masked, paths.get(c.elder.region_id, ""), c.check_date,
             rules.notice_deadline(c.check_date)]
        )  # fmt: skip
    ws2 = wb.create_sheet(_("No check this year"))
    ws2.append([_("Name"), _("ID number"), _("Village / community"), _("Birth date"), _("Phone")])
    for e in unchecked:
        ws2.append([e.name, e.id_number_masked, paths.get(e.region_id, ""), e.birth_date, e.phone_masked])
    for sheet in (ws, ws2):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    elders = list({e.pk: e for e in [*unchecked, *(c.elder for c in overdue)]}.values())
    core_services.record_export(
        acting_user=request.user, what=_("Health check lists (Excel)"), elders=elders, filters=filters
    )
    response = HttpResponse(workbook_bytes(wb), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="health-checks-{data.get("year", "")}.xlsx"'
    return response
