"""The family-doctor team moves to the registry: ``core.CareTeam`` (kind ``family_doctor``) keeps the
table, and ``FamilyDoctorTeam`` stays here as its proxy, so contracts, members and audit rows keep
their names. Nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_careteam_accessgrant"),
        ("health", "0004_defaults_from_clock"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="FamilyDoctorTeam"),
                migrations.CreateModel(
                    name="FamilyDoctorTeam",
                    fields=[],
                    options={
                        "verbose_name": "family doctor team",
                        "verbose_name_plural": "family doctor teams",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("core.careteam",),
                ),
            ],
            database_operations=[],
        ),
    ]
