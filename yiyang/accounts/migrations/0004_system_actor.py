"""The system actor: the user that background work (drains, ingestion, imports run by a task) acts as.

Inactive, unusable password, no role assignments (see yiyang.core.actors)."""

from django.db import migrations


def create_system_actor(apps, schema_editor):
    from yiyang.core.actors import SYSTEM_USERNAME, system_defaults

    User = apps.get_model("accounts", "User")
    User.objects.get_or_create(username=SYSTEM_USERNAME, defaults=system_defaults())


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_roleassignment_team"),
    ]

    operations = [migrations.RunPython(create_system_actor, migrations.RunPython.noop)]
