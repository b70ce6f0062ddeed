"""Model defaults read yiyang's clock (``yiyang.core.clock.now``) instead of ``django.utils.timezone.now``.

The default is applied in Python, never by the database, so only the migration state changes.
A plain AlterField would make SQLite rebuild each table, which drops the append-only triggers of
the audit table (core migration 0002) and copies every indicator value for nothing.
"""

import yiyang.core.clock
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_value_fillfactor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="computerun",
                    name="created_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now),
                ),
                migrations.AlterField(
                    model_name="declaration",
                    name="declared_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now, verbose_name="declared at"),
                ),
                migrations.AlterField(
                    model_name="indicatorvalue",
                    name="computed_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now, verbose_name="computed at"),
                ),
                migrations.AlterField(
                    model_name="recomputemark",
                    name="marked_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="generated_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now, verbose_name="generated at"),
                ),
                migrations.AlterField(
                    model_name="scorecardassessment",
                    name="created_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now),
                ),
                migrations.AlterField(
                    model_name="scorecardevent",
                    name="at",
                    field=models.DateTimeField(default=yiyang.core.clock.now),
                ),
            ],
            database_operations=[],
        ),
    ]
