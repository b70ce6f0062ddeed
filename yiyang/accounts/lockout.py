"""What a locked-out client sees (django-axes AXES_LOCKOUT_CALLABLE): the Chinese page for a browser,
JSON naming the field for an API client."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    message = _("Too many failed attempts: this account is locked for 30 minutes.")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message, "errors": [{"field": "username", "code": "LOCKED_OUT", "message": message}]},
            status=429,
        )
    return render(request, "accounts/locked.html", status=429)
