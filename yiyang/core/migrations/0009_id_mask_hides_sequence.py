"""Stored ID masks hide the first two sequence digits too (issue 15: the mask beside the birth date was
the whole number). Rewritten from the old mask itself — its first 6 and last 2 characters are the new
mask's — so no number is decrypted; one UPDATE, the same SQL on SQLite and PostgreSQL."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr


def remask(apps, schema_editor):
    Elder = apps.get_model("core", "Elder")
    Elder.objects.annotate(n=Length("id_number_masked")).filter(n=18).update(
        id_number_masked=Concat(
            Substr("id_number_masked", 1, 6), Value("*" * 10), Substr("id_number_masked", 17, 2)
        )
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0008_institution_kind_mutual_aid_home")]
    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
