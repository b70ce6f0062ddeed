"""The registry's staff rows (core.Staff): one function checks a row of staff data — what a form, the
API and a spreadsheet import all hand over — and reports every field at once; the writers keep the
phone encrypted and masked and audit every change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from yiyang.core.errors import ServiceError
from yiyang.core.models import AuditEvent, Institution
from yiyang.core.staff import Staff, StaffPost
from yiyang.core.staff_services import clean_staff_row, create_staff, mark_left, update_staff


def test_a_spreadsheet_row_with_chinese_labels_is_accepted():
    data = clean_staff_row(
        {
            "name": " 田秀英 ",
            "sex": "女",
            "post": "护理员",
            "phone": "138 8561 2345",
            "hired_on": "2023/04/01",
        }
    )
    assert (data.name, data.sex, data.post, data.phone) == ("田秀英", "F", StaffPost.CARER, "13885612345")
    assert data.hired_on == dt.date(2023, 4, 1)


def test_every_bad_field_of_a_row_is_reported_at_once():
    with pytest.raises(ServiceError) as exc:
        clean_staff_row({"name": "", "sex": "?", "post": "厨师", "phone": "12", "hired_on": "昨天"})
    assert {e["field"] for e in exc.value.as_list()} == {"name", "sex", "post", "phone", "hired_on"}


def test_creating_keeps_the_phone_encrypted_masked_and_out_of_the_audit_trail(users):
    home = Institution.objects.get(name="江口县社会福利院")
    data = clean_staff_row({"name": "吴春燕", "sex": "F", "post": "carer", "phone": "13985601234"})
    staff = create_staff(acting_user=users["yly_admin"], institution=home, data=data)
    assert staff.phone_masked == "139****1234" and "13985601234" not in staff.phone_encrypted
    event = AuditEvent.objects.get(action="create", object_type="core.staff", object_id=str(staff.pk))
    assert "13985601234" not in str(event.changes)
    data.post = "nurse"
    update_staff(staff, acting_user=users["yly_admin"], data=data)
    assert AuditEvent.objects.get(action="update", object_type="core.staff", object_id=str(staff.pk)).changes[
        "post"
    ] == ["carer", "nurse"]


def test_only_the_institutions_own_admin_keeps_its_staff(users):
    home = Institution.objects.get(name="江口县社会福利院")
    data = clean_staff_row({"name": "甲", "sex": "F", "post": "carer"})
    for username in ("wjj", "admin_sj", "doctor_sj"):
        with pytest.raises(PermissionDenied):
            create_staff(acting_user=users[username], institution=home, data=data)


def test_a_departure_ends_the_time_in_post_from_that_day(users):
    staff = Staff.objects.filter(institution__name="江口县社会福利院", left_on__isnull=True).first()
    day = dt.date(2026, 10, 1)
    staff.hired_on = dt.date(2020, 1, 1)
    staff.save()
    mark_left(staff, acting_user=users["yly_admin"], left_on=day, reason="退休")
    assert staff.is_active_on(day - dt.timedelta(days=1)) and not staff.is_active_on(day)
    assert not Staff.objects.active_on(day).filter(pk=staff.pk).exists()
    with pytest.raises(ServiceError) as exc:
        mark_left(staff, acting_user=users["yly_admin"], left_on=dt.date(2019, 1, 1))
    assert exc.value.field == "left_on"
