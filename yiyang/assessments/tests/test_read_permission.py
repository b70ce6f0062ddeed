"""Each instrument declares the permission needed to read its responses (``read_permission``): health
data such as the TCM constitution (tcm33) need health.view, so a civil-affairs officer (mzj, elder.view
only) cannot read them even for an elder in scope; the ability assessments 民政 uses for eldercare
(GB/T 42195, MZ/T 039, long-term care) are readable with elder.view."""

import pytest

from yiyang.accounts.models import User
from yiyang.assessments.models import AssessmentResponse
from yiyang.assessments.registry import get_instrument
from yiyang.core.models import AuditEvent
from yiyang.core.scoping import scope_elders


@pytest.fixture
def tcm_in_mzj_scope(demo_db):
    """A finalised TCM constitution result of a resident of an eldercare home (an elder mzj sees)."""
    mzj = User.objects.get(username="mzj")
    response = AssessmentResponse.objects.filter(
        instrument_code="tcm33", status="final", elder__in=scope_elders(mzj)
    ).first()
    assert response is not None
    return response


def test_definitions_declare_who_reads_them():
    assert get_instrument("tcm33").read_permission == "health.view"
    for code in ("selfcare", "gds15", "minicog", "barthel", "braden", "morse"):
        assert get_instrument(code).read_permission == "health.view", code
    for code in ("gbt42195", "mzt039", "ltc"):
        assert get_instrument(code).read_permission == "elder.view", code


def test_an_unknown_read_permission_is_refused():
    import tempfile
    from pathlib import Path

    from yiyang.assessments.registry import DefinitionError, definition_files, load_file

    source = next(p for p in definition_files() if p.stem == "minicog").read_text(encoding="utf-8")
    bad = source.replace("read_permission: health.view", "read_permission: health.peek")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "minicog.yaml"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(DefinitionError, match="read_permission"):
            load_file(path)


def test_civil_affairs_cannot_read_a_tcm_constitution_result(api_for, client_for, tcm_in_mzj_scope):
    """Given a tcm33 result of an elder in mzj's scope,
    when mzj asks for it or for the elder's history (API and pages),
    then the result is a 404 (no view audited) and absent from the history and the due list."""
    r = tcm_in_mzj_scope
    assert api_for("mzj").get(f"/api/v1/assessments/responses/{r.pk}").status_code == 404
    assert client_for("mzj").get(f"/assessments/{r.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(username="mzj", action="view").exists()
    listed = api_for("mzj").get(f"/api/v1/elders/{r.elder_id}/assessments")
    assert listed.status_code == 200 and all(x["instrument"] != "tcm33" for x in listed.json())
    assert api_for("mzj").get(f"/api/v1/elders/{r.elder_id}/assessments", instrument="tcm33").json() == []
    page = client_for("mzj").get(f"/elders/{r.elder_id}/assessments/")
    assert page.status_code == 200 and "中医体质辨识" not in page.content.decode()
    assert api_for("mzj").get("/api/v1/assessments/due", instrument="tcm33").json() == []


def test_the_health_officer_reads_it(api_for, client_for, tcm_in_mzj_scope):
    r = tcm_in_mzj_scope
    body = api_for("wjj").get(f"/api/v1/assessments/responses/{r.pk}")
    assert body.status_code == 200 and body.json()["instrument"] == "tcm33"
    listed = api_for("wjj").get(f"/api/v1/elders/{r.elder_id}/assessments").json()
    assert r.pk in [x["id"] for x in listed]
    assert "中医体质辨识" in client_for("wjj").get(f"/elders/{r.elder_id}/assessments/").content.decode()


def test_civil_affairs_reads_an_ability_assessment(api_for, tcm_in_mzj_scope):
    """An ability assessment (GB/T 42195) of the same elder is readable with elder.view."""
    instrument = get_instrument("gbt42195")
    ability = AssessmentResponse.objects.create(
        elder=tcm_in_mzj_scope.elder,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        assessor=User.objects.get(username="doctor_sj"),
    )
    got = api_for("mzj").get(f"/api/v1/assessments/responses/{ability.pk}")
    assert got.status_code == 200 and got.json()["instrument"] == "gbt42195"
    listed = api_for("mzj").get(f"/api/v1/elders/{ability.elder_id}/assessments").json()
    assert [x["id"] for x in listed] == [ability.pk]
