"""A device simulator: realistic readings and occasional events for some elders, published to the broker
exactly as devices would (``manage.py devices simulate``; the demo and the benchmark use it).

Each elder gets a baseline (resting heart rate, blood pressure, …) drawn once from a seeded generator, and
each reading wanders around it; now and then a value runs out of the normal range (a tachycardia, a
hypoglycaemia) and, more rarely, an event is sent (SOS, a fall, leaving the bed at night). With the
flags a share of the messages is sent twice (as a device does when it misses the broker's PUBACK) or
broken (not JSON, a value of the wrong shape), to exercise the worker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction

from yiyang.core import clock
from yiyang.core.models import Elder

from ..models import Device, DeviceKind

#: what each kind of device measures
MEASURES: dict[str, tuple[str, ...]] = {
    DeviceKind.WRISTBAND: ("heart_rate", "spo2", "temperature"),
    DeviceKind.BP_METER: ("bp",),
    DeviceKind.GLUCOSE_METER: ("glucose",),
    DeviceKind.BED_SENSOR: ("leave_bed",),
    DeviceKind.FALL_DETECTOR: ("fall",),
    DeviceKind.SOS_BUTTON: ("sos",),
}
#: the kinds registered for an elder the simulator finds without devices
SIMULATED_KINDS = (DeviceKind.WRISTBAND, DeviceKind.BP_METER, DeviceKind.GLUCOSE_METER)
EVENTS = ("sos", "fall", "leave_bed")


@dataclasses.dataclass
class Baseline:
    heart_rate: float
    spo2: float
    sys: float
    dia: float
    glucose: float
    temperature: float

    @classmethod
    def draw(cls, rng: random.Random) -> Baseline:
        sys = rng.uniform(112, 152)
        return cls(
            heart_rate=rng.uniform(62, 86),
            spo2=rng.uniform(95, 98.5),
            sys=sys,
            dia=sys - rng.uniform(40, 62),
            glucose=rng.uniform(4.8, 8.2),
            temperature=rng.uniform(36.2, 36.8),
        )


def value_for(kind: str, b: Baseline, rng: random.Random, abnormal: bool = False) -> Any:
    """A plausible reading of ``kind`` for an elder with baseline ``b`` (out of range if ``abnormal``)."""
    if kind == "heart_rate":
        v = b.heart_rate + rng.gauss(0, 4)
        if abnormal:
            v = rng.choice([rng.uniform(40, 48), rng.uniform(122, 150)])
        return round(v)
    if kind == "spo2":
        v = min(100.0, b.spo2 + rng.gauss(0, 0.8))
        if abnormal:
            v = rng.uniform(84, 89)
        return round(v)
    if kind == "bp":
        sys, dia = b.sys + rng.gauss(0, 6), b.dia + rng.gauss(0, 4)
        if abnormal:
            sys, dia = rng.uniform(172, 195), rng.uniform(100, 115)
        return {"sys": round(sys), "dia": round(dia)}
    if kind == "glucose":
        v = b.glucose + rng.gauss(0, 0.6)
        if abnormal:
            v = rng.choice([rng.uniform(2.6, 3.4), rng.uniform(14, 19)])
        return round(v, 1)
    if kind == "temperature":
        v = b.temperature + rng.gauss(0, 0.15)
        if abnormal:
            v = rng.uniform(38.2, 39.4)
        return round(v, 1)
    return True  # an event


def simulated_devices(elders: int, today: dt.date, seed: int = 17) -> list[Device]:
    """The active devices of ``elders`` elders who have some (the demo's), topped up by registering a
    wristband, a blood-pressure meter and a glucose meter for active residents who have none."""
    active = Device.objects.filter(elder__isnull=False, active_from__lte=today).exclude(active_to__lt=today)
    elder_ids = list(active.values_list("elder_id", flat=True).distinct().order_by("elder_id")[:elders])
    if len(elder_ids) < elders:
        rng = random.Random(seed)
        more = (
            Elder.objects.filter(status="active")
            .exclude(pk__in=Device.objects.filter(elder__isnull=False).values("elder_id"))
            .order_by("pk")
            .select_related("residence_institution", "managing_institution")[: elders - len(elder_ids)]
        )
        with transaction.atomic():
            for elder in more:
                inst = elder.residence_institution or elder.managing_institution
                for kind in SIMULATED_KINDS:
                    Device.objects.create(
                        serial=f"SIM-{kind[:2].upper()}-{elder.pk:06d}-{rng.randrange(16**4):04X}",
                        kind=kind,
                        model_name="模拟设备",
                        elder=elder,
                        institution=inst,
                        active_from=today - dt.timedelta(days=1),
                    )
                elder_ids.append(elder.pk)
    return list(active.filter(elder_id__in=elder_ids, kind__in=list(MEASURES)).order_by("serial"))


def messages(
    devices: list[Device], *, seed: int = 17, events: float = 0.002, abnormal: float = 0.01
) -> Iterator[tuple[str, dict[str, Any]]]:
    """An endless stream of ``(serial, payload)``, round robin over the devices and what each measures."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:10]
    baselines: dict[int | None, Baseline] = {}
    slots = [(d, t) for d in devices for t in MEASURES.get(d.kind, ())]
    if not slots:
        return
    n = 0
    while True:
        for device, kind in slots:
            n += 1
            b = baselines.setdefault(device.elder_id, Baseline.draw(rng))
            if device.kind == DeviceKind.WRISTBAND and rng.random() < events:
                kind = rng.choice(EVENTS)
            payload = {
                "id": f"{run}-{n}",
                "ts": clock.now().isoformat(timespec="milliseconds"),
                "type": kind,
                "value": value_for(kind, b, rng, abnormal=rng.random() < abnormal),
            }
            yield device.serial, payload


def topic(serial: str) -> str:
    return f"yiyang/devices/{serial}/readings"


def broken_payload(rng: random.Random, good: dict[str, Any]) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return b"{not json"
    if choice == 1:
        return json.dumps({**good, "value": "high"}).encode()
    return json.dumps({k: v for k, v in good.items() if k != "ts"}).encode()


class Publisher:
    """A paho-mqtt client publishing with QoS 1; paho queues while the broker is away and sends again
    what was not acknowledged when it reconnects."""

    def __init__(self, host: str | None = None, port: int | None = None, client_id: str = "") -> None:
        import paho.mqtt.client as mqtt

        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"yiyang-sim-{uuid.uuid4().hex[:8]}",
            clean_session=True,
            protocol=mqtt.MQTTv311,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.acked = 0
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect_async(host or settings.MQTT_HOST, int(port or settings.MQTT_PORT), keepalive=30)
        self.client.loop_start()

    def _on_publish(self, *_args: Any) -> None:
        with self._lock:
            self.acked += 1

    def publish(self, serial: str, payload: bytes) -> None:
        self.client.publish(topic(serial), payload, qos=1)

    def wait_acked(self, sent: int, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.acked < sent and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.acked >= sent

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def simulate(
    *,
    elders: int,
    rate: float,
    seconds: float | None = None,
    count: int | None = None,
    duplicates: float = 0.0,
    bad: float = 0.0,
    seed: int = 17,
    host: str | None = None,
    port: int | None = None,
    stop: threading.Event | None = None,
) -> Counter[str]:
    """Publish ``rate`` messages a second in total for ``elders`` elders' devices, for ``seconds`` (or
    ``count`` messages, or until ``stop``); returns what was sent by category."""
    devices = simulated_devices(elders, clock.today(), seed)
    rng = random.Random(seed + 1)
    sent: Counter[str] = Counter()
    pub = Publisher(host, port)
    stream = messages(devices, seed=seed)
    started = time.monotonic()
    total = 0
    try:
        for serial, payload in stream:
            if stop is not None and stop.is_set():
                break
            if seconds is not None and time.monotonic() - started >= seconds:
                break
            if count is not None and sent["readings"] >= count:
                break
            if bad and rng.random() < bad:
                pub.publish(serial, broken_payload(rng, payload))
                sent["bad"] += 1
            else:
                body = json.dumps(payload).encode()
                pub.publish(serial, body)
                sent["readings"] += 1
                sent["events" if payload["type"] in EVENTS else "measurements"] += 1
                if duplicates and rng.random() < duplicates:
                    pub.publish(serial, body)
                    sent["duplicates"] += 1
            total = sent["readings"] + sent["bad"] + sent["duplicates"]
            # pace to ``rate`` messages a second overall (sleep off any lead over the schedule)
            ahead = total / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        pub.wait_acked(total)
    finally:
        pub.close()
    sent["devices"] = len(devices)
    sent["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    return sent
