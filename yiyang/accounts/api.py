"""API tokens: POST /api/v1/auth/token {"username", "password"} → {"token"}; POST /api/v1/auth/logout."""

from __future__ import annotations

from typing import cast

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yiyang.core import audit
from yiyang.core.access import public, scoped
from yiyang.core.errors import ServiceError

from .models import ApiToken, User, token_lifetime

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
    """Exchange a username and password for a bearer token (valid 2 hours unless ended sooner by
    log-out or a password change). Failed attempts count towards the same lock-out as the login page."""
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
    return {"token": key, "expires_in": int(token_lifetime().total_seconds())}


class LogoutIn(Schema):
    #: also end the user's other tokens (every API client they signed in)
    all: bool = False


class LogoutOut(Schema):
    ended: int


@router.post("/logout", response={200: LogoutOut})
@scoped
def logout(request: HttpRequest, payload: LogoutIn | None = None) -> dict:
    """End the token this request was sent with (or, with ``{"all": true}``, every token of the user).
    A session-authenticated call with ``all`` ends the user's tokens; the session itself ends at
    /accounts/logout/."""
    user = cast(User, request.user)
    if payload is not None and payload.all:
        ended = ApiToken.end_all(user)
    else:
        header = request.headers.get("Authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        ended, _deleted = ApiToken.objects.filter(user=user, key_hash=ApiToken.hash_key(key)).delete()
    audit.record("logout", user=user, object_type="accounts.user", object_id=str(user.pk), channel="api")
    return {"ended": ended}
