"""The one way browser tests start Debian's Chromium (Playwright) — shared by every app's journeys.

Chromium: /usr/bin/chromium (``apt-get install -y chromium fonts-noto-cjk``); never ``playwright
install``. The browser is launched on first use, inside the test body, so a missing browser fails the
test (with CI=true: the suite must not silently lose its browser tests) or skips it locally; a failure
in a fixture would be reported as an error instead of a failed test.

Test modules that use it set ``os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"`` before touching the
database: Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls
from a thread with a running loop unless told otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = "apt-get install -y chromium fonts-noto-cjk"
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
TIMEOUT_MS = 10_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> None:
    """No browser: a failure on CI, else a skip."""
    message = f"{reason}; install it with `{INSTALL_HINT}` (never `playwright install`)"
    if in_ci():
        pytest.fail(f"CI=true but the browser tests cannot run: {message}", pytrace=False)
    pytest.skip(message)


class Chromium:
    """Launches Chromium on first :meth:`page`; each page gets its own context (its own login)."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self._contexts: list[Any] = []

    def page(self, viewport: dict[str, int] = LAPTOP) -> Any:
        if self._browser is None:
            if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
                unavailable(f"Chromium not found at {CHROMIUM}")
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                unavailable("the playwright Python package is not installed in this environment")
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        context = self._browser.new_context(viewport=viewport, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return context.new_page()

    def close_contexts(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    def stop(self) -> None:
        self.close_contexts()
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


def page_opener(viewport: dict[str, int]) -> Iterator[Callable[[], Any]]:
    """The body of a fixture that hands a test ``open_page()`` for one viewport and stops the browser
    afterwards: ``yield from page_opener(TABLET)``."""
    launcher = Chromium()
    try:
        yield lambda: launcher.page(viewport)
    finally:
        launcher.stop()
