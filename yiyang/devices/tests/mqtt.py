"""Helpers for tests against a real Mosquitto: the shared broker at 127.0.0.1:1883 (MQTT_HOST/PORT) and
private brokers a test starts, stops and restarts itself (with a persistence file, so a restart keeps
sessions and queued messages as a production broker does)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings
from django.db import OperationalError

T = TypeVar("T")


def retry_locked(read: Callable[[], T], timeout: float = 30.0) -> T:
    """Run a read while the worker thread writes. The SQLite test database lives in memory with a shared
    cache, where a reader meets "database table is locked" at once (the busy timeout does not apply to
    shared-cache table locks); the read is simply tried again. PostgreSQL never raises it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` if it never does (a guard against a hang,
    not a speed requirement)."""
    deadline = time.monotonic() + timeout
    while not retry_locked(check):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_shared_broker() -> tuple[str, int]:
    """The broker the deployment uses. Missing is a failure, never a skip: these tests are the only
    proof that ingestion works against a real broker."""
    host, port = settings.MQTT_HOST, int(settings.MQTT_PORT)
    if not port_open(host, port):
        pytest.fail(f"no MQTT broker at {host}:{port}: start Mosquitto (apt-get install mosquitto)")
    return host, port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateBroker:
    """A Mosquitto this test owns: ``start()``, ``stop()`` (SIGTERM: it saves its persistence file, as
    a broker being restarted does), ``start()`` again on the same port and file."""

    def __init__(self, workdir: Path) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(exe).exists():
            pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
        self.exe = exe
        self.port = free_port()
        self.dir = workdir
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "user root\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 0\n"
            f"log_dest file {workdir}/mosquitto.log\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "-c", str(self.conf)])  # noqa: S603
        wait_until(lambda: port_open("127.0.0.1", self.port), f"mosquitto on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None
