"""Health pages answer each role: 200 where in scope, 404 out of scope, 403 without permission;
forms save through the services; the batch queue moves to the next elder; the export is audited."""

import pytest

from yiyang.core.models import AuditEvent
from yiyang.health import services
from yiyang.health.models import HealthCheck

from .conftest import complete_check_data

LIST_PAGES = [
    "/health/worklist/",
    "/health/checks/",
    "/health/checks/batch/",
    "/health/chronic/",
    "/health/contracts/",
    "/health/education/",
]


@pytest.mark.parametrize("username", ["doctor_sj", "wjj", "yly_admin"])
def test_list_pages_render_for_roles_with_health_view(client_for, username):
    c = client_for(username)
    for url in LIST_PAGES:
        if url == "/health/checks/batch/" and username != "doctor_sj":
            assert c.get(url).status_code == 403
            continue
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)


def test_civil_officer_sees_no_health_records(client_for, users, fresh_elder, today):
    """民政 has no health.view: no navigation entry, and an elder's archive is a 404."""
    elder = fresh_elder()
    services.record_health_check(elder, acting_user=users["doctor_sj"], data=complete_check_data(today))
    c = client_for("mzj")
    assert 'href="/health/worklist/"' not in c.get("/").content.decode()
    assert 'href="/health/worklist/"' in client_for("wjj").get("/").content.decode()
    assert c.get(f"/health/elders/{elder.pk}/").status_code == 404


def test_archive_page_shows_the_record_and_charts_offline(client_for, users, fresh_elder, today):
    elder = fresh_elder()
    services.record_health_check(elder, acting_user=users["doctor_sj"], data=complete_check_data(today))
    body = client_for("doctor_sj").get(f"/health/elders/{elder.pk}/").content.decode()
    assert "vendor/echarts/echarts.min.js" in body and "yoy-data" in body
    assert "http://" not in body and "https://" not in body
    assert client_for("doctor_tp").get(f"/health/elders/{elder.pk}/").status_code == 404
    frag = client_for("doctor_sj").get(f"/health/elders/{elder.pk}/timeline/", {"kind": "check"})
    assert frag.status_code == 200 and "/health/checks/" in frag.content.decode()


def test_check_form_saves_and_refuses_with_a_named_field(client_for, fresh_elder, today):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    data = {k: (",".join(v) if isinstance(v, list) else v) for k, v in complete_check_data(today).items()}
    post = {k: v for k, v in data.items() if not isinstance(complete_check_data(today)[k], list)}
    post["symptoms"] = ["1"]
    post["guidance"] = ["2"]
    post["dentition"] = ["1"]
    bad = c.post(
        f"/health/elders/{elder.pk}/checks/new/", post | {"bp_left_systolic": "30", "bp_left_diastolic": "20"}
    )
    assert bad.status_code == 200 and not HealthCheck.objects.filter(elder=elder).exists()
    r = c.post(f"/health/elders/{elder.pk}/checks/new/", post)
    assert r.status_code == 302
    check = HealthCheck.objects.get(elder=elder)
    assert check.is_complete


def test_batch_queue_moves_to_the_next_elder(client_for, fresh_elder, today):
    first = fresh_elder()
    fresh_elder(exclude=(first.pk,))  # a second unchecked elder, whatever the demo left in the village
    village = first.region_id
    c = client_for("doctor_sj")
    page = c.get("/health/checks/batch/", {"village": village}).content.decode()
    assert first.name in page
    post = {k: v for k, v in complete_check_data(today).items() if not isinstance(v, list)}
    post |= {"symptoms": ["1"], "guidance": ["2"], "dentition": ["1"]}
    queue_first = c.get("/health/checks/batch/", {"village": village}).context["queue"][0]
    r = c.post(f"/health/elders/{queue_first.pk}/checks/new/?queue={village}", post)
    assert r.status_code == 302 and f"queue={village}" in r["Location"]
    assert str(queue_first.pk) not in r["Location"].split("?")[0]


def test_export_is_audited_per_elder(client_for, users, fresh_elder, today):
    """Every exported elder gets an export audit row (core.services.record_export)."""
    elder = fresh_elder()
    r = client_for("wjj").get("/health/checks/export.xlsx", {"year": today.year, "village": elder.region_id})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="export", object_id=str(elder.pk), username="wjj").exists()
    assert client_for("doctor_sj").get("/health/checks/export.xlsx").status_code == 403


def test_followup_and_contract_pages(client_for, users, sj_team, packages, fresh_elder, today):
    elder = fresh_elder()
    c = client_for("doctor_sj")
    r = c.post(
        f"/health/elders/{elder.pk}/cases/new/",
        {"disease": "hypertension", "diagnosed_on": today.isoformat(), "source": "outpatient"},
    )
    assert r.status_code == 302
    case = elder.chronic_cases.get()
    r = c.post(
        f"/health/cases/{case.pk}/followups/new/",
        {"visit_date": today.isoformat(), "method": "1", "systolic": "130", "diastolic": "80"},
    )
    assert r.status_code == 302 and case.followups.get().rule == "E"
    r = c.post(
        f"/health/elders/{elder.pk}/contracts/new/",
        {
            "team": sj_team.pk,
            "doctor": users["doctor_sj"].pk,
            "packages": [packages["ELDERLY"].pk],
            "signed_on": today.isoformat(),
            "signer": "self",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    contract = elder.family_contracts.get()
    assert c.get(f"/health/contracts/{contract.pk}/").status_code == 200
    assert client_for("doctor_tp").get(f"/health/contracts/{contract.pk}/").status_code == 404
    r = c.post(
        f"/health/contracts/{contract.pk}/",
        {
            "action": "deliver",
            "item_code": "health_guidance",
            "delivered_on": today.isoformat(),
            "place": "home",
        },
    )
    assert r.status_code == 302 and contract.deliveries.count() == 1


def test_tcm_page_records_identification_and_guidance(client_for, fresh_elder, today):
    elder = fresh_elder()
    post = {f"q{i}": "1" for i in range(1, 34)} | {"q1": "5", "service_date": today.isoformat()}
    c = client_for("doctor_sj")
    r = c.post(f"/health/elders/{elder.pk}/tcm/new/", post)
    assert r.status_code == 200 and "平和质" in r.content.decode()  # guidance missing: refused, named
    r = c.post(f"/health/elders/{elder.pk}/tcm/new/", post | {"guidance_balanced": ["1"]})
    assert r.status_code == 302 and elder.tcm_records.count() == 1
