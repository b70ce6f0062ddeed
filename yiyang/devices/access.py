"""Who may read which device and which readings.

Devices (``device.view``): an institution's staff see the devices their institution registered; an
officer sees those of the institutions in their region, and the devices of elders in their scope that
no institution holds. Readings are an elder's health data: only with ``health.view``, only for elders in
the reader's elder scope (:func:`yiyang.core.scoping.scope_elders`).

Every model in :data:`SCOPED_MODELS` is queried only here and in services (the scope guard).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from yiyang.care.access import institution_party_q
from yiyang.core.scoping import has_perm, scope_elders

from .models import Device, Reading

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User
    from yiyang.core.models import Elder

    AnyUser = User | AnonymousUser

SCOPED_MODELS: tuple[type[Model], ...] = (Device,)


def scope_devices(user: AnyUser) -> QuerySet[Device]:
    if not has_perm(user, "device.view"):
        return Device.objects.none()
    q = institution_party_q(user, "institution") | Q(
        institution__isnull=True, elder__in=scope_elders(user).values("pk")
    )
    return Device.objects.filter(q).select_related("elder", "institution").order_by("serial")


def get_device_for_user(user: AnyUser, pk: object) -> Device:
    try:
        number = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    device = scope_devices(user).filter(pk=number).first()
    if device is None:
        raise Http404
    return device


def active_q(day: dt.date) -> Q:
    return Q(active_from__lte=day) & (Q(active_to__isnull=True) | Q(active_to__gte=day))


def devices_of_elder(elder: Elder) -> QuerySet[Device]:
    """The devices bound to an already scoped elder."""
    return Device.objects.filter(elder=elder).order_by("-active_from", "serial")


def readings_of_elder(user: AnyUser, elder: Elder) -> QuerySet[Reading]:
    """An elder's readings, if ``user`` may read the elder's health data (none otherwise)."""
    if (
        not has_perm(user, "health.view")
        or not scope_elders(user, "health.view").filter(pk=elder.pk).exists()
    ):
        return Reading.objects.none()
    return Reading.objects.filter(elder=elder)
