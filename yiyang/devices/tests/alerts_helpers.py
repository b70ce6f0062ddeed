"""Shared set-up for the alert tests: the demo's welfare home (yly_admin's), a resident wearing a
wristband, and readings stored as the ingestion worker stores them, then evaluated."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from yiyang.core import clock
from yiyang.devices.models import Device, Reading
from yiyang.devices.rules import evaluate

HOME = "江口县社会福利院"
_seq = itertools.count(1)


def make_device(elder: Any, institution: Any, kind: str = "wristband", place: str = "") -> Device:
    n = next(_seq)
    return Device.objects.create(
        serial=f"T-ALERT-{n:05d}",
        kind=kind,
        elder=elder,
        institution=institution,
        place=place,
        active_from=clock.today() - dt.timedelta(days=30),
    )


def read(device: Device, type_: str, value: Any, at: dt.datetime | None = None) -> Reading:
    """Store one reading as the worker does and run the rules on it."""
    n = next(_seq)
    reading = Reading.objects.create(
        device=device,
        elder=device.elder,
        message_id=f"m-{n}",
        ts=at or clock.now(),
        type=type_,
        value=value,
    )
    evaluate(reading)
    return reading
