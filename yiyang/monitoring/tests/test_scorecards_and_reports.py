"""The derived 示范县 checklist: loaded as data and labelled as derived, scored from indicators and from
evidence a reviewer accepts (partial points), self-assessment → review → final score; reports upwards
as Excel and PDF from materialised values, kept as history."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yiyang.core.errors import ServiceError
from yiyang.core.models import Region
from yiyang.monitoring import reports, scorecards, services
from yiyang.monitoring.models import IndicatorValue, Report, ScorecardEvent

COUNTY = "520621000000"
CARD = "jiangkou-2022-derived"


def test_the_shipped_checklist_has_the_six_headings_and_says_it_is_derived():
    """standards/scorecards-and-checklists.md §1: six headings, example points, labelled as derived."""
    card = scorecards.get_scorecard(CARD)
    assert [h.name for h in card.headings] == [
        "组织建设好",
        "政策支持好",
        "机构建设好",
        "健康服务好",
        "环境建设好",
        "群众满意好",
    ]
    assert card.derived and card.label == "依据实施方案整理（示例分值）"
    assert {i.points for i in card.items} == {Decimal(4)}  # equal example points
    assert card.total_points == 4 * len(card.items)
    indicator_items = {i.code: i.scoring.indicator for i in card.items if i.scoring.type == "indicator"}
    assert (
        indicator_items["D1"] == "HM-1"
        and indicator_items["E2"] == "IR-3"
        and indicator_items["F1"] == "SA-1"
    )


def test_a_derived_scorecard_without_its_label_is_refused(tmp_path: Path):
    text = (
        (scorecards.SCORECARDS_DIR / f"{CARD}.yaml")
        .read_text(encoding="utf-8")
        .replace("label: 依据实施方案整理（示例分值）", "label: ''")
    )
    path = tmp_path / f"{CARD}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(scorecards.ScorecardDefinitionError, match="derived scorecard must carry a label"):
        scorecards.load_file(path)


@pytest.mark.parametrize(
    ("value", "points"),
    [(None, 0), (Decimal("72"), 4), (Decimal("71.99"), 2), (Decimal("60"), 2), (Decimal("59.9"), 0)],
)
def test_indicator_points_follow_the_bands_on_the_cut_off(value, points):
    item = scorecards.get_scorecard(CARD).item("D1")  # HM-1: ≥72 → 4, ≥60 → 2
    assert scorecards.band_points(item.scoring, value) == points


@pytest.fixture
def assessment(users):  # type: ignore[no-untyped-def]
    services.compute_now(COUNTY, "2026")
    return scorecards.start_assessment(
        acting_user=users["wjj"], scorecard_code=CARD, region=Region.objects.get(code=COUNTY), period="2026"
    )


def test_indicator_items_wait_for_values_being_computed_and_submitting_waits_too(
    users, client_for, django_capture_on_commit_callbacks
):
    """Starting a scorecard never computes in the request: items whose values are missing wait (no
    points, not zero), the values are asked of the drain, and submitting is refused until they are
    there; the page picks them up once the drain has computed them."""
    from yiyang.core.actors import system_user
    from yiyang.monitoring.models import RecomputeMark

    wjj = users["wjj"]
    a = scorecards.start_assessment(
        acting_user=wjj, scorecard_code=CARD, region=Region.objects.get(code=COUNTY), period="2025"
    )
    e2 = a.items.get(item_code="E2")
    assert e2.self_points is None and e2.indicator_value is None
    assert not IndicatorValue.objects.filter(period="2025").exists()
    assert RecomputeMark.objects.filter(region_code=COUNTY, period="2025", source="*").exists()
    assert "计算中" in client_for("wjj").get(f"/monitoring/scorecards/{a.pk}/").content.decode()
    for i in scorecards.get_scorecard(CARD).items:
        if i.scoring.type == "evidence":
            scorecards.self_assess_item(a, acting_user=wjj, item_code=i.code, points=1)
    with pytest.raises(ServiceError) as exc:
        scorecards.submit(a, acting_user=wjj)
    assert exc.value.code == "VALUES_PENDING" and "E2" in exc.value.message
    with django_capture_on_commit_callbacks(execute=True):
        services.drain(acting_user=system_user())
    html = client_for("wjj").get(f"/monitoring/scorecards/{a.pk}/").content.decode()
    assert "计算中" not in html
    ir3 = IndicatorValue.objects.get(indicator_code="IR-3", region_id=COUNTY, period="2025")
    assert a.items.get(item_code="E2").indicator_value == ir3.value
    scorecards.submit(a, acting_user=wjj)
    assert a.status == "submitted"


def test_starting_scores_indicator_items_from_materialised_values(assessment):
    ir3 = IndicatorValue.objects.get(indicator_code="IR-3", region_id=COUNTY, period="2026")
    e2 = assessment.items.get(item_code="E2")
    assert e2.indicator_value == ir3.value
    assert e2.self_points == (4 if ir3.value >= 60 else 2 if ir3.value >= 45 else 0)
    ir1x = assessment.items.get(item_code="C1")  # demo: 人民医院 has geriatrics, 中医医院 not → 50% → 2
    assert (ir1x.indicator_value, ir1x.self_points) == (Decimal("50.0000"), 2)


def test_the_full_workflow_with_partial_points(assessment, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wjj = users["wjj"]
    card = scorecards.get_scorecard(CARD)
    evidence_items = [i.code for i in card.items if i.scoring.type == "evidence"]
    with pytest.raises(ServiceError, match="A1"):
        scorecards.submit(assessment, acting_user=wjj)
    for code in evidence_items:
        scorecards.self_assess_item(
            assessment,
            acting_user=wjj,
            item_code=code,
            points=4,
            note="已落实",
            evidence=SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4") if code == "A2" else None,
        )
    assert assessment.items.get(item_code="A2").evidence_name == "会议记录.pdf"
    scorecards.submit(assessment, acting_user=wjj)
    indicator_points = sum(
        r.self_points for r in assessment.items.all() if card.item(r.item_code).scoring.type == "indicator"
    )
    assert assessment.self_total == 4 * len(evidence_items) + indicator_points
    with pytest.raises(ServiceError):
        scorecards.self_assess_item(assessment, acting_user=wjj, item_code="A1", points=1)
    reviewer = users["swjw"]  # the city health commission reviews the county's self-assessment
    with pytest.raises(ServiceError, match="A1"):
        scorecards.finalise(assessment, acting_user=reviewer)
    for code in evidence_items:
        scorecards.review_item(
            assessment, acting_user=reviewer, item_code=code, points=Decimal("2.5") if code == "A1" else 4
        )
    with pytest.raises(ServiceError, match="0"):
        scorecards.review_item(assessment, acting_user=reviewer, item_code="A3", points=5)
    scorecards.finalise(assessment, acting_user=reviewer)
    assert assessment.final_total == 4 * len(evidence_items) - Decimal("1.5") + indicator_points
    assert [e.action for e in ScorecardEvent.objects.filter(assessment=assessment)] == ["submit", "finalise"]


def test_civil_officer_cannot_start_or_review(assessment, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        scorecards.start_assessment(
            acting_user=users["mzj"],
            scorecard_code=CARD,
            region=Region.objects.get(code=COUNTY),
            period="2026",
        )
    with pytest.raises(PermissionDenied):
        scorecards.self_assess_item(assessment, acting_user=users["mzj"], item_code="A1", points=1)


def test_return_for_revision_needs_a_reason_and_reopens_the_draft(assessment, users):
    wjj = users["wjj"]
    for i in scorecards.get_scorecard(CARD).items:
        if i.scoring.type == "evidence":
            scorecards.self_assess_item(assessment, acting_user=wjj, item_code=i.code, points=1)
    scorecards.submit(assessment, acting_user=wjj)
    reviewer = users["swjw"]
    with pytest.raises(ServiceError):
        scorecards.return_for_revision(assessment, acting_user=reviewer, reason=" ")
    scorecards.return_for_revision(assessment, acting_user=reviewer, reason="佐证不足")
    assert assessment.status == "draft"
    with pytest.raises(ServiceError):  # a draft cannot be finalised: not in the transition table
        scorecards.finalise(assessment, acting_user=reviewer)


def test_whoever_prepared_the_self_assessment_cannot_review_it(assessment, users):
    """Four eyes: wjj prepared and submitted it, so wjj may not score, return or finalise it."""
    wjj = users["wjj"]
    for i in scorecards.get_scorecard(CARD).items:
        if i.scoring.type == "evidence":
            scorecards.self_assess_item(assessment, acting_user=wjj, item_code=i.code, points=1)
    scorecards.submit(assessment, acting_user=wjj)
    for attempt in (
        lambda: scorecards.review_item(assessment, acting_user=wjj, item_code="A1", points=1),
        lambda: scorecards.return_for_revision(assessment, acting_user=wjj, reason="自己退回"),
        lambda: scorecards.finalise(assessment, acting_user=wjj),
    ):
        with pytest.raises(ServiceError, match=r"someone else|他人|其他人"):
            attempt()
    assessment.refresh_from_db()
    assert assessment.status == "submitted" and assessment.items.get(item_code="A1").review_points is None
    assert not scorecards.can_act(wjj, assessment, "finalise")
    assert scorecards.can_act(users["swjw"], assessment, "finalise")


# --------------------------------------------------------------------------------------------------
# Reports upwards
# --------------------------------------------------------------------------------------------------


def test_indicator_report_needs_computed_values(users, demo_db):
    with pytest.raises(ServiceError) as exc:
        reports.generate(
            acting_user=users["wjj"],
            kind="indicators",
            region=Region.objects.get(code=COUNTY),
            period="2025Q1",
            file_format="xlsx",
        )
    assert exc.value.code == "NOT_COMPUTED"


def test_indicator_report_excel_is_built_from_materialised_values(
    users, demo_db, settings, tmp_path, unsourced_indicator
):
    settings.MEDIA_ROOT = tmp_path
    services.compute_now(COUNTY, "2026")
    report = reports.generate(
        acting_user=users["wjj"],
        kind="indicators",
        region=Region.objects.get(code=COUNTY),
        period="2026",
        file_format="xlsx",
    )
    ws = load_workbook(io.BytesIO(Path(report.file.path).read_bytes())).active
    assert "江口县" in ws["A1"].value and "2026" in ws["A1"].value
    table = {
        ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(1, 11)] for r in range(5, ws.max_row + 1)
    }
    pop = IndicatorValue.objects.get(indicator_code="POP-65", region_id=COUNTY, period="2026")
    assert table["POP-65"][3] == int(pop.numerator)
    assert table["XX-9"][5] == "无数据源"
    assert table["IR-5"][5] != "无数据源"
    assert report.values_computed_at == pop.computed_at
    assert Report.objects.count() == 1


def _pdf_fonts(data: bytes) -> set[bytes]:
    """Font names a PDF embeds (from its plain and compressed objects)."""
    import re
    import zlib

    found = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", data))
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found |= set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", zlib.decompress(m.group(1))))
        except zlib.error:
            continue
    return found


def test_pdf_reports_use_the_system_cjk_font(users, demo_db, settings, tmp_path, assessment):
    settings.MEDIA_ROOT = tmp_path
    wjj = users["wjj"]
    region = Region.objects.get(code=COUNTY)
    first = reports.generate(
        acting_user=wjj, kind="indicators", region=region, period="2026", file_format="pdf"
    )
    card = reports.generate(
        acting_user=wjj,
        kind="scorecard",
        region=region,
        period="2026",
        file_format="pdf",
        scorecard=assessment,
    )
    for r in (first, card):
        data = Path(r.file.path).read_bytes()
        assert data.startswith(b"%PDF")
        assert any(b"CJK-SC" in name for name in _pdf_fonts(data)), _pdf_fonts(data)
    xlsx = reports.generate(
        acting_user=wjj,
        kind="scorecard",
        region=region,
        period="2026",
        file_format="xlsx",
        scorecard=assessment,
    )
    ws = load_workbook(io.BytesIO(Path(xlsx.file.path).read_bytes())).active
    assert "依据实施方案整理（示例分值）" in ws["A1"].value
    assert Report.objects.count() == 3  # history kept


def test_report_pages_for_the_officer(client_for, users, demo_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.compute_now(COUNTY, "2026", ["POP-65", "IR-3"])
    c = client_for("wjj")
    res = c.post(
        "/monitoring/reports/", {"kind": "indicators", "region": COUNTY, "period": "2026", "format": "xlsx"}
    )
    assert res.status_code == 302
    report = Report.objects.get()
    download = c.get(f"/monitoring/reports/{report.pk}/")
    assert download.status_code == 200
    assert "2026" in c.get("/monitoring/reports/").content.decode()
    assert client_for("mzj").get("/monitoring/reports/").status_code == 403
    assert client_for("mzj").get(f"/monitoring/reports/{report.pk}/").status_code == 403


def test_scorecard_pages(client_for, users, demo_db):
    c = client_for("wjj")
    res = c.post("/monitoring/scorecards/", {"scorecard": CARD, "period": "2026"})
    assert res.status_code == 302
    page = c.get(res["Location"]).content.decode()
    assert "依据实施方案整理（示例分值）" in page and "组织建设好" in page and "群众满意好" in page
    pk = int(res["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert (
        c.post(f"/monitoring/scorecards/{pk}/", {"action": "self", "item": "A1", "points": "3"}).status_code
        == 302
    )
    from yiyang.monitoring.models import ScorecardItemScore

    assert ScorecardItemScore.objects.get(assessment_id=pk, item_code="A1").self_points == 3
    assert client_for("doctor_sj").get(f"/monitoring/scorecards/{pk}/").status_code == 403
