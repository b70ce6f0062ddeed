"""Reload targets/520621.yaml: every target names its source document, and the targets of HM-2, HM-3,
HM-4, HM-6, IR-1 and IR-4 the county plan does not set come from the provincial and municipal plans."""

from decimal import Decimal
from pathlib import Path

import yaml
from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "targets" / "520621.yaml"


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Target = apps.get_model("monitoring", "Target")
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    for row in data["targets"]:
        Target.objects.update_or_create(
            indicator_code=row["indicator"],
            region_code=str(row["region"]).ljust(12, "0"),
            period=str(row["period"]),
            defaults={"op": row["op"], "value": Decimal(str(row["value"])), "source": row["source"]},
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0005_defaults_from_clock")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
