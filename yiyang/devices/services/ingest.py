"""The ingestion worker: MQTT messages from devices in, readings stored once, rules evaluated.

Devices publish to ``yiyang/devices/<serial>/readings`` with QoS 1 a JSON payload
``{"id": "<message id>", "ts": "<ISO 8601>", "type": "<reading type>", "value": …}``.

Delivery is at least once, end to end: the worker subscribes with a persistent session (a fixed client
id, MQTT 5 ``clean_start=False`` with a session expiry) and acknowledges a message only after its batch
is committed (paho's manual acks), so a message the broker handed over before a crash or a restart of
either side is handed over again, and the unique key ``(device, message_id, ts)`` makes that second
delivery a no-op
(``INSERT … ON CONFLICT DO NOTHING RETURNING``: only rows really inserted come back, so duplicates are
counted and evaluate no rule twice).

A message is rejected, logged with its reason and counted, never stored against a wrong elder, when
its payload is not valid JSON or not a valid reading, its device is unknown, bound to nobody, or not
active on the reading's day, or its time lies outside what the table keeps. Nothing a device sends
stops the worker; a database outage holds the batch (unacknowledged) and retries it.

Readings are written with raw SQL, not through the ORM's save(): no model signal fires, so the
indicator recompute outbox (yiyang.monitoring.signals) never sees a reading.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yiyang.core import clock

from .. import hooks
from ..models import Device, Reading

logger = logging.getLogger("yiyang.devices.ingest")

TOPIC = "yiyang/devices/+/readings"
EVENT_TYPES = frozenset({"sos", "fall", "leave_bed", "no_motion", "smoke", "door"})
#: plausible ranges of what a sensor can report (anything outside is a broken sensor or payload)
RANGES: dict[str, tuple[float, float]] = {
    "heart_rate": (0, 300),  # beats per minute
    "spo2": (0, 100),  # %
    "glucose": (0, 50),  # mmol/L
    "temperature": (25, 45),  # °C
    "bp": (0, 300),  # mmHg, both numbers
}
#: how long the broker keeps the worker's session (subscription and queued messages) while it is away
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
#: a device clock this far ahead of ours is wrong, not early
FUTURE_TOLERANCE = dt.timedelta(days=1)


class BloodPressure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sys: float
    dia: float


class Payload(BaseModel):
    """What a device publishes; validated with pydantic (types, ranges, the value's shape per type)."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=64)
    ts: dt.datetime
    type: Literal[
        "heart_rate",
        "spo2",
        "bp",
        "glucose",
        "temperature",
        "sos",
        "fall",
        "leave_bed",
        "no_motion",
        "smoke",
        "door",
    ]
    value: Any = None

    @field_validator("ts")
    @classmethod
    def _aware(cls, ts: dt.datetime) -> dt.datetime:
        # a device without a time zone reports Beijing time
        return ts if ts.tzinfo is not None else ts.replace(tzinfo=clock.zone())

    @model_validator(mode="after")
    def _value_fits_type(self) -> Payload:
        if self.type in EVENT_TYPES:
            if self.value is None:
                self.value = True
            if not isinstance(self.value, bool):
                raise ValueError(f"value of an event ({self.type}) must be true or false")
            return self
        low, high = RANGES[self.type]
        if self.type == "bp":
            if not isinstance(self.value, dict):
                raise ValueError('value of bp must be {"sys": …, "dia": …}')
            bp = BloodPressure.model_validate(self.value)
            if not (low <= bp.dia <= bp.sys <= high):
                raise ValueError(f"bp out of range: {bp.sys}/{bp.dia}")
            self.value = {"sys": bp.sys, "dia": bp.dia}
            return self
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise ValueError(f"value of {self.type} must be a number")
        if not low <= self.value <= high:
            raise ValueError(f"{self.type} out of range: {self.value}")
        return self


@dataclass
class Message:
    """One message as the broker delivered it; ``ack`` tells the broker it is done with."""

    topic: str
    payload: bytes
    ack: Callable[[], None] = lambda: None


@dataclass
class Stats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    hook_errors: int = 0
    #: the last rejections: (reason, topic, detail)
    recent: deque[tuple[str, str, str]] = field(default_factory=lambda: deque(maxlen=100))
    started_at: str = field(default_factory=lambda: clock.now().isoformat())

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": dict(sorted(self.rejected.items())),
            "hook_errors": self.hook_errors,
            "recent_rejections": [list(r) for r in list(self.recent)[-10:]],
            "started_at": self.started_at,
            "updated_at": clock.now().isoformat(),
        }

    def line(self) -> str:
        rejected = ", ".join(f"{k}={v}" for k, v in sorted(self.rejected.items())) or "0"
        return (
            f"received={self.received} stored={self.stored} duplicates={self.duplicates} "
            f"rejected: {rejected} hook_errors={self.hook_errors}"
        )


@dataclass(frozen=True)
class _Binding:
    device_id: int
    elder_id: int | None
    bound: bool
    active_from: dt.date
    active_to: dt.date | None


def serial_of(topic: str) -> str | None:
    parts = topic.split("/")
    if len(parts) != 4 or parts[:2] != ["yiyang", "devices"] or parts[3] != "readings" or not parts[2]:
        return None
    return parts[2]


def retention_start(today: dt.date) -> dt.date:
    """The first day the readings table keeps: the first of the month ``DEVICES_READING_RETENTION_MONTHS``
    months back (older partitions are dropped, older rows deleted)."""
    months = int(settings.DEVICES_READING_RETENTION_MONTHS)
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


class Ingestor:
    """Turns a batch of messages into stored readings; no MQTT here (tests and the benchmark feed it)."""

    def __init__(self, *, cache_seconds: float = 30.0, last_seen_seconds: float = 5.0) -> None:
        self.stats = Stats()
        self.cache_seconds = cache_seconds
        self.last_seen_seconds = last_seen_seconds
        self._cache: dict[str, tuple[float, _Binding | None]] = {}
        self._last_seen: dict[int, dt.datetime] = {}
        self._last_seen_flushed = time.monotonic()

    # -- devices ------------------------------------------------------------------------------------
    def _bindings(self, serials: Iterable[str]) -> dict[str, _Binding | None]:
        now = time.monotonic()
        out: dict[str, _Binding | None] = {}
        missing = []
        for s in set(serials):
            hit = self._cache.get(s)
            if hit is not None and now - hit[0] < self.cache_seconds:
                out[s] = hit[1]
            else:
                missing.append(s)
        if missing:
            found = {
                d.serial: _Binding(d.pk, d.elder_id, bool(d.elder_id or d.place), d.active_from, d.active_to)
                for d in Device.objects.filter(serial__in=missing).only(
                    "pk", "serial", "elder_id", "place", "active_from", "active_to"
                )
            }
            for s in missing:
                out[s] = found.get(s)
                self._cache[s] = (now, out[s])
        return out

    def forget_devices(self) -> None:
        """Read the registry afresh on the next message (after a device is registered or ended)."""
        self._cache.clear()

    # -- a batch ------------------------------------------------------------------------------------
    def _reject(self, reason: str, topic: str, detail: str) -> None:
        self.stats.rejected[reason] += 1
        self.stats.recent.append((reason, topic, detail[:300]))
        logger.warning("devices: rejected %s on %s: %s", reason, topic, detail[:300])

    def handle(self, messages: list[Message]) -> list[Reading]:
        """Validate and store ``messages``; return the readings newly stored (hooks already run)."""
        self.stats.received += len(messages)
        parsed: list[tuple[Message, str, Payload]] = []
        for m in messages:
            serial = serial_of(m.topic)
            if serial is None:
                self._reject("bad_topic", m.topic, "not yiyang/devices/<serial>/readings")
                continue
            try:
                data = json.loads(m.payload)
            except (ValueError, UnicodeDecodeError) as exc:
                self._reject("bad_json", m.topic, str(exc))
                continue
            try:
                parsed.append((m, serial, Payload.model_validate(data)))
            except ValidationError as exc:
                errors = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in exc.errors()
                )
                self._reject("invalid_payload", m.topic, errors)
        if not parsed:
            return []
        bindings = self._bindings(s for _m, s, _p in parsed)
        today = clock.today()
        oldest = retention_start(today)
        latest = clock.now() + FUTURE_TOLERANCE
        rows: list[tuple[_Binding, Payload]] = []
        for m, serial, p in parsed:
            b = bindings.get(serial)
            day = clock.local_date(p.ts)
            if b is None:
                self._reject("unknown_device", m.topic, f"serial {serial} is not registered")
            elif not b.bound:
                self._reject("unbound_device", m.topic, f"serial {serial} is bound to no elder or place")
            elif day < b.active_from or (b.active_to is not None and day > b.active_to):
                self._reject("inactive_device", m.topic, f"serial {serial} is not active on {day}")
            elif p.ts > latest:
                self._reject("ts_in_future", m.topic, f"ts {p.ts.isoformat()} is ahead of the server clock")
            elif day < oldest:
                self._reject(
                    "ts_too_old", m.topic, f"ts {p.ts.isoformat()} is older than the retention ({oldest})"
                )
            else:
                rows.append((b, p))
        stored = self._store(rows) if rows else []
        self.stats.stored += len(stored)
        self.stats.duplicates += len(rows) - len(stored)
        for b, p in rows:
            seen = self._last_seen.get(b.device_id)
            if seen is None or p.ts > seen:
                self._last_seen[b.device_id] = p.ts
        if time.monotonic() - self._last_seen_flushed >= self.last_seen_seconds:
            self.flush_last_seen()
        for reading in stored:
            for hook in hooks.READING_STORED:
                try:
                    hook(reading)
                except Exception:
                    self.stats.hook_errors += 1
                    logger.exception("devices: hook %r failed on reading %s", hook, reading.pk)
        return stored

    def _store(self, rows: list[tuple[_Binding, Payload]]) -> list[Reading]:
        """Insert ``rows`` in one statement; a conflict with the unique key is skipped. If the statement
        fails as a whole (one row the table cannot take), each row is tried alone and only the ones
        that fail are rejected (``store_error``)."""
        try:
            with transaction.atomic():
                return self._insert(rows)
        except (OperationalError, InterfaceError):
            raise  # the database is away: the caller retries the batch
        except DatabaseError:
            logger.exception("devices: batch insert failed, storing one by one")
        stored = []
        for row in rows:
            try:
                with transaction.atomic():
                    stored.extend(self._insert([row]))
            except (OperationalError, InterfaceError):
                raise
            except DatabaseError as exc:
                self._reject("store_error", f"device {row[0].device_id}", f"{row[1].id}: {exc}")
        return stored

    def _insert(self, rows: list[tuple[_Binding, Payload]]) -> list[Reading]:
        # Django's bulk_create(ignore_conflicts=True) cannot say which rows were inserted; RETURNING can
        # (PostgreSQL, SQLite ≥ 3.35).
        received = clock.now()
        table = Reading._meta.db_table
        returning = "ON CONFLICT DO NOTHING RETURNING id, device_id, message_id, ts"
        columns = "(device_id, elder_id, message_id, ts, type, value, received_at)"
        if connection.vendor == "postgresql":
            # one array per column: the statement's text stays the same whatever the batch size, so
            # the driver does not re-scan a query with thousands of placeholders on every batch
            sql = (
                f"INSERT INTO {table} {columns} SELECT d, e, m, t, y, v::jsonb, %s FROM unnest("  # noqa: S608
                f"%s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[], %s::text[], %s::text[]"
                f") AS u(d, e, m, t, y, v) {returning}"
            )
            params: list[Any] = [
                received,
                [b.device_id for b, _p in rows],
                [b.elder_id for b, _p in rows],
                [p.id for _b, p in rows],
                [p.ts for _b, p in rows],
                [p.type for _b, p in rows],
                [json.dumps(p.value) for _b, p in rows],
            ]
        else:
            ops = connection.ops
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
            params = []
            for b, p in rows:
                params += [
                    b.device_id,
                    b.elder_id,
                    p.id,
                    ops.adapt_datetimefield_value(p.ts),
                    p.type,
                    json.dumps(p.value),
                    ops.adapt_datetimefield_value(received),
                ]
            sql = f"INSERT INTO {table} {columns} VALUES {values} {returning}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.fetchall()
        by_key = {(b.device_id, p.id, p.ts): (b, p) for b, p in rows}
        by_id = {(b.device_id, p.id): (b, p) for b, p in rows}
        out = []
        for pk, device_id, message_id, ts in inserted:
            if isinstance(ts, dt.datetime):
                b, p = by_key.get((device_id, message_id, ts)) or by_id[(device_id, message_id)]
            else:  # SQLite hands back text
                b, p = by_id[(device_id, message_id)]
            out.append(
                Reading(
                    pk=pk,
                    device_id=device_id,
                    elder_id=b.elder_id,
                    message_id=message_id,
                    ts=p.ts,
                    type=p.type,
                    value=p.value,
                    received_at=received,
                )
            )
        return out

    def flush_last_seen(self) -> None:
        """Move each device's ``last_seen_at`` forward (throttled: one UPDATE per device every few
        seconds, not one per reading)."""
        pending, self._last_seen = self._last_seen, {}
        self._last_seen_flushed = time.monotonic()
        if not pending:
            return
        if connection.vendor == "postgresql":
            # one statement for every device (hundreds of single-row UPDATEs would stall the batch loop)
            table = Device._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS d SET last_seen_at = u.ts "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::timestamptz[]) AS u(id, ts) "
                    "WHERE d.id = u.id AND (d.last_seen_at IS NULL OR d.last_seen_at < u.ts)",
                    [list(pending), list(pending.values())],
                )
            return
        for device_id, ts in pending.items():
            Device.objects.filter(pk=device_id).exclude(last_seen_at__gte=ts).update(last_seen_at=ts)


def stats_path(client_id: str) -> Path:
    return Path(settings.VAR_DIR) / f"devices-ingest-{client_id}.json"


class Worker:
    """The MQTT side: a paho-mqtt 2.x client with a persistent session, messages queued by paho's
    network thread and stored in batches by :meth:`run`'s thread, acknowledged after commit."""

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        client_id: str | None = None,
        batch_size: int = 500,
        batch_wait: float = 0.05,
        stats_every: float = 30.0,
        session_expiry: int = SESSION_EXPIRY_SECONDS,
        stats_file: bool = True,
        ingestor: Ingestor | None = None,
    ) -> None:
        import paho.mqtt.client as mqtt

        self.host = host or settings.MQTT_HOST
        self.port = int(port or settings.MQTT_PORT)
        self.client_id = client_id or settings.MQTT_CLIENT_ID
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.stats_every = stats_every
        self.session_expiry = session_expiry
        #: write var/devices-ingest-<client id>.json for `manage.py devices stats` (off in tests)
        self.stats_file = stats_file
        self.ingestor = ingestor or Ingestor()
        self.queue: queue.Queue[Message] = queue.Queue()
        self.connected = threading.Event()
        #: set once the broker confirmed the subscription (from then on nothing published is missed)
        self.subscribed = threading.Event()
        self.stopping = threading.Event()
        # MQTT 5: a persistent session (clean_start False, kept for a week while the worker is away), and
        # the default Receive Maximum (65535), so the broker keeps many messages in flight while a batch
        # is being stored (an MQTT 3.1.1 client gets Mosquitto's max_inflight_messages, 20).
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if settings.MQTT_USERNAME:
            self.client.username_pw_set(settings.MQTT_USERNAME, settings.MQTT_PASSWORD or None)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.max_inflight_messages_set(1000)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_a: self.subscribed.set()
        self.client.on_connect_fail = lambda *_a: logger.warning(
            "devices: cannot reach the MQTT broker at %s:%s; retrying", self.host, self.port
        )

    @property
    def stats(self) -> Stats:
        return self.ingestor.stats

    def _on_connect(self, client: Any, _userdata: Any, flags: Any, reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            logger.warning(
                "devices: broker %s:%s refused the connection: %s", self.host, self.port, reason_code
            )
            return
        client.subscribe(TOPIC, qos=1)
        self.connected.set()
        logger.info(
            "devices: connected to %s:%s as %s (session present: %s)",
            self.host,
            self.port,
            self.client_id,
            flags.session_present,
        )

    def _on_disconnect(
        self, _client: Any, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning(
                "devices: lost the broker %s:%s (%s); reconnecting", self.host, self.port, reason_code
            )

    def _on_message(self, client: Any, _userdata: Any, msg: Any) -> None:
        mid, qos = msg.mid, msg.qos
        self.queue.put(Message(msg.topic, msg.payload, lambda: client.ack(mid, qos)))

    def start(self) -> None:
        """Connect in the background; paho retries while the broker is down (nothing raises here)."""
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def _take(self) -> list[Message]:
        try:
            batch = [self.queue.get(timeout=0.5)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            left = deadline - time.monotonic()
            try:
                batch.append(self.queue.get(timeout=max(left, 0)) if left > 0 else self.queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write_stats(self) -> None:
        logger.info("devices: %s", self.stats.line())
        if not self.stats_file:
            return
        try:
            path = stats_path(self.client_id)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(
                json.dumps({"client_id": self.client_id, "pid": os.getpid(), **self.stats.as_dict()})
            )
            tmp.replace(path)
        except OSError:
            logger.exception("devices: could not write the stats file")

    def run(self) -> None:
        """Store what arrives until :meth:`stop`; never raises on what a device sends."""
        self.start()
        last_stats = time.monotonic()
        try:
            while not self.stopping.is_set():
                batch = self._take()
                if batch:
                    self._process(batch)
                if time.monotonic() - last_stats >= self.stats_every:
                    self.ingestor.flush_last_seen()
                    self._write_stats()
                    last_stats = time.monotonic()
        finally:
            try:
                self.ingestor.flush_last_seen()
            except DatabaseError:
                logger.exception("devices: could not record last_seen_at")
            self._write_stats()
            self.client.disconnect()
            self.client.loop_stop()
            from django.db import connections

            connections.close_all()

    def _process(self, batch: list[Message]) -> None:
        delay = 1.0
        while True:
            try:
                self.ingestor.handle(batch)
                break
            except (OperationalError, InterfaceError):
                # the database is away: keep the batch unacknowledged and try again
                logger.exception("devices: database unavailable, retrying in %.0f s", delay)
                close_old_connections()
                if self.stopping.wait(delay):
                    return
                delay = min(delay * 2, 30)
                self.ingestor.stats.received -= len(batch)
            except Exception:
                # a bug must not stop the worker; the messages are acknowledged (not redelivered forever)
                logger.exception("devices: batch of %s messages failed", len(batch))
                self.ingestor.stats.rejected["worker_error"] += len(batch)
                break
        for m in batch:
            try:
                m.ack()
            except Exception:
                logger.debug("devices: ack failed", exc_info=True)


def run_in_thread(**kwargs: Any) -> tuple[Worker, threading.Thread]:
    """Start a worker in a daemon thread (``manage.py runserver`` in the demo, tests)."""
    worker = Worker(**kwargs)
    thread = threading.Thread(target=worker.run, name="devices-ingest", daemon=True)
    thread.start()
    return worker, thread
