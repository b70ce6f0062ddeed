"""Health-management pages, one module per aggregate of :mod:`yiyang.health.models`. Thin: parse the
request, scope (:mod:`yiyang.health.queries`), call a service, render. ``health/urls.py`` routes to the
submodules (``views.checks.check_detail``)."""
