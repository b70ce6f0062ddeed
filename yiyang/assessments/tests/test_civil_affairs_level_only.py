"""民政 reads the level and the category of an ability assessment, never its answers (issue 15).

GB/T 42195, MZ/T 039 and 长护 answers hold dementia, psychiatric diagnoses, falls and suicide events;
民政 places and funds eldercare by ability level, so the API, the result page, the history and the PDF
give a reader without health access the level and the category only. Health readers see everything.
"""

from __future__ import annotations

import pytest

from yiyang.accounts.models import User
from yiyang.assessments.models import AssessmentResponse
from yiyang.core.scoping import scope_elders


@pytest.fixture
def ability(demo_db) -> AssessmentResponse:
    """A finalised GB/T 42195 assessment with answers, of an elder mzj (民政) and wjj (卫健) both see."""
    mzj = User.objects.get(username="mzj")
    response = (
        AssessmentResponse.objects.filter(
            instrument_code="gbt42195", status="final", elder__in=scope_elders(mzj)
        )
        .exclude(answers={})
        .exclude(level_code="")
        .first()
    )
    assert response is not None
    return response


def test_the_api_gives_civil_affairs_the_level_and_category_and_no_answers(api_for, ability):
    body = api_for("mzj").get(f"/api/v1/assessments/responses/{ability.pk}").json()
    assert body["level_code"] == ability.level_code and body["level_name"] == ability.level_name
    assert body["items_shown"] is False
    assert body["answers"] == {} and body["subscores"] == {} and body["result"] == {}
    assert body["total"] is None and body["note"] == "" and body["level_reason"] == ""
    listed = api_for("mzj").get(f"/api/v1/elders/{ability.elder_id}/assessments").json()
    assert listed and all(x["answers"] == {} and x["total"] is None for x in listed)


def test_the_health_officer_still_reads_every_answer(api_for, ability):
    body = api_for("wjj").get(f"/api/v1/assessments/responses/{ability.pk}").json()
    assert body["items_shown"] is True and body["answers"] == ability.answers
    assert body["total"] == ability.total


def test_the_result_page_shows_civil_affairs_no_answer_table_or_scores(client_for, ability):
    page = client_for("mzj").get(f"/assessments/{ability.pk}/").content.decode()
    assert ability.level_name in page and 'id="level-only"' in page
    assert "<h2>各项答案</h2>" not in page and 'id="result-total"' not in page
    for code in list(ability.answers)[:5]:
        assert f'<span class="hint">{code}</span>' not in page
    health = client_for("wjj").get(f"/assessments/{ability.pk}/").content.decode()
    assert 'id="result-total"' in health and 'id="level-only"' not in health


def test_the_report_pdf_is_refused_to_civil_affairs(client_for, ability):
    assert client_for("mzj").get(f"/assessments/{ability.pk}/report.pdf").status_code == 403


def test_the_history_hides_totals_and_the_chart_from_civil_affairs(client_for, ability):
    page = client_for("mzj").get(f"/elders/{ability.elder_id}/assessments/").content.decode()
    assert ability.level_name in page
    assert 'class="chart"' not in page
