"""How a batch of messages becomes readings, without the broker: the rules the worker applies to every
message (the MQTT tests prove the same through Mosquitto), and the monthly partitions on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from yiyang.core import clock
from yiyang.core.models import Elder
from yiyang.devices.models import Device, Reading
from yiyang.devices.services import partitions
from yiyang.devices.services.ingest import Ingestor, Message
from yiyang.monitoring.models import RecomputeMark

pytestmark = pytest.mark.usefixtures("demo_db")


@pytest.fixture
def device(today) -> Device:
    elder = Elder.objects.filter(residence_institution__isnull=False, status="active").order_by("pk")[0]
    return Device.objects.create(
        serial="UNIT-0001",
        kind="wristband",
        elder=elder,
        institution=elder.residence_institution,
        active_from=today - dt.timedelta(days=400),
    )


def msg(serial: str, mid: str, ts: dt.datetime, type_: str = "heart_rate", value: Any = 70) -> Message:
    body = {"id": mid, "ts": ts.isoformat(), "type": type_, "value": value}
    return Message(f"yiyang/devices/{serial}/readings", json.dumps(body).encode())


def test_a_batch_stores_each_message_once_and_counts_the_rest(device) -> None:
    now = clock.now()
    ing = Ingestor()
    marks = RecomputeMark.objects.count()
    stored = ing.handle(
        [
            msg(device.serial, "a", now),
            msg(device.serial, "a", now),  # the same message twice in one batch
            msg(device.serial, "b", now, "bp", {"sys": 150, "dia": 90}),
            msg(device.serial, "c", now + dt.timedelta(days=3)),  # the device's clock is days ahead
            msg(device.serial, "d", now, "temperature", 52),  # no living body is at 52 °C
            Message("yiyang/devices/readings", b"{}"),
        ]
    )
    assert sorted(r.message_id for r in stored) == ["a", "b"]
    again = ing.handle([msg(device.serial, "b", now, "bp", {"sys": 150, "dia": 90})])
    assert again == []
    assert ing.stats.stored == 2 and ing.stats.duplicates == 2
    assert ing.stats.rejected == {"ts_in_future": 1, "invalid_payload": 1, "bad_topic": 1}
    assert Reading.objects.filter(device=device).count() == 2
    assert RecomputeMark.objects.count() == marks


def test_a_device_ended_yesterday_is_rejected_today(device, today) -> None:
    device.active_to = today - dt.timedelta(days=1)
    device.save()
    ing = Ingestor()
    assert ing.handle([msg(device.serial, "x", clock.now())]) == []
    # a reading it took before it was ended is still accepted (a device uploading its backlog)
    earlier = clock.now() - dt.timedelta(days=2)
    assert len(ing.handle([msg(device.serial, "y", earlier)])) == 1
    assert ing.stats.rejected == {"inactive_device": 1}


def test_readings_older_than_the_retention_are_rejected_and_deleted(device, today) -> None:
    with override_settings(DEVICES_READING_RETENTION_MONTHS=2):
        old = clock.now() - dt.timedelta(days=100)
        ing = Ingestor()
        assert ing.handle([msg(device.serial, "old", old)]) == []
        assert ing.stats.rejected == {"ts_too_old": 1}
        if not partitions.is_partitioned():
            Reading.objects.create(
                device=device, elder=device.elder, message_id="legacy", ts=old, type="spo2", value=97
            )
            result = partitions.maintain(today)
            assert isinstance(result["deleted"], int) and result["deleted"] >= 1
            assert not Reading.objects.filter(message_id="legacy").exists()


@pytest.mark.postgresql
def test_the_partitioned_table_takes_two_months_and_keeps_its_unique_key(device, today) -> None:
    assert partitions.is_partitioned()
    this_month = dt.datetime.combine(today.replace(day=1), dt.time(9), tzinfo=clock.zone())
    last_month = this_month - dt.timedelta(days=20)
    ing = Ingestor()
    stored = ing.handle([msg(device.serial, "p1", this_month), msg(device.serial, "p2", last_month)])
    assert len(stored) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM devices_reading WHERE device_id = %s ORDER BY ts",
            [device.pk],
        )
        where = [row[0] for row in cursor.fetchall()]
    assert where == [
        partitions.partition_name(last_month.date()),
        partitions.partition_name(this_month.date()),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Reading.objects.create(
            device=device, elder=device.elder, message_id="p1", ts=this_month, type="heart_rate", value=1
        )
    assert ing.handle([msg(device.serial, "p2", last_month)]) == []


@pytest.mark.postgresql
def test_the_daily_job_makes_next_months_partitions_and_drops_expired_ones(today) -> None:
    ahead = partitions._month(today, partitions.MONTHS_AHEAD)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partitions.partition_name(ahead)}")
    old = partitions._month(today, -30)
    partitions.ensure_partitions(old, old)
    with override_settings(DEVICES_READING_RETENTION_MONTHS=13):
        result = partitions.maintain(today)
    created, dropped = result["created"], result["dropped"]
    assert isinstance(created, list) and isinstance(dropped, list)
    assert partitions.partition_name(ahead) in created
    assert partitions.partition_name(old) in dropped
    have = partitions.existing_partitions()
    assert ahead in have and old not in have and partitions._month(today) in have
