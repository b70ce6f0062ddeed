"""The ``…/{id}/transitions`` endpoints and the monitoring fragment and lists, probed as an attacker would:
every malformed, oversized, out-of-range or out-of-scope request is a 4xx with Chinese field errors,
never a 500, and the record does not move. (Found by probing: a NUL byte in ``reason`` reached
PostgreSQL, which refuses it in a text column, and the request failed with 500.)"""

from __future__ import annotations

import pytest

from yiyang.core.models import Elder, Region
from yiyang.core.transitions import history_of
from yiyang.monitoring import scorecards

ELDER = "/api/v1/elders/{}/transitions"


@pytest.fixture
def draft_response(api_for, sj_elder) -> int:
    r = api_for("doctor_sj").post(
        f"/api/v1/elders/{sj_elder.pk}/assessments", {"instrument": "barthel", "items": {"1": 10}}
    )
    assert r.status_code == 201
    return r.json()["id"]


@pytest.fixture
def draft_scorecard(users) -> int:
    return scorecards.start_assessment(
        acting_user=users["wjj"],
        scorecard_code="jiangkou-2022-derived",
        region=Region.objects.get(code="520621000000"),
        period="2026",
    ).pk


def _post_raw(api, path: str, body: str):  # type: ignore[no-untyped-def]
    return api.client.post(path, body, content_type="application/json", **api.headers)


def test_a_nul_byte_in_the_reason_is_422_on_reason_not_a_500(api_for, sj_elder, today):
    r = api_for("doctor_sj").post(
        ELDER.format(sj_elder.pk),
        {"action": "move_out", "reason": "随子女\x00迁居", "effective_date": today.isoformat()},
    )
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("reason", "INVALID")]
    assert r.json()["errors"][0]["message"] == "reason：含有空字符，无法保存。"
    assert Elder.objects.get(pk=sj_elder.pk).status == "active" and not history_of(sj_elder).exists()


def test_a_nul_byte_in_the_reason_is_refused_on_every_machine(api_for, draft_response, draft_scorecard):
    for who, path in (
        ("doctor_sj", f"/api/v1/assessments/responses/{draft_response}/transitions"),
        ("wjj", f"/api/v1/monitoring/scorecards/{draft_scorecard}/transitions"),
    ):
        r = api_for(who).post(path, {"action": "finalise", "reason": "\x00"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason", path


def test_a_nul_character_anywhere_in_any_api_body_is_422_naming_the_field(api_for, sj_elder, today):
    """Not only the transitions: every API body goes through one parser that refuses NUL (PostgreSQL
    text cannot hold it, so a schema that let it through would fail the write with a 500)."""
    api = api_for("doctor_sj")
    reveal = api.post(f"/api/v1/elders/{sj_elder.pk}/reveal", {"field": "phone", "reason": "核对\x00"})
    assert reveal.status_code == 422 and reveal.json()["errors"][0]["field"] == "reason"
    status = api.post(
        f"/api/v1/elders/{sj_elder.pk}/status",
        {"to_status": "moved_out", "effective_date": today.isoformat(), "reason": "\x00"},
    )
    assert status.status_code == 422 and status.json()["errors"][0]["field"] == "reason"
    nested = api.post(
        f"/api/v1/elders/{sj_elder.pk}/assessments", {"instrument": "barthel", "items": {"1\x00": 10}}
    )
    assert nested.status_code == 422 and nested.json()["errors"][0]["field"] == "items"
    assert Elder.objects.get(pk=sj_elder.pk).status == "active"


@pytest.mark.parametrize("pk", [2**63, 2**63 - 1, 2**64, 10**30, 0])
def test_huge_or_zero_ids_are_404_like_a_missing_record(api_for, pk):
    api = api_for("doctor_sj")
    for path in (
        ELDER,
        "/api/v1/contracts/{}/transitions",
        "/api/v1/assessments/responses/{}/transitions",
    ):
        assert api.get(path.format(pk)).status_code == 404, path
        assert api.post(path.format(pk), {"action": "end"}).status_code == 404, path
    wjj = api_for("wjj")
    assert wjj.get(f"/api/v1/monitoring/scorecards/{pk}/transitions").status_code == 404
    assert (
        wjj.post(f"/api/v1/monitoring/scorecards/{pk}/transitions", {"action": "submit"}).status_code == 404
    )


def test_a_negative_id_is_404_and_a_non_numeric_one_422_on_the_id(api_for):
    api = api_for("doctor_sj")
    assert api.get(ELDER.format(-1)).status_code == 404
    for pk in ("abc", "1.5"):
        r = api.get(ELDER.format(pk))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "elder_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"action": 5}', "action"),
        ('{"action": null}', "action"),
        ('{"action": ""}', "action"),
        ('{"action": "' + "x" * 10_000 + '"}', "action"),
        ('{"action": "move_out", "reason": "' + "长" * 10_000 + '"}', "reason"),
        ('{"action": "move_out", "reason": ["x"]}', "reason"),
        ('{"action": "move_out", "effective_date": "2026-13-45"}', "effective_date"),
        ('{"action": "move_out", "effective_date": 20260101}', "effective_date"),
    ],
)
def test_malformed_bodies_are_422_naming_the_field_in_chinese(api_for, sj_elder, body, field):
    r = _post_raw(api_for("doctor_sj"), ELDER.format(sj_elder.pk), body)
    assert r.status_code == 422, r.content
    assert r.json()["detail"] == "请求有误，请检查后重新提交。"
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors]
    assert all(e["code"] and e["message"] for e in errors)
    assert Elder.objects.get(pk=sj_elder.pk).status == "active"


@pytest.mark.parametrize("body", ["not json", "{", "\x00"])
def test_a_body_that_is_not_json_is_400_in_chinese(api_for, sj_elder, body):
    r = _post_raw(api_for("doctor_sj"), ELDER.format(sj_elder.pk), body)
    assert r.status_code == 400
    assert (
        r.json()["errors"] == [{"field": "__all__", "code": "BAD_REQUEST", "message": r.json()["detail"]}]
        and "JSON" in r.json()["detail"]
    )


def test_an_action_without_its_required_field_is_422_on_that_field(api_for, sj_elder):
    r = api_for("doctor_sj").post(ELDER.format(sj_elder.pk), {"action": "record_death", "reason": "病故"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "effective_date"
    assert r.json()["errors"][0]["code"] == "REQUIRED" and "必填" in r.json()["errors"][0]["message"]


def test_a_second_identical_transition_is_409_not_500(api_for, sj_elder, today):
    api = api_for("doctor_sj")
    body = {"action": "move_out", "reason": "迁居", "effective_date": today.isoformat()}
    assert api.post(ELDER.format(sj_elder.pk), body).status_code == 200
    again = api.post(ELDER.format(sj_elder.pk), body)
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert history_of(sj_elder).count() == 1


def test_out_of_scope_is_404_and_a_reader_without_the_permission_403(api_for, sj_elder, today):
    body = {"action": "move_out", "effective_date": today.isoformat()}
    assert api_for("doctor_tp").post(ELDER.format(sj_elder.pk), body).status_code == 404
    assert api_for("doctor_tp").get(ELDER.format(sj_elder.pk)).status_code == 404
    assert api_for("wjj").post(ELDER.format(sj_elder.pk), body).status_code == 403
    assert Elder.objects.get(pk=sj_elder.pk).status == "active"


@pytest.mark.parametrize(
    "query",
    [
        {"codes": "HM-1", "region": "52\x0006"},
        {"codes": "HM-1", "period": "2026\x00"},
        {"codes": "HM-1\x00"},
        {"codes": "HM-1", "region": "9" * 400},
        {"codes": "HM-1", "period": "9" * 400},
        {"codes": "HM-1", "period": "2026-13"},
        {"codes": ""},
    ],
)
def test_the_indicator_fragment_refuses_odd_queries_with_404(client_for, query):
    # a NUL character is refused before any view runs (core.middleware.RefuseNulMiddleware): 400
    expected = 400 if any("\x00" in v for v in query.values()) else 404
    assert client_for("wjj").get("/monitoring/fragments/indicators/", query).status_code == expected


@pytest.mark.parametrize("page", ["0", "-1", "99999999999999999999", "abc", "\x00", "1.5"])
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("wjj", "/monitoring/reports/"),
        ("wjj", "/monitoring/scorecards/"),
        ("wjj", "/monitoring/declarations/"),
    ],
)
def test_paged_lists_answer_any_page_value(client_for, who, path, page):
    # any page number shows a page; a NUL character is refused before the view with 400, never a 500
    expected = 400 if "\x00" in page else 200
    assert client_for(who).get(path, {"page": page}).status_code == expected
