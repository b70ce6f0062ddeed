"""Assessment pages through the page client: fill, draft, finalise, result, history, due list, PDF."""

from __future__ import annotations

import re
import zlib

import pytest
from django.urls import reverse

from yiyang.assessments.models import AssessmentResponse
from yiyang.assessments.registry import all_instruments
from yiyang.core.models import AuditEvent

from .helpers import with_total

pytestmark = pytest.mark.urls("yiyang.assessments.tests.urls")

BARTHEL_FULL = {
    "1": "10",
    "2": "5",
    "3": "5",
    "4": "10",
    "5": "10",
    "6": "10",
    "7": "10",
    "8": "15",
    "9": "15",
    "10": "10",
}


def embedded_font_names(pdf: bytes) -> bytes:
    """The subset font names in a PDF's (compressed) object streams."""
    names = b""
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            names += b" ".join(re.findall(rb"/[A-Z]{6}\+([A-Za-z\-]+)", zlib.decompress(match.group(1))))
        except zlib.error:
            continue
    return names


def form(answers: dict[str, str], action: str) -> dict[str, str]:
    return {f"item:{k}": v for k, v in answers.items()} | {"action": action}


def test_fill_page_offers_one_tap_option_per_item(client_for, sj_elder):
    """The Barthel fill page shows items 1–10 in order, each option a radio with its score."""
    page = client_for("doctor_sj").get(reverse("assessments:new", args=[sj_elder.pk, "barthel"]))
    assert page.status_code == 200
    html = page.content.decode()
    positions = [html.index(f'name="item:{n}"') for n in range(1, 11)]
    assert positions == sorted(positions)
    assert html.count('type="radio" name="item:8"') == 4
    assert "床椅转移" in html and "assess-item required" in html


def test_save_draft_then_finalise_through_the_pages(client_for, sj_elder):
    """保存草稿 keeps a draft; 定稿 with every item answered stores a final response and shows the level."""
    client = client_for("doctor_sj")
    new_url = reverse("assessments:new", args=[sj_elder.pk, "barthel"])
    saved = client.post(new_url, form({"1": "10", "2": "5"}, "draft"))
    draft = AssessmentResponse.objects.filter(elder=sj_elder).latest("id")
    assert saved.status_code == 302 and saved["Location"] == reverse("assessments:edit", args=[draft.pk])
    assert draft.status == "draft" and draft.total == 15
    finalised = client.post(reverse("assessments:edit", args=[draft.pk]), form(BARTHEL_FULL, "finalise"))
    assert finalised["Location"] == reverse("assessments:result", args=[draft.pk])
    result = client.get(finalised["Location"]).content.decode()
    assert "无需依赖" in result
    draft.refresh_from_db()
    assert draft.status == "final"


def test_finalising_with_unanswered_items_shows_them_and_stores_nothing(client_for, sj_elder):
    """定稿 with items missing: 422, each missing item named in Chinese and marked, no response written."""
    before = AssessmentResponse.objects.count()
    page = client_for("doctor_sj").post(
        reverse("assessments:new", args=[sj_elder.pk, "barthel"]), form({"1": "10"}, "finalise")
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "2 洗澡：未作答" in html
    assert 'assess-item required invalid" id="item-2"' in html
    assert 'value="10" checked' in html  # the answer given is kept
    assert AssessmentResponse.objects.count() == before


def test_running_subtotals_follow_the_taps(client_for):
    """htmx fragment: the total and section sub-totals of what is answered so far, and how many remain."""
    page = client_for("doctor_sj").post(
        reverse("assessments:subtotals", args=["gbt42195"]), {"item:B.1.1": "4", "item:B.2.4": "3"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "7" in html and 'id="sub-B.1">4<' in html and 'id="sub-B.2">3<' in html
    assert "24" in html  # 26 items, 2 answered


def test_elder_of_another_institution_is_404_on_every_page(client_for, sj_elder, users):
    """doctor_tp gets 404 for 双江's elder: history, new assessment, result, edit, report."""
    from yiyang.assessments import services

    response = services.start_assessment(
        sj_elder,
        acting_user=users["doctor_sj"],
        instrument_code="gbt42195",
        answers=with_total("gbt42195", 70),
        finalise=True,
    )
    other = client_for("doctor_tp")
    for url in (
        reverse("assessments:elder-history", args=[sj_elder.pk]),
        reverse("assessments:new", args=[sj_elder.pk, "barthel"]),
        reverse("assessments:result", args=[response.pk]),
        reverse("assessments:edit", args=[response.pk]),
        reverse("assessments:report-pdf", args=[response.pk]),
    ):
        assert other.get(url).status_code == 404, url


def test_officer_sees_history_but_cannot_open_a_fill_page(client_for, sj_elder):
    officer = client_for("wjj")
    history = officer.get(reverse("assessments:elder-history", args=[sj_elder.pk]))
    assert history.status_code == 200
    assert reverse("assessments:new", args=[sj_elder.pk, "barthel"]) not in history.content.decode()
    assert officer.get(reverse("assessments:new", args=[sj_elder.pk, "barthel"])).status_code == 403


def test_history_lists_every_instrument_with_chart_data(client_for, sj_elder, users):
    """Two final GB/T 42195 assessments and a Barthel: both instruments listed, chart points in order."""
    from yiyang.assessments import services

    doctor = users["doctor_sj"]
    for total in (70, 60):
        services.start_assessment(
            sj_elder,
            acting_user=doctor,
            instrument_code="gbt42195",
            answers=with_total("gbt42195", total),
            finalise=True,
        )
    services.start_assessment(
        sj_elder, acting_user=doctor, instrument_code="barthel", answers=BARTHEL_FULL, finalise=True
    )
    html = (
        client_for("doctor_sj").get(reverse("assessments:elder-history", args=[sj_elder.pk])).content.decode()
    )
    assert 'id="history-gbt42195"' in html and 'id="history-barthel"' in html
    assert 'id="chart-gbt42195"' in html
    assert html.index('"total": 70') < html.index('"total": 60')


def test_correction_page_starts_from_the_original_answers(client_for, sj_elder, users):
    """更正 opens the fill page prefilled; finalising it supersedes the original, which is kept."""
    from yiyang.assessments import services

    original = services.start_assessment(
        sj_elder,
        acting_user=users["doctor_sj"],
        instrument_code="barthel",
        answers=BARTHEL_FULL,
        finalise=True,
    )
    client = client_for("doctor_sj")
    url = reverse("assessments:new", args=[sj_elder.pk, "barthel"]) + f"?corrects={original.pk}"
    page = client.get(url).content.decode()
    assert 'name="item:8" value="15" checked' in page
    done = client.post(url, form(BARTHEL_FULL | {"8": "10"}, "finalise") | {"corrects": str(original.pk)})
    correction = AssessmentResponse.objects.get(supersedes=original)
    assert done["Location"] == reverse("assessments:result", args=[correction.pk])
    assert correction.total == 95 and AssessmentResponse.objects.get(pk=original.pk).total == 100


def test_due_page_lists_elders_due(client_for, sj_elder, users):
    from yiyang.assessments import services

    services.request_reassessment(sj_elder, acting_user=users["doctor_sj"], reason="出院返回")
    html = client_for("doctor_sj").get(reverse("assessments:due-list")).content.decode()
    assert sj_elder.name in html and "出院返回" in html


def test_gbt42195_report_is_a_pdf_and_its_export_is_audited(client_for, sj_elder, users):
    """附录C report via WeasyPrint; printing personal data is an audited export."""
    from yiyang.assessments import services

    response = services.start_assessment(
        sj_elder,
        acting_user=users["doctor_sj"],
        instrument_code="gbt42195",
        answers=with_total("gbt42195", 50, **{"A.4.1": ["dementia"]}),
        finalise=True,
    )
    pdf = client_for("doctor_sj").get(reverse("assessments:report-pdf", args=[response.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"Noto-Sans-CJK" in embedded_font_names(pdf.content), "the Chinese text needs an embedded CJK font"
    assert AuditEvent.objects.filter(
        action="export", object_id=str(sj_elder.pk), reason=f"assessments.response:{response.pk}"
    ).exists()


@pytest.mark.parametrize("code", [i.code for i in all_instruments()])
def test_every_instrument_can_be_filled_finalised_and_shown(client_for, sj_elder, code):
    """Each instrument's fill page renders, and its result page shows the level or the reason for none."""
    instrument = next(i for i in all_instruments() if i.code == code)
    client = client_for("doctor_sj")
    assert client.get(reverse("assessments:new", args=[sj_elder.pk, code])).status_code == 200
    answers = with_total(instrument, sum(i.top_score for i in instrument.items))
    done = client.post(reverse("assessments:new", args=[sj_elder.pk, code]), form(answers, "finalise"))
    assert done.status_code == 302, done.content.decode()[:2000]
    response = AssessmentResponse.objects.filter(elder=sj_elder, instrument_code=code).get()
    page = client.get(done["Location"]).content.decode()
    assert (response.level_name or response.level_reason) in page
