"""Token issue for API clients: POST /api/v1/auth/token {"username", "password"} → {"token"}."""

from __future__ import annotations

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yiyang.core import audit
from yiyang.core.access import public
from yiyang.core.errors import ServiceError

from .models import ApiToken

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_in: int


@router.post("/token", response={200: TokenOut}, auth=None)
@public
def issue_token(request: HttpRequest, payload: TokenIn) -> dict:
    """Exchange a username and password for a bearer token (valid 12 hours). Failed attempts count
    towards the same lock-out as the login page."""
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied:
        user = None
    if user is None and getattr(request, "axes_locked_out", False):
        raise ServiceError(
            "LOCKED_OUT",
            _("Too many failed attempts: this account is locked for 30 minutes."),
            field="username",
            status=429,
        )
    if user is None:
        raise ServiceError("BAD_CREDENTIALS", _("Wrong username or password."), field="password", status=401)
    key = ApiToken.issue(user)
    audit.record("login", user=user, object_type="accounts.user", object_id=str(user.pk), channel="api")
    return {"token": key, "expires_in": 12 * 3600}
