from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yiyang.core.demo import load_demo
from yiyang.core.models import Elder


class Command(BaseCommand):
    help = "Load the demo county 江口县 (regions, institutions, ~6,000 elders, demo logins)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when elders already exist")
        parser.add_argument("--elders", type=int, default=6000)
        parser.add_argument("--seed", type=int, default=20221)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["if_empty"] and Elder.objects.exists():
            self.stdout.write("演示数据已存在，沿用现有数据。")
            return
        start = time.monotonic()
        counts = load_demo(elders=opts["elders"], seed=opts["seed"])
        self.stdout.write(
            f"已载入演示县（江口县）：{counts['institutions']} 个机构，{counts['elders']} 名老年人，"
            f"{_logins()} 个演示账号（{time.monotonic() - start:.1f} 秒）。"
        )


def _logins() -> int:
    """Every demo login, including those the domain apps' loaders add (teams, hospitals' round teams)."""
    from django.contrib.auth import get_user_model

    from yiyang.core.actors import SYSTEM_USERNAME

    return get_user_model().objects.filter(is_active=True).exclude(username=SYSTEM_USERNAME).count()
