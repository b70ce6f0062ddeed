"""Pages of 不良事件 and the pressure-injury register: the report form, the list with filters, the
detail with its history and moves, the register with its progress records, and the county view of
incidents per institution. Thin: scope through :mod:`yiyang.quality.access_incidents`, write through
:mod:`yiyang.quality.services.incidents`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution
from yiyang.core.scoping import has_perm
from yiyang.core.transitions import history_of, history_row

from .. import access_incidents as access
from ..models.incidents import (
    QS2_KINDS,
    IncidentKind,
    IncidentStatus,
    PressureOrigin,
    PressureStage,
    Severity,
)
from ..services import incidents as services

REPORT_FIELDS = (
    "kind",
    "occurred_at",
    "place",
    "description",
    "severity",
    "immediate_action",
    "elder_id",
    "family_informed",
    "family_informed_at",
    "doctor_informed",
    "doctor_informed_at",
    "follow_up",
    "pressure_injury_id",
    "pi_site",
    "pi_stage",
    "pi_origin",
    "pi_device_related",
)
SITES = ["骶尾部", "足跟", "髋部", "坐骨结节", "肩胛部", "枕部", "耳廓", "肘部", "内外踝"]


def _require_view(request: HttpRequest) -> None:
    if not has_perm(request.user, "incident.view"):
        raise PermissionDenied


def _own_institution(request: HttpRequest) -> Institution:
    """The institution the user reports for: ``?institution=`` among their own, else their first."""
    own = services.staff_institution_ids(request.user)
    pk = request.GET.get("institution") or request.POST.get("institution")
    if pk:
        institution = access.get_incident_institution_for_user(request.user, pk)
        if institution.pk not in own:
            raise PermissionDenied
        return institution
    row = access.scope_incident_institutions(request.user).filter(pk__in=own).first()
    if row is None:
        raise Http404
    return row


def _errors(exc: ServiceError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.as_list():
        field = e.get("field") or "all"
        out.setdefault("all" if field == "__all__" else field, e.get("message", ""))
    return out


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@scoped
@login_required
def incident_report(request: HttpRequest) -> HttpResponse:
    """上报不良事件 (carers, nurses, doctors and the administrator of the institution)."""
    if not has_perm(request.user, "incident.report"):
        raise PermissionDenied
    institution = _own_institution(request)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in REPORT_FIELDS}
        data["pi_device_related"] = bool(request.POST.get("pi_device_related"))
        try:
            incident = services.report(acting_user=request.user, institution=institution, data=data)
        except ServiceError as exc:
            errors = _errors(exc)
            messages.error(request, _("The report was not saved: correct the fields marked."))
        else:
            messages.success(request, _("Incident reported."))
            return redirect("quality:incident-detail", incident.pk)
    return render(
        request,
        "quality/incidents/report.html",
        {
            "institution": institution,
            "residents": services.residents_of(institution.pk),
            "kinds": IncidentKind.choices,
            "severities": Severity.choices,
            "stages": PressureStage.choices,
            "origins": PressureOrigin.choices,
            "sites": SITES,
            "data": data,
            "errors": errors,
            "now": clock.now().strftime("%Y-%m-%dT%H:%M"),
        },
    )


@scoped
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents the user may read, with filters (kind, state, institution, dates)."""
    _require_view(request)
    qs = access.scope_incidents(request.user)
    f = {k: request.GET.get(k, "") for k in ("kind", "state", "institution", "date_from", "date_to")}
    if f["kind"] in IncidentKind.values:
        qs = qs.filter(kind=f["kind"])
    if f["state"] in IncidentStatus.values:
        qs = qs.filter(status=f["state"])
    if f["institution"].isdigit():
        qs = qs.filter(institution_id=int(f["institution"]))
    tz = clock.zone()
    if (d := _date(f["date_from"])) is not None:
        qs = qs.filter(occurred_at__gte=dt.datetime.combine(d, dt.time.min, tzinfo=tz))
    if (d := _date(f["date_to"])) is not None:
        qs = qs.filter(occurred_at__lt=dt.datetime.combine(d + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/incidents/list.html",
        {
            "page": page,
            "f": f,
            "kinds": IncidentKind.choices,
            "states": IncidentStatus.choices,
            "institutions": access.scope_incident_institutions(request.user),
            "can_report": has_perm(request.user, "incident.report")
            and bool(services.staff_institution_ids(request.user)),
            "query": request.GET.urlencode(),
        },
    )


@scoped
@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    incident = access.get_incident_for_user(request.user, pk)
    machine = services.INCIDENT
    injury = access.scope_pressure_injuries(request.user).filter(incident=incident).first()
    return render(
        request,
        "quality/incidents/detail.html",
        {
            "i": incident,
            "injury": injury,
            "history": [history_row(machine, r) for r in history_of(incident)],
            "actions": [(a, machine.action_label(a)) for a in machine.available(request.user, incident)],
        },
    )


@scoped
@login_required
def incident_move(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access.get_incident_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("quality:incident-detail", incident.pk)
    try:
        t = services.move(
            incident,
            request.POST.get("action", ""),
            acting_user=request.user,
            reason=request.POST.get("reason", ""),
            cause_analysis=request.POST.get("cause_analysis") or None,
            improvement=request.POST.get("improvement") or None,
            follow_up=request.POST.get("follow_up") or None,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Done: %(action)s.") % {"action": services.INCIDENT.action_label(t.action)}
        )
    return redirect("quality:incident-detail", incident.pk)


@scoped
@login_required
def injury_register(request: HttpRequest) -> HttpResponse:
    """压力性损伤登记: the entries the user may read; staff register one (present on admission)."""
    _require_view(request)
    qs = access.scope_pressure_injuries(request.user)
    f = {k: request.GET.get(k, "") for k in ("origin", "open", "institution")}
    if f["origin"] in PressureOrigin.values:
        qs = qs.filter(origin=f["origin"])
    if f["open"] == "1":
        qs = qs.filter(healed_on__isnull=True)
    if f["institution"].isdigit():
        qs = qs.filter(institution_id=int(f["institution"]))
    own = services.staff_institution_ids(request.user)
    can_register = has_perm(request.user, "incident.report") and bool(own)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    institution = None
    if can_register:
        institution = _own_institution(request)
        if request.method == "POST":
            data = {
                k: request.POST.get(k, "")
                for k in ("elder_id", "site", "stage", "origin", "first_found_on", "note")
            }
            data["device_related"] = bool(request.POST.get("device_related"))
            try:
                services.register_injury(acting_user=request.user, institution=institution, data=data)
            except ServiceError as exc:
                errors = _errors(exc)
                messages.error(request, _("The entry was not saved: correct the fields marked."))
            else:
                messages.success(request, _("Pressure injury registered."))
                return redirect("quality:injury-register")
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/incidents/register.html",
        {
            "page": page,
            "f": f,
            "origins": PressureOrigin.choices,
            "stages": PressureStage.choices,
            "sites": SITES,
            "institutions": access.scope_incident_institutions(request.user),
            "institution": institution,
            "residents": services.residents_of(institution.pk) if institution else [],
            "data": data,
            "errors": errors,
            "today": clock.today().isoformat(),
        },
    )


@scoped
@login_required
def injury_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    injury = access.get_pressure_injury_for_user(request.user, pk)
    errors: dict[str, str] = {}
    can_record = (
        has_perm(request.user, "incident.report")
        and injury.institution_id in services.staff_institution_ids(request.user)
        and injury.healed_on is None
    )
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        data: dict[str, Any] = {
            k: request.POST.get(k, "") for k in ("recorded_on", "stage", "length_cm", "width_cm", "note")
        }
        data["healed"] = bool(request.POST.get("healed"))
        try:
            services.record_progress(injury, acting_user=request.user, data=data)
        except ServiceError as exc:
            errors = _errors(exc)
            messages.error(request, _("The record was not saved: correct the fields marked."))
        else:
            messages.success(request, _("Progress recorded."))
            return redirect("quality:injury-detail", injury.pk)
    return render(
        request,
        "quality/incidents/injury.html",
        {
            "p": injury,
            "records": access.records_of(injury),
            "can_record": can_record,
            "stages": PressureStage.choices,
            "errors": errors,
            "today": clock.today().isoformat(),
        },
    )


@scoped
@login_required
def county_view(request: HttpRequest) -> HttpResponse:
    """Incidents per institution in a year, by kind, with the open ones and new stage Ⅱ+ injuries."""
    _require_view(request)
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    year = min(max(year, 2000), clock.today().year)
    tz = clock.zone()
    lo = dt.datetime(year, 1, 1, tzinfo=tz)
    hi = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for inst_id, kind, status in (
        access.scope_incidents(request.user)
        .filter(occurred_at__gte=lo, occurred_at__lt=hi)
        .values_list("institution_id", "kind", "status")
    ):
        counts[inst_id][kind] += 1
        counts[inst_id]["total"] += 1
        if status != IncidentStatus.CLOSED:
            counts[inst_id]["open"] += 1
    for inst_id in (
        access.scope_pressure_injuries(request.user)
        .filter(origin=PressureOrigin.FACILITY, serious_since__year=year)
        .values_list("institution_id", flat=True)
    ):
        counts[inst_id]["serious_pi"] += 1
    columns = [
        (k, IncidentKind(k).label)
        for k in (*QS2_KINDS, IncidentKind.PRESSURE_INJURY, IncidentKind.MEDICATION_ERROR, IncidentKind.OTHER)
    ]
    institutions = list(access.scope_incident_institutions(request.user).filter(pk__in=list(counts)))
    rows: list[dict[str, Any]] = [
        {
            "institution": inst,
            "cells": [counts[inst.pk].get(k, 0) for k, _label in columns],
            "total": counts[inst.pk]["total"],
            "open": counts[inst.pk]["open"],
            "serious_pi": counts[inst.pk]["serious_pi"],
        }
        for inst in institutions
    ]
    totals = {
        "cells": [sum(r["cells"][n] for r in rows) for n in range(len(columns))],
        "total": sum(r["total"] for r in rows),
        "open": sum(r["open"] for r in rows),
        "serious_pi": sum(r["serious_pi"] for r in rows),
    }
    return render(
        request,
        "quality/incidents/county.html",
        {
            "rows": rows,
            "columns": columns,
            "totals": totals,
            "year": year,
            "years": list(range(clock.today().year, clock.today().year - 4, -1)),
        },
    )
