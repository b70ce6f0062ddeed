from __future__ import annotations

import pytest

from . import factories
from .unsourced import unsourced_indicator  # noqa: F401 — a fixture for every monitoring test


@pytest.fixture
def county(demo_db):  # type: ignore[no-untyped-def]
    """The hand-built 测试县 (529901) with its townships and villages, inside the test's transaction."""
    return factories.make_county()
