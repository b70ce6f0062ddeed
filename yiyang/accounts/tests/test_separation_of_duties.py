"""三权分立 (issue 15): three administrators, none a superuser, none able to give itself a data role.

The fault: sysadmin was a Django superuser, could grant itself the county officer's role in admin and
then read every record, and the grant was not in the append-only audit. Now the system administrator
keeps accounts and reference data, the security administrator gives and takes roles (never its own, and
never a data role to an administrator's account), the audit administrator reads the audit and nothing
else, and every role change is audited.
"""

from __future__ import annotations

import pytest
from django.test import Client

from yiyang.accounts import services
from yiyang.accounts.models import RoleAssignment, User
from yiyang.core.errors import ServiceError
from yiyang.core.models import AuditEvent, Institution

COUNTY = "520621000000"


def _admin_client(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_no_demo_account_is_a_superuser(demo_db):
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_system_administrator_cannot_grant_itself_the_county_officers_role(demo_db):
    sysadmin = _admin_client("sysadmin")
    page = sysadmin.get("/admin/accounts/roleassignment/add/")
    assert page.status_code == 403
    posted = sysadmin.post(
        "/admin/accounts/roleassignment/add/",
        {"user": _user("sysadmin").pk, "role": "health_officer", "region": COUNTY},
    )
    assert posted.status_code == 403
    with pytest.raises(ServiceError):
        services.assign_role(_user("sysadmin"), _user("sysadmin"), "health_officer", region_id=COUNTY)
    assert not _user("sysadmin").role_assignments.filter(role="health_officer").exists()
    # and still reads no elder
    assert _admin_client("sysadmin").get("/api/v1/elders").json()["count"] == 0


def test_the_security_administrator_cannot_give_itself_a_role(demo_db):
    secadmin = _user("secadmin")
    with pytest.raises(ServiceError, match="自己"):
        services.assign_role(secadmin, secadmin, "health_officer", region_id=COUNTY)
    r = _admin_client("secadmin").post(
        "/admin/accounts/roleassignment/add/",
        {"user": secadmin.pk, "role": "health_officer", "region": COUNTY},
    )
    assert r.status_code == 200 and "自己" in r.content.decode()  # the form shows the refusal
    assert not secadmin.role_assignments.filter(role="health_officer").exists()


def test_no_data_role_goes_to_an_administrators_account(demo_db):
    with pytest.raises(ServiceError, match="三权分立"):
        services.assign_role(_user("secadmin"), _user("sysadmin"), "health_officer", region_id=COUNTY)
    with pytest.raises(ServiceError, match="三权分立"):
        services.assign_role(_user("secadmin"), _user("doctor_sj"), "audit_admin")


def test_the_security_administrator_gives_and_takes_a_data_role_and_both_are_audited(demo_db):
    nurse = User.objects.create_user("new_nurse", password="x-Passw0rd-1")
    home = Institution.objects.get(name="江口县社会福利院")
    c = _admin_client("secadmin")
    r = c.post(
        "/admin/accounts/roleassignment/add/",
        {"user": nurse.pk, "role": "clinician", "institution": home.pk},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assignment = RoleAssignment.objects.get(user=nurse, role="clinician")
    created = AuditEvent.objects.get(object_type="accounts.roleassignment", object_id=str(assignment.pk))
    assert (created.action, created.username) == ("create", "secadmin")
    assert created.changes == {"role": [None, "clinician"], "user": [None, nurse.pk]}
    services.end_role(_user("secadmin"), assignment)
    ended = AuditEvent.objects.filter(object_type="accounts.roleassignment", action="delete").get()
    assert ended.changes["role"] == ["clinician", None] and ended.username == "secadmin"
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_only_the_audit_administrator_reads_the_audit_trail(demo_db):
    assert _admin_client("auditadmin").get("/admin/core/auditevent/").status_code == 200
    for username in ("sysadmin", "secadmin"):
        assert _admin_client(username).get("/admin/core/auditevent/").status_code == 403, username
    # and it changes nothing: no add, no delete, no accounts, no reference data
    auditor = _admin_client("auditadmin")
    assert auditor.get("/admin/core/auditevent/add/").status_code == 403
    assert auditor.get("/admin/accounts/user/").status_code == 403
    assert auditor.get("/admin/core/institution/").status_code == 403


def test_the_system_administrator_keeps_accounts_and_reference_data(demo_db):
    c = _admin_client("sysadmin")
    assert c.get("/admin/accounts/user/add/").status_code == 200
    assert c.get("/admin/core/institution/").status_code == 200
    form = c.get(f"/admin/accounts/user/{_user('doctor_sj').pk}/change/").content.decode()
    assert "is_superuser" not in form and "user_permissions" not in form
    # the security administrator reads accounts but does not edit them
    sec = _admin_client("secadmin")
    assert sec.get("/admin/accounts/user/").status_code == 200
    assert sec.get("/admin/accounts/user/add/").status_code == 403
