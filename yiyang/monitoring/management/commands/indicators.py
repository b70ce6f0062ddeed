"""``manage.py indicators compute --region <code> --period <YYYY|YYYYQn|YYYY-MM> [--json]`` computes every
indicator for the region (and the regions below it), stores the values and prints them: with ``--json``
a list of ``{"code", "name", "numerator", "denominator", "value", "target", "status"}`` (DESIGN §6).

``indicators list`` shows the definitions; ``indicators load-targets <file.yaml>`` loads targets;
``indicators load-populations <file.csv>`` imports declared statistical populations;
``indicators drain [--json]`` drains the recompute outbox once, as the system actor: the marks writes
left become one run per county and period, computed at once with eager Celery (the embedded demo),
else sent to the workers (production drains on Celery beat; this is for a cron job or by hand).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiyang.core.models import Region
from yiyang.monitoring import engine, registry, values
from yiyang.monitoring.periods import PeriodError, parse_period
from yiyang.monitoring.targets import load_targets_file


class Command(BaseCommand):
    help = "Compute monitoring indicators, list their definitions or load targets."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="compute and store every indicator for a region and period")
        compute.add_argument("--region", required=True, help="region code, e.g. 520621 or 520621000000")
        compute.add_argument("--period", required=True, help="YYYY, YYYYQn or YYYY-MM")
        compute.add_argument("--json", action="store_true", help="print JSON")
        compute.add_argument("--only", default="", help="comma-separated indicator codes")
        sub.add_parser("list", help="list indicator definitions")
        drain = sub.add_parser("drain", help="turn recompute marks into runs (one per county, period)")
        drain.add_argument("--json", action="store_true", help="print JSON")
        load = sub.add_parser("load-targets", help="load targets from a YAML file")
        load.add_argument("file")
        pops = sub.add_parser(
            "load-populations",
            help="load declared populations from a CSV file (region,year,group,count,source)",
        )
        pops.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for ind in registry.all_indicators():
                problem = engine.source_problem(ind.code)
                state = "无数据源" if problem else "ok"
                self.stdout.write(f"{ind.code}\t{ind.version}\t{ind.unit}\t{state}\t{ind.name}")
            return
        if action == "drain":
            self._drain(options["json"])
            return
        if action == "load-populations":
            path = Path(options["file"])
            if not path.exists():
                raise CommandError(f"文件不存在：{path}")
            from yiyang.core.actors import system_user
            from yiyang.monitoring.services import load_populations_file

            count = load_populations_file(path, acting_user=system_user())
            self.stdout.write(f"已载入统计人口 {count} 条")
            return
        if action == "load-targets":
            path = Path(options["file"])
            if not path.exists():
                raise CommandError(f"文件不存在：{path}")
            from yiyang.core.actors import system_user

            count = load_targets_file(path, acting_user=system_user())
            self.stdout.write(f"已载入目标值 {count} 条")
            return
        try:
            code = engine.normalise_region(options["region"])
        except ValueError:
            raise CommandError("区划代码应为 6 位或 12 位数字，例如 520621") from None
        if not Region.objects.filter(code=code).exists():
            raise CommandError(f"区划 {code} 不存在")
        try:
            period = parse_period(options["period"])
        except PeriodError:
            raise CommandError("统计期应为 YYYY、YYYYQn 或 YYYY-MM，例如 2026、2026Q1、2026-03") from None
        inds = registry.all_indicators()
        if options["only"]:
            try:
                inds = [registry.get_indicator(c.strip()) for c in options["only"].split(",") if c.strip()]
            except registry.UnknownIndicator as exc:
                raise CommandError(f"未知指标：{exc}") from None
        engine.compute_all(code, period, indicators=inds)
        rows = values.rows_for(code, period, inds)
        if options["json"]:
            self.stdout.write(json.dumps([r.as_contract() for r in rows], ensure_ascii=False, indent=1))
            return
        for r in rows:
            c = r.as_contract()
            shown = "无数据源" if c["status"] == "no_source" else ("—" if c["value"] is None else c["value"])
            unit = "" if c["status"] == "no_source" or c["value"] is None else r.indicator.unit
            self.stdout.write(
                f"{c['code']:<7}{shown!s:>10} {unit:<6}{c['numerator']}/{c['denominator']}\t"
                f"{c['status']}\t{c['name']}"
            )

    def _drain(self, as_json: bool) -> None:
        from yiyang.core.actors import system_user
        from yiyang.monitoring.models import ComputeRun
        from yiyang.monitoring.services import drain

        ids = [r.pk for r in drain(acting_user=system_user())]
        runs = list(ComputeRun.objects.filter(pk__in=ids).order_by("pk"))
        out = [
            {
                "run": r.pk,
                "region": r.region_id,
                "periods": r.periods.get("periods", []),
                "indicators": r.periods.get("indicators", []),
                "reason": r.reason,
                "status": r.status,
            }
            for r in runs
        ]
        if as_json:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        for r in out:
            self.stdout.write(
                f"{r['run']}\t{r['region']}\t{','.join(r['periods'])}\t{r['status']}\t"
                f"{r['reason']}\t{' '.join(r['indicators'])}"
            )
        self.stdout.write(f"已处理重算标记，生成重算任务 {len(out)} 个")
