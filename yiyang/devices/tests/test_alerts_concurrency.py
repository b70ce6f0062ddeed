"""Storm control under concurrency: ten workers storing the same elder's SOS at the same instant end
with one open alert counted ten times (the partial unique index on the open alert's key turns the
losers' inserts into counted repeats), never ten alerts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

RACERS = 10


# Deselected on SQLite (root conftest); CI's PostgreSQL pass runs it, and fails it if PostgreSQL is down.
@pytest.mark.postgresql
def test_ten_workers_racing_on_one_alert_leave_one_alert_counted_ten(demo_live):
    assert connection.vendor == "postgresql"
    from yiyang.core import clock
    from yiyang.core.models import Elder, Institution
    from yiyang.devices.models import Alert
    from yiyang.devices.services.alerts import raise_alert

    from .alerts_helpers import make_device

    home = Institution.objects.get(name="江口县社会福利院")
    elder = Elder.objects.filter(residence_institution=home, alerts__isnull=True).order_by("pk").first()
    device = make_device(elder, home)
    barrier = threading.Barrier(RACERS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def race() -> None:
        try:
            barrier.wait(timeout=30)
            alert = raise_alert(kind="sos", severity="critical", at=clock.now(), elder=elder, device=device)
            result: object = ("ok", alert.pk)
        except Exception as exc:
            result = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert len(outcomes) == RACERS and all(o[0] == "ok" for o in outcomes), outcomes
    [alert] = Alert.objects.filter(elder=elder, kind="sos")
    assert alert.count == RACERS
    assert {o[1] for o in outcomes} == {alert.pk}  # type: ignore[index]
    assert alert.status == "notified"
