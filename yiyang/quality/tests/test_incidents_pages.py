"""The incident pages: the report form (field errors beside the field), the list and detail scoped like
the API, the register, the county view per institution, and the summary section."""

from __future__ import annotations

import pytest

from yiyang.quality import summary
from yiyang.quality.models import Incident
from yiyang.quality.services import incidents as services

from .incidents_fixtures import *  # noqa: F403  (the incident tests' fixtures)
from .incidents_fixtures import report_data

pytestmark = pytest.mark.django_db


def test_the_report_form_shows_errors_beside_the_field_and_saves(client_for, welfare, resident):
    c = client_for("yly_admin")
    page = c.get("/quality/incidents/new/")
    assert page.status_code == 200
    assert "上报不良事件" in page.content.decode() and resident.elder.name in page.content.decode()
    bad = c.post("/quality/incidents/new/", {**report_data(resident), "place": "", "severity": "X"})
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "地点：必填。" in html and "严重程度：请从列表中选择。" in html
    ok = c.post("/quality/incidents/new/", {**report_data(resident), "occurred_at": "2026-12-01T08:30"})
    assert ok.status_code == 302
    incident = Incident.objects.get(elder=resident.elder)
    detail = c.get(ok["Location"]).content.decode()
    assert "记录原因分析" in detail and "已上报" in detail
    c.post(
        f"/quality/incidents/{incident.pk}/transition/",
        {"action": "analyse", "cause_analysis": "地面湿滑", "improvement": "放置警示牌"},
    )
    incident.refresh_from_db()
    assert incident.status == "analysed"
    assert "地面湿滑" in c.get(f"/quality/incidents/{incident.pk}/").content.decode()


def test_pages_are_scoped_like_the_api(client_for, users, welfare, resident):
    incident = services.report(
        acting_user=users["yly_admin"], institution=welfare, data=report_data(resident)
    )
    assert client_for("admin_sj").get(f"/quality/incidents/{incident.pk}/").status_code == 404
    assert client_for("wjj").get(f"/quality/incidents/{incident.pk}/").status_code == 200
    assert resident.elder.name not in client_for("admin_sj").get("/quality/incidents/").content.decode()
    assert resident.elder.name in client_for("mzj").get("/quality/incidents/?kind=fall").content.decode()
    assert client_for("wjj").get("/quality/incidents/new/").status_code == 403
    assert client_for("jtys_sj").get("/quality/incidents/").status_code == 403


def test_the_register_and_the_county_view(client_for, users, welfare, resident, today):
    services.report(
        acting_user=users["yly_admin"],
        institution=welfare,
        data=report_data(
            resident, kind="pressure_injury", pi_site="骶尾部", pi_stage="3", pi_origin="facility"
        ),
    )
    register = client_for("yly_admin").get("/quality/pressure-injuries/").content.decode()
    assert "骶尾部" in register and "院内新发" in register and "登记压力性损伤" in register
    county = client_for("wjj").get(f"/quality/incidents/county/?year={today.year}").content.decode()
    assert welfare.name in county and "跌倒" in county
    assert client_for("wjj").get("/quality/incidents/county/?year=abc").status_code == 200
    hub = client_for("nurse_sj").get("/quality/").content.decode()
    assert "上报不良事件" in hub and "压力性损伤登记" in hub


def test_the_summary_section_counts_the_year(users, welfare, resident, today):
    services.report(acting_user=users["yly_admin"], institution=welfare, data=report_data(resident))
    (section,) = [s for s in summary.sections([welfare.pk], today.year) if s.title == "不良事件与压力性损伤"]
    values = {r.label: r.value for r in section.rows}
    assert values["跌倒"] >= 1
    assert values["住养日"] > 0
    assert values["跌倒、坠床、噎食、误吸、烫伤、走失（每千住养日）"] is not None
