"""GET/POST /api/v1/risk-assessments: scoped (another home sees nothing, 民政 sees the eldercare homes'
assessments without their findings), field errors for bad input, 409 for a second admission assessment;
the admissions awaiting their assessment with the overdue ones."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.accounts.models import ApiToken
from yiyang.core.models import Institution

from .conftest import at, make_user, screens

D = dt.date(2026, 10, 12)
URL = "/api/v1/risk-assessments"


@pytest.fixture
def nurse_api(nurse, api_for):  # type: ignore[no-untyped-def]
    from conftest import ApiClient

    return ApiClient(ApiToken.issue(nurse))


@pytest.fixture
def stay(admit, freeze_clock):  # type: ignore[no-untyped-def]
    s = admit(at(D, 9, 0))
    freeze_clock(at(D, 12, 0))
    return s


def body(stay, **kw):  # type: ignore[no-untyped-def]
    return {"elder_id": stay.elder_id, "kind": "admission", "screens": screens(fall=45), **kw}


def fields(r) -> set[str]:  # type: ignore[no-untyped-def]
    return {e["field"] for e in r.json()["errors"]}


def test_a_nurse_records_an_admission_assessment_and_reads_its_findings(nurse_api, stay):
    r = nurse_api.post(URL, body(stay, assessed_at=at(D, 11, 0).isoformat()))
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["kind"], out["on_time"], out["rule_hours"]) == ("admission", True, 24)
    assert {f["flag"]: f["flag_level"] for f in out["findings"]}["fall"] == "high"
    assert len(out["findings"]) == 5
    listed = nurse_api.get(URL, elder=stay.elder_id).json()
    assert [row["id"] for row in listed["results"]] == [out["id"]]


def test_an_admission_assessment_without_every_screen_names_the_missing_ones(nurse_api, stay):
    r = nurse_api.post(URL, body(stay, screens=screens(only=("fall", "choking"))))
    assert r.status_code == 422
    assert fields(r) == {"screens.pressure_injury", "screens.wandering", "screens.scald"}
    assert "每项" in r.json()["errors"][0]["message"] or "筛查" in r.json()["errors"][0]["message"]


def test_a_bad_answer_is_a_field_error_naming_the_screen_and_item(nurse_api, stay):
    bad = screens()
    bad["fall"]["1"] = "99"
    bad["choking"] = {"1": "1"}  # the time is missing
    r = nurse_api.post(URL, body(stay, screens=bad))
    assert r.status_code == 422
    assert {"screens.fall.1", "screens.choking.2"} <= fields(r)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "yearly"}, "kind"),
        ({"screens": {"falls": {}}}, "screens.falls"),
        ({"assessed_at": at(D + dt.timedelta(days=2), 9, 0).isoformat()}, "assessed_at"),
    ],
)
def test_bad_input_is_422_with_the_field(nurse_api, stay, change, field):
    r = nurse_api.post(URL, body(stay, **change))
    assert r.status_code == 422
    assert field in fields(r)


def test_a_malformed_body_is_4xx_not_500(nurse_api, stay):
    assert nurse_api.post(URL, {"elder_id": "abc", "screens": []}).status_code == 422
    assert nurse_api.post(URL, {"elder_id": stay.elder_id}).status_code == 422


def test_a_second_admission_assessment_is_409(nurse_api, stay):
    assert nurse_api.post(URL, body(stay)).status_code == 201
    r = nurse_api.post(URL, body(stay))
    assert r.status_code == 409
    assert fields(r) == {"kind"}


def test_an_outsider_gets_404_for_the_elder_and_sees_no_rows(nurse_api, stay, demo_db):
    from conftest import ApiClient

    created = nurse_api.post(URL, body(stay)).json()
    other_home = Institution.objects.filter(kind="eldercare_home").exclude(pk=stay.institution_id).first()
    outsider = ApiClient(ApiToken.issue(make_user("other_nurse", "clinician", other_home)))
    assert outsider.post(URL, body(stay)).status_code == 404
    assert outsider.get(f"{URL}/{created['id']}").status_code == 404
    assert created["id"] not in [r["id"] for r in outsider.get(URL, page_size=100).json()["results"]]
    assert outsider.get(URL, elder=stay.elder_id).json()["count"] == 0


def test_the_civil_affairs_officer_reads_eldercare_assessments_without_findings(nurse_api, stay, api_for):
    created = nurse_api.post(URL, body(stay)).json()
    mzj = api_for("mzj").get(f"{URL}/{created['id']}")
    assert mzj.status_code == 200
    assert mzj.json()["findings"] is None  # health data
    assert mzj.json()["on_time"] is True
    wjj = api_for("wjj").get(f"{URL}/{created['id']}").json()
    assert len(wjj["findings"]) == 5
    assert api_for("mzj").post(URL, body(stay)).status_code == 403


def test_the_home_admin_may_not_fill_the_screens(api_for, stay):
    assert api_for("yly_admin").post(URL, body(stay)).status_code == 403


def test_pending_lists_the_admission_until_assessed_and_marks_it_overdue_after_24_hours(
    nurse_api, admit, freeze_clock
):
    s = admit(at(D, 9, 0))
    freeze_clock(at(D + dt.timedelta(days=1), 9, 0))
    rows = {r["stay_id"]: r for r in nurse_api.get(f"{URL}/pending").json()}
    assert rows[s.pk]["overdue"] is False  # exactly 24 h: not yet overdue
    freeze_clock(at(D + dt.timedelta(days=1), 9, 1))
    rows = {r["stay_id"]: r for r in nurse_api.get(f"{URL}/pending", overdue=True).json()}
    assert rows[s.pk]["overdue"] is True
    late = nurse_api.post(URL, body(s))
    assert late.json()["on_time"] is False
    assert s.pk not in {r["stay_id"] for r in nurse_api.get(f"{URL}/pending").json()}
    assert [r["id"] for r in nurse_api.get(URL, overdue=True, elder=s.elder_id).json()["results"]] == [
        late.json()["id"]
    ]


def test_the_overdue_page_highlights_for_the_home_and_the_county(admit, freeze_clock, client_for):
    s = admit(at(D, 9, 0))
    freeze_clock(at(D + dt.timedelta(days=3), 9, 0))
    for who in ("yly_admin", "wjj", "mzj"):
        html = client_for(who).get("/quality/risk/").content.decode()
        assert f'class="overdue" data-stay="{s.pk}"' in html, who
