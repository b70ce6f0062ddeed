"""Finer planner statistics for the two columns elder searches filter on (PostgreSQL only).

PostgreSQL estimates ``key LIKE 'zcc%'`` and ``region_id BETWEEN …`` from a 100-bucket histogram
by default. At 1,000,000 elders (3 million search keys, 88 counties) that was too coarse: every
key prefix rarer than 1% came out at about 280 rows whether it matched 300 or 3,000 (and a prefix
hit by a bucket bound at 28,000), and a county's 11,000 elders at 2,700. With such guesses the
planner probed every elder of a county for a rare prefix, or read the whole county to check a
common one, instead of starting from the smaller side (bench/search_bench.py, docs/benchmarks.md).
1000 buckets resolve 0.1%; ANALYZE then samples 300,000 rows of each table.
"""

from django.db import migrations

COLUMNS = [("core_eldersearchkey", "key"), ("core_elder", "region_id")]


def _statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table, column in COLUMNS:
                schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {target}")

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_institution_uscc_validator")]

    operations = [migrations.RunPython(_statistics(1000), _statistics(-1))]
