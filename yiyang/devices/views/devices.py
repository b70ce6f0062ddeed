"""Pages of the device registry (设备登记) and an elder's readings charts: thin views over
:mod:`yiyang.devices.services.devices`, every record read through :mod:`yiyang.devices.access`."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm, managed_institutions, scope_elders
from yiyang.health.queries import get_health_elder

from .. import access
from ..forms_devices import BindForm, DeviceForm, EndForm
from ..models import DeviceKind, ReadingType
from ..services import devices as services
from ..services.readings import chart_series

CHART_TYPES = ("heart_rate", "spo2", "bp", "glucose", "temperature")


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _elders_for(user: Any) -> Any:
    """Elders a device of the user's institution may be bound to: its residents and the elders whose
    archive it keeps, within the user's scope."""
    own = [i.pk for i in managed_institutions(user)]
    from django.db.models import Q

    return (
        scope_elders(user)
        .filter(Q(residence_institution_id__in=own) | Q(managing_institution_id__in=own), status="active")
        .order_by("name")
    )


def _errors(form: Any, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = err.get("field", "")
        form.add_error(field if field in form.fields else None, err["message"])


@scoped
@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    _need(request, "device.view")
    qs = access.scope_devices(request.user)
    kind = request.GET.get("kind", "")
    if kind in DeviceKind.values:
        qs = qs.filter(kind=kind)
    state = request.GET.get("state", "active")
    today = clock.today()
    if state == "active":
        qs = qs.filter(access.active_q(today))
    elif state == "ended":
        qs = qs.exclude(access.active_q(today))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(serial__icontains=q) | qs.filter(elder__name__icontains=q)
    return render(
        request,
        "devices/devices/list.html",
        {
            "devices": list(qs[:300]),
            "count": qs.count(),
            "kinds": DeviceKind.choices,
            "kind": kind,
            "state": state,
            "q": q,
            "can_manage": has_perm(request.user, "device.manage")
            and bool(managed_institutions(request.user)),
            "stale_after": clock.now() - dt.timedelta(hours=24),
        },
    )


@scoped
@login_required
def device_create(request: HttpRequest) -> HttpResponse:
    _need(request, "device.manage")
    user = cast("Any", request.user)
    own = managed_institutions(user)
    if not own:
        raise PermissionDenied
    elders = _elders_for(user)
    initial: dict[str, Any] = {"active_from": clock.today()}
    if request.GET.get("elder"):
        initial["elder"] = request.GET["elder"]
    form = DeviceForm(request.POST or None, elders=elders, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            device = services.register(
                user,
                institution=own[0],
                serial=d["serial"],
                kind=d["kind"],
                elder=d["elder"],
                place=d["place"],
                model_name=d["model_name"],
                active_from=d["active_from"],
            )
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Device %(serial)s registered.") % {"serial": device.serial})
            return redirect("devices:device-detail", device.pk)
    return render(request, "devices/devices/form.html", {"form": form})


@scoped
@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "device.view")
    device = access.get_device_for_user(request.user, pk)
    user = cast("Any", request.user)
    can_manage = has_perm(user, "device.manage") and device.institution in managed_institutions(user)
    elders = _elders_for(user) if can_manage else None
    return render(
        request,
        "devices/devices/detail.html",
        {
            "device": device,
            "can_manage": can_manage,
            "active": device.active_from <= clock.today()
            and (device.active_to is None or device.active_to >= clock.today()),
            "bind_form": BindForm(initial={"elder": device.elder_id, "place": device.place}, elders=elders)
            if can_manage
            else None,
            "end_form": EndForm(initial={"active_to": clock.today()}) if can_manage else None,
            "topic": f"yiyang/devices/{device.serial}/readings",
            "can_read_health": device.elder_id is not None and has_perm(user, "health.view"),
        },
    )


def _managed_device(request: HttpRequest, pk: int) -> Any:
    device = access.get_device_for_user(request.user, pk)
    if not has_perm(request.user, "device.manage") or device.institution not in managed_institutions(
        request.user
    ):
        raise PermissionDenied
    return device


@scoped
@login_required
@require_POST
def device_bind(request: HttpRequest, pk: int) -> HttpResponse:
    device = _managed_device(request, pk)
    form = BindForm(request.POST, elders=_elders_for(request.user))
    if form.is_valid():
        try:
            services.rebind(
                cast("Any", request.user),
                device,
                elder=form.cleaned_data["elder"],
                place=form.cleaned_data["place"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Binding saved."))
    else:
        messages.error(request, _("Choose a resident from the list."))
    return redirect("devices:device-detail", device.pk)


@scoped
@login_required
@require_POST
def device_end(request: HttpRequest, pk: int) -> HttpResponse:
    device = _managed_device(request, pk)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.end(cast("Any", request.user), device, active_to=form.cleaned_data["active_to"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Device ended: its messages are no longer accepted."))
    return redirect("devices:device-detail", device.pk)


@scoped
@login_required
def elder_readings(request: HttpRequest, elder_id: int) -> HttpResponse:
    """监测数据: an elder's device readings, one chart per type over the last 7 or 30 days (health data)."""
    elder = get_health_elder(request.user, elder_id)
    core_services.record_view(elder, acting_user=cast("Any", request.user), what=_("Device readings"))
    days = 30 if request.GET.get("days") == "30" else 7
    readings = access.readings_of_elder(request.user, elder)
    charts = []
    labels = dict(ReadingType.choices)
    for t in CHART_TYPES:
        series = chart_series(readings, t, days)
        if series["count"]:
            data = {k: series[k] for k in ("unit", "x", "series")}
            charts.append(
                {
                    "type": t,
                    "label": str(labels[t]),
                    "count": series["count"],
                    "unit": series["unit"],
                    "data": data,
                    "data_id": f"data-{t}",
                }
            )
    events = list(
        readings.filter(
            type__in=["sos", "fall", "leave_bed", "no_motion", "smoke", "door"],
            ts__gte=clock.now() - dt.timedelta(days=days),
        ).order_by("-ts")[:50]
    )
    return render(
        request,
        "devices/devices/readings.html",
        {
            "elder": elder,
            "days": days,
            "charts": charts,
            "events": events,
            "devices": list(access.devices_of_elder(elder)) if has_perm(request.user, "device.view") else [],
        },
    )
