"""Carries the request's IP and channel (web or api) to the audit writer without threading the
request through every service call. Tasks and commands run without it and are audited as such."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    channel: str


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "yiyang_request", default=None
)


def current_context() -> RequestContext | None:
    return _current.get()


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a configured proxy (docs/security.md).
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = _current.set(RequestContext(ip=client_ip(request), channel=channel))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class RefuseNulMiddleware:
    """Refuse a NUL character anywhere in the query string with 422, before any view runs.

    PostgreSQL text cannot hold NUL: a filter such as ``?status=%00`` reached the database and failed
    with a 500 (schemathesis found it on /api/v1/agreements). Forms refuse NUL field by field and the
    API's JSON parser refuses it in bodies (yiyang.api.JsonParser); this covers every query string at
    once. The API gets its JSON error shape, a page a plain Chinese message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = next(
            (k for k, values in request.GET.lists() if "\x00" in k or any("\x00" in v for v in values)),
            None,
        )
        if field is None:
            return self.get_response(request)
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        name = field.replace("\x00", "") or "__all__"
        message = _("%(field)s: contains a null character, which cannot be saved.") % {"field": name}
        if request.path.startswith("/api/"):
            error = {"field": name, "code": "INVALID", "message": message}
            return JsonResponse({"detail": message, "errors": [error]}, status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
