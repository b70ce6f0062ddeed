"""``manage.py care_daily``: the care app's daily job, as the system actor (Celery beat runs the same
as ``care.daily``): agreements past their end date expire, agreements' grants follow the homes'
residents, in-house clinic flags follow the clinics' validity."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Expire agreements past their end date and bring their access grants in line (daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        from yiyang.care.tasks import daily

        result = daily()
        self.stdout.write(
            f"expired={result['expired']} grants={result['grants']} clinics={result['clinics']}"
        )
