"""Ingestion through a real Mosquitto into PostgreSQL: the worker against a raw baseline, in one run.

    .venv/bin/python bench/devices_ingest.py [--messages 60000] [--elders 200] [--latency-rate 2000]

Starts a private Mosquitto (no persistence) on a free port. A publisher process sends simulated readings
(:mod:`yiyang.devices.services.simulate`) with QoS 1. Two consumers take the same messages, one after the
other, each a paho-mqtt client in this process with a network thread and a storing thread:

- *baseline*: an MQTT 5 subscriber with automatic acks that only ``COPY``s topic and payload into an
  unlogged table in batches (no parsing, no validation, no lookup, no unique key);
- *worker*: the ingestion worker itself (:class:`yiyang.devices.services.ingest.Worker`): manual acks
  after commit, pydantic validation, the device registry, ``INSERT … ON CONFLICT DO NOTHING RETURNING``
  into the partitioned table, ``last_seen_at``, the ``READING_STORED`` hooks (one here: it records the
  latency).

Phase 1 (throughput): the publisher sends ``--messages`` as fast as it can; timed from the first message
received to the last one stored. Phase 2 (latency): it sends at ``--latency-rate`` a second for
``--latency-seconds``; each message carries its publish time, and publish → committed is measured.
The section between the ``bench:devices-ingest`` markers of docs/benchmarks.md is rewritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yiyang_bench_devices")
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:devices-ingest:start -->", "<!-- bench:devices-ingest:end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\nmax_queued_messages 0\n"
        "max_inflight_messages 0\nlog_dest none\n"
    )
    proc = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)])  # noqa: S603
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("mosquitto did not start")


def publish(port: int, messages: list[tuple[str, dict]], rate: float | None, done: Any) -> None:
    """Child process: publish ``messages`` with QoS 1 (stamping ``ts`` at publish time), paced to
    ``rate`` a second or as fast as the broker takes them."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{os.getpid()}")
    client.max_inflight_messages_set(2000)
    acked = [0]
    client.on_publish = lambda *_a: acked.__setitem__(0, acked[0] + 1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.monotonic()
    for n, (serial, payload) in enumerate(messages):
        payload["ts"] = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        client.publish(f"yiyang/devices/{serial}/readings", json.dumps(payload), qos=1)
        if rate:
            ahead = (n + 1) / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    while acked[0] < len(messages):
        time.sleep(0.01)
    client.disconnect()
    client.loop_stop()
    done.set()


class RawCopy:
    """The baseline: subscribe, COPY (topic, payload, received) into an unlogged table, nothing else."""

    def __init__(self, port: int) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.q: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stored = 0
        self.latencies: list[float] = []
        self.stop = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id="bench-raw", protocol=mqtt.MQTTv5
        )
        self.client.on_connect = lambda c, *_a: c.subscribe("yiyang/devices/+/readings", qos=1)
        self.client.on_subscribe = lambda *_a: self.subscribed.set()
        self.client.on_message = lambda _c, _u, m: self.q.put((m.topic, m.payload))
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 0
        self.client.connect("127.0.0.1", port, clean_start=True, properties=props)
        self.client.loop_start()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        from django.db import connection

        with connection.cursor() as c:
            c.execute("DROP TABLE IF EXISTS bench_raw_readings")
            c.execute(
                "CREATE UNLOGGED TABLE bench_raw_readings (topic text, payload text, received timestamptz)"
            )
        while not self.stop.is_set():
            try:
                batch = [self.q.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < 500:
                try:
                    batch.append(self.q.get_nowait())
                except queue.Empty:
                    break
            now = dt.datetime.now(dt.UTC)
            with (
                connection.cursor() as c,
                c.cursor.copy("COPY bench_raw_readings (topic, payload, received) FROM STDIN") as copy,
            ):
                for topic, payload in batch:
                    copy.write_row((topic, payload.decode(), now))
            done = dt.datetime.now(dt.UTC)
            for _topic, payload in batch:
                # the publish time is in the payload; reading it is the benchmark's, not the baseline's work
                ts = payload[payload.find(b'"ts": "') + 7 :].split(b'"', 1)[0]
                self.latencies.append((done - dt.datetime.fromisoformat(ts.decode())).total_seconds())
            self.stored += len(batch)
        connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.client.disconnect()
        self.client.loop_stop()


def run_phase(consumer_kind: str, port: int, messages: list, rate: float | None) -> dict[str, Any]:
    from django.db import connections

    from yiyang.devices import hooks
    from yiyang.devices.services.ingest import Ingestor, Worker

    latencies: list[float] = []
    if consumer_kind == "baseline":
        consumer: Any = RawCopy(port)
        consumer.subscribed.wait(10)
        stored = lambda: consumer.stored  # noqa: E731
    else:

        def record(reading: Any) -> None:
            latencies.append((dt.datetime.now(dt.UTC) - reading.ts).total_seconds())

        hooks.READING_STORED.append(record)
        worker = Worker(
            host="127.0.0.1",
            port=port,
            client_id="bench-worker",
            stats_every=3600,
            stats_file=False,
            ingestor=Ingestor(last_seen_seconds=5),
            session_expiry=0,
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        worker.subscribed.wait(10)
        stored = lambda: worker.stats.stored + worker.stats.duplicates  # noqa: E731
    done = mp.get_context("fork").Event()
    connections.close_all()  # the child must not share the parent's database connection
    pub = mp.get_context("fork").Process(
        target=publish, args=(port, [(s, dict(p)) for s, p in messages], rate, done)
    )
    pub.start()
    while stored() == 0:
        time.sleep(0.001)
    first = time.monotonic()
    while stored() < len(messages):
        time.sleep(0.005)
    elapsed = time.monotonic() - first
    pub.join()
    if consumer_kind == "baseline":
        consumer.close()
        latencies = consumer.latencies
    else:
        worker.stop()
        thread.join()
        hooks.READING_STORED.remove(record)
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    return {
        "count": len(messages),
        "seconds": elapsed,
        "rate": len(messages) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000,
    }


def prepare(elders: int) -> list:
    from django.core.management import call_command
    from django.db import connection

    from yiyang.core import clock
    from yiyang.core.models import Elder
    from yiyang.devices.models import Reading
    from yiyang.devices.services.simulate import simulated_devices

    call_command("migrate", verbosity=0)
    if not Elder.objects.exists():
        from yiyang.core.demo import load_demo

        load_demo(elders=max(elders, 400), seed=7)
    with connection.cursor() as c:
        c.execute(f"TRUNCATE {Reading._meta.db_table}")
    return simulated_devices(elders, clock.today())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--elders", type=int, default=200)
    parser.add_argument("--latency-rate", type=float, default=2000.0)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from yiyang.devices.services.simulate import messages as stream

    load_before = os.getloadavg()
    devices = prepare(args.elders)
    gen = stream(devices, seed=11, events=0.002, abnormal=0.01)
    bulk = [next(gen) for _ in range(args.messages)]
    steady = [next(gen) for _ in range(int(args.latency_rate * args.latency_seconds))]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        broker, port = start_broker(Path(tmp))
        try:
            for kind in ("baseline", "worker"):
                results[f"{kind}_bulk"] = run_phase(kind, port, bulk, None)
                print(
                    kind,
                    "throughput",
                    {k: round(v, 1) for k, v in results[f"{kind}_bulk"].items()},
                    flush=True,
                )
            for kind in ("baseline", "worker"):
                # fresh message ids, so the worker stores them (not duplicates of phase 1)
                fresh = [(s, {**p, "id": f"{p['id']}-lat"}) for s, p in steady]
                results[f"{kind}_steady"] = run_phase(kind, port, fresh, args.latency_rate)
                print(
                    kind,
                    "latency",
                    {k: round(v, 1) for k, v in results[f"{kind}_steady"].items()},
                    flush=True,
                )
        finally:
            broker.send_signal(signal.SIGTERM)
            broker.wait()
    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
        c.execute("SELECT count(*) FROM devices_reading")
        rows = c.fetchone()[0]
        c.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'devices_reading'::regclass")
        parts = c.fetchone()[0]
        c.execute("DROP TABLE IF EXISTS bench_raw_readings")
    mosq = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout.splitlines()[0]  # noqa: S607
    load_after = os.getloadavg()

    def fmt(load: tuple[float, ...]) -> str:
        return ", ".join(f"{x:.1f}" for x in load)

    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPU ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, PostgreSQL {pg}, {mosq}",
        "load": f"{fmt(load_before)} before, {fmt(load_after)} after",
        "devices": len(devices),
        "rows": rows,
        "partitions": parts,
        **vars(args),
    }
    if not args.no_write:
        write_doc(results, info)
    print(json.dumps({"results": results, "info": info}, ensure_ascii=False, default=str))
    return 0


def write_doc(r: dict[str, Any], info: dict[str, Any]) -> None:
    b, w = r["baseline_bulk"], r["worker_bulk"]
    bs, ws = r["baseline_steady"], r["worker_steady"]
    goal_rate = w["rate"] >= 5000
    goal_p99 = ws["p99_ms"] <= 1000
    lines = [
        BEGIN,
        "## Device readings ingestion through Mosquitto (`bench/devices_ingest.py`)",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {info['machine']}",
        f"- Load average {info['load']} (anything else on the 2 cores makes absolute rates noisy;",
        "  the baseline ran in the same run on the same messages).",
        f"- Data: {info['devices']} simulated devices of {info['elders']} demo elders; heart rate, SpO₂,",
        "  temperature, blood pressure, glucose and occasional events; the readings table partitioned by "
        f"month ({info['partitions']} partitions, {info['rows']:,} rows at the end).",
        "",
        "| consumer | throughput: messages | readings/s | ÷ baseline | steady "
        f"{info['latency_rate']:.0f}/s: p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| baseline: subscribe + `COPY` raw payloads (no parsing, checks or keys) | {b['count']:,} | "
        f"{b['rate']:,.0f} | 1.00 | {bs['p50_ms']:.0f} | {bs['p99_ms']:.0f} | {bs['max_ms']:.0f} |",
        f"| ingestion worker (validate, registry, `INSERT … ON CONFLICT DO NOTHING RETURNING`, ack after "
        f"commit, hooks) | {w['count']:,} | {w['rate']:,.0f} | {w['rate'] / b['rate']:.2f} | "
        f"{ws['p50_ms']:.0f} | {ws['p99_ms']:.0f} | {ws['max_ms']:.0f} |",
        "",
        "Throughput is timed from the first message received to the last one committed while the publisher "
        "(another process) sends as fast as the broker acknowledges. Latency is publish → committed "
        "(the publish time travels in the payload), with the publisher paced at the rate in the table "
        "header; a rate above the worker's throughput measures a growing queue, not latency. "
        "One worker process: paho's network thread and one storing thread sharing a Python interpreter. "
        "Rules on: every stored reading runs through the alert rules (`devices.rules.evaluate`, the first "
        "`READING_STORED` hook) before the hook that records the latency.",
        "",
        f"Issue 17 goals: ≥ 5,000 readings/s — {'met' if goal_rate else '**not met**'} "
        f"({w['rate']:,.0f}/s); p99 ≤ 1 s — {'met' if goal_p99 else '**not met**'} "
        f"({ws['p99_ms']:.0f} ms, publish → stored → rules evaluated).",
        "",
        END,
    ]
    text = DOC.read_text()
    block = "\n".join(lines)
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
