"""Accounts: Argon2 hashing, lock-out after repeated failures (django-axes), roles bound correctly."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.test import Client

from yiyang.accounts.models import RoleAssignment


def test_passwords_are_hashed_with_argon2_in_every_deployment():
    from yiyang.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert Argon2PasswordHasher().encode("yiyang123", "somesaltvalue").startswith("argon2$")


def test_login_locks_after_repeated_failures_even_with_the_right_password(demo_db):
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        c.post("/accounts/login/", {"username": "doctor_tp", "password": "wrong"})
    r = c.post("/accounts/login/", {"username": "doctor_tp", "password": "yiyang123"})
    assert r.status_code == 429
    assert "锁定" in r.content.decode()
    api = c.post(
        "/api/v1/auth/token",
        {"username": "doctor_tp", "password": "yiyang123"},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert api.json()["errors"][0]["code"] == "LOCKED_OUT"


def test_a_region_role_needs_a_region_and_an_institution_role_an_institution(users):
    with pytest.raises(ValidationError):
        RoleAssignment(user=users["wjj"], role="health_officer").clean()
    with pytest.raises(ValidationError):
        RoleAssignment(user=users["wjj"], role="clinician", region_id="520621000000").clean()
    RoleAssignment(user=users["wjj"], role="sysadmin").clean()
