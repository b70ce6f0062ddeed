"""Pages of the inspection loop: inspections (自查, 核查, 防火检查), the rectification ledger (整改台账)
with its Excel export, one rectification item with its moves, evidence downloads, and the year-end
summary (every section of :func:`yiyang.quality.summary.sections`) with its Excel and PDF files."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yiyang.core import audit, clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.exports import XLSX
from yiyang.core.scoping import has_perm
from yiyang.core.transitions import TransitionNotAllowed, history_of, history_row

from ..access_inspections import (
    get_evidence_for_user,
    get_inspection_for_user,
    get_rectification_for_user,
    inspectable_institutions,
    own_institution_ids,
    scope_inspections,
    scope_obligations,
)
from ..api_inspections import ledger_rows
from ..checklists.registry import get_checklist
from ..exports_inspections import ledger_workbook, summary_pdf, summary_table, summary_workbook
from ..models import InspectionKind, Judgement, RectificationStatus
from ..services import inspections as service
from ..summary import sections

KINDS = dict(InspectionKind.choices)


def _user(request: HttpRequest) -> Any:
    return cast("Any", request.user)


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied(perm)


def _year(raw: str | None) -> int:
    try:
        year = int(raw or clock.today().year)
    except ValueError:
        return clock.today().year
    return year if 2000 <= year <= 2100 else clock.today().year


# -- inspections ----------------------------------------------------------------------------------


@scoped
@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    _need(request, "inspection.view")
    qs = scope_inspections(request.user)
    kind = request.GET.get("kind", "")
    if kind in KINDS:
        qs = qs.filter(kind=kind)
    year = _year(request.GET.get("year"))
    qs = qs.filter(inspected_on__year=year)
    user = request.user
    return render(
        request,
        "quality/inspections/list.html",
        {
            "inspections": qs[:200],
            "kinds": InspectionKind.choices,
            "kind": kind,
            "year": year,
            "can_self": has_perm(user, "inspection.self") and bool(own_institution_ids(user)),
            "can_verify": has_perm(user, "inspection.verify"),
            "obligations_missed": scope_obligations(user)
            .filter(met_by__isnull=True, due_date__lt=clock.today(), due_date__year=year)
            .order_by("-due_date")[:30],
        },
    )


def _item_errors(exc: ServiceError) -> tuple[dict[str, str], list[str]]:
    per_item: dict[str, str] = {}
    general: list[str] = []
    for err in exc.as_list():
        field = str(err.get("field", ""))
        if field.startswith("items."):
            # "items.<code>[.judgement|.note|.evidence_ids]"; item codes hold dots themselves ("4.2")
            code = field[len("items.") :]
            head, _dot, tail = code.rpartition(".")
            if tail in ("judgement", "note", "evidence_ids", "evidence"):
                code = head
            per_item.setdefault(code, err["message"])
        else:
            general.append(err["message"])
    return per_item, general


@scoped
@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    """One form per checklist: each item's judgement, note and evidence files; 提交 opens the
    rectification items of every finding."""
    kind = request.GET.get("kind") or request.POST.get("kind") or InspectionKind.SELF
    if kind not in KINDS:
        raise Http404
    user = _user(request)
    institutions = [i for i in inspectable_institutions(user) if service.may_inspect(user, i, kind)]
    if not institutions:
        raise PermissionDenied
    checklist = get_checklist(service.DEFAULT_CHECKLIST[InspectionKind(kind)])
    values: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    general: list[str] = []
    inspected_on = clock.today().isoformat()
    institution_id = str(institutions[0].pk)
    if request.method == "POST":
        inspected_on = request.POST.get("inspected_on", "")
        institution_id = request.POST.get("institution", "")
        for _s, item in checklist.items():
            values[item.code] = {
                "judgement": request.POST.get(f"j-{item.code}", ""),
                "note": request.POST.get(f"n-{item.code}", "").strip(),
            }
        institution = next((i for i in institutions if str(i.pk) == institution_id), None)
        try:
            day = dt.date.fromisoformat(inspected_on)
        except ValueError:
            day = None
        if institution is None:
            general.append(_("Institution: choose one from the list."))
        if day is None:
            general.append(_("Inspection date: enter a date."))
        if institution is not None and day is not None:
            try:
                with transaction.atomic():
                    entries = []
                    for _s, item in checklist.items():
                        ids = [
                            service.store_evidence(
                                f,
                                acting_user=user,
                                institution=institution,
                                field=f"items.{item.code}.evidence",
                            ).pk
                            for f in request.FILES.getlist(f"e-{item.code}")
                        ]
                        v = values[item.code]
                        entries.append(service.ItemInput(item.code, v["judgement"], v["note"], ids))
                    inspection = service.create_inspection(
                        acting_user=user,
                        institution=institution,
                        kind=kind,
                        inspected_on=day,
                        items=entries,
                        checklist_code=checklist.code,
                        note=request.POST.get("note", "")[:500],
                    )
            except ServiceError as exc:
                errors, general = _item_errors(exc)
                if request.FILES:
                    general.append(_("Attached files were not kept: attach them again."))
            else:
                opened = inspection.rectifications.count()
                messages.success(
                    request,
                    _("Inspection submitted; %(n)d rectification items opened.") % {"n": opened},
                )
                return redirect("quality:inspection-detail", inspection.pk)
    rows = []
    for section in checklist.sections:
        rows.append(
            {
                "title": section.title,
                "items": [
                    {
                        "item": item,
                        "value": values.get(item.code, {}),
                        "error": errors.get(item.code, ""),
                    }
                    for item in section.items
                ],
            }
        )
    return render(
        request,
        "quality/inspections/form.html",
        {
            "kind": kind,
            "kind_label": KINDS[kind],
            "checklist": checklist,
            "sections": rows,
            "judgements": Judgement.choices,
            "institutions": institutions,
            "institution_id": institution_id,
            "inspected_on": inspected_on,
            "general": general,
        },
    )


@scoped
@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    return render(
        request,
        "quality/inspections/detail.html",
        {
            "inspection": inspection,
            "items": inspection.items.prefetch_related("evidence"),
            "rectifications": inspection.rectifications.select_related("inspection_item").order_by("pk"),
        },
    )


# -- the ledger -----------------------------------------------------------------------------------


def _ledger_filters(request: HttpRequest) -> dict[str, Any]:
    state = request.GET.get("state", "")
    state = state if state in RectificationStatus.values else ""
    try:
        institution = int(request.GET.get("institution") or 0) or None
    except ValueError:
        institution = None
    overdue = {"1": True, "0": False}.get(request.GET.get("overdue", ""))
    return {"state": state, "institution": institution, "overdue": overdue}


@scoped
@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """整改台账: overdue items first and highlighted."""
    _need(request, "ledger.view")
    filters = _ledger_filters(request)
    rows = ledger_rows(request.user, **filters)
    return render(
        request,
        "quality/rectifications/ledger.html",
        {
            "rows": rows[:500],
            "count": rows.count(),
            "overdue_count": service.overdue(ledger_rows(request.user)).count(),
            "states": RectificationStatus.choices,
            "institutions": inspectable_institutions(request.user),
            "filters": filters,
            "query": request.GET.urlencode(),
            "can_export": has_perm(request.user, "ledger.export"),
        },
    )


@scoped
@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger as Excel in its layout; every export is audited."""
    _need(request, "ledger.export")
    filters = _ledger_filters(request)
    rows = list(ledger_rows(request.user, **filters)[:5000])
    title = _("Rectification ledger of medical–eldercare institutions")
    audit.record(
        "export",
        user=_user(request),
        object_type="quality.rectificationitem",
        object_repr=_("Rectification ledger"),
        changes={"rows": len(rows), **{k: v for k, v in filters.items() if v not in (None, "")}},
        reason=_("Rectification ledger export"),
    )
    response = HttpResponse(ledger_workbook(rows, title), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-{clock.now():%Y%m%d-%H%M}.xlsx"'
    return response


@scoped
@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_rectification_for_user(request.user, pk)
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            with transaction.atomic():
                ids = [
                    service.store_evidence(
                        f, acting_user=user, institution=item.institution, field="evidence"
                    ).pk
                    for f in request.FILES.getlist("evidence")
                ]
                service.move(
                    item,
                    action,
                    acting_user=user,
                    reason=request.POST.get("reason", "")[:200],
                    evidence_ids=ids,
                    measure=request.POST.get("measure", "")[:800],
                    responsible=request.POST.get("responsible", "")[:40],
                )
        except PermissionDenied:
            messages.error(request, _("This step is not yours to take."))
        except (ServiceError, TransitionNotAllowed) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Done: the item is now “%(state)s”.") % {"state": item.get_status_display()},
            )
            return redirect("quality:rectification-detail", item.pk)
    return render(
        request,
        "quality/rectifications/detail.html",
        {
            "item": item,
            "actions": service.RECTIFICATION.available(user, item),
            "history": [history_row(service.RECTIFICATION, h) for h in history_of(item)],
            "evidence": item.evidence.all(),
            "finding_evidence": item.inspection_item.evidence.all(),
            "form": request.POST if request.method == "POST" else {},
        },
    )


@scoped
@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, to those who read its institution's inspections; every download is audited."""
    evidence = get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit.record("export", user=_user(request), obj=evidence, reason=_("Inspection evidence file"))
    return FileResponse(handle, filename=f"evidence-{evidence.pk}.{evidence.kind}")


# -- the year-end summary -------------------------------------------------------------------------


def _summary(request: HttpRequest) -> dict[str, Any]:
    _need(request, "quality.summary")
    year = _year(request.GET.get("year"))
    institutions = list(inspectable_institutions(request.user))
    chosen = request.GET.get("institution", "")
    one = next((i for i in institutions if str(i.pk) == chosen), None)
    if one is not None:
        columns = [(one.name, sections([one.pk], year))]
        scope_label = one.name
    else:
        columns = [(pgettext("summary", "Total"), sections([i.pk for i in institutions], year))]
        if len(institutions) > 1:
            columns += [(i.name, sections([i.pk], year)) for i in institutions]
        scope_label = institutions[0].name if len(institutions) == 1 else _("All institutions in your region")
    title = _("%(year)d summary of medical–eldercare service quality: %(scope)s") % {
        "year": year,
        "scope": scope_label,
    }
    return {
        "year": year,
        "title": title,
        "institutions": institutions,
        "chosen": chosen,
        "headings": [h for h, _s in columns],
        "table": summary_table(columns),
        "user": request.user,
        "generated_at": clock.now(),
    }


@scoped
@login_required
def summary_page(request: HttpRequest) -> HttpResponse:
    context = _summary(request)
    context["query"] = request.GET.urlencode()
    return render(request, "quality/summary/page.html", context)


@scoped
@login_required
def summary_export(request: HttpRequest, fmt: str) -> HttpResponse:
    context = _summary(request)
    if fmt == "xlsx":
        body = summary_workbook(context["title"], context["headings"], context["table"])
        content_type = XLSX
    elif fmt == "pdf":
        body = summary_pdf(context)
        content_type = "application/pdf"
    else:
        raise Http404
    audit.record(
        "export",
        user=_user(request),
        object_type="quality.summary",
        object_repr=context["title"][:120],
        reason=_("Year-end quality summary"),
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="quality-summary-{context["year"]}.{fmt}"'
    return response
