"""A complete 健康体检表 needs the 口腔, 视力 and 腹部 rows (规范 老年人健康管理服务规范 二.(二)): recompute
the stored part flags and ``is_complete`` of existing checks with the current rules (HM-1 reads them)."""

from django.db import migrations


def recompute(apps, schema_editor):  # type: ignore[no-untyped-def]
    from yiyang.health import rules
    from yiyang.health.fields import CHECK_INPUT_FIELDS

    HealthCheck = apps.get_model("health", "HealthCheck")
    changed = []
    for check in HealthCheck.objects.all().iterator(chunk_size=2000):
        missing = rules.missing_parts({n: getattr(check, n, None) for n in CHECK_INPUT_FIELDS})
        flags = {
            "part_assessment": not missing["assessment"],
            "part_physical": not missing["physical"],
            "part_auxiliary": not missing["auxiliary"],
            "part_guidance": not missing["guidance"],
        }
        flags["is_complete"] = all(flags.values())
        if any(getattr(check, k) != v for k, v in flags.items()):
            for k, v in flags.items():
                setattr(check, k, v)
            changed.append(check)
    HealthCheck.objects.bulk_update(changed, flags_names(), batch_size=2000)


def flags_names() -> list[str]:
    return ["part_assessment", "part_physical", "part_auxiliary", "part_guidance", "is_complete"]


class Migration(migrations.Migration):
    dependencies = [("health", "0007_tcm_recollect_by")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
