"""Every family-doctor contract opens its elder to its team for the contract's period: one access grant
per contract (core.AccessGrant), from the start date to the effective end (the day it was ended early,
else its end date), both inclusive, as ``Contract.valid_on`` counts them. From now on the contract
services write these grants in their own transaction."""

from django.db import migrations

SOURCE = "health.contract"


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Contract = apps.get_model("health", "Contract")
    AccessGrant = apps.get_model("core", "AccessGrant")
    rows = []
    contracts = Contract.objects.order_by("pk").values_list(
        "pk", "elder_id", "team_id", "start_date", "end_date", "ended_on"
    )
    for pk, elder_id, team_id, start, end, ended_on in contracts.iterator(chunk_size=5000):
        last = min(end, ended_on) if ended_on else end
        if last < start:  # ended before it began: it never opened the record
            continue
        rows.append(
            AccessGrant(
                elder_id=elder_id,
                team_id=team_id,
                valid_from=start,
                valid_to=last,
                source_type=SOURCE,
                source_id=str(pk),
            )
        )
        if len(rows) >= 5000:
            AccessGrant.objects.bulk_create(rows)
            rows = []
    AccessGrant.objects.bulk_create(rows)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("core", "AccessGrant").objects.filter(source_type=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_careteam_accessgrant"),
        ("health", "0005_familydoctorteam_proxy"),
    ]

    operations = [migrations.RunPython(backfill, remove)]
