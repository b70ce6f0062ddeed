"""POST /api/v1/assessments/score and the instrument catalogue: the CLI's JSON over HTTP, 4xx never 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from .helpers import by_scores

G2 = [3, 3, 2, 3, 3, 3, 3, 3, 4, 3, 3, 2, 4, 4, 4, 3, 4, 4, 1, 1, 2, 2, 1, 3, 2, 3]


def post(payload, raw: bool = False):
    body = payload if raw else json.dumps(payload, ensure_ascii=False)
    return Client().post("/api/v1/assessments/score", body, content_type="application/json")


def test_score_returns_the_same_shape_as_the_cli():
    """G2 through the API: total 73, sub-totals, 轻度失能; no storage, no login needed."""
    response = post({"instrument": "gbt42195", "items": by_scores("gbt42195", G2)})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 73
    assert data["subscores"] == {"B.1": 23, "B.2": 12, "B.3": 27, "B.4": 11}
    assert data["level"] == {"code": "1", "name": "能力轻度受损（轻度失能）"}
    assert data["level_reason"] is None


def test_score_with_dementia_reports_the_level_change():
    """C.4 rule 2 through the API: preliminary 轻度, final 中度, the rule listed."""
    items = by_scores("gbt42195", G2) | {"A.4.1": ["dementia"]}
    data = post({"instrument": "gbt42195", "items": items}).json()
    assert data["preliminary_level"]["code"] == "1"
    assert data["level"]["code"] == "2"
    assert [c["rule"] for c in data["level_changes"]] == ["C.4.2"]


def test_missing_and_out_of_range_answers_are_422_naming_each_item():
    """Every item at fault is listed, field = item code, with a Chinese message naming it."""
    items = by_scores("gbt42195", G2)
    del items["B.1.1"]
    items["B.2.4"] = 4
    response = post({"instrument": "gbt42195", "items": items})
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"B.1.1", "B.2.4"}
    assert errors["B.1.1"]["code"] == "ITEM_MISSING"
    assert "B.1.1 进食：未作答" in errors["B.1.1"]["message"]
    assert errors["B.2.4"]["code"] == "SCORE_OUT_OF_RANGE"


def test_unknown_instrument_is_422_on_the_instrument_field():
    response = post({"instrument": "nosuch", "items": {}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "instrument"
    assert "未知量表" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"instrument": "barthel", "items": {"1": [1, 2]}},
        {"instrument": "barthel", "items": {"1": {"a": 1}}},
        {"instrument": "barthel", "items": {"1": True}},
        {"instrument": "barthel", "items": {"1": 1.5}},
        {"instrument": "barthel", "items": {"1": None}},
        {"instrument": "barthel", "items": {"1": 10**30}},
        {"instrument": "gbt42195", "items": {"A.4.1": "dementia"}},
        {"instrument": "gbt42195", "items": {"A.4.1": ["nosuch"]}},
        {"instrument": "barthel", "items": []},
        {"instrument": "barthel"},
        {"items": {}},
        {"instrument": ["barthel"], "items": {}},
        [],
    ],
)
def test_malformed_bodies_are_4xx_never_500(payload):
    """Odd types, missing keys and wrong shapes are answered with a 4xx JSON body."""
    response = post(payload)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_body_that_is_not_json_is_4xx():
    response = post("{not json", raw=True)
    assert 400 <= response.status_code < 500


def test_instrument_list_gives_code_version_and_name():
    """GET /assessments/instruments lists every instrument with its current version."""
    response = Client().get("/api/v1/assessments/instruments")
    assert response.status_code == 200
    listed = {i["code"]: i for i in response.json()}
    assert listed["gbt42195"]["version"] == "2022.1"
    assert listed["gbt42195"]["validity_months"] == 12
    assert "barthel" in listed and "satisfaction" in listed


def test_instrument_description_lists_items_and_scored_options():
    """GET /assessments/instruments/barthel: items 1–10 with their option scores; unknown code is 404."""
    data = Client().get("/api/v1/assessments/instruments/barthel").json()
    assert [i["code"] for i in data["items"]] == [str(n) for n in range(1, 11)]
    assert [o["score"] for o in data["items"][7]["options"]] == [15, 10, 5, 0]
    assert Client().get("/api/v1/assessments/instruments/nosuch").status_code == 404
