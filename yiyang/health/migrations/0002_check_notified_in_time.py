"""HM-4: store on each check whether the result and guidance were given within one calendar month, and
set it on the checks already recorded (``rules.notified_in_time``)."""

from django.db import migrations, models


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """One UPDATE per distinct check date (a few hundred a year), not one per check: the deadline
    depends on the check date only."""
    from yiyang.health import rules

    HealthCheck = apps.get_model("health", "HealthCheck")
    days = HealthCheck.objects.filter(notice_date__isnull=False).values_list("check_date", flat=True)
    for day in days.distinct().order_by("check_date"):
        HealthCheck.objects.filter(
            check_date=day, notice_date__gte=day, notice_date__lte=rules.notice_deadline(day)
        ).update(notified_in_time=True)


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="healthcheck",
            name="notified_in_time",
            field=models.BooleanField(
                default=False,
                help_text="Set by the service from the check and notice dates (HM-4).",
                verbose_name="notified within one month",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
