"""POST /api/v1/elders/{id}/assessments and the response endpoints: scoped, 4xx with nothing written."""

from __future__ import annotations

from yiyang.assessments.models import AssessmentResponse
from yiyang.core.models import ElderCategory

from .helpers import by_scores

BARTHEL_FULL = {"1": 10, "2": 5, "3": 5, "4": 10, "5": 10, "6": 10, "7": 10, "8": 15, "9": 15, "10": 10}
G2 = [3, 3, 2, 3, 3, 3, 3, 3, 4, 3, 3, 2, 4, 4, 4, 3, 4, 4, 1, 1, 2, 2, 1, 3, 2, 3]


def test_doctor_stores_a_final_gbt42195_assessment_and_the_category_follows(api_for, sj_elder):
    """doctor_sj records G2 for an elder of 双江: 201, stored final with hash, elder becomes 半失能."""
    api = api_for("doctor_sj")
    response = api.post(
        f"/api/v1/elders/{sj_elder.pk}/assessments",
        {"instrument": "gbt42195", "items": by_scores("gbt42195", G2), "finalise": True},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "final" and data["total"] == 73 and data["level_code"] == "1"
    assert data["assessor"] == "doctor_sj" and len(data["content_hash"]) == 64
    row = AssessmentResponse.objects.get(pk=data["id"])
    assert row.elder_id == sj_elder.pk and row.instrument_version == "2022.1"
    category = ElderCategory.objects.get(elder=sj_elder, category="semi_disabled")
    assert category.source_ref == f"assessments.response:{row.pk}"


def test_elder_of_another_institution_is_404_and_nothing_is_written(api_for, sj_elder):
    """doctor_tp cannot see 双江's elder: the stored-assessment endpoint answers 404, like a missing elder."""
    before = AssessmentResponse.objects.count()
    response = api_for("doctor_tp").post(
        f"/api/v1/elders/{sj_elder.pk}/assessments",
        {"instrument": "barthel", "items": BARTHEL_FULL, "finalise": True},
    )
    assert response.status_code == 404
    assert AssessmentResponse.objects.count() == before
    missing = api_for("doctor_tp").post(
        "/api/v1/elders/999999999/assessments", {"instrument": "barthel", "items": {}}
    )
    assert missing.status_code == 404


def test_officer_reading_is_allowed_but_recording_is_403(api_for, sj_elder):
    """wjj (卫健委) sees the elder's history but may not record an assessment; nothing is written."""
    api_for("doctor_sj").post(
        f"/api/v1/elders/{sj_elder.pk}/assessments",
        {"instrument": "barthel", "items": BARTHEL_FULL, "finalise": True},
    )
    officer = api_for("wjj")
    assert officer.get(f"/api/v1/elders/{sj_elder.pk}/assessments").status_code == 200
    before = AssessmentResponse.objects.count()
    refused = officer.post(
        f"/api/v1/elders/{sj_elder.pk}/assessments", {"instrument": "barthel", "items": {}}
    )
    assert refused.status_code == 403
    assert AssessmentResponse.objects.count() == before


def test_invalid_answers_are_422_per_item_and_nothing_is_written(api_for, sj_elder):
    """Finalising with a missing and an out-of-range answer: 422 naming both items, no row stored."""
    before = AssessmentResponse.objects.count()
    items = dict(BARTHEL_FULL)
    del items["2"]
    items["8"] = 12
    response = api_for("doctor_sj").post(
        f"/api/v1/elders/{sj_elder.pk}/assessments",
        {"instrument": "barthel", "items": items, "finalise": True},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"2", "8"}
    assert AssessmentResponse.objects.count() == before


def test_draft_save_finalise_then_edit_is_409(api_for, sj_elder):
    """A draft is saved, replaced, finalised; editing it afterwards is refused with 409."""
    api = api_for("doctor_sj")
    created = api.post(
        f"/api/v1/elders/{sj_elder.pk}/assessments", {"instrument": "barthel", "items": {"1": 10}}
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    rid = created.json()["id"]
    saved = api.client.put(
        f"/api/v1/assessments/responses/{rid}",
        {"items": BARTHEL_FULL},
        content_type="application/json",
        **api.headers,
    )
    assert saved.status_code == 200 and saved.json()["total"] == 100
    finalised = api.post(f"/api/v1/assessments/responses/{rid}/finalise")
    assert finalised.status_code == 200 and finalised.json()["level_name"] == "无需依赖"
    again = api.client.put(
        f"/api/v1/assessments/responses/{rid}",
        {"items": BARTHEL_FULL},
        content_type="application/json",
        **api.headers,
    )
    assert again.status_code == 409


def test_response_of_an_out_of_scope_elder_is_404(api_for, sj_elder):
    created = api_for("doctor_sj").post(
        f"/api/v1/elders/{sj_elder.pk}/assessments", {"instrument": "barthel", "items": BARTHEL_FULL}
    )
    rid = created.json()["id"]
    other = api_for("doctor_tp")
    assert other.get(f"/api/v1/assessments/responses/{rid}").status_code == 404
    assert other.post(f"/api/v1/assessments/responses/{rid}/finalise").status_code == 404
    assert AssessmentResponse.objects.get(pk=rid).status == "draft"


def test_due_list_over_the_api(api_for, sj_elder):
    """GET /assessments/due?on=… lists the elder once the 12 months have passed."""
    api = api_for("doctor_sj")
    api.post(
        f"/api/v1/elders/{sj_elder.pk}/assessments",
        {
            "instrument": "gbt42195",
            "items": by_scores("gbt42195", G2),
            "finalise": True,
            "assessed_at": "2024-05-02T09:00:00+08:00",
        },
    )
    before = api.get("/api/v1/assessments/due", on="2025-05-01").json()
    after = api.get("/api/v1/assessments/due", on="2025-05-02").json()
    assert sj_elder.pk not in {e["elder"] for e in before}
    row = next(e for e in after if e["elder"] == sj_elder.pk)
    assert row["due"] == "2025-05-02" and row["reasons"] == ["due"]


def test_family_doctor_records_a_barthel_for_a_contracted_elder_but_not_an_ability_assessment(api_for, users):
    """A family-doctor team member (jtys_sj) does the yearly scales for contracted elders; the
    GB/T 42195 ability assessment stays with clinicians (its required_roles)."""
    from yiyang.core.scoping import scope_elders

    elder = scope_elders(users["jtys_sj"]).order_by("pk").first()
    api = api_for("jtys_sj")
    ok = api.post(f"/api/v1/elders/{elder.pk}/assessments", {"instrument": "barthel", "items": BARTHEL_FULL})
    assert ok.status_code == 201, ok.content
    refused = api.post(
        f"/api/v1/elders/{elder.pk}/assessments",
        {"instrument": "gbt42195", "items": by_scores("gbt42195", G2)},
    )
    assert refused.status_code == 403
