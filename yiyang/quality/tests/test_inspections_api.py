"""The inspection loop through the API: a self-inspection opens a rectification item per finding with a
deadline in working days; the institution starts and submits the fix with evidence; 卫健 verifies or
reopens; illegal moves are 409 naming the current state; bad input is 4xx with field errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from yiyang.care.tests.factories import make_home, make_user
from yiyang.core import clock
from yiyang.core.models import AuditEvent, Institution, StateTransition
from yiyang.quality.models import EvidenceFile, RectificationItem

from .inspections_helpers import HOME, PDF, self_items, upload

D = dt.date


def _text(r) -> str:  # type: ignore[no-untyped-def]
    """The answer's JSON as readable text (field errors and their Chinese messages)."""
    return json.dumps(r.json(), ensure_ascii=False)


@pytest.fixture
def home(demo_db):  # type: ignore[no-untyped-def]
    return Institution.objects.get(name=HOME)


@pytest.fixture
def on_eve_of_national_day(freeze_clock):  # type: ignore[no-untyped-def]
    freeze_clock(D(2026, 9, 29))


@pytest.fixture
def admin(api_for):  # type: ignore[no-untyped-def]
    return api_for("yly_admin")


def _evidence(api, home) -> int:  # type: ignore[no-untyped-def]
    r = upload(api, home.pk)
    assert r.status_code == 201, r.content
    return r.json()["id"]


def _self_inspection(api, home, findings, day="2026-09-29"):  # type: ignore[no-untyped-def]
    body = {
        "institution_id": home.pk,
        "kind": "self",
        "inspected_on": day,
        "items": self_items(findings, _evidence(api, home)),
    }
    return api.post("/api/v1/inspections", body)


FINDINGS = {"4.2": "3 名新入住老人未做安全风险评估", "5.2": "二楼走廊灭火器压力不足"}


def test_a_self_inspection_opens_one_rectification_item_per_finding_due_in_ten_working_days(
    admin, home, on_eve_of_national_day
):
    r = _self_inspection(admin, home, FINDINGS)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "submitted" and len(body["rectification_ids"]) == 2
    assert body["checklist_label"].startswith("依据") and "非官方" in body["checklist_label"]
    items = admin.get("/api/v1/rectifications", institution=home.pk, state="open").json()["results"]
    mine = [i for i in items if i["id"] in body["rectification_ids"]]
    assert {i["item_code"] for i in mine} == {"4.2", "5.2"}
    # 9/30, 10/8, 10/9, 10/10 (调休 Saturday), 10/12–10/16, 10/19
    assert {i["deadline"] for i in mine} == {"2026-10-19"}
    assert all(i["state_label"] == "待整改" and not i["deadline_estimated"] for i in mine)


def test_the_whole_loop_start_submit_with_evidence_then_verify_and_reopen(
    admin, api_for, home, on_eve_of_national_day
):
    ids = _self_inspection(admin, home, FINDINGS).json()["rectification_ids"]
    wjj = api_for("wjj")
    evidence = _evidence(admin, home)
    for pk in ids:
        path = f"/api/v1/rectifications/{pk}/transitions"
        r = admin.post(
            path, {"action": "start", "measure": "补做风险评估并建立制度", "responsible": "护理部 刘霞"}
        )
        assert r.status_code == 200, r.content
        r = admin.post(path, {"action": "submit", "reason": "已完成", "evidence_ids": [evidence]})
        assert r.status_code == 200 and r.json()["state"] == "submitted"
    first, second = ids
    r = wjj.post(f"/api/v1/rectifications/{first}/transitions", {"action": "verify", "reason": "现场核实"})
    assert r.status_code == 200 and r.json()["state"] == "verified"
    r = wjj.post(f"/api/v1/rectifications/{second}/transitions", {"action": "reopen", "reason": "照片不清晰"})
    assert r.status_code == 200 and r.json()["state"] == "reopened"
    verified = RectificationItem.objects.get(pk=first)
    assert verified.closed_on_time and verified.verified_by.username == "wjj"
    assert list(verified.evidence.values_list("pk", flat=True)) == [evidence]
    history = StateTransition.objects.filter(object_id=second, to_state="reopened").get()
    assert history.user.username == "wjj" and history.reason == "照片不清晰"
    # the institution can submit again from reopened
    r = admin.post(
        f"/api/v1/rectifications/{second}/transitions", {"action": "submit", "evidence_ids": [evidence]}
    )
    assert r.status_code == 200 and r.json()["state"] == "submitted"


def test_an_illegal_move_is_409_naming_the_current_state(admin, api_for, home, on_eve_of_national_day):
    pk = _self_inspection(admin, home, FINDINGS).json()["rectification_ids"][0]
    r = api_for("wjj").post(f"/api/v1/rectifications/{pk}/transitions", {"action": "verify"})
    assert r.status_code == 409
    body = r.json()
    assert body["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert "当前状态为“待整改”" in body["detail"] or "待整改" in body["detail"]
    r = admin.post(f"/api/v1/rectifications/{pk}/transitions", {"action": "fly"})
    assert r.status_code == 409


def test_only_the_county_officer_verifies_and_only_the_institution_moves_its_items(
    admin, api_for, home, on_eve_of_national_day
):
    pk = _self_inspection(admin, home, FINDINGS).json()["rectification_ids"][0]
    path = f"/api/v1/rectifications/{pk}/transitions"
    assert (
        api_for("wjj").post(path, {"action": "start", "measure": "x", "responsible": "y"}).status_code == 403
    )
    admin.post(path, {"action": "start", "measure": "补做评估", "responsible": "刘霞"})
    admin.post(path, {"action": "submit", "evidence_ids": [_evidence(admin, home)]})
    assert admin.post(path, {"action": "verify"}).status_code == 403
    assert api_for("mzj").post(path, {"action": "verify"}).status_code == 403  # 民政 reads, 卫健 verifies


def test_starting_needs_the_measure_and_the_person_and_submitting_needs_evidence(
    admin, home, on_eve_of_national_day
):
    pk = _self_inspection(admin, home, FINDINGS).json()["rectification_ids"][0]
    path = f"/api/v1/rectifications/{pk}/transitions"
    r = admin.post(path, {"action": "start", "responsible": "刘霞"})
    assert r.status_code == 422 and "整改措施" in _text(r)
    admin.post(path, {"action": "start", "measure": "补做评估", "responsible": "刘霞"})
    r = admin.post(path, {"action": "submit"})
    assert r.status_code == 422 and "佐证材料" in _text(r)
    other = make_home()
    foreign = EvidenceFile.objects.create(
        institution=other, kind="png", size=10, uploaded_by=admin_user(), file="quality/evidence/x.png"
    )
    r = admin.post(path, {"action": "submit", "evidence_ids": [foreign.pk]})
    assert r.status_code == 422 and str(foreign.pk) in _text(r)
    assert RectificationItem.objects.get(pk=pk).status == "in_progress"


def admin_user():  # type: ignore[no-untyped-def]
    from yiyang.accounts.models import User

    return User.objects.get(username="yly_admin")


def test_bad_inspections_are_refused_with_field_errors(admin, home, on_eve_of_national_day):
    evidence = _evidence(admin, home)
    base = {"institution_id": home.pk, "kind": "self", "inspected_on": "2026-09-29"}
    r = admin.post("/api/v1/inspections", {**base, "items": [{"code": "9.9", "judgement": "compliant"}]})
    assert r.status_code == 422 and "9.9" in _text(r)
    r = admin.post("/api/v1/inspections", {**base, "items": [{"code": "1.1", "judgement": "maybe"}]})
    assert r.status_code == 422 and "maybe" in _text(r)
    # submitting with items left unjudged, or a finding without a description
    r = admin.post("/api/v1/inspections", {**base, "items": [{"code": "1.1", "judgement": "compliant"}]})
    assert r.status_code == 422 and "请选择判定结果" in _text(r)
    items = self_items({"2.1": ""}, evidence)
    r = admin.post("/api/v1/inspections", {**base, "items": items})
    assert r.status_code == 422 and "请填写发现的问题" in _text(r)
    # an evidence-required item judged 符合 without its evidence
    items = self_items({}, None)
    r = admin.post("/api/v1/inspections", {**base, "items": items})
    assert r.status_code == 422 and "1.4" in _text(r)
    r = admin.post(
        "/api/v1/inspections", {**base, "inspected_on": "2026-09-30", "items": self_items({}, evidence)}
    )
    assert r.status_code == 422 and "不能晚于今天" in _text(r)
    r = admin.post("/api/v1/inspections", {**base, "kind": "audit", "items": []})
    assert r.status_code == 422
    r = admin.post("/api/v1/inspections", {**base, "inspected_on": "not a date"})
    assert r.status_code == 422
    assert not RectificationItem.objects.filter(institution=home, created_at__date=clock.today()).exists()


def test_who_may_run_which_inspection(admin, api_for, home, on_eve_of_national_day):
    body = {"institution_id": home.pk, "kind": "verification", "inspected_on": "2026-09-29", "items": []}
    assert admin.post("/api/v1/inspections", body).status_code == 403  # 核查 is the county's
    r = api_for("wjj").post("/api/v1/inspections", {**body, "kind": "self"})
    assert r.status_code == 403  # 自查 is the institution's
    other = make_home()
    r = admin.post("/api/v1/inspections", {**body, "kind": "self", "institution_id": other.pk})
    assert r.status_code == 422 and r.json()  # not an institution yly_admin inspects
    hospital = Institution.objects.get(name="江口县人民医院")
    r = api_for("wjj").post("/api/v1/inspections", {**body, "institution_id": hospital.pk})
    assert r.status_code == 422


def test_evidence_is_checked_by_its_content_and_size(admin, home):
    assert upload(admin, home.pk, PDF, "scan.pdf").status_code == 201
    r = upload(admin, home.pk, b"MZ\x90\x00 not a picture", "photo.png")
    assert r.status_code == 422 and "PDF、JPEG 或 PNG" in _text(r)
    r = upload(admin, home.pk, b"", "empty.png")
    assert r.status_code == 422
    r = upload(admin, home.pk, b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), "big.png")
    assert r.status_code == 422 and "10 MB" in _text(r)
    stored = EvidenceFile.objects.filter(institution=home).latest("pk")
    assert "photo" not in stored.file.name and stored.file.name.endswith(".pdf")


def test_an_evidence_download_is_audited_and_scoped(admin, client_for, home):
    pk = upload(admin, home.pk).json()["id"]
    r = client_for("yly_admin").get(f"/quality/evidence/{pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="export", object_id=str(pk), username="yly_admin").exists()
    assert client_for("wjj").get(f"/quality/evidence/{pk}/").status_code == 200
    other = make_home()
    make_user("admin_other_home", "institution_admin", other)
    assert client_for("admin_other_home").get(f"/quality/evidence/{pk}/").status_code == 404
