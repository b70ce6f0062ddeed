"""Fixtures of the alert tests, imported by each alert test module (the ingest tests keep conftest)."""

from __future__ import annotations

import pytest

from yiyang.devices import rules

from .alerts_helpers import HOME, make_device


@pytest.fixture(autouse=True)
def _fresh_rules():  # type: ignore[no-untyped-def]
    """Each test sees the overrides it wrote (the process cache is dropped before and after)."""
    rules.forget_overrides()
    yield
    rules.forget_overrides()


@pytest.fixture
def home(demo_db):  # type: ignore[no-untyped-def]
    from yiyang.core.models import Institution

    return Institution.objects.get(name=HOME)


@pytest.fixture
def resident(home):  # type: ignore[no-untyped-def]
    """A resident of the welfare home with no alert yet."""
    from yiyang.core.models import Elder

    return (
        Elder.objects.filter(residence_institution=home, status="active", alerts__isnull=True)
        .order_by("pk")
        .first()
    )


@pytest.fixture
def band(resident, home):  # type: ignore[no-untyped-def]
    return make_device(resident, home)
