"""Error pages in Chinese, without a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"code": 404}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"code": 403}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"code": 500}, status=500)
