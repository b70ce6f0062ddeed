"""The archive page, the timeline, diagnoses, the 个人基本信息表 and medications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm

from .. import formdata, icd, queries, services
from ..forms import BasicInformationForm, DiagnosisForm, MedicationForm
from ..models import HealthArchive
from ._common import _need, _service_errors


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
        "items": parts.items,
        "today": clock.today(),
        "constitution_names": dict(formdata.TCM_CONSTITUTIONS),
        "cases": elder.chronic_cases.all(),
        "contracts": elder.family_contracts.select_related("team").order_by("-start_date")[:5],
        "chart": queries.yearly_results(elder),
        "entries": entries,
        "more": more,
        "kinds": queries.timeline_kinds(),
        "can_change": has_perm(request.user, "health.change"),
        "diagnosis_form": DiagnosisForm(),
        "basic": _basic_summary(parts.archive),
        "icd_codes": icd.codes().values(),
        "icd_interim": icd.is_interim(),
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
    known = {k for k, _label in queries.timeline_kinds()}
    kinds = [k for k in request.GET.getlist("kind") if k in known] or None
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


# ------------------------------------------------------------------------- archive: basic information


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
