"""The scorecard's state machine (draft → submitted → final, or back to draft with a reason) on the core
helper: its whole table walked, and ``/api/v1/monitoring/scorecards/{id}/transitions`` scoped like the
page (no scorecard permission: 403; a region outside your area: 404)."""

from __future__ import annotations

import pytest

from yiyang.accounts.models import RoleAssignment, User
from yiyang.core.models import Region
from yiyang.core.testing.machines import walk
from yiyang.core.transitions import history_of
from yiyang.monitoring import scorecards, services
from yiyang.monitoring.models import ScorecardAssessment, ScorecardEvent

COUNTY = "520621000000"
CARD = "jiangkou-2022-derived"


@pytest.fixture
def make(users):  # type: ignore[no-untyped-def]
    """A fresh self-assessment in a given state, ready for its next step, moved there through the
    services (wjj self-assesses every evidence item; swjw reviews every one once submitted)."""
    wjj, swjw = users["wjj"], users["swjw"]
    card = scorecards.get_scorecard(CARD)
    evidence = [i.code for i in card.items if i.scoring.type == "evidence"]
    # the indicator items score from materialised values (pages and services never compute them)
    services.compute_now(
        COUNTY, "2026", sorted({i.scoring.indicator for i in card.items if i.scoring.type == "indicator"})
    )

    def in_state(state: str) -> ScorecardAssessment:
        a = scorecards.start_assessment(
            acting_user=wjj, scorecard_code=CARD, region=Region.objects.get(code=COUNTY), period="2026"
        )
        for code in evidence:
            scorecards.self_assess_item(a, acting_user=wjj, item_code=code, points=3)
        if state == "draft":
            return a
        scorecards.submit(a, acting_user=wjj)
        for code in evidence:
            scorecards.review_item(a, acting_user=swjw, item_code=code, points=2)
        if state == "final":
            scorecards.finalise(a, acting_user=swjw)
        assert a.status == state
        return a

    return in_state


def test_the_scorecard_machine_walks_its_whole_table(make, users):
    """The county submits, a reviewer returns or finalises; 民政 (mzj) holds neither permission."""
    report = walk(
        scorecards.SCORECARD,
        make=make,
        user=lambda state, action: users["wjj"] if action == "submit" else users["swjw"],
        outsider=users["mzj"],
    )
    assert report.allowed == 3 and report.refused == 3 * 4 - 3


def test_every_move_is_also_a_scorecard_event(make, users):
    a = make("submitted")
    scorecards.return_for_revision(a, acting_user=users["swjw"], reason="佐证不足")
    event = ScorecardEvent.objects.filter(assessment=a).last()
    row = history_of(a).last()
    assert (event.from_status, event.to_status, event.action, event.by, event.reason) == (
        row.from_state,
        row.to_state,
        row.action,
        row.user,
        row.reason,
    )
    assert [r.action for r in history_of(a)] == [
        e.action for e in ScorecardEvent.objects.filter(assessment=a)
    ]


def test_preparer_is_offered_no_review_action(make, users):
    a = make("submitted")
    assert scorecards.SCORECARD.available(users["wjj"], a) == []
    assert scorecards.SCORECARD.available(users["swjw"], a) == ["return", "finalise"]


def test_api_moves_and_lists_the_history(make, api_for):
    a = make("submitted")
    url = f"/api/v1/monitoring/scorecards/{a.pk}/transitions"
    r = api_for("swjw").post(url, {"action": "return", "reason": "佐证不足"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["state"], body["state_label"], body["transition"]["reason"]) == (
        "draft",
        "自评中",
        "佐证不足",
    )
    history = api_for("wjj").get(url).json()
    assert [h["action"] for h in history["history"]] == ["submit", "return"]
    assert history["allowed_actions"] == ["submit"]


def test_api_refusals(make, api_for, users):
    a = make("draft")
    url = f"/api/v1/monitoring/scorecards/{a.pk}/transitions"
    r = api_for("swjw").post(url, {"action": "finalise"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert r.json()["detail"].startswith("当前状态为「自评中」，不能执行")
    assert api_for("wjj").post(url, {"action": "approve"}).status_code == 409
    # a reason is required to return
    submitted = make("submitted")
    bad = api_for("swjw").post(
        f"/api/v1/monitoring/scorecards/{submitted.pk}/transitions", {"action": "return"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"
    # four eyes: whoever prepared it cannot finalise it
    own = api_for("wjj").post(
        f"/api/v1/monitoring/scorecards/{submitted.pk}/transitions", {"action": "finalise"}
    )
    assert own.status_code == 403
    # no scorecard permission (民政) → 403, like the page
    assert api_for("mzj").post(url, {"action": "submit"}).status_code == 403
    # an officer of another county → 404, like a missing one
    other = User.objects.create_user("wjj_tr")
    RoleAssignment.objects.create(user=other, role="health_officer", region_id="520602000000")
    assert api_for("wjj_tr").post(url, {"action": "submit"}).status_code == 404
    assert api_for("wjj_tr").get(url).status_code == 404
    assert (
        api_for("wjj")
        .post("/api/v1/monitoring/scorecards/999999999/transitions", {"action": "submit"})
        .status_code
        == 404
    )
    a.refresh_from_db()
    submitted.refresh_from_db()
    assert (a.status, submitted.status) == ("draft", "submitted")
