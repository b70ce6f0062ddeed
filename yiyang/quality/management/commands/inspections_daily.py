"""``manage.py inspections_daily``: what the ``quality.inspections_daily`` beat job does, on demand —
create the year's fire-check obligations and escalate overdue rectification items (JSON counts out)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from yiyang.quality.services.inspections import run_daily


class Command(BaseCommand):
    help = "Create this year's fire-check obligations and escalate overdue rectification items."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(run_daily()))
