"""An assessment response's state machine on the core helper: a draft is finalised (scored and sealed);
a final response moves no further — a correction is a new response. Through the API at
``/api/v1/assessments/responses/{id}/transitions``, scoped like reading the response."""

from __future__ import annotations

import pytest

from yiyang.assessments import services
from yiyang.assessments.models import AssessmentResponse
from yiyang.core.testing.machines import walk
from yiyang.core.transitions import history_of

BARTHEL_FULL = {"1": 10, "2": 5, "3": 5, "4": 10, "5": 10, "6": 10, "7": 10, "8": 15, "9": 15, "10": 10}


@pytest.fixture
def make(users, sj_elder):  # type: ignore[no-untyped-def]
    def in_state(state: str) -> AssessmentResponse:
        return services.start_assessment(
            sj_elder,
            acting_user=users["doctor_sj"],
            instrument_code="barthel",
            answers=BARTHEL_FULL,
            finalise=state == "final",
        )

    return in_state


def test_the_response_machine_walks_its_whole_table(make, users):
    """doctor_sj finalises; wjj (卫健, no assessment.fill) is refused with 403 and nothing moves."""
    report = walk(services.RESPONSE, make=make, user=users["doctor_sj"], outsider=users["wjj"])
    assert report.allowed == 1 and report.refused == 2 * 2 - 1


def test_finalising_by_the_legacy_call_writes_the_same_history(make, users):
    draft = make("draft")
    final = services.finalise_response(draft, acting_user=users["doctor_sj"])
    assert final.total == 100 and draft.status == "final" and draft.content_hash == final.content_hash
    row = history_of(final).get()
    assert (row.action, row.from_state, row.to_state, row.user) == (
        "finalise",
        "draft",
        "final",
        users["doctor_sj"],
    )
    with pytest.raises(PermissionError):  # the caller's copy is sealed too
        draft.save()


def test_api_finalises_and_refuses_a_second_time_naming_the_state(make, api_for):
    draft = make("draft")
    api = api_for("doctor_sj")
    url = f"/api/v1/assessments/responses/{draft.pk}/transitions"
    r = api.post(url, {"action": "finalise"})
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["state_label"], r.json()["allowed_actions"]) == (
        "final",
        "已定稿",
        [],
    )
    assert AssessmentResponse.objects.get(pk=draft.pk).total == 100
    again = api.post(url, {"action": "finalise"})
    assert again.status_code == 409
    assert again.json()["detail"] == "当前状态为「已定稿」，不能执行「定稿」。此状态下已无可执行的操作。"
    assert again.json()["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert [h["action"] for h in api.get(url).json()["history"]] == ["finalise"]
    # the old endpoint keeps its own refusal code
    old = api.post(f"/api/v1/assessments/responses/{draft.pk}/finalise")
    assert old.status_code == 409 and old.json()["errors"][0]["code"] == "RESPONSE_FINAL"


def test_api_scope_and_permission(make, api_for):
    draft = make("draft")
    url = f"/api/v1/assessments/responses/{draft.pk}/transitions"
    assert api_for("doctor_tp").post(url, {"action": "finalise"}).status_code == 404
    assert api_for("doctor_tp").get(url).status_code == 404
    wjj = api_for("wjj")
    assert wjj.get(url).status_code == 200 and wjj.get(url).json()["allowed_actions"] == []
    assert wjj.post(url, {"action": "finalise"}).status_code == 403
    assert api_for("doctor_sj").post(url, {"action": "reopen"}).status_code == 409
    assert AssessmentResponse.objects.get(pk=draft.pk).status == "draft"
