"""Health-management pages. Thin: parse the request, scope (health.queries), call a service, render."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from yiyang.assessments.registry import get_instrument
from yiyang.core import exports
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.core.scoping import has_perm, region_scope_prefixes

from . import fields, formdata, icd, queries, rules, services
from .forms import (
    CHECK_SECTIONS,
    ROW_FORMS,
    BasicInformationForm,
    CaseForm,
    CheckListForm,
    ContractForm,
    DeliveryForm,
    DiagnosisForm,
    EducationForm,
    EndContractForm,
    FollowUpForm,
    HealthCheckForm,
    MedicationForm,
    NoticeForm,
    TcmForm,
    TeamForm,
    TeamMemberForm,
)
from .models import (
    HealthArchive,
    HealthCheck,
    ServicePackageItem,
    TeamMember,
)


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _to_form(form: Any, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = err.get("field", "")
        form.add_error(field if field in form.fields else None, err["message"])


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------------------- archive


@scoped
@login_required
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    """连续性健康档案: cover, problems, medications, year-on-year charts and the timeline."""
    elder = queries.get_health_elder(request.user, pk)
    core_services.record_view(elder, acting_user=request.user)
    entries, more = queries.timeline(elder, page=1, size=30)
    parts = queries.archive_parts(elder)
    ctx = {
        "elder": elder,
        "archive": parts.archive,
        "diagnoses": parts.diagnoses,
        "medications": parts.medications,
        "tcm_history": parts.tcm_history,
        "constitution_names": dict(formdata.TCM_CONSTITUTIONS),
        "cases": elder.chronic_cases.all(),
        "contracts": elder.family_contracts.select_related("team").order_by("-start_date")[:5],
        "chart": queries.yearly_results(elder),
        "entries": entries,
        "more": more,
        "kinds": [(k, queries.KIND_LABELS[k]) for k in queries.TIMELINE_KINDS],
        "can_change": has_perm(request.user, "health.change"),
        "diagnosis_form": DiagnosisForm(),
        "basic": _basic_summary(parts.archive),
        "icd_codes": icd.codes().values(),
    }
    return render(request, "health/archive.html", ctx)


def _basic_summary(archive_row: HealthArchive | None) -> list[tuple[Any, str]]:
    """The 个人基本信息表 items of the archive that are filled, as (label, wording) for the cover."""
    if archive_row is None:
        return []
    label = lambda name: HealthArchive._meta.get_field(name).verbose_name  # noqa: E731
    out: list[tuple[Any, str]] = []
    for name, options in formdata.ARCHIVE_MULTI.items():
        if getattr(archive_row, name):
            out.append((label(name), formdata.labels(options, getattr(archive_row, name))))
    if archive_row.allergy_other:
        out.append((label("allergy_other"), archive_row.allergy_other))
    for table in ("surgeries", "traumas", "transfusions"):
        rows = [r for r in getattr(archive_row, table) or [] if isinstance(r, dict)]
        if rows:
            out.append(
                (label(table), "；".join(f"{r.get('name', '')} {r.get('date', '')}".strip() for r in rows))
            )
    members = dict(formdata.FAMILY_MEMBERS)
    family = [
        f"{members.get(k, k)}：{formdata.labels(formdata.FAMILY_DISEASES, v)}"
        for k, v in (archive_row.family_history or {}).items()
        if v
    ]
    if family:
        out.append((label("family_history"), "；".join(family)))
    if archive_row.genetic_disease:
        out.append((label("genetic_disease"), archive_row.genetic_disease))
    return out


@scoped
@login_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline fragment (htmx): filter by kind and year, page by page."""
    elder = queries.get_health_elder(request.user, pk)
    kinds = [k for k in request.GET.getlist("kind") if k in queries.TIMELINE_KINDS] or None
    try:
        year = int(request.GET.get("year") or 0) or None
        page = max(1, min(int(request.GET.get("page") or 1), 1000))
    except ValueError:
        year, page = None, 1
    if year is not None and not queries.YEAR_MIN <= year <= queries.YEAR_MAX:
        entries, more = [], False  # no record is dated outside 1900–2100
    else:
        entries, more = queries.timeline(elder, kinds=kinds, year=year, page=page, size=30)
    if page == 1:  # a filter change reads afresh; "More" continues the same reading
        core_services.record_view(elder, acting_user=request.user)
    query = request.GET.copy()
    query["page"] = page + 1
    return render(
        request,
        "health/partials/timeline.html",
        {"elder": elder, "entries": entries, "more": more, "next_query": query.urlencode()},
    )


@scoped
@login_required
@require_POST
def diagnosis_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    form = DiagnosisForm(request.POST)
    if form.is_valid():
        try:
            services.add_diagnosis(elder, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Diagnosis added."))
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Enter an ICD-10 code."))
    return redirect("health:archive", elder.pk)


# ---------------------------------------------------------------------------------------- checks


@scoped
@login_required
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    """健康体检表 entry. With ``?queue=<village code>`` the page is a step of the batch queue: after
    saving it opens the next elder of the village without this year's check."""
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    queue = request.GET.get("queue", "")
    form = HealthCheckForm(
        request.POST or None, initial={"check_date": _today()}, selfcare=queries.selfcare_choices(elder)
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
    return queries.without_check(elders, _today().year).order_by("name", "pk")


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
    params.setdefault("year", str(_today().year))
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
        "overdue": list(queries.overdue_notices(checks, _today()).order_by("check_date")[:500]),
        "unchecked": unchecked,
        "by_village": queries.counts_by_village(unchecked),
        "counts": queries.check_counts(elders, year),
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
            "rate": rules.rate,
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
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="health-checks-{data.get("year", "")}.xlsx"'
    return response


# --------------------------------------------------------------------------------------- chronic


@scoped
@login_required
def followups(request: HttpRequest) -> HttpResponse:
    """Follow-ups due this week and overdue, with HM-8 rates of this year."""
    today = _today()
    cases = queries.scope_cases(request.user)
    due = queries.due_followups(cases, today + dt.timedelta(days=7))
    year = today.year
    return render(
        request,
        "health/followups.html",
        {
            "due": due[:300],
            "today": today,
            "rates": [
                (label, queries.chronic_rates(cases, disease, year))
                for disease, label in (
                    ("hypertension", _("Hypertension")),
                    ("diabetes", _("Type 2 diabetes")),
                )
            ],
            "year": year,
        },
    )


@scoped
@login_required
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.enrol_case(elder, acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Enrolled in management."))
            return redirect("health:followup-create", case.pk)
    return render(request, "health/simple_form.html", {"elder": elder, "form": form, "title": _("Enrol")})


@scoped
@login_required
def followup_create(request: HttpRequest, pk: int) -> HttpResponse:
    """随访服务记录表: the decision (classification, next step, next visit) is shown after saving."""
    _need(request, "health.change")
    case = queries.get_case(request.user, pk)
    form = FollowUpForm(
        request.POST or None, disease=case.disease, initial={"visit_date": _today(), "method": "1"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            fu = services.record_followup(case, acting_user=request.user, data=form.service_data())
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request,
                _("Saved: %(cls)s; %(action)s; next visit by %(next)s.")
                % {
                    "cls": fu.get_classification_display(),
                    "action": fu.get_action_display(),
                    "next": fu.next_visit_date,
                },
            )
            return redirect("health:archive", case.elder_id)
    history = case.followups.order_by("-visit_date")[:8]
    return render(request, "health/followup_form.html", {"case": case, "form": form, "history": history})


# ------------------------------------------------------------------------------------------- TCM


@scoped
@login_required
def tcm_create(request: HttpRequest, pk: int) -> HttpResponse:
    """中医体质辨识 (33 questions, scored by the assessments engine) and the guidance per constitution."""
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    form = TcmForm(
        request.POST or None, instrument=get_instrument("tcm33"), initial={"service_date": _today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_tcm(
                elder,
                acting_user=request.user,
                answers=form.answers(),
                guidance=form.guidance(),
                service_date=form.cleaned_data["service_date"],
                guidance_other=form.cleaned_data["guidance_other"],
            )
        except ServiceError as exc:
            for err in exc.as_list():
                name = err.get("field", "").replace("guidance.", "guidance_")
                form.add_error(name if name in form.fields else None, err["message"])
        except PermissionDenied:
            form.add_error(None, _("Your role may not fill in this instrument."))
        else:
            name = formdata.label(formdata.TCM_CONSTITUTIONS, record.primary_constitution)
            messages.success(request, _("Saved: main constitution %(c)s.") % {"c": name or "—"})
            return redirect("health:archive", elder.pk)
    return render(request, "health/tcm_form.html", {"elder": elder, "form": form})


# -------------------------------------------------------------------------------------- contracts


@scoped
@login_required
def contracts(request: HttpRequest) -> HttpResponse:
    """Contracts expiring within 30 days, and the teams with their 履约."""
    today = _today()
    scoped_contracts = queries.scope_contracts(request.user)
    teams = [(t, queries.team_fulfilment(t, today)) for t in queries.scope_teams(request.user)]
    return render(
        request,
        "health/contracts.html",
        {
            "expiring": queries.expiring(scoped_contracts, today)[:300],
            "valid_count": queries.valid_contracts(scoped_contracts, today).count(),
            "teams": teams,
            "today": today,
        },
    )


@scoped
@login_required
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "contract.change")
    elder = queries.get_health_elder(request.user, pk)
    form = ContractForm(request.POST or None, user=request.user, initial={"signed_on": _today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = TeamMember.objects.filter(team=d["team"], user_id=d["doctor"], is_active=True).first()
        try:
            if member is None:
                raise ServiceError(
                    "DOCTOR_NOT_IN_TEAM", _("Family doctor: must be a member of the team."), field="doctor"
                )
            contract = services.sign_contract(
                elder,
                acting_user=request.user,
                team=d["team"],
                doctor=member.user,
                packages=list(d["packages"]),
                signed_on=d["signed_on"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                signer=d["signer"],
                proxy_name=d["proxy_name"],
                proxy_relation=d["proxy_relation"],
            )
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Contract signed."))
            return redirect("health:contract-detail", contract.pk)
    return render(
        request, "health/simple_form.html", {"elder": elder, "form": form, "title": _("Sign a contract")}
    )


@scoped
@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = queries.get_contract(request.user, pk)
    items = list(
        ServicePackageItem.objects.filter(package__contracts=contract).values_list("code", "name").distinct()
    )
    delivery_form = DeliveryForm(request.POST or None, items=items, initial={"delivered_on": _today()})
    end_form = EndContractForm(prefix="end")
    if request.method == "POST":
        _need(request, "contract.change")
        action = request.POST.get("action")
        try:
            if action == "deliver" and delivery_form.is_valid():
                services.record_delivery(contract, acting_user=request.user, **delivery_form.cleaned_data)
                messages.success(request, _("Service recorded."))
                return redirect("health:contract-detail", contract.pk)
            if action == "end":
                end_form = EndContractForm(request.POST, prefix="end")
                if end_form.is_valid():
                    services.end_contract(contract, acting_user=request.user, **end_form.cleaned_data)
                    messages.success(request, _("Contract ended."))
                    return redirect("health:contract-detail", contract.pk)
            if action == "renew":
                new = services.renew_contract(contract, acting_user=request.user, signed_on=_today())
                messages.success(request, _("Contract renewed."))
                return redirect("health:contract-detail", new.pk)
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        core_services.record_view(contract.elder, acting_user=request.user)
    today = _today()
    return render(
        request,
        "health/contract_detail.html",
        {
            "contract": contract,
            "services_due": contract.services_due.select_related("delivery", "delivery__delivered_by"),
            "extras": contract.deliveries.filter(service__isnull=True),
            "fulfilment": queries.contract_fulfilment(contract, today),
            "delivery_form": delivery_form,
            "end_form": end_form,
            "valid_today": contract.is_valid_on(today),
            "can_change": has_perm(request.user, "contract.change"),
            "today": today,
        },
    )


@scoped
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """A family doctor's week: due follow-ups, checks, contract services, expiring contracts."""
    today = _today()
    start = today - dt.timedelta(days=today.weekday())
    end = start + dt.timedelta(days=6)
    data = queries.work_list(request.user, start, end)
    return render(request, "health/worklist.html", {**data, "start": start, "end": end, "today": today})


# -------------------------------------------------------------------------------------- education


@scoped
@login_required
def education(request: HttpRequest) -> HttpResponse:
    prefixes = region_scope_prefixes(request.user)
    form = EducationForm(request.POST or None, prefixes=prefixes, initial={"held_on": _today()})
    if request.method == "POST":
        _need(request, "health.change")
        if form.is_valid():
            try:
                services.record_education(acting_user=request.user, data=form.cleaned_data)
            except ServiceError as exc:
                _to_form(form, exc)
            else:
                messages.success(request, _("Activity recorded."))
                return redirect("health:education")
    page = Paginator(queries.scope_education(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "health/education.html",
        {"form": form, "page": page, "can_change": has_perm(request.user, "health.change")},
    )


# ------------------------------------------------------------------------- archive: basic information


def _service_errors(form: Any, exc: ServiceError) -> None:
    """A service refusal on a page: its messages already name the field (and row), so they go on top."""
    for err in exc.as_list():
        form.add_error(None, err["message"])


@scoped
@login_required
def basic_information(request: HttpRequest, pk: int) -> HttpResponse:
    """个人基本信息表: blood type, allergies, exposure, 既往史 (手术/外伤/输血 tables), family history,
    hereditary disease, disabilities. 既往史·疾病 are the coded diagnoses of the archive page."""
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    archive_row = queries.archive_parts(elder).archive
    form = BasicInformationForm(request.POST or None, archive=archive_row)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_basic_information(elder, acting_user=request.user, data=form.service_data())
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Basic information saved."))
            return redirect("health:archive", elder.pk)
    return render(
        request, "health/basic_information.html", {"elder": elder, "form": form, "archive": archive_row}
    )


@scoped
@login_required
def medications(request: HttpRequest, pk: int) -> HttpResponse:
    """主要用药情况 of the archive: the list, a row added in place (htmx), a drug stopped."""
    elder = queries.get_health_elder(request.user, pk)
    form = MedicationForm(request.POST or None)
    if request.method == "POST":
        _need(request, "health.change")
        if form.is_valid():
            try:
                services.add_medication(elder, acting_user=request.user, data=form.cleaned_data)
            except ServiceError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("Medication added."))
                if not request.htmx:
                    return redirect("health:medications", elder.pk)
                form = MedicationForm()
    ctx = {
        "elder": elder,
        "form": form,
        "medications": queries.elder_medications(elder),
        "can_change": has_perm(request.user, "health.change"),
    }
    if request.htmx:
        return render(request, "health/partials/medications.html", ctx)
    return render(request, "health/medications.html", ctx)


@scoped
@login_required
@require_POST
def medication_stop(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "health.change")
    medication = queries.get_medication(request.user, pk)
    services.stop_medication(medication, acting_user=request.user)
    messages.success(request, _("Medication stopped: %(name)s.") % {"name": medication.name})
    return redirect("health:medications", medication.elder_id)


# ------------------------------------------------------------------------------ family-doctor teams


@scoped
@login_required
def teams(request: HttpRequest) -> HttpResponse:
    """家庭医生团队: the teams in scope; administrators form and manage their institution's."""
    rows = (
        queries.scope_teams(request.user).prefetch_related("villages").order_by("institution__name", "name")
    )
    managed = {i.pk for i in services.team_institutions(request.user)}
    return render(
        request,
        "health/teams.html",
        {
            "teams": [(t, t.members.filter(is_active=True).count()) for t in rows[:300]],
            "managed": managed,
            "can_create": bool(managed),
        },
    )


@scoped
@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    _need(request, "team.manage")
    institutions = services.team_institutions(request.user)
    if not institutions:
        raise PermissionDenied
    form = TeamForm(
        request.POST or None, institutions=institutions, candidates=queries.team_candidates(institutions)
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(acting_user=request.user, members=[], **form.cleaned())
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Team formed: %(name)s.") % {"name": team.name})
            return redirect("health:team-detail", team.pk)
    return render(request, "health/team_form.html", {"form": form, "title": _("Form a team")})


def _team_context(request: HttpRequest, team: Any, **extra: Any) -> dict[str, Any]:
    can_manage = team.institution_id in {i.pk for i in services.team_institutions(request.user)}
    return {
        "team": team,
        "members": team.members.select_related("user").order_by("-is_active", "user__display_name"),
        "villages": team.villages.order_by("code"),
        "can_manage": can_manage,
        "fulfilment": queries.team_fulfilment(team, _today()),
        **extra,
    }


@scoped
@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team: leader, members with their roles, villages served, 履约; its administrator edits it."""
    team = queries.get_team(request.user, pk)
    candidates = queries.team_candidates([team.institution])
    member_form = TeamMemberForm(candidates=candidates)
    return render(request, "health/team_detail.html", _team_context(request, team, member_form=member_form))


@scoped
@login_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "team.manage")
    team = queries.get_team(request.user, pk)
    if team.institution_id not in {i.pk for i in services.team_institutions(request.user)}:
        raise PermissionDenied
    initial = {
        "name": team.name,
        "leader": str(team.leader_id),
        "villages": list(team.villages.values_list("code", flat=True)),
        "is_active": team.is_active,
    }
    form = TeamForm(
        request.POST or None,
        initial=initial,
        institutions=[team.institution],
        candidates=queries.team_candidates([team.institution]),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(team, acting_user=request.user, **form.cleaned())
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("health:team-detail", team.pk)
    return render(request, "health/team_form.html", {"form": form, "team": team, "title": _("Edit team")})


@scoped
@login_required
@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member with a role (htmx: the members table comes back with the new row)."""
    _need(request, "team.manage")
    team = queries.get_team(request.user, pk)
    form = TeamMemberForm(request.POST, candidates=queries.team_candidates([team.institution]))
    if form.is_valid():
        try:
            services.add_team_member(
                team,
                acting_user=request.user,
                user=form.people[form.cleaned_data["user"]],
                role=form.cleaned_data["role"],
            )
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Member added."))
                return redirect("health:team-detail", team.pk)
            form = TeamMemberForm(candidates=queries.team_candidates([team.institution]))
    ctx = _team_context(request, team, member_form=form)
    if request.htmx:
        return render(request, "health/partials/team_members.html", ctx)
    return render(request, "health/team_detail.html", ctx)


@scoped
@login_required
@require_POST
def team_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "team.manage")
    member = queries.get_team_member(request.user, pk)
    try:
        services.remove_team_member(member, acting_user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Member removed: %(name)s.") % {"name": member.user})
    return redirect("health:team-detail", member.team_id)
