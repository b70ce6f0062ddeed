"""The staff and training pages as their users rely on them.

- every login that may see staff gets its pages; a login without the permission gets 403, and a
  staff member of another institution is 404 (the same answer as a missing one);
- the phone shows masked; seeing it in clear needs a reason and leaves an audit row;
- a certificate scan must really be a PDF, JPEG or PNG of at most 10 MB, is stored under a generated
  name, and every download is audited;
- carers without a valid certificate, and those expiring within 60 days, are listed;
- the organiser takes attendance on a checklist of its own staff.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiyang.core.models import AuditEvent, Institution
from yiyang.core.staff import Staff, StaffPost
from yiyang.quality.models import Attendance, Qualification, QualificationKind, TrainingSession
from yiyang.quality.services import staff as services

WELFARE = "江口县社会福利院"
HOSPITAL = "江口县人民医院"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _staff_of(name: str, **filters) -> Staff:  # type: ignore[no-untyped-def]
    return Staff.objects.filter(institution__name=name, **filters).order_by("pk").first()  # type: ignore[return-value]


@pytest.mark.parametrize("username", ["yly_admin", "wjj", "mzj", "admin_sj"])
def test_every_staff_page_opens_for_those_who_may_see_staff(client_for, username):
    c = client_for(username)
    session = TrainingSession.objects.filter(organiser__isnull=True).first()
    for url in [
        "/quality/",
        "/quality/staff/",
        "/quality/staff/uncertified/",
        "/quality/trainings/",
        "/quality/trainings/hours/",
        f"/quality/trainings/{session.pk}/",
    ]:
        r = c.get(url)
        assert r.status_code == 200, (username, url)
        assert "Staff" not in r.content.decode() or url == "/quality/", url  # the pages speak Chinese


def test_the_hub_lists_the_staff_pages(client_for):
    body = client_for("yly_admin").get("/quality/").content.decode()
    assert "/quality/staff/" in body and "/quality/trainings/" in body


def test_a_clinician_without_the_permission_gets_403_and_outsiders_404(client_for):
    assert client_for("doctor_sj").get("/quality/staff/").status_code == 403
    hospital_staff = _staff_of(HOSPITAL)
    assert client_for("yly_admin").get(f"/quality/staff/{hospital_staff.pk}/").status_code == 404
    assert client_for("mzj").get(f"/quality/staff/{hospital_staff.pk}/").status_code == 404
    assert client_for("wjj").get(f"/quality/staff/{hospital_staff.pk}/").status_code == 200
    body = client_for("yly_admin").get("/quality/staff/").content.decode()
    assert (
        hospital_staff.name not in body
        or Staff.objects.filter(institution__name=WELFARE, name=hospital_staff.name).exists()
    )


def test_the_phone_is_masked_and_a_reveal_needs_a_reason_and_is_audited(client_for):
    staff = Staff.objects.filter(institution__name=WELFARE).exclude(phone_encrypted="").first()
    c = client_for("yly_admin")
    page = c.get(f"/quality/staff/{staff.pk}/").content.decode()
    assert staff.phone_masked in page
    from yiyang.core import crypto

    clear = crypto.decrypt(staff.phone_encrypted)
    assert clear not in page
    url = f"/quality/staff/{staff.pk}/reveal/"
    refused = c.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert not AuditEvent.objects.filter(
        action="reveal", object_type="core.staff", object_id=str(staff.pk)
    ).exists()
    shown = c.post(url, {"reason": "通知排班"}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and clear in shown.content.decode()
    event = AuditEvent.objects.get(action="reveal", object_type="core.staff", object_id=str(staff.pk))
    assert event.reason == "通知排班" and event.username == "yly_admin" and event.field == "phone"
    # out of scope: no reveal, and nothing confirms the record exists
    other = _staff_of(HOSPITAL)
    assert c.post(f"/quality/staff/{other.pk}/reveal/", {"reason": "核对"}).status_code == 404


def _add(c, staff, upload, **extra):  # type: ignore[no-untyped-def]
    data = {
        "action": "qualification",
        "kind": "carer",
        "level": "5",
        "number": "S0005200123",
        "issuer": "铜仁市职业技能鉴定中心",
        "issued_on": "2025-01-01",
        "valid_until": "2028-01-01",
        **extra,
    }
    if upload is not None:
        data["evidence"] = upload
    return c.post(f"/quality/staff/{staff.pk}/", data)


def test_a_certificate_scan_must_be_a_real_pdf_jpeg_or_png(client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff = _staff_of(WELFARE, post=StaffPost.CARER)
    c = client_for("yly_admin")
    before = Qualification.objects.filter(staff=staff).count()
    fake = _add(c, staff, SimpleUploadedFile("证书.pdf", b"MZ\x90\x00 not a pdf"))
    assert fake.status_code == 200
    assert "PDF" in fake.content.decode()
    empty = _add(c, staff, SimpleUploadedFile("empty.png", b""))
    assert empty.status_code == 200
    assert Qualification.objects.filter(staff=staff).count() == before
    ok = _add(c, staff, SimpleUploadedFile("张三 身份证 ../../x.png", PNG))
    assert ok.status_code == 302
    q = Qualification.objects.filter(staff=staff).latest("pk")
    assert q.evidence.name.startswith("quality/qualifications/") and q.evidence.name.endswith(".png")
    assert "张三" not in q.evidence.name and ".." not in q.evidence.name


def test_a_scan_larger_than_the_limit_is_refused(client_for, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "EVIDENCE_MAX_BYTES", 32)
    staff = _staff_of(WELFARE, post=StaffPost.CARER)
    before = Qualification.objects.filter(staff=staff).count()
    r = _add(client_for("yly_admin"), staff, SimpleUploadedFile("big.png", PNG))
    assert r.status_code == 200 and Qualification.objects.filter(staff=staff).count() == before


def test_a_scan_download_is_audited_and_out_of_scope_is_404(client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff = _staff_of(WELFARE, post=StaffPost.CARER)
    _add(client_for("yly_admin"), staff, SimpleUploadedFile("c.png", PNG))
    q = Qualification.objects.filter(staff=staff).latest("pk")
    r = client_for("mzj").get(f"/quality/qualifications/{q.pk}/evidence/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(
        action="export", object_type="quality.qualification", object_id=str(q.pk), username="mzj"
    ).exists()
    assert client_for("admin_sj").get(f"/quality/qualifications/{q.pk}/evidence/").status_code == 404


def test_carers_without_a_valid_certificate_and_expiring_ones_are_listed(client_for, today):
    home = _staff_of(WELFARE).institution
    Staff.objects.create(institution=home, name="无证甲", sex="F", post=StaffPost.CARER)
    expired = Staff.objects.create(institution=home, name="过期乙", sex="F", post=StaffPost.CARER)
    Qualification.objects.create(
        staff=expired,
        kind=QualificationKind.CARER,
        level="5",
        number="E1",
        issued_on=today - dt.timedelta(days=900),
        valid_until=today - dt.timedelta(days=1),
    )
    last_day = Staff.objects.create(institution=home, name="今日丙", sex="F", post=StaffPost.CARER)
    Qualification.objects.create(
        staff=last_day,
        kind=QualificationKind.CARER,
        level="5",
        number="E2",
        issued_on=today - dt.timedelta(days=900),
        valid_until=today,
    )
    far = Staff.objects.create(institution=home, name="长期丁", sex="F", post=StaffPost.CARER)
    Qualification.objects.create(
        staff=far,
        kind=QualificationKind.CARER,
        level="4",
        number="E3",
        issued_on=today - dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=61),
    )
    rows = {r["staff"].name: r for r in services.uncertified(Staff.objects.filter(institution=home), today)}
    assert rows["无证甲"]["reason"] == "none"
    assert rows["过期乙"]["reason"] == "expired"
    assert rows["今日丙"]["expiring"] and rows["今日丙"]["days"] == 0  # valid today, flagged
    assert "长期丁" not in rows  # 61 days left: not flagged
    body = client_for("mzj").get("/quality/staff/uncertified/").content.decode()
    assert "无证甲" in body and "过期乙" in body and "今日丙" in body
    assert "无证甲" not in client_for("admin_sj").get("/quality/staff/uncertified/").content.decode()


def test_the_organiser_takes_attendance_on_a_checklist_of_its_staff(client_for, today):
    home = _staff_of(WELFARE).institution
    c = client_for("yly_admin")
    r = c.post(
        "/quality/trainings/new/",
        {
            "organiser": str(home.pk),
            "topic": "infection",
            "title": "手卫生培训",
            "held_on": today.isoformat(),
            "hours": "1.5",
            "place": "会议室",
        },
    )
    assert r.status_code == 302
    session = TrainingSession.objects.get(title="手卫生培训", organiser=home)
    page = c.get(f"/quality/trainings/{session.pk}/").content.decode()
    in_post = list(Staff.objects.filter(institution=home).active_on(today))
    for s in in_post:
        assert f'name="attended-{s.pk}"' in page
    assert f'name="attended-{_staff_of(HOSPITAL).pk}"' not in page
    ticked = in_post[:2]
    r = c.post(
        f"/quality/trainings/{session.pk}/",
        {f"attended-{ticked[0].pk}": "1", f"attended-{ticked[1].pk}": "1", f"score-{ticked[1].pk}": "50"},
    )
    assert r.status_code == 302
    rows = {a.staff_id: a for a in Attendance.objects.filter(session=session)}
    assert set(rows) == {ticked[0].pk, ticked[1].pk}
    assert rows[ticked[0].pk].hours == session.hours
    assert rows[ticked[1].pk].passed is False
    # unticking removes the row
    c.post(f"/quality/trainings/{session.pk}/", {f"attended-{ticked[0].pk}": "1"})
    assert set(Attendance.objects.filter(session=session).values_list("staff_id", flat=True)) == {
        ticked[0].pk
    }
    # an officer reads the session but cannot take the home's attendance
    assert client_for("mzj").post(f"/quality/trainings/{session.pk}/", {}).status_code == 403


def test_a_home_admin_adds_edits_and_records_a_departure(client_for, today):
    c = client_for("yly_admin")
    r = c.post(
        "/quality/staff/new/",
        {"name": "杨小梅", "sex": "F", "post": "carer", "phone": "13900001111", "hired_on": "2024-02-01"},
    )
    assert r.status_code == 302
    staff = Staff.objects.get(name="杨小梅", institution__name=WELFARE)
    assert staff.phone_masked == "139****1111"
    r = c.post(
        f"/quality/staff/{staff.pk}/edit/",
        {"name": "杨小梅", "sex": "F", "post": "nurse", "phone": "", "hired_on": "2024-02-01"},
    )
    assert r.status_code == 302
    staff.refresh_from_db()
    assert staff.post == "nurse" and staff.phone_masked == "139****1111"  # empty phone keeps the stored one
    bad = c.post("/quality/staff/new/", {"name": "", "sex": "F", "post": "carer", "phone": "abc"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    r = c.post(
        f"/quality/staff/{staff.pk}/", {"action": "leave", "left_on": today.isoformat(), "reason": "辞职"}
    )
    assert r.status_code == 302
    staff.refresh_from_db()
    assert staff.left_on == today and not staff.is_active_on(today)
    # officers cannot change a home's staff
    assert client_for("mzj").get(f"/quality/staff/{staff.pk}/edit/").status_code == 403


def test_the_county_training_hours_never_show_more_than_all_staff_trained(client_for, today):
    rows = services.hours_by_institution(Institution.objects.all(), today.year)
    assert rows
    for r in rows:
        assert r["trained"] <= r["staff"]
        assert r["share"] is None or r["share"] <= 100
    body = client_for("wjj").get("/quality/trainings/hours/").content.decode()
    assert "江口县社会福利院" in body
