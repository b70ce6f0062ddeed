"""What kind of process this is: the embedded demo's background threads start only where they belong."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def serving_with_runserver(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process is the one ``manage.py runserver`` serves requests from (not the autoreload
    watcher that spawns it, not a test run or another management command)."""
    args = sys.argv if argv is None else argv
    env: Mapping[str, str] = os.environ if environ is None else environ
    if len(args) < 2 or args[1] != "runserver":
        return False
    return "--noreload" in args or env.get("RUN_MAIN") == "true"
