"""A family-doctor role is bound to a registry care team (core.CareTeam, the former health team).

On a database migrated when accounts 0003 still added this field, the column and its foreign key to
the team table are already there; the field only changes where the migration state says it points.
"""

import django.db.models.deletion
from django.db import migrations, models

from yiyang.core.migration_operations import AddFieldIfMissing


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_defaults_from_clock"),
        ("core", "0007_careteam_accessgrant"),
    ]

    operations = [
        AddFieldIfMissing(
            model_name="roleassignment",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="role_assignments",
                to="core.careteam",
                verbose_name="family doctor team",
            ),
        ),
    ]
