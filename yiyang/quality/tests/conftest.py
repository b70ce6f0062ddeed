"""Fixtures of the quality tests: the hand-built 测试县 (monitoring's factories) for indicator tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def county(demo_db):  # type: ignore[no-untyped-def]
    from yiyang.monitoring.tests import factories

    return factories.make_county()
