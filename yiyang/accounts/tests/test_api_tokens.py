"""API tokens end at log-out and at a password change, and live two hours by default (issue 15)."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from yiyang.accounts.models import ApiToken, User
from yiyang.core import clock


def _token(username: str = "doctor_sj") -> str:
    r = Client().post(
        "/api/v1/auth/token", {"username": username, "password": "yiyang123"}, content_type="application/json"
    )
    assert r.status_code == 200
    assert r.json()["expires_in"] == 2 * 3600
    return r.json()["token"]


def _get(token: str) -> int:
    return Client().get("/api/v1/elders", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_logout_ends_the_token_it_was_sent_with_and_only_that_one(demo_db):
    first, second = _token(), _token()
    r = Client().post(
        "/api/v1/auth/logout", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {first}"
    )
    assert r.status_code == 200 and r.json() == {"ended": 1}
    assert _get(first) == 401
    assert _get(second) == 200


def test_logout_with_all_ends_every_token_of_the_user(demo_db):
    first, second, other = _token(), _token(), _token("doctor_tp")
    r = Client().post(
        "/api/v1/auth/logout",
        {"all": True},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {first}",
    )
    assert r.json() == {"ended": 2}
    assert (_get(first), _get(second), _get(other)) == (401, 401, 200)


def test_logout_needs_a_valid_token(demo_db):
    r = Client().post(
        "/api/v1/auth/logout", {}, content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    assert r.status_code == 401


def test_logging_out_of_the_pages_ends_the_users_tokens(demo_db):
    token = _token()
    browser = Client()
    browser.force_login(User.objects.get(username="doctor_sj"))
    browser.post("/accounts/logout/")
    assert _get(token) == 401


def test_a_password_change_ends_the_users_tokens_and_a_profile_edit_does_not(demo_db):
    token = _token()
    user = User.objects.get(username="doctor_sj")
    user.display_name = "双江 医生"
    user.save()
    assert _get(token) == 200
    user.set_password("a-new-Passw0rd!")
    user.save()
    assert _get(token) == 401


def test_a_token_expires_after_its_lifetime(demo_db, settings):
    settings.API_TOKEN_LIFETIME_MINUTES = 30
    user = User.objects.get(username="doctor_sj")
    key = ApiToken.issue(user)
    row = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert abs(row.expires_at - row.created_at - dt.timedelta(minutes=30)) < dt.timedelta(seconds=1)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert _get(key) == 401
