"""The audit trail (审计): append-only; logins, reveals, exports and changes are recorded with who,
when, where; each elder's 谁查看过 page lists them."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from yiyang.core import audit
from yiyang.core.models import AuditEvent


def test_audit_rows_cannot_be_updated_or_deleted_through_the_app(users):
    event = audit.record("view", user=users["wjj"], object_type="core.elder", object_id="1")
    event.reason = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_itself_refuses_update_and_delete_of_audit_rows(users):
    """A trigger (SQLite and PostgreSQL) blocks raw SQL too."""
    event = audit.record("view", user=users["wjj"], object_type="core.elder", object_id="1")
    for sql in (
        "UPDATE core_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_login_success_and_failure_are_recorded_with_ip(demo_db):
    c = Client(REMOTE_ADDR="10.1.2.3")
    c.post("/accounts/login/", {"username": "doctor_sj", "password": "wrong"})
    c.post("/accounts/login/", {"username": "doctor_sj", "password": "yiyang123"})
    failed = AuditEvent.objects.filter(action="login_failed", username="doctor_sj").latest("id")
    ok = AuditEvent.objects.filter(action="login", username="doctor_sj").latest("id")
    assert failed.ip == ok.ip == "10.1.2.3"
    assert ok.channel == "web"


def test_opening_a_record_and_exporting_it_show_on_its_who_viewed_page(client_for, sj_elder):
    doctor = client_for("doctor_sj")
    officer = client_for("wjj")
    doctor.get(f"/elders/{sj_elder.pk}/")
    officer.get("/elders/export.xlsx", {"q": sj_elder.name})
    page = doctor.get(f"/elders/{sj_elder.pk}/audit/").content.decode()
    assert "doctor_sj" in page or "杨医生" in page
    assert "王局" in page  # the officer's export
    actions = list(AuditEvent.objects.filter(object_id=str(sj_elder.pk)).values_list("action", "username"))
    assert ("view", "doctor_sj") in actions and ("export", "wjj") in actions


def test_diff_masks_protected_fields():
    changes = audit.diff(
        {"name": "甲", "phone": "1"}, {"name": "乙", "phone": "2"}, protected=frozenset({"phone"})
    )
    assert changes == {"name": ["甲", "乙"], "phone": ["•••", "•••"]}


def test_who_viewed_page_names_changed_fields_in_chinese(client_for, api_for, sj_elder):
    other = "empty_nest" if sj_elder.living_situation != "empty_nest" else "alone"
    api_for("doctor_sj").patch(
        f"/api/v1/elders/{sj_elder.pk}", {"living_situation": other, "phone": "13712345678"}
    )
    html = client_for("doctor_sj").get(f"/elders/{sj_elder.pk}/audit/").content.decode()
    assert "居住情况" in html and "联系电话" in html
    assert "living_situation" not in html and "13712345678" not in html
    assert "空巢" in html or "独居" in html
