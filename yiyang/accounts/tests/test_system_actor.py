"""The system actor: the named user background work acts as, who is never a person at the keyboard."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from yiyang.accounts.models import ApiToken, RoleAssignment, User
from yiyang.core.actors import SYSTEM_USERNAME, is_system, system_user


def test_the_migration_created_an_inactive_system_actor_without_password_or_roles(demo_db):
    user = User.objects.get(username=SYSTEM_USERNAME)
    assert system_user() == user and is_system(user)
    assert not user.is_active and not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert not user.role_assignments.exists()
    assert user.permissions() == frozenset()


def test_the_system_actor_never_logs_in_even_with_a_password_and_activated(demo_db):
    user = system_user()
    user.set_password("yiyang123")
    user.is_active = True
    user.save()
    page = Client().post("/accounts/login/", {"username": SYSTEM_USERNAME, "password": "yiyang123"})
    assert page.status_code == 200 and "_auth_user_id" not in page.client.session
    api = Client().post(
        "/api/v1/auth/token",
        {"username": SYSTEM_USERNAME, "password": "yiyang123"},
        content_type="application/json",
    )
    assert api.status_code == 401
    token = ApiToken.issue(user)  # a token made by hand opens nothing either
    assert Client().get("/api/v1/elders", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_a_session_naming_the_system_actor_is_not_restored(demo_db):
    user = system_user()
    user.is_active = True  # even a mistaken activation opens nothing
    user.save()
    c = Client()
    c.force_login(user, backend="yiyang.accounts.backends.PersonBackend")
    assert c.get("/api/v1/elders").status_code == 401


def test_the_system_actor_takes_no_roles(demo_db):
    with pytest.raises(ValidationError) as exc:
        RoleAssignment(user=system_user(), role="sysadmin").clean()
    assert "user" in exc.value.message_dict


def test_the_admin_user_list_hides_the_system_actor(demo_db):
    c = Client()
    c.force_login(User.objects.get(username="sysadmin"))
    html = c.get("/admin/accounts/user/").content.decode()
    assert ">sysadmin<" in html and f">{SYSTEM_USERNAME}<" not in html


def test_work_no_person_does_is_audited_as_the_system_actor(demo_db):
    """Loading the service packages (the demo does it, as an installation step would) names ``system``."""
    from yiyang.core.models import AuditEvent

    event = AuditEvent.objects.filter(object_type="health.servicepackage").latest("id")
    assert event.user == system_user() and event.username == SYSTEM_USERNAME
