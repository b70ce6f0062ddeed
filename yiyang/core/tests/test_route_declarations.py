"""Every URL pattern and API operation says how it is protected (scoped or public). That a ``scoped``
one really reaches records only through the scoping layer is checked by ``test_scope_guard.py``."""

from django.urls import URLPattern, URLResolver, get_resolver

from yiyang.api import api
from yiyang.core.access import declared

# Django's own admin (reference data only, staff login) and static files are declared here, by prefix.
FRAMEWORK_PREFIXES = ("admin/", "api/v1/")


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
