"""On PostgreSQL, turn devices_reading into a table partitioned by month on ``ts``.

The model and Django's migration state are unchanged: the same columns, the unique key
``devices_reading_once (device_id, message_id, ts)`` and the same indexes (created on the parent, so each
partition has them). The primary key becomes ``(id, ts)``, since every unique key of a partitioned table
must contain the partition key; ``id`` still comes from one sequence and stays unique. Rows already there
are copied into the partitions. Consequence: no foreign key may point at a reading (PostgreSQL cannot
reference a partitioned table without a unique key on the referenced column alone); keep a reading's id
as a plain integer. SQLite keeps the plain table (retention by delete, yiyang.devices.services.partitions).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

CREATE = """
CREATE SEQUENCE devices_reading_part_id_seq AS bigint;
CREATE TABLE devices_reading_part (
    id bigint NOT NULL DEFAULT nextval('devices_reading_part_id_seq'),
    message_id varchar(64) NOT NULL,
    ts timestamp with time zone NOT NULL,
    type varchar(12) NOT NULL,
    value jsonb NULL,
    received_at timestamp with time zone NOT NULL,
    device_id bigint NOT NULL,
    elder_id bigint NULL
) PARTITION BY RANGE (ts);
"""

SWAP = """
INSERT INTO devices_reading_part (id, message_id, ts, type, value, received_at, device_id, elder_id)
    SELECT id, message_id, ts, type, value, received_at, device_id, elder_id FROM devices_reading;
SELECT setval('devices_reading_part_id_seq', COALESCE((SELECT max(id) FROM devices_reading), 0) + 1, false);
DROP TABLE devices_reading;
ALTER TABLE devices_reading_part RENAME TO devices_reading;
ALTER SEQUENCE devices_reading_part_id_seq RENAME TO devices_reading_id_seq;
ALTER SEQUENCE devices_reading_id_seq OWNED BY devices_reading.id;
ALTER TABLE devices_reading ADD CONSTRAINT devices_reading_pkey PRIMARY KEY (id, ts);
ALTER TABLE devices_reading ADD CONSTRAINT devices_reading_once UNIQUE (device_id, message_id, ts);
ALTER TABLE devices_reading ADD CONSTRAINT devices_reading_device_id_fk
    FOREIGN KEY (device_id) REFERENCES devices_device (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE devices_reading ADD CONSTRAINT devices_reading_elder_id_fk
    FOREIGN KEY (elder_id) REFERENCES core_elder (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX devices_reading_elder ON devices_reading (elder_id, type, ts);
CREATE INDEX devices_reading_device ON devices_reading (device_id, ts);
CREATE INDEX devices_reading_elder_id_idx ON devices_reading (elder_id);
"""


def _month(day, shift=0):
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute("SELECT min(ts) FROM devices_reading")
        oldest = cursor.fetchone()[0]
        today = dt.datetime.now(zone).date()  # a migration runs on the real clock
        month = _month(min(oldest.astimezone(zone).date(), today) if oldest else today)
        # and the retention window back from today, so a demo or an import of recent history fits
        month = min(month, _month(today, -int(settings.DEVICES_READING_RETENTION_MONTHS)))
        while month <= _month(today, 3):
            nxt = _month(month, 1)
            lo = dt.datetime.combine(month, dt.time(), tzinfo=zone).isoformat()
            hi = dt.datetime.combine(nxt, dt.time(), tzinfo=zone).isoformat()
            cursor.execute(
                f"CREATE TABLE devices_reading_y{month.year:04d}m{month.month:02d} PARTITION OF "
                f"devices_reading_part FOR VALUES FROM ('{lo}') TO ('{hi}')"
            )
            month = nxt
        cursor.execute(SWAP)


class Migration(migrations.Migration):
    dependencies = [("devices", "0003_alerts")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
