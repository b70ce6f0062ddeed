"""Leave room on each page of the values table (PostgreSQL fillfactor 70), so that a recompute's
``INSERT … ON CONFLICT DO UPDATE`` — which changes no indexed column — can write each new row version
on the same page (a HOT update) instead of adding an entry to every index (docs/scaling.md, step 2).
Existing pages follow after a rewrite
(``VACUUM FULL monitoring_indicatorvalue``); SQLite has no such setting."""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value=70):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE monitoring_indicatorvalue SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, value=100)


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0003_recompute_outbox"),
    ]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
