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
