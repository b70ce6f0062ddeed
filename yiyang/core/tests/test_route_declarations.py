"""Every URL pattern and API operation says how it is protected (scoped or public), and no view or
API module reaches a personal-data model except through the scoping layer."""

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from yiyang.api import api
from yiyang.core.access import declared

ROOT = Path(__file__).resolve().parents[3]
# Django's own admin (reference data only, staff login) and static files are declared here, by prefix.
FRAMEWORK_PREFIXES = ("admin/", "api/v1/")


def _personal_models() -> set[str]:
    """Elder and every model that points at an elder (health, assessment, contact… records), read
    from the model registry so a new app's records are covered without editing this test."""
    from django.apps import apps

    from yiyang.core.models import Elder

    names = {"Elder"}
    for model in apps.get_models():
        if any(getattr(f, "related_model", None) is Elder for f in model._meta.fields):
            names.add(model.__name__)
    return names


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_url_pattern_is_declared_scoped_or_public():
    undeclared = [
        route
        for route, view in _walk(get_resolver().url_patterns)
        if not route.startswith(FRAMEWORK_PREFIXES) and declared(view) not in ("scoped", "public")
    ]
    assert undeclared == []


def test_every_api_operation_is_declared_scoped_or_public():
    undeclared = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                if declared(op.view_func) not in ("scoped", "public"):
                    undeclared.append(f"{','.join(op.methods)} {prefix}{path}")
    assert undeclared == []
    assert (
        len([1 for _p, r in api._routers for pv in r.path_operations.values() for _o in pv.operations]) > 10
    )


def test_public_api_operations_are_only_token_issue_and_scoring():
    public = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                if declared(op.view_func) == "public":
                    public.append(f"{prefix}{path}")
    assert set(public) <= {
        "/auth/token",
        "/assessments/score",
        "/assessments/instruments",
        "/assessments/instruments/{code}",
    }


def test_views_and_api_modules_never_query_a_scoped_model_directly():
    """``Elder.objects`` in a view or API handler would bypass scoping; they must go through
    yiyang.core.scoping (tests and services are allowed)."""
    scoped_models = _personal_models()
    assert {"Elder", "EmergencyContact", "HealthCheck", "AssessmentResponse"} <= scoped_models
    offenders = []
    scanned = [
        p
        for p in ROOT.glob("yiyang/**/*.py")
        if (p.name in ("views.py", "api.py") or p.parent.name == "views") and "tests" not in p.parts
    ]
    assert len(scanned) >= 4
    assert ROOT / "yiyang/health/views/checks.py" in scanned  # a views package is scanned too
    for path in scanned:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "objects"
                and isinstance(node.value, ast.Name)
                and node.value.id in scoped_models
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.objects")
    assert offenders == []
