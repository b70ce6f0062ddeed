"""The staff and training API: what each login sees, what it may write, and the field errors it gets.

- an institution sees only its own staff; 卫健 the region's; 民政 only eldercare institutions' staff;
  a clinician without the staff permission sees none; out of scope is 404 like missing;
- the phone is never answered in clear;
- bad input is 422 with an error per field, never 500.
"""

from __future__ import annotations

import re

from yiyang.core.staff import Staff

WELFARE = "江口县社会福利院"
HOSPITAL = "江口县人民医院"


def _staff_of(name: str) -> Staff:
    return Staff.objects.filter(institution__name=name).order_by("pk").first()  # type: ignore[return-value]


def test_a_home_admin_lists_only_the_homes_staff_with_masked_phones(api_for):
    r = api_for("yly_admin").get("/api/v1/staff", page_size=100)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] > 5
    assert {s["institution"]["name"] for s in body["results"]} == {WELFARE}
    for s in body["results"]:
        assert not re.search(r"\d{11}", s["phone"])
        assert s["phone"] == "" or "****" in s["phone"]


def test_another_institutions_staff_member_is_404_for_a_home_admin(api_for):
    other = _staff_of(HOSPITAL)
    assert api_for("yly_admin").get(f"/api/v1/staff/{other.pk}").status_code == 404
    assert api_for("wjj").get(f"/api/v1/staff/{other.pk}").status_code == 200


def test_civil_affairs_sees_eldercare_staff_but_not_hospital_staff(api_for):
    mzj = api_for("mzj")
    assert mzj.get(f"/api/v1/staff/{_staff_of(HOSPITAL).pk}").status_code == 404
    assert mzj.get(f"/api/v1/staff/{_staff_of(WELFARE).pk}").status_code == 200
    kinds = {s["institution"]["kind"] for s in mzj.get("/api/v1/staff", page_size=100).json()["results"]}
    assert kinds <= {"eldercare_home", "day_care_centre", "mutual_aid_home", "integrated_care"}


def test_a_clinician_without_the_staff_permission_sees_no_staff(api_for):
    r = api_for("doctor_sj").get("/api/v1/staff")
    assert r.status_code == 200 and r.json()["count"] == 0
    assert api_for("doctor_sj").get(f"/api/v1/staff/{_staff_of(WELFARE).pk}").status_code == 404


def test_a_home_admin_adds_a_carer_and_the_phone_comes_back_masked(api_for, users):
    welfare = _staff_of(WELFARE).institution
    r = api_for("yly_admin").post(
        "/api/v1/staff",
        {
            "institution_id": welfare.pk,
            "name": "龙春花",
            "sex": "女",
            "post": "护理员",
            "phone": "13885612345",
            "hired_on": "2025-03-01",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["post"] == "carer" and body["sex"] == "F"
    assert body["phone"] == "138****2345"
    stored = Staff.objects.get(pk=body["id"])
    assert "13885612345" not in stored.phone_encrypted


def test_bad_staff_input_answers_an_error_for_every_field(api_for):
    welfare = _staff_of(WELFARE).institution
    r = api_for("yly_admin").post(
        "/api/v1/staff",
        {
            "institution_id": welfare.pk,
            "name": "",
            "sex": "X",
            "post": "厨师",
            "phone": "12ab",
            "hired_on": "2024-05-01",
            "left_on": "2024-01-01",
        },
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "sex", "post", "phone", "left_on"} <= fields
    assert all(e["message"] for e in r.json()["errors"])
    # a malformed date is a field error too, not a 500
    r = api_for("yly_admin").post(
        "/api/v1/staff",
        {"institution_id": welfare.pk, "name": "甲", "sex": "F", "post": "carer", "hired_on": "May"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hired_on"


def test_staff_are_added_only_to_the_admins_own_institution(api_for):
    hospital = _staff_of(HOSPITAL).institution
    r = api_for("yly_admin").post(
        "/api/v1/staff", {"institution_id": hospital.pk, "name": "甲", "sex": "F", "post": "carer"}
    )
    assert r.status_code in (403, 422)
    assert not Staff.objects.filter(institution=hospital, name="甲").exists()
    # officers read, they do not keep an institution's staff list
    welfare = _staff_of(WELFARE).institution
    r = api_for("wjj").post(
        "/api/v1/staff", {"institution_id": welfare.pk, "name": "乙", "sex": "F", "post": "carer"}
    )
    assert r.status_code == 403


def test_a_home_admin_records_a_session_with_attendance_of_its_own_staff(api_for):
    welfare = _staff_of(WELFARE).institution
    mine = list(
        Staff.objects.filter(institution=welfare, left_on__isnull=True, hired_on__lte="2026-01-01")[:3]
    )
    payload = {
        "organiser_id": welfare.pk,
        "topic": "fire",
        "title": "冬季消防演练",
        "held_on": "2026-01-10",
        "hours": "2",
        "place": "院内",
        "attendances": [{"staff_id": s.pk, "score": 90} for s in mine],
    }
    r = api_for("yly_admin").post("/api/v1/trainings", payload)
    assert r.status_code == 201, r.content
    assert len(r.json()["attendances"]) == 3
    assert {a["hours"] for a in r.json()["attendances"]} == {"2.0"}
    # someone else's staff cannot be put on the list
    other = _staff_of(HOSPITAL)
    r = api_for("yly_admin").post("/api/v1/trainings", {**payload, "attendances": [{"staff_id": other.pk}]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "attendances[0].staff_id"


def test_bad_training_input_answers_field_errors(api_for):
    welfare = _staff_of(WELFARE).institution
    r = api_for("yly_admin").post(
        "/api/v1/trainings",
        {"organiser_id": welfare.pk, "topic": "dance", "title": "", "held_on": "2026-01-10", "hours": "0"},
    )
    assert r.status_code == 422
    assert {"topic", "title", "hours"} <= {e["field"] for e in r.json()["errors"]}


def test_a_county_session_is_seen_by_every_institution_with_only_its_own_attendance(api_for):
    r = api_for("yly_admin").get("/api/v1/trainings", page_size=100)
    assert r.status_code == 200
    county = [s for s in r.json()["results"] if s["organiser"] is None]
    assert county
    welfare_ids = set(Staff.objects.filter(institution__name=WELFARE).values_list("pk", flat=True))
    for s in county:
        assert {a["staff_id"] for a in s["attendances"]} <= welfare_ids
    # a session organised by another institution is out of scope
    from yiyang.quality.models import TrainingSession

    other = TrainingSession.objects.filter(organiser__name=HOSPITAL).first()
    assert api_for("yly_admin").get(f"/api/v1/trainings/{other.pk}").status_code == 404
    assert api_for("wjj").get(f"/api/v1/trainings/{other.pk}").status_code == 200
