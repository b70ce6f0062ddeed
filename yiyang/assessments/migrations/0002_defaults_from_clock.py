"""Model defaults read yiyang's clock (``yiyang.core.clock.now``) instead of ``django.utils.timezone.now``.

The default is applied in Python, never by the database, so only the migration state changes.
A plain AlterField would make SQLite rebuild each table, which drops the append-only triggers of
the audit table (core migration 0002) and copies every indicator value for nothing.
"""

import yiyang.core.clock
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assessmentresponse",
                    name="assessed_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now, verbose_name="assessed at"),
                ),
                migrations.AlterField(
                    model_name="reassessmenttrigger",
                    name="raised_at",
                    field=models.DateTimeField(default=yiyang.core.clock.now, verbose_name="raised at"),
                ),
            ],
            database_operations=[],
        ),
    ]
