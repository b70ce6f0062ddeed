"""家庭病床 through the API: admission with its criteria and diagnosis, planned visits, visits recorded,
review, discharge; grants for the bed's doctor and nurse while it is open; scope and bad input."""

from __future__ import annotations

import datetime as dt

from yiyang.core import grants
from yiyang.core.models import AccessGrant

from ..models import FamilySickbed, SickbedVisit
from .homecare_helpers import ALL_CRITERIA, sj

URL = "/api/v1/sickbeds"


def _body(elder, users, **over):  # type: ignore[no-untyped-def]
    body = {
        "elder_id": elder.pk,
        "institution_id": sj().pk,
        "diagnosis_code": "I63.9",
        "doctor_id": users["doctor_sj"].pk,
        "nurse_id": users["nurse_sj"].pk,
        "criteria": ALL_CRITERIA,
        "care_plan": "每周查床，指导康复训练",
        "visit_frequency": "weekly",
        "admit": True,
    }
    body.update(over)
    return body


def test_a_bed_opened_plans_its_visits_and_opens_the_elder_to_its_doctor_and_nurse(
    api_for, users, sj_elder, today
):
    res = api_for("doctor_sj").post(
        URL, _body(sj_elder, users, planned_until=str(today + dt.timedelta(days=27)))
    )
    assert res.status_code == 201, res.content
    data = res.json()
    assert data["status"] == "admitted" and data["diagnosis_name"] == "脑梗死"
    assert data["next_due"] == str(today + dt.timedelta(days=6))  # weekly: the first visit due within 7 days
    bed = FamilySickbed.objects.get(pk=data["id"])
    assert bed.due_visits.count() == 4
    opened = grants.grants_from(bed)
    assert {g.user_id for g in opened} == {users["doctor_sj"].pk, users["nurse_sj"].pk}
    assert all(g.valid_from == today and g.valid_to is None for g in opened)

    visit = api_for("nurse_sj").post(
        f"{URL}/{bed.pk}/visits",
        {"care_given": "测血压，康复训练指导", "findings": "病情稳定", "bp_systolic": 138},
    )
    assert visit.status_code == 201, visit.content
    assert visit.json()["planned_visit"] == 1

    closed = api_for("doctor_sj").post(
        f"{URL}/{bed.pk}/transitions", {"action": "discharge", "summary": "好转，转家庭医生随访"}
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "discharged"
    assert {g.valid_to for g in grants.grants_from(bed)} == {today}
    bed.refresh_from_db()
    assert bed.due_visits.filter(cancelled=True).count() == 3  # the visits planned after the last day

    late = api_for("nurse_sj").post(f"{URL}/{bed.pk}/visits", {"care_given": "换药"})
    assert late.status_code == 409
    assert "已撤床" in late.json()["detail"]


def test_review_is_recorded_and_may_extend_the_plan(api_for, users, sj_elder, today):
    bed = api_for("doctor_sj").post(URL, _body(sj_elder, users)).json()
    before = FamilySickbed.objects.get(pk=bed["id"]).due_visits.count()
    res = api_for("doctor_sj").post(
        f"{URL}/{bed['id']}/transitions",
        {
            "action": "review",
            "reason": "病情稳定，继续建床",
            "planned_until": str(today + dt.timedelta(days=150)),
        },
    )
    assert res.status_code == 200, res.content
    assert res.json()["state"] == "admitted"
    assert res.json()["transition"]["action_label"] == "评估"
    row = FamilySickbed.objects.get(pk=bed["id"])
    assert row.last_reviewed_on == today and row.due_visits.count() > before
    # a review without its conclusion is refused
    res = api_for("doctor_sj").post(f"{URL}/{bed['id']}/transitions", {"action": "review"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "reason"


def test_a_refused_move_names_the_current_state(api_for, users, sj_elder, today):
    bed = api_for("doctor_sj").post(URL, _body(sj_elder, users)).json()
    res = api_for("doctor_sj").post(f"{URL}/{bed['id']}/transitions", {"action": "cancel", "reason": "误录"})
    assert res.status_code == 409
    body = res.json()
    assert body["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert "已建床" in body["detail"]


def test_bad_admissions_are_refused_by_field_and_write_nothing(api_for, users, sj_elder, today):
    api = api_for("doctor_sj")
    count, granted = FamilySickbed.objects.count(), AccessGrant.objects.count()
    cases = [
        ({"diagnosis_code": "XYZ"}, "diagnosis_code", "ICD-10"),
        ({"criteria": ["chronic"]}, "criteria", "不符合"),
        ({"criteria": ["mobility", "stable", "carer", "catchment", "consent"]}, "criteria", "建床指征"),
        ({"nurse_id": users["doctor_tp"].pk}, "nurse_id", "不是"),
        ({"planned_until": str(today + dt.timedelta(days=400))}, "planned_until", "180"),
        ({"applied_on": str(today + dt.timedelta(days=3))}, "applied_on", "不能晚于今天"),
        ({"visit_frequency": "hourly"}, "visit_frequency", "查床频次"),
    ]
    for change, field, words in cases:
        res = api.post(URL, _body(sj_elder, users, **change))
        assert res.status_code == 422, (change, res.content)
        error = res.json()["errors"][0]
        assert error["field"] == field and words in error["message"], (change, error)
    assert FamilySickbed.objects.count() == count and AccessGrant.objects.count() == granted
    assert api.post(URL, {"elder_id": "abc"}).status_code == 422


def test_one_open_bed_per_elder(api_for, users, sj_elder, today):
    assert api_for("doctor_sj").post(URL, _body(sj_elder, users)).status_code == 201
    res = api_for("doctor_sj").post(URL, _body(sj_elder, users))
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "elder_id"


def test_another_townships_staff_see_no_bed_and_cannot_open_one(api_for, users, sj_elder, today):
    bed = api_for("doctor_sj").post(URL, _body(sj_elder, users)).json()
    tp = api_for("doctor_tp")
    assert tp.get(URL, elder=sj_elder.pk).json()["count"] == 0
    assert tp.post(f"{URL}/{bed['id']}/visits", {"care_given": "换药"}).status_code == 404
    assert tp.post(f"{URL}/{bed['id']}/transitions", {"action": "discharge"}).status_code == 404
    assert tp.post(URL, _body(sj_elder, users)).status_code == 404  # the elder is out of scope
    assert api_for("doctor_sj").get(URL, elder=sj_elder.pk).json()["count"] == 1
    assert SickbedVisit.objects.filter(sickbed_id=bed["id"]).count() == 0


def test_overdue_visits_are_listed(api_for, users, sj_elder, freeze_clock):
    day = dt.date(2026, 3, 2)
    freeze_clock(day)
    bed = api_for("doctor_sj").post(URL, _body(sj_elder, users, applied_on=str(day))).json()
    freeze_clock(day + dt.timedelta(days=10))
    overdue = api_for("doctor_sj").get(URL, overdue="true").json()
    assert bed["id"] in [b["id"] for b in overdue["results"]]
    assert next(b for b in overdue["results"] if b["id"] == bed["id"])["overdue_visits"] == 1


def test_visits_reach_the_elders_archive_timeline(api_for, users, sj_elder, today):
    bed = api_for("doctor_sj").post(URL, _body(sj_elder, users)).json()
    api_for("nurse_sj").post(f"{URL}/{bed['id']}/visits", {"care_given": "翻身拍背，压疮预防指导"})
    res = api_for("doctor_sj").get(f"/api/v1/elders/{sj_elder.pk}/timeline", kind="sickbed")
    assert res.status_code == 200, res.content
    summaries = [e["summary"] for e in res.json()["results"]]
    assert any("翻身拍背" in s for s in summaries)
    assert any(s.startswith("建床") for s in summaries)
