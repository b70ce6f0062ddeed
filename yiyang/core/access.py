"""Declarations of how each route is protected. Every URL pattern and API operation must carry one;
``yiyang/core/tests/test_route_declarations.py`` fails on any that does not.

- ``scoped``: needs a logged-in user and reaches records only through :mod:`yiyang.core.scoping` or
  an app's ``access`` module (``scope_reports``, ``get_report_for_user``…). The declaration is
  enforced by ``yiyang/core/tests/test_scope_guard.py``, which scans every views, api, forms and
  presenters module for direct queries of any model that reaches an elder or such a record.
- ``public``: reachable without logging in and shows no records (login page, static assets, docs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

ATTRIBUTE = "yiyang_access"


def scoped(view: F) -> F:
    setattr(view, ATTRIBUTE, "scoped")
    return view


def public(view: F) -> F:
    setattr(view, ATTRIBUTE, "public")
    return view


def declared(view: Callable) -> str | None:
    target = view
    while target is not None:
        value = getattr(target, ATTRIBUTE, None)
        if value:
            return value
        target = getattr(target, "__wrapped__", None)
    return None
