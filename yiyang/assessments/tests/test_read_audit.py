"""DESIGN §2/§4: reading an elder's assessments (one response, or the elder's history) is an access to
personal data and writes a "view" row on the elder (谁查看过). A refused read writes nothing."""

from yiyang.assessments.models import AssessmentResponse
from yiyang.core.models import AuditEvent


def views_of(username, elder_id):
    return AuditEvent.objects.filter(
        username=username, action="view", object_type="core.elder", object_id=str(elder_id)
    )


def _response():
    return AssessmentResponse.objects.filter(status="final").order_by("pk").first()


def test_reading_a_response_and_the_history_through_the_api_is_audited(api_for):
    response = _response()
    api = api_for("wjj")
    assert api.get(f"/api/v1/assessments/responses/{response.pk}").status_code == 200
    assert views_of("wjj", response.elder_id).count() == 1
    assert api.get(f"/api/v1/elders/{response.elder_id}/assessments").status_code == 200
    assert views_of("wjj", response.elder_id).count() == 2
    assert views_of("wjj", response.elder_id).first().channel == "api"


def test_the_history_and_result_pages_are_audited(client_for):
    response = _response()
    c = client_for("wjj")
    assert c.get(f"/elders/{response.elder_id}/assessments/").status_code == 200
    assert views_of("wjj", response.elder_id).count() == 1
    assert c.get(f"/assessments/{response.pk}/").status_code == 200
    assert views_of("wjj", response.elder_id).count() == 2


def test_a_refused_read_writes_nothing(api_for):
    """doctor_tp (太平) cannot see a 双江 elder's responses: 404 and no audit row."""
    response = AssessmentResponse.objects.filter(
        status="final", elder__managing_institution__name="江口县双江街道中心卫生院"
    ).first()
    assert api_for("doctor_tp").get(f"/api/v1/assessments/responses/{response.pk}").status_code == 404
    assert api_for("doctor_tp").get(f"/api/v1/elders/{response.elder_id}/assessments").status_code == 404
    assert not views_of("doctor_tp", response.elder_id).exists()
