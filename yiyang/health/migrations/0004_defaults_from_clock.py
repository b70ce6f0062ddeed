"""Diagnosis and medication record times read yiyang's clock (``yiyang.core.clock.now``) instead of
Django"s ``auto_now_add``, because the health timeline dates a diagnosis by it.

Both are applied in Python, never by the database, so only the migration state changes; a plain
AlterField would make SQLite rebuild both tables for nothing.
"""

import yiyang.core.clock
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0003_followup_superseded_on"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="diagnosis",
                    name="recorded_at",
                    field=models.DateTimeField(
                        default=yiyang.core.clock.now, editable=False, verbose_name="recorded at"
                    ),
                ),
                migrations.AlterField(
                    model_name="medication",
                    name="recorded_at",
                    field=models.DateTimeField(
                        default=yiyang.core.clock.now, editable=False, verbose_name="recorded at"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
