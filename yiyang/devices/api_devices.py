"""The device registry and readings under /api/v1/.

``GET /devices`` lists the devices you may see (filter ``kind``, ``elder``, ``active``); ``POST /devices``
registers one (422 with field errors: a taken or malformed serial, a missing binding);
``POST /devices/{id}/end`` ends it; ``GET /elders/{id}/readings`` is an elder's readings (health data).
Out of scope is 404 like missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import get_elder_for_user, has_perm, managed_institutions

from . import access
from .models import Device, DeviceKind, ReadingType
from .services import devices as services

router = Router(tags=["devices"])

Id = Annotated[int, Field(ge=1, le=2**53)]
MAX_PAGE_SIZE = 200


class DeviceOut(Schema):
    id: int
    serial: str
    kind: str
    kind_label: str
    model_name: str
    elder_id: int | None
    elder_name: str | None
    institution_id: int | None
    institution_name: str | None
    place: str
    active_from: dt.date
    active_to: dt.date | None
    active: bool
    last_seen_at: dt.datetime | None


class DevicePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[DeviceOut]


class DeviceQuery(Schema):
    kind: str = ""
    elder: int | None = Field(None, ge=1, le=2**53)
    active: bool | None = None
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class DeviceIn(Schema):
    serial: str = Field(..., max_length=64)
    kind: str = Field(..., max_length=20)
    model_name: str = Field("", max_length=80)
    elder_id: int | None = Field(None, ge=1, le=2**53)
    place: str = Field("", max_length=100)
    active_from: dt.date | None = None
    institution_id: int | None = Field(None, ge=1, le=2**53)


class EndIn(Schema):
    active_to: dt.date | None = None


class ReadingOut(Schema):
    ts: dt.datetime
    type: str
    value: Any
    device_id: int


class ReadingsOut(Schema):
    elder_id: int
    type: str
    days: int
    results: list[ReadingOut]


def device_out(d: Device, today: dt.date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    return {
        "id": d.pk,
        "serial": d.serial,
        "kind": d.kind,
        "kind_label": str(d.get_kind_display()),
        "model_name": d.model_name,
        "elder_id": d.elder_id,
        "elder_name": d.elder.name if d.elder is not None else None,
        "institution_id": d.institution_id,
        "institution_name": d.institution.name if d.institution is not None else None,
        "place": d.place,
        "active_from": d.active_from,
        "active_to": d.active_to,
        "active": d.active_from <= today and (d.active_to is None or d.active_to >= today),
        "last_seen_at": d.last_seen_at,
    }


@router.get("/devices", response=DevicePage)
@scoped
def list_devices(request: HttpRequest, filters: Query[DeviceQuery]) -> dict:
    """Devices you may see: your institution's, or your region's for an officer."""
    qs = access.scope_devices(request.user)
    if filters.kind:
        if filters.kind not in DeviceKind.values:
            raise ServiceError("INVALID", _("Device type: choose one of the list."), field="kind")
        qs = qs.filter(kind=filters.kind)
    if filters.elder:
        qs = qs.filter(elder_id=filters.elder)
    today = clock.today()
    if filters.active is True:
        qs = qs.filter(access.active_q(today))
    elif filters.active is False:
        qs = qs.exclude(access.active_q(today))
    page, size = filters.page, filters.page_size
    rows = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [device_out(d, today) for d in rows],
    }


def registering_institution(user: Any, institution_id: int | None) -> Any:
    """The institution a device is registered for: the user's own (one of them, if several)."""
    own = managed_institutions(user)
    if not has_perm(user, "device.manage") or not own:
        raise ServiceError(
            "FORBIDDEN",
            _("Only an institution's staff register devices."),
            field="institution_id",
            status=403,
        )
    if institution_id is None:
        return own[0]
    for inst in own:
        if inst.pk == institution_id:
            return inst
    raise ServiceError("NOT_FOUND", _("Institution: not one of yours."), field="institution_id")


@router.post("/devices", response={201: DeviceOut})
@scoped
def register_device(request: HttpRequest, payload: DeviceIn) -> Status:
    """Register a device and bind it to a resident (``elder_id``) or a place."""
    user = cast("Any", request.user)
    institution = registering_institution(user, payload.institution_id)
    elder = None
    if payload.elder_id:
        try:
            elder = get_elder_for_user(user, payload.elder_id)
        except Http404:
            raise ServiceError(
                "NOT_FOUND", _("Elder: not found among the elders you serve."), field="elder_id"
            ) from None
    try:
        device = services.register(
            user,
            institution=institution,
            serial=payload.serial,
            kind=payload.kind,
            elder=elder,
            place=payload.place,
            model_name=payload.model_name,
            active_from=payload.active_from,
        )
    except ServiceError as exc:
        for err in exc.as_list():
            if err.get("field") == "elder":
                err["field"] = "elder_id"
        if exc.field == "elder":
            exc.field = "elder_id"
        raise
    return Status(201, device_out(device))


@router.get("/devices/{device_id}", response=DeviceOut)
@scoped
def get_device(request: HttpRequest, device_id: Id) -> dict:
    return device_out(access.get_device_for_user(request.user, device_id))


@router.post("/devices/{device_id}/end", response=DeviceOut)
@scoped
def end_device(request: HttpRequest, device_id: Id, payload: EndIn) -> dict:
    """End the device's active period (default today); later messages from it are rejected."""
    device = access.get_device_for_user(request.user, device_id)
    user = cast("Any", request.user)
    if not has_perm(user, "device.manage") or device.institution not in managed_institutions(user):
        raise ServiceError(
            "FORBIDDEN", _("Only the institution that registered the device ends it."), status=403
        )
    return device_out(services.end(user, device, active_to=payload.active_to))


@router.get("/elders/{elder_id}/readings", response=ReadingsOut)
@scoped
def elder_readings(request: HttpRequest, elder_id: Id, type: str, days: int = 7) -> dict:
    """An elder's readings of one type over the last ``days`` days (1–92), oldest first."""
    if type not in ReadingType.values:
        raise ServiceError("INVALID", _("Reading type: choose one of the list."), field="type")
    if not 1 <= days <= 92:
        raise ServiceError("INVALID", _("Days: between 1 and 92."), field="days")
    elder = get_elder_for_user(request.user, elder_id)
    if not has_perm(request.user, "health.view"):
        raise Http404
    since = clock.now() - dt.timedelta(days=days)
    rows = (
        access.readings_of_elder(request.user, elder)
        .filter(type=type, ts__gte=since)
        .order_by("ts")
        .values("ts", "type", "value", "device_id")[:20_000]
    )
    return {"elder_id": elder.pk, "type": type, "days": days, "results": list(rows)}
