from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from yiyang.core.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo URL and logins (make demo)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **opts: Any) -> None:
        lines = [
            "",
            "=" * 64,
            "  yiyang 医养结合服务平台（演示：贵州省铜仁市江口县）",
            f"  URL:      http://127.0.0.1:{opts['port']}/",
            f"  API docs: http://127.0.0.1:{opts['port']}/api/v1/docs",
            f"  Demo logins (password / 密码: {DEMO_PASSWORD}):",
        ]
        # Every demo login, including those other apps' demo loaders add (e.g. a family doctor).
        users = list(get_user_model().objects.filter(is_active=True).order_by("pk")[:40])
        leaders = [u for u in users if u.username.startswith("fd_")]
        lines += [f"    {u.username:<10} {u.display_name}" for u in users if u not in leaders]
        if leaders:
            lines.append(
                f"    fd_<乡镇代码>  其他乡镇家庭医生团队长（{len(leaders)} 个，如 {leaders[0].username}）"
            )
        lines += ["=" * 64, ""]
        self.stdout.write("\n".join(lines))
