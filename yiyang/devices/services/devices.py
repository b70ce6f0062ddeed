"""The device registry: register a device, bind it to a resident or a place, end it.

A device always belongs to an institution that registered it (the home whose residents wear it, the
health centre that lent a wristband to an elder at home) and watches an elder, a place, or both. The
serial is the MQTT topic's middle level, so it may hold no ``/``, ``+`` or ``#``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, Institution

from ..models import Device, DeviceKind

if TYPE_CHECKING:
    from yiyang.accounts.models import User

SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{2,63}$")
DUPLICATE_SERIAL = "DUPLICATE_SERIAL"
INVALID_SERIAL = "INVALID_SERIAL"


def _check_binding(elder: Elder | None, place: str) -> None:
    if elder is None and not place.strip():
        raise ServiceError(
            "REQUIRED", _("Bind the device to a resident or give the place it is installed."), field="elder"
        )


@transaction.atomic
def register(
    actor: User,
    *,
    institution: Institution,
    serial: str,
    kind: str,
    elder: Elder | None = None,
    place: str = "",
    model_name: str = "",
    active_from: dt.date | None = None,
) -> Device:
    """Register a device. The caller has checked that ``institution`` is the actor's and ``elder`` is
    in the actor's scope."""
    serial = serial.strip()
    errors = []
    if not SERIAL.match(serial):
        errors.append(
            {
                "field": "serial",
                "code": INVALID_SERIAL,
                "message": _("Serial number: 3–64 letters, digits, '.', ':', '_' or '-'."),
            }
        )
    elif Device.objects.filter(serial=serial).exists():
        errors.append(
            {
                "field": "serial",
                "code": DUPLICATE_SERIAL,
                "message": _("Serial number %(serial)s is already registered.") % {"serial": serial},
            }
        )
    if kind not in DeviceKind.values:
        errors.append(
            {"field": "kind", "code": "INVALID", "message": _("Device type: choose one of the list.")}
        )
    if elder is None and not place.strip():
        errors.append(
            {
                "field": "elder",
                "code": "REQUIRED",
                "message": _("Bind the device to a resident or give the place it is installed."),
            }
        )
    if errors:
        raise ServiceError(errors[0]["code"], errors[0]["message"], field=errors[0]["field"], errors=errors)
    try:
        with transaction.atomic():
            device = Device.objects.create(
                serial=serial,
                kind=kind,
                model_name=model_name.strip(),
                elder=elder,
                institution=institution,
                place=place.strip(),
                active_from=active_from or clock.today(),
                registered_by=actor,
            )
    except IntegrityError:
        raise ServiceError(
            DUPLICATE_SERIAL,
            _("Serial number %(serial)s is already registered.") % {"serial": serial},
            field="serial",
        ) from None
    audit.record("create", user=actor, obj=device)
    return device


@transaction.atomic
def rebind(actor: User, device: Device, *, elder: Elder | None, place: str) -> Device:
    """Bind the device to another resident or place from now on (readings already stored keep theirs)."""
    _check_binding(elder, place)
    before = {"elder": device.elder_id, "place": device.place}
    device.elder = elder
    device.place = place.strip()
    device.save(update_fields=["elder", "place"])
    audit.record(
        "update",
        user=actor,
        obj=device,
        changes=audit.diff(before, {"elder": device.elder_id, "place": device.place}),
    )
    return device


@transaction.atomic
def end(actor: User, device: Device, *, active_to: dt.date | None = None) -> Device:
    """End the device's active period: from the day after ``active_to`` its messages are rejected."""
    active_to = active_to or clock.today()
    if active_to < device.active_from:
        raise ServiceError(
            "INVALID",
            _("The end date cannot be before the device was activated (%(day)s).")
            % {"day": device.active_from},
            field="active_to",
        )
    before = {"active_to": device.active_to}
    device.active_to = active_to
    device.save(update_fields=["active_to"])
    audit.record("update", user=actor, obj=device, changes=audit.diff(before, {"active_to": active_to}))
    return device
