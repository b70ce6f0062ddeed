from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yiyang.core.regions_data import load_regions


class Command(BaseCommand):
    help = "Load the shipped administrative-division table (adds only missing codes)."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(f"新增区划 {load_regions()} 条。")
