"""Monitoring pages for the demo personas: dashboards, drill-down and its audited export, recompute with
its progress bar, declarations with evidence."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yiyang.core.models import AuditEvent, Institution
from yiyang.monitoring import services
from yiyang.monitoring.models import Declaration

SJ_TOWN = "520621001000"


@pytest.fixture
def computed(demo_db):  # type: ignore[no-untyped-def]
    services.compute_now("520621000000", "2026", ["POP-65", "IR-3", "IR-9", "IR-1X"])


def test_county_dashboard_shows_key_values_league_and_vendored_echarts(
    client_for, computed, unsourced_indicator
):
    res = client_for("wjj").get("/monitoring/", {"period": "2026", "indicator": "IR-9"})
    assert res.status_code == 200
    html = res.content.decode()
    assert "江口县" in html and "双江街道" in html  # the county and its townships in the league table
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "http://" not in html.split("<body", 1)[1] and "https://" not in html.split("<body", 1)[1]
    assert "无数据源" in html  # an indicator whose source app is not installed
    assert 'id="chart-data"' in html


def test_township_dashboard_lists_villages(client_for, computed):
    res = client_for("wjj").get("/monitoring/", {"region": SJ_TOWN, "period": "2026", "indicator": "POP-65"})
    assert res.status_code == 200
    assert "社区" in res.content.decode()


def test_dashboard_of_a_region_outside_the_scope_is_404(client_for, county):
    assert client_for("wjj").get("/monitoring/", {"region": "529901"}).status_code == 404


def test_navigation_shows_monitoring_to_officers_not_to_sysadmin(client_for, demo_db):
    assert "/monitoring/" in client_for("mzj").get("/").content.decode()
    assert "/monitoring/" not in client_for("sysadmin").get("/").content.decode()
    assert client_for("sysadmin").get("/monitoring/").status_code in (403, 404)


def test_value_page_lists_only_the_doctors_own_elders(client_for, computed, sj_elder):
    """doctor_tp opening 双江's 65+ list sees nobody; doctor_sj sees her centre's elders."""
    params = {"region": SJ_TOWN, "period": "2026", "part": "all"}
    tp = client_for("doctor_tp").get("/monitoring/values/POP-65/", params).content.decode()
    assert f"/elders/{sj_elder.pk}/" not in tp
    assert "/elders/" not in tp.split("<tbody>", 1)[1]
    sj = client_for("doctor_sj").get("/monitoring/values/POP-65/", params).content.decode()
    assert "/elders/" in sj.split("<tbody>", 1)[1]


def test_export_of_the_gap_list_is_excel_and_audited_per_elder(client_for, computed):
    res = client_for("wjj").get(
        "/monitoring/values/POP-65/export.xlsx", {"region": "520621001001", "period": "2026", "part": "all"}
    )
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    assert ws["A1"].value.startswith("65岁及以上常住老年人口数")
    exported = ws.max_row - 5
    assert exported > 0
    assert AuditEvent.objects.filter(action="export", reason__contains="POP-65").count() == exported


def test_clinician_cannot_export_elders(client_for, computed):
    res = client_for("doctor_sj").get(
        "/monitoring/values/POP-65/export.xlsx", {"region": SJ_TOWN, "period": "2026", "part": "all"}
    )
    assert res.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_recompute_answers_with_a_progress_bar_that_stops_polling_when_done(
    client_for, demo_db, django_capture_on_commit_callbacks
):
    c = client_for("wjj")
    with django_capture_on_commit_callbacks(execute=True):
        res = c.post("/monitoring/recompute/", {"region": SJ_TOWN, "period": "2026"}, HTTP_HX_REQUEST="true")
    assert res.status_code == 200
    html = res.content.decode()
    assert "<progress" in html
    from yiyang.monitoring.models import ComputeRun

    run = ComputeRun.objects.get()
    poll = c.get(f"/monitoring/runs/{run.pk}/").content.decode()
    assert 'value="100"' in poll and "hx-trigger" not in poll
    assert client_for("mzj").post("/monitoring/recompute/", {"region": SJ_TOWN}).status_code == 403


def test_officer_declares_a_green_channel_with_evidence(client_for, demo_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hospital = Institution.objects.get(name="江口县人民医院")
    evidence = SimpleUploadedFile("绿色通道文件.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    res = client_for("wjj").post(
        "/monitoring/declarations/",
        {
            "institution": hospital.pk,
            "indicator": "IR-7",
            "value": "1",
            "effective_date": "2026-03-01",
            "note": "县卫健局文件",
            "evidence": evidence,
        },
    )
    assert res.status_code == 302
    decl = Declaration.objects.get()
    assert (decl.indicator_code, decl.value, decl.evidence_name) == ("IR-7", True, "绿色通道文件.pdf")
    assert (tmp_path / decl.evidence.name).exists()
    assert AuditEvent.objects.filter(object_type="monitoring.declaration", action="create").count() == 1
    download = client_for("wjj").get(f"/monitoring/declarations/{decl.pk}/evidence/")
    assert download.status_code == 200


def test_declaring_a_computed_indicator_or_wrong_file_is_refused(client_for, demo_db):
    hospital = Institution.objects.get(name="江口县人民医院")
    c = client_for("wjj")
    res = c.post(
        "/monitoring/declarations/",
        {"institution": hospital.pk, "indicator": "IR-1", "value": "1", "effective_date": "2026-03-01"},
    )
    assert res.status_code == 200  # IR-1 is not offered: the form refuses it
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    res = c.post(
        "/monitoring/declarations/",
        {
            "institution": hospital.pk,
            "indicator": "IR-7",
            "value": "1",
            "effective_date": "2026-03-01",
            "evidence": bad,
        },
    )
    assert res.status_code == 200
    assert not Declaration.objects.exists()
    assert client_for("mzj").post("/monitoring/declarations/", {}).status_code == 403


def test_targets_page_lists_the_plan_targets(client_for, demo_db):
    html = client_for("wjj").get("/monitoring/targets/").content.decode()
    assert "HM-1" in html and "72" in html and "实施方案" in html


def test_first_look_at_a_county_period_queues_it_and_shows_computing(
    client_for, demo_db, django_capture_on_commit_callbacks
):
    """Pages never compute: the first visit to a county's period shows 计算中 and leaves one mark for
    the drain; a second visitor adds nothing; after the drain the page shows the values."""
    from yiyang.core.actors import system_user
    from yiyang.monitoring.models import ComputeRun, IndicatorValue, RecomputeMark

    assert not IndicatorValue.objects.filter(period="2026").exists()
    first = client_for("mzj").get("/monitoring/", {"period": "2026"})
    second = client_for("wjj").get("/monitoring/", {"region": SJ_TOWN, "period": "2026"})
    assert first.status_code == second.status_code == 200
    assert "计算中" in first.content.decode() and "计算中" in second.content.decode()
    assert not IndicatorValue.objects.filter(period="2026").exists()
    marks = RecomputeMark.objects.filter(period="2026", source="*")
    assert list(marks.values_list("region_code", flat=True)) == ["520621000000"]
    with django_capture_on_commit_callbacks(execute=True):
        [run] = services.drain(acting_user=system_user())
    assert ComputeRun.objects.filter(region_id="520621000000", reason="missing").count() == 1
    run.refresh_from_db()
    assert run.status == "done"
    assert IndicatorValue.objects.filter(region_id="520621000000", period="2026", indicator_code="IR-9")
    html = client_for("mzj").get("/monitoring/", {"period": "2026"}).content.decode()
    assert "每百名老人养老床位" in html and "计算中" not in html


def test_the_value_page_of_a_missing_value_shows_computing(client_for, demo_db):
    from yiyang.monitoring.models import RecomputeMark

    res = client_for("wjj").get("/monitoring/values/POP-65/", {"region": SJ_TOWN, "period": "2025Q3"})
    assert res.status_code == 200 and "计算中" in res.content.decode()
    assert RecomputeMark.objects.filter(region_code="520621000000", period="2025Q3", source="*").exists()


def test_a_province_page_does_not_queue_a_province_recompute(client_for, demo_db):
    """A province is minutes of work: its page waits for someone to press recompute."""
    from yiyang.accounts.models import RoleAssignment, User
    from yiyang.monitoring.models import RecomputeMark

    officer = User.objects.create_user("province_officer")
    RoleAssignment.objects.create(user=officer, role="health_officer", region_id="520000000000")
    c = client_for("province_officer")
    html = c.get("/monitoring/", {"region": "520000000000", "period": "2026"}).content.decode()
    assert "计算中" not in html and "未计算" in html
    assert not RecomputeMark.objects.filter(source="*").exists()
