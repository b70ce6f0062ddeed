"""Reassessment due: after a change of condition recorded by staff and after an incident (the
``incident_reported`` signal); the next risk assessment at that home answers it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from yiyang.core.models import Institution
from yiyang.quality import access_risk
from yiyang.quality.models import ReassessmentRequest
from yiyang.quality.services import risk as services
from yiyang.quality.signals import incident_reported

from .conftest import at, screens

D = dt.date(2026, 10, 12)


def incident(pk: int, stay, kind: str = "fall"):  # type: ignore[no-untyped-def]
    return SimpleNamespace(pk=pk, elder_id=stay.elder_id, institution_id=stay.institution_id, kind=kind)


def test_an_incident_asks_for_a_reassessment_once_and_the_next_assessment_answers_it(
    admit, nurse, freeze_clock, users
):
    stay = admit(at(D, 9, 0))
    incident_reported.send(sender=object, incident=incident(9101, stay))
    incident_reported.send(sender=object, incident=incident(9101, stay))  # sent twice: one request
    due = list(access_risk.reassessments_due(nurse))
    mine = [r for r in due if r.elder_id == stay.elder_id]
    assert len(mine) == 1
    assert (mine[0].reason, mine[0].source_ref) == ("after_incident", "quality.incident:9101")
    assert "fall" in mine[0].detail
    freeze_clock(at(D + dt.timedelta(days=1), 10, 0))
    ra = services.record_risk_assessment(
        acting_user=nurse,
        elder=stay.elder,
        institution=stay.institution,
        kind="after_incident",
        screens=screens(fall=45, only=("fall",)),
    )
    assert ReassessmentRequest.objects.get(pk=mine[0].pk).resolved_by == ra
    assert stay.elder_id not in {r.elder_id for r in access_risk.reassessments_due(nurse)}


def test_an_incident_at_a_hospital_asks_for_nothing(admit):
    stay = admit(at(D, 9, 0))
    hospital = Institution.objects.filter(kind="general_hospital").first()
    before = ReassessmentRequest.objects.count()
    incident_reported.send(
        sender=object,
        incident=SimpleNamespace(pk=9102, elder_id=stay.elder_id, institution_id=hospital.pk, kind="fall"),
    )
    assert ReassessmentRequest.objects.count() == before


def test_staff_record_a_change_of_condition_and_the_resident_is_due(admit, users, client_for, freeze_clock):
    stay = admit(at(D, 9, 0))
    r = client_for("yly_admin").post(
        f"/quality/risk/stays/{stay.pk}/change/", {"detail": "脑梗死复发，左侧肢体无力"}
    )
    assert r.status_code == 302
    due = [x for x in access_risk.reassessments_due(users["yly_admin"]) if x.elder_id == stay.elder_id]
    assert [(x.reason, x.detail) for x in due] == [("change_of_condition", "脑梗死复发，左侧肢体无力")]
    page = client_for("wjj").get("/quality/risk/").content.decode()
    assert "脑梗死复发，左侧肢体无力" in page


def test_a_change_of_condition_needs_what_changed(admit, users):
    stay = admit(at(D, 9, 0))
    with pytest.raises(services.ServiceError) as exc:
        services.request_reassessment(
            acting_user=users["yly_admin"], elder=stay.elder, institution=stay.institution, detail="  "
        )
    assert exc.value.field == "detail"


def test_the_officers_cannot_record_a_change(admit, client_for):
    stay = admit(at(D, 9, 0))
    assert (
        client_for("wjj").post(f"/quality/risk/stays/{stay.pk}/change/", {"detail": "x"}).status_code == 403
    )
