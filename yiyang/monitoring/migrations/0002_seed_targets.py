"""Seed the targets quoted by the 江口县 plan (targets/520621.yaml): targets are data a county edits."""

from decimal import Decimal
from pathlib import Path

import yaml
from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "targets" / "520621.yaml"


def seed(apps, schema_editor):
    Target = apps.get_model("monitoring", "Target")
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    for row in data["targets"]:
        Target.objects.update_or_create(
            indicator_code=row["indicator"],
            region_code=str(row["region"]).ljust(12, "0"),
            period=str(row["period"]),
            defaults={"op": row["op"], "value": Decimal(str(row["value"])), "source": row["source"]},
        )


def unseed(apps, schema_editor):
    apps.get_model("monitoring", "Target").objects.filter(region_code="520621000000").delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
