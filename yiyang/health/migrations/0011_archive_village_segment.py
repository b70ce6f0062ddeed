"""Archive numbers take the 居民健康档案 village segment (居委会 001–099, 村委会 101–199), mapped from the
statistical village code (村委会 200–298 → 101–199): renumber the archives numbered with the statistical
code, keeping their serials (a number that would clash, or a code with no segment, is left as it was)."""

from django.db import migrations


def renumber(apps, schema_editor):  # type: ignore[no-untyped-def]
    from yiyang.health import rules

    HealthArchive = apps.get_model("health", "HealthArchive")
    taken = set(HealthArchive.objects.values_list("number", flat=True))
    changed = []
    for archive in HealthArchive.objects.filter(number__regex=r"^[0-9]{9}[2-3][0-9]{2}[0-9]{5}$").iterator():
        try:
            number = rules.archive_prefix(archive.number[:12]) + archive.number[12:]
        except ValueError:
            continue
        if number in taken:
            continue
        taken.discard(archive.number)
        taken.add(number)
        archive.number = number
        changed.append(archive)
    HealthArchive.objects.bulk_update(changed, ["number"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("health", "0010_check_vaccinated")]
    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
