"""The ingestion worker against a real Mosquitto: what a device publishes is stored once, against the
elder its device is bound to, and nothing a device sends or a broker restart does loses a reading or
stops the worker.

The worker runs in a thread of the test with a client id of its own; readings are read back from the
database it commits to.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from yiyang.core import clock
from yiyang.core.models import Elder
from yiyang.devices import hooks
from yiyang.devices.models import Device, Reading
from yiyang.devices.models.alerts import Alert
from yiyang.devices.services.ingest import Ingestor, Worker
from yiyang.monitoring.models import RecomputeMark

from .mqtt import PrivateBroker, require_shared_broker, retry_locked, wait_until

pytestmark = pytest.mark.usefixtures("demo_live")


@pytest.fixture
def elder() -> Elder:
    return Elder.objects.filter(status="active", residence_institution__isnull=False).order_by("pk")[0]


def make_device(elder: Elder | None, **extra: Any) -> Device:
    today = clock.today()
    fields: dict[str, Any] = {
        "serial": f"T-{uuid.uuid4().hex[:10]}",
        "kind": "wristband",
        "elder": elder,
        "institution": elder.residence_institution if elder else None,
        "active_from": today - dt.timedelta(days=30),
    }
    fields.update(extra)
    return Device.objects.create(**fields)


def payload(n: int, type_: str = "heart_rate", value: Any = 72, ts: dt.datetime | None = None) -> bytes:
    return json.dumps(
        {"id": f"m{n}", "ts": (ts or clock.now()).isoformat(), "type": type_, "value": value}
    ).encode()


class Publisher:
    def __init__(self, host: str, port: int) -> None:
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}"
        )
        self.client.max_inflight_messages_set(1000)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.connect_async(host, port)
        self.client.loop_start()

    def send(self, serial: str, body: bytes) -> mqtt.MQTTMessageInfo:
        return self.client.publish(f"yiyang/devices/{serial}/readings", body, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start_worker(host: str, port: int, session_expiry: int = 300) -> tuple[Worker, threading.Thread]:
    worker = Worker(
        host=host,
        port=port,
        session_expiry=session_expiry,
        client_id=f"test-ingest-{uuid.uuid4().hex[:8]}",
        stats_every=3600,
        stats_file=False,
        ingestor=Ingestor(cache_seconds=0, last_seen_seconds=0),
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_until(worker.subscribed.is_set, "the worker's subscription")
    return worker, thread


@pytest.fixture
def shared() -> Iterator[tuple[Worker, Publisher]]:
    host, port = require_shared_broker()
    # the session is this test's alone: the shared broker forgets it a few seconds after the test
    worker, thread = start_worker(host, port, session_expiry=5)
    pub = Publisher(host, port)
    yield worker, pub
    pub.close()
    worker.stop()
    thread.join(timeout=30)


def rejections(worker: Worker, serial: str) -> list[str]:
    """Why the worker rejected messages on this device's topic (other publishers share the broker)."""
    return sorted(reason for reason, topic, _detail in worker.stats.recent if f"/{serial}/" in topic)


def test_a_published_reading_is_stored_against_the_bound_elder_and_evaluated(shared, elder) -> None:
    _worker, pub = shared
    device = make_device(elder)
    seen: list[Reading] = []
    hooks.READING_STORED.append(seen.append)
    try:
        pub.send(device.serial, payload(1, "heart_rate", 118))
        pub.send(device.serial, payload(2, "bp", {"sys": 168, "dia": 96}))
        pub.send(device.serial, payload(3, "fall", True))
        wait_until(lambda: Reading.objects.filter(device=device).count() == 3, "three readings stored")
        wait_until(lambda: len(seen) == 3, "every hook ran for the three readings")
    finally:
        hooks.READING_STORED.remove(seen.append)
    rows = retry_locked(lambda: {r.type: r for r in Reading.objects.filter(device=device)})
    assert {r.elder_id for r in rows.values()} == {elder.pk}
    assert rows["heart_rate"].value == 118
    assert rows["bp"].value == {"sys": 168, "dia": 96}
    assert rows["fall"].value is True
    # the rules hook saw each new reading once, with its elder
    assert sorted(r.message_id for r in seen) == ["m1", "m2", "m3"]
    assert {r.elder_id for r in seen} == {elder.pk}
    device.refresh_from_db()
    assert device.last_seen_at is not None
    # publish → stored → alert: the fall opened an alert for the elder through the rules hook
    wait_until(lambda: Alert.objects.filter(elder=elder, kind="fall").exists(), "the fall alert")
    # readings never reach the indicator recompute outbox
    assert not RecomputeMark.objects.filter(source__startswith="devices").exists()


def test_a_redelivered_message_is_stored_once(shared, elder) -> None:
    worker, pub = shared
    device = make_device(elder)
    body = payload(7, "spo2", 96)
    pub.send(device.serial, body)
    pub.send(device.serial, body)
    pub.send(device.serial, payload(8, "spo2", 97))
    wait_until(lambda: Reading.objects.filter(device=device).count() == 2, "two readings")
    wait_until(lambda: worker.stats.duplicates >= 1, "the second delivery counted as a duplicate")
    stored = retry_locked(
        lambda: sorted(Reading.objects.filter(device=device).values_list("message_id", flat=True))
    )
    assert stored == ["m7", "m8"]


def test_a_bad_payload_is_logged_with_its_reason_and_the_worker_goes_on(shared, elder, caplog) -> None:
    worker, pub = shared
    device = make_device(elder)
    with caplog.at_level(logging.WARNING, logger="yiyang.devices.ingest"):
        pub.send(device.serial, b"{not json")
        pub.send(device.serial, payload(1, "bp", 150))  # bp must be {"sys", "dia"}
        pub.send(device.serial, payload(2, "spo2", 140))  # out of range
        pub.send(device.serial, payload(3, "heart_rate", 80))
        wait_until(
            lambda: Reading.objects.filter(device=device).exists(), "the good reading after the bad ones"
        )
    assert rejections(worker, device.serial) == ["bad_json", "invalid_payload", "invalid_payload"]
    assert retry_locked(lambda: Reading.objects.filter(device=device).get().message_id) == "m3"
    assert "bad_json" in caplog.text
    assert "value of bp must be" in caplog.text
    assert "spo2 out of range: 140" in caplog.text
    assert not worker.stopping.is_set()


def test_unknown_unbound_and_inactive_devices_are_rejected_never_stored(shared, elder) -> None:
    worker, pub = shared
    today = clock.today()
    place_only = make_device(None, institution=elder.residence_institution, place="")  # bound to nothing
    ended = make_device(elder, active_to=today - dt.timedelta(days=2))
    good = make_device(elder)
    unknown = f"NOT-REGISTERED-{uuid.uuid4().hex[:6]}"
    pub.send(unknown, payload(1))
    pub.send(place_only.serial, payload(2))
    pub.send(ended.serial, payload(3))
    pub.send(good.serial, payload(4))
    wait_until(lambda: Reading.objects.filter(device=good).exists(), "the bound device's reading")
    assert rejections(worker, unknown) == ["unknown_device"]
    assert rejections(worker, place_only.serial) == ["unbound_device"]
    assert rejections(worker, ended.serial) == ["inactive_device"]
    assert worker.stats.rejected["unknown_device"] >= 1
    assert not retry_locked(lambda: Reading.objects.filter(device__in=[place_only, ended]).exists())


def test_no_reading_is_lost_when_the_broker_restarts_during_a_stream(tmp_path, elder) -> None:
    broker = PrivateBroker(tmp_path)
    broker.start()
    device = make_device(elder)
    worker, thread = start_worker("127.0.0.1", broker.port)
    pub = Publisher("127.0.0.1", broker.port)
    total = 600
    try:
        for n in range(total):
            if n == total // 3:
                wait_until(lambda: worker.stats.stored > 0, "readings flowing before the restart")
                broker.stop()  # the broker goes away mid-stream: both clients lose it
            if n == 2 * total // 3:
                broker.start()  # back on the same port and persistence file
            info = pub.send(device.serial, payload(n, "heart_rate", 60 + n % 40))
            assert info.rc in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN)  # queued while away
        wait_until(
            lambda: Reading.objects.filter(device=device).count() == total,
            f"all {total} readings",
            timeout=120,
        )
        ids = retry_locked(
            lambda: set(Reading.objects.filter(device=device).values_list("message_id", flat=True))
        )
        assert ids == {f"m{n}" for n in range(total)}
        assert thread.is_alive()
    finally:
        pub.close()
        worker.stop()
        thread.join(timeout=30)
        broker.stop()
