"""The demo county's devices and a few days of readings: wristbands, blood-pressure and glucose meters
and bed sensors on residents of the demo's eldercare homes, smoke and door sensors in their corridors,
and wristbands with an SOS button for some elders living at home under 双江 centre (admin_sj's).

Readings are what the simulator publishes (:mod:`.services.simulate`), bulk-written: a wristband every
30 minutes, blood pressure twice a day, glucose in the morning, and a few events (SOS, a fall, leaving
the bed at night). One wristband has been silent for two days and one was ended (replaced).
"""

from __future__ import annotations

import datetime as dt
import random

from yiyang.core import clock
from yiyang.core.models import Elder, Institution, InstitutionKind

from .models import Device, DeviceKind, Reading
from .services.partitions import ensure_partitions
from .services.simulate import Baseline, value_for

DAYS = 3
HOME_RESIDENTS = 24  # per home, at most
HOMES = 3
AT_HOME = 10
SJ = "江口县双江街道中心卫生院"
PLACES = ["1号楼1层走廊", "1号楼2层走廊", "厨房", "大门"]


def _serial(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.randrange(16**8):08X}"


def load_devices(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed * 31 + 17)
    start = today - dt.timedelta(days=90)
    devices: list[Device] = []
    homes = list(
        Institution.objects.filter(
            kind__in=[InstitutionKind.ELDERCARE_HOME, InstitutionKind.INTEGRATED_CARE],
            residents__status="active",
        )
        .distinct()
        .order_by("pk")[:HOMES]
    )
    for home in homes:
        residents = list(
            Elder.objects.filter(residence_institution=home, status="active").order_by("pk")[:HOME_RESIDENTS]
        )
        for i, elder in enumerate(residents):
            devices.append(
                Device(
                    serial=_serial(rng, "SH"),
                    kind=DeviceKind.WRISTBAND,
                    model_name="华为 Watch D2",
                    elder=elder,
                    institution=home,
                    active_from=start,
                )
            )
            if i % 2 == 0:
                devices.append(
                    Device(
                        serial=_serial(rng, "BP"),
                        kind=DeviceKind.BP_METER,
                        model_name="欧姆龙 U32K",
                        elder=elder,
                        institution=home,
                        active_from=start,
                    )
                )
            if i % 4 == 0:
                devices.append(
                    Device(
                        serial=_serial(rng, "GL"),
                        kind=DeviceKind.GLUCOSE_METER,
                        model_name="三诺 安稳+",
                        elder=elder,
                        institution=home,
                        active_from=start,
                    )
                )
            if i % 3 == 0:
                devices.append(
                    Device(
                        serial=_serial(rng, "BD"),
                        kind=DeviceKind.BED_SENSOR,
                        model_name="床垫离床传感器",
                        elder=elder,
                        institution=home,
                        place=f"{101 + i}室",
                        active_from=start,
                    )
                )
        for place in PLACES:
            kind = DeviceKind.DOOR_SENSOR if place == "大门" else DeviceKind.SMOKE_DETECTOR
            devices.append(
                Device(
                    serial=_serial(rng, "EV"),
                    kind=kind,
                    model_name="",
                    institution=home,
                    place=place,
                    active_from=start,
                )
            )
    sj = Institution.objects.filter(name=SJ).first()
    if sj is not None:
        at_home = list(
            Elder.objects.filter(
                managing_institution=sj, residence_institution=None, status="active"
            ).order_by("pk")[:AT_HOME]
        )
        for elder in at_home:
            devices.append(
                Device(
                    serial=_serial(rng, "SH"),
                    kind=DeviceKind.WRISTBAND,
                    model_name="小米手环 9",
                    elder=elder,
                    institution=sj,
                    active_from=start,
                )
            )
            devices.append(
                Device(
                    serial=_serial(rng, "SOS"),
                    kind=DeviceKind.SOS_BUTTON,
                    model_name="一键呼叫器",
                    elder=elder,
                    institution=sj,
                    active_from=start,
                )
            )
    if not devices:
        return {"devices": 0, "readings": 0}
    # one wristband replaced last month: the old one ended
    first = devices[0]
    devices.append(
        Device(
            serial=_serial(rng, "SH"),
            kind=DeviceKind.WRISTBAND,
            model_name="华为 Watch D2",
            elder=first.elder,
            institution=first.institution,
            active_from=start - dt.timedelta(days=200),
            active_to=start - dt.timedelta(days=1),
        )
    )
    Device.objects.bulk_create(devices)
    devices = list(Device.objects.filter(serial__in=[d.serial for d in devices]).order_by("pk"))

    now = clock.now()
    begin = dt.datetime.combine(today - dt.timedelta(days=DAYS), dt.time(), tzinfo=clock.zone())
    ensure_partitions(begin.date(), today)
    baselines: dict[int, Baseline] = {}
    readings: list[Reading] = []
    silent = next(
        (
            d
            for d in devices
            if d.kind == DeviceKind.WRISTBAND and d.active_to is None and d.pk != devices[0].pk
        ),
        None,
    )
    last_seen: dict[int, dt.datetime] = {}

    def add(d: Device, ts: dt.datetime, type_: str, value: object) -> None:
        readings.append(
            Reading(
                device=d,
                elder_id=d.elder_id,
                message_id=f"demo-{d.pk}-{len(readings)}",
                ts=ts,
                type=type_,
                value=value,
                received_at=ts + dt.timedelta(seconds=1),
            )
        )
        last_seen[d.pk] = max(ts, last_seen.get(d.pk, ts))

    for d in devices:
        if d.active_to is not None:
            continue
        b = baselines.setdefault(d.elder_id or 0, Baseline.draw(rng))
        stop = now - dt.timedelta(days=2) if d is silent else now
        if d.kind == DeviceKind.WRISTBAND:
            ts = begin + dt.timedelta(minutes=rng.randrange(30))
            while ts < stop:
                for t in ("heart_rate", "spo2", "temperature"):
                    add(d, ts, t, value_for(t, b, rng, abnormal=rng.random() < 0.01))
                ts += dt.timedelta(minutes=30)
        elif d.kind == DeviceKind.BP_METER:
            for day in range(DAYS + 1):
                for hour in (7, 19):
                    ts = begin + dt.timedelta(days=day, hours=hour, minutes=rng.randrange(40))
                    if ts < stop:
                        add(d, ts, "bp", value_for("bp", b, rng, abnormal=rng.random() < 0.05))
        elif d.kind == DeviceKind.GLUCOSE_METER:
            for day in range(DAYS + 1):
                ts = begin + dt.timedelta(days=day, hours=6, minutes=30 + rng.randrange(40))
                if ts < stop:
                    add(d, ts, "glucose", value_for("glucose", b, rng, abnormal=rng.random() < 0.05))
        elif d.kind == DeviceKind.BED_SENSOR:
            for day in range(DAYS + 1):
                if rng.random() < 0.5:
                    ts = begin + dt.timedelta(days=day, hours=2, minutes=rng.randrange(180))
                    if ts < stop:
                        add(d, ts, "leave_bed", True)
        elif d.kind in (DeviceKind.SOS_BUTTON, DeviceKind.DOOR_SENSOR) and rng.random() < 0.3:
            ts = begin + dt.timedelta(hours=rng.randrange(DAYS * 24))
            if ts < stop:
                add(d, ts, "sos" if d.kind == DeviceKind.SOS_BUTTON else "door", True)
    wristbands = [
        d for d in devices if d.kind == DeviceKind.WRISTBAND and d.active_to is None and d is not silent
    ]
    for d in rng.sample(wristbands, min(2, len(wristbands))):
        add(d, now - dt.timedelta(hours=rng.randrange(2, 40)), "fall", True)
    Reading.objects.bulk_create(readings, batch_size=2000)
    for pk, ts in last_seen.items():
        Device.objects.filter(pk=pk).update(last_seen_at=ts)
    return {"devices": len(devices), "readings": len(readings)}
