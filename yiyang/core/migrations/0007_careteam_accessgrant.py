"""Care teams move into the registry, and access grants (DESIGN §2: scope is data).

``CareTeam`` is the model health called ``FamilyDoctorTeam``; it keeps that table and its villages
table (health 0005 turns the health model into a proxy of this one). On a database migrated before
the move the tables are there and only the new ``kind`` column is added; on a fresh one this
migration or health 0001, whichever runs first, makes them (``yiyang.core.migration_operations``), so
the registry's migrations never depend on health's.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from yiyang.core.migration_operations import CreateModelIfMissing


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_defaults_from_clock"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        CreateModelIfMissing(
            name="CareTeam",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "institution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="care_teams",
                        to="core.institution",
                        verbose_name="institution",
                    ),
                ),
                (
                    "leader",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="team leader",
                    ),
                ),
            ],
            options={
                "verbose_name": "care team",
                "verbose_name_plural": "care teams",
                "db_table": "health_familydoctorteam",
                "ordering": ["institution_id", "name"],
            },
        ),
        CreateModelIfMissing(
            name="CareTeamVillage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("region", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="core.region")),
                (
                    "team",
                    models.ForeignKey(
                        db_column="familydoctorteam_id",
                        on_delete=django.db.models.deletion.CASCADE,
                        to="core.careteam",
                    ),
                ),
            ],
            options={
                "db_table": "health_familydoctorteam_villages",
                "unique_together": {("team", "region")},
            },
        ),
        migrations.AddField(
            model_name="careteam",
            name="villages",
            field=models.ManyToManyField(
                blank=True,
                related_name="care_teams",
                through="core.CareTeamVillage",
                to="core.region",
                verbose_name="villages served",
            ),
        ),
        migrations.AddField(
            model_name="careteam",
            name="kind",
            field=models.CharField(
                choices=[("family_doctor", "Family doctor team")],
                default="family_doctor",
                max_length=16,
                verbose_name="team kind",
            ),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AccessGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("valid_from", models.DateField(verbose_name="valid from")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="valid to (inclusive)")),
                ("source_type", models.CharField(max_length=40, verbose_name="source record type")),
                ("source_id", models.CharField(max_length=40, verbose_name="source record id")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "elder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_grants",
                        to="core.elder",
                    ),
                ),
                (
                    "institution",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_grants",
                        to="core.institution",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_grants",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_grants",
                        to="core.careteam",
                    ),
                ),
            ],
            options={
                "verbose_name": "access grant",
                "verbose_name_plural": "access grants",
                "indexes": [
                    models.Index(
                        fields=["team", "elder", "valid_from", "valid_to"], name="core_grant_team"
                    ),
                    models.Index(
                        fields=["user", "elder", "valid_from", "valid_to"], name="core_grant_user"
                    ),
                    models.Index(
                        fields=["institution", "elder", "valid_from", "valid_to"],
                        name="core_grant_inst",
                    ),
                    models.Index(fields=["source_type", "source_id"], name="core_grant_source"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("institution__isnull", True), ("team__isnull", True), ("user__isnull", False)
                            ),
                            models.Q(
                                ("institution__isnull", True), ("team__isnull", False), ("user__isnull", True)
                            ),
                            models.Q(
                                ("institution__isnull", False), ("team__isnull", True), ("user__isnull", True)
                            ),
                            _connector="OR",
                        ),
                        name="core_grant_one_grantee",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("valid_to__isnull", True),
                            ("valid_to__gte", models.F("valid_from")),
                            _connector="OR",
                        ),
                        name="core_grant_window",
                    ),
                ],
            },
        ),
    ]
