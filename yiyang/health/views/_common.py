"""What every health page shares: the permission guard and service refusals onto a form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import urlencode

from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _to_form(form: Any, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = err.get("field", "")
        form.add_error(field if field in form.fields else None, err["message"])


def indicator_query(codes: list[str], period: int | str, region: str = "") -> str:
    """The query string of monitoring's indicator fragment (``monitoring:indicator-fragment``), which
    a health page includes by URL to show the engine's values of these indicators: health computes no
    indicator itself and imports nothing from monitoring. Without ``region`` the fragment shows the
    user's own area, as the monitoring dashboard does."""
    params = {"codes": ",".join(codes), "period": str(period)}
    if region:
        params["region"] = region
    return urlencode(params)


def _service_errors(form: Any, exc: ServiceError) -> None:
    """A service refusal on a page: its messages already name the field (and row), so they go on top."""
    for err in exc.as_list():
        form.add_error(None, err["message"])
