"""Targets set by a 卫健 officer on the targets page and through the API, always through
``services.set_target``: audited, only for regions of the officer's area, refusals in Chinese naming the
field, and nothing written on a refusal."""

from __future__ import annotations

import pytest

from yiyang.core.models import AuditEvent
from yiyang.monitoring.models import Target

COUNTY = "520621000000"
BIJIANG = "520602000000"  # 碧江区: a county of the same city, outside wjj's area
SJ_TOWN = "520621001000"


def _hm1_2027():  # type: ignore[no-untyped-def]
    return Target.objects.filter(indicator_code="HM-1", period="2027")


def _target_audits() -> int:
    return AuditEvent.objects.filter(object_type="monitoring.target").count()


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_officer_sets_a_target_on_the_page_and_sees_it_on_the_dashboard(client_for, demo_db):
    c = client_for("wjj")
    page = c.get("/monitoring/targets/").content.decode()
    assert 'name="value"' in page and "目标值" in page  # the form, labelled in Chinese
    res = c.post(
        "/monitoring/targets/",
        {
            "indicator": "HM-1",
            "region": COUNTY,
            "period": "2027",
            "op": ">=",
            "value": "75",
            "source": "县卫健局",
        },
    )
    assert res.status_code == 302
    target = _hm1_2027().get()
    assert (target.region_code, target.op, target.value, target.source) == (COUNTY, ">=", 75, "县卫健局")
    assert AuditEvent.objects.filter(object_type="monitoring.target", action="create").count() == 1
    assert "≥ 75" in c.get("/monitoring/targets/").content.decode()
    dashboard = c.get("/monitoring/", {"period": "2027", "indicator": "HM-1"})
    assert dashboard.status_code == 200
    assert dashboard.context["chart"]["target"] == 75
    hm1 = next(d for d in dashboard.context["rows"] if d["row"].indicator.code == "HM-1")
    assert hm1["target"] == 75
    # the same indicator, region and period again replaces it
    c.post(
        "/monitoring/targets/",
        {"indicator": "HM-1", "region": COUNTY, "period": "2027", "op": ">=", "value": "78"},
    )
    assert _hm1_2027().get().value == 78
    assert AuditEvent.objects.filter(object_type="monitoring.target", action="update").count() == 1


def test_page_refusals_name_the_field_in_chinese_and_write_nothing(client_for, demo_db):
    c = client_for("wjj")
    before = _target_audits()
    for value, fragment in [("abc", "目标值"), ("120", "目标值"), ("-1", "目标值"), ("72.555", "目标值")]:
        res = c.post(
            "/monitoring/targets/",
            {"indicator": "HM-1", "region": COUNTY, "period": "2027", "op": ">=", "value": value},
        )
        assert res.status_code == 200
        errors = res.context["form"].errors
        assert fragment in errors["value"][0], (value, errors)
    res = c.post(
        "/monitoring/targets/", {"indicator": "HM-1", "region": BIJIANG, "period": "2027", "value": "75"}
    )
    assert "区划" in res.context["form"].errors["region"][0]
    assert "比较方式" in res.context["form"].errors["op"][0]  # required, and the message says which field
    res = c.post(
        "/monitoring/targets/",
        {"indicator": "HM-1", "region": COUNTY, "period": "2027Q9", "op": ">=", "value": "75"},
    )
    assert "统计期" in res.context["form"].errors["period"][0]
    assert not _hm1_2027().exists() and _target_audits() == before


def test_a_doctor_sees_no_form_and_cannot_post(client_for, demo_db):
    c = client_for("doctor_sj")
    assert 'name="value"' not in c.get("/monitoring/targets/").content.decode()
    res = c.post(
        "/monitoring/targets/", {"indicator": "HM-1", "region": COUNTY, "period": "2027", "value": "75"}
    )
    assert res.status_code == 403
    assert not _hm1_2027().exists()


def test_officer_sets_a_target_through_the_api_and_reads_it_back(api_for, demo_db):
    api = api_for("wjj")
    body = {"indicator": "HM-1", "region": "520621", "period": "2027", "op": ">=", "value": 75}
    res = api.post("/api/v1/monitoring/targets", body)
    assert res.status_code == 201, res.content
    created = res.json()
    assert (created["indicator"], created["region"], created["period"], created["value"]) == (
        "HM-1",
        COUNTY,
        "2027",
        75,
    )
    assert AuditEvent.objects.filter(
        object_type="monitoring.target", object_id=str(created["id"]), action="create"
    ).exists()
    listed = api.get("/api/v1/monitoring/targets", region="520621", period="2027").json()
    assert any(t["indicator"] == "HM-1" and t["period"] == "2027" and t["value"] == 75 for t in listed)
    values = {
        r["code"]: r for r in api.get("/api/v1/monitoring/values", region="520621", period="2027").json()
    }
    assert values["HM-1"]["target"] == 75 and values["HM-1"]["target_op"] == ">="
    # a township below the county is judged by the county's target
    town = {r["code"]: r for r in api.get("/api/v1/monitoring/values", region=SJ_TOWN, period="2027").json()}
    assert town["HM-1"]["target"] == 75
    # POST again replaces (200); PUT changes the value; DELETE removes it
    again = api.post("/api/v1/monitoring/targets", {**body, "value": "76.5"})
    assert again.status_code == 200 and again.json()["id"] == created["id"] and again.json()["value"] == 76.5
    put = api.client.put(
        f"/api/v1/monitoring/targets/{created['id']}",
        {"op": ">=", "value": 80},
        content_type="application/json",
        **api.headers,
    )
    assert put.status_code == 200 and put.json()["value"] == 80
    gone = api.client.delete(f"/api/v1/monitoring/targets/{created['id']}", **api.headers)
    assert gone.status_code == 204
    assert not _hm1_2027().exists()
    assert AuditEvent.objects.filter(object_type="monitoring.target", action="delete").count() == 1


def test_a_doctor_is_refused_and_nothing_is_written(api_for, demo_db):
    before = _target_audits()
    api = api_for("doctor_sj")
    res = api.post(
        "/api/v1/monitoring/targets",
        {"indicator": "HM-1", "region": "520621", "period": "2027", "op": ">=", "value": 75},
    )
    assert res.status_code == 403 and _chinese(res.json()["detail"])
    seeded = Target.objects.filter(region_code=COUNTY).first()
    put = api.client.put(
        f"/api/v1/monitoring/targets/{seeded.pk}",
        {"op": ">=", "value": 1},
        content_type="application/json",
        **api.headers,
    )
    assert put.status_code == 403
    assert api.client.delete(f"/api/v1/monitoring/targets/{seeded.pk}", **api.headers).status_code == 403
    assert not _hm1_2027().exists() and _target_audits() == before
    seeded.refresh_from_db()


def test_a_region_outside_the_officers_area_is_404_and_nothing_is_written(api_for, demo_db):
    api = api_for("wjj")
    before = _target_audits()
    res = api.post(
        "/api/v1/monitoring/targets",
        {"indicator": "HM-1", "region": BIJIANG, "period": "2027", "op": ">=", "value": 75},
    )
    assert res.status_code == 404 and _chinese(res.json()["detail"])
    # the province's targets apply in the county but are not the county's to change
    province = Target.objects.create(
        indicator_code="HM-1", region_code="520000000000", period="2027", value=70
    )
    put = api.client.put(
        f"/api/v1/monitoring/targets/{province.pk}",
        {"op": ">=", "value": 1},
        content_type="application/json",
        **api.headers,
    )
    assert put.status_code == 404
    assert api.client.delete(f"/api/v1/monitoring/targets/{province.pk}", **api.headers).status_code == 404
    province.refresh_from_db()
    assert province.value == 70
    assert not Target.objects.filter(region_code=BIJIANG).exists() and _target_audits() == before


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"value": "七十五"}, "value", "目标值"),
        ({"value": "NaN"}, "value", "目标值"),
        ({"value": "Infinity"}, "value", "目标值"),
        ({"value": "1e30"}, "value", "目标值"),
        ({"value": -5}, "value", "目标值"),
        ({"value": 101}, "value", "目标值"),
        ({"value": True}, "value", "目标值"),  # a yes/no is not a number
        ({"value": "75.125"}, "value", "目标值"),
        ({"op": "=="}, "op", "比较方式"),
        ({"period": "2027Q5"}, "period", "统计期"),
        ({"indicator": "NOPE-1"}, "indicator", "指标"),
    ],
)
def test_bad_targets_are_422_naming_the_field_in_chinese(api_for, demo_db, change, field, fragment):
    before = _target_audits()
    body = {"indicator": "HM-1", "region": "520621", "period": "2027", "op": ">=", "value": 75, **change}
    res = api_for("wjj").post("/api/v1/monitoring/targets", body)
    assert res.status_code in (404, 422) if field == "indicator" else res.status_code == 422, res.content
    error = res.json()["errors"][0]
    assert error["field"] == field
    assert fragment in error["message"], error
    assert not _hm1_2027().exists() and _target_audits() == before


def test_a_count_target_may_exceed_100(api_for, demo_db):
    """Only percentages stop at 100: a count indicator's target is a number of units."""
    res = api_for("wjj").post(
        "/api/v1/monitoring/targets",
        {"indicator": "POP-65", "region": "520621", "period": "2027", "op": ">=", "value": 5000},
    )
    assert res.status_code == 201, res.content


def test_the_seeded_targets_include_the_plans_rates_each_with_its_source_document(client_for, demo_db):
    """INDICATORS.md lists targets the county plan leaves out; the reference plans set them: HM-2 ≥65%
    (《医养结合服务质量行动方案》 "65周岁以上老年人中医药健康管理率达65%以上"), HM-6 80% (区医养结合工作情况
    报告 "签约率达到80%"), HM-3 75%, IR-1 50%, IR-4 75%. Every seeded target names its document (《…》),
    and the targets page shows it."""
    from yiyang.monitoring.models import Target

    county = Target.objects.filter(region_code="520621000000", period="2026")
    got = {t.indicator_code: (t.op, int(t.value)) for t in county}
    assert got["HM-2"] == (">=", 65) and got["HM-6"] == (">=", 80)
    assert got["HM-3"] == (">=", 75) and got["IR-1"] == (">=", 50) and got["IR-4"] == (">=", 75)
    assert all("《" in t.source and "》" in t.source for t in county)
    page = client_for("wjj").get("/monitoring/targets/").content.decode()
    assert "《医养结合服务质量行动方案》" in page


def test_an_officer_declares_a_statistical_population_with_its_source(api_for, demo_db):
    """国家基本公共卫生服务规范（第三版） rates are over 辖区内65岁及以上常住居民 (the statistics, not the
    registry). Input: wjj declares 江口县 2026 65+ = 36500 from 2026年江口县统计年鉴 → stored; without a
    source → 422 naming the field; a doctor may not declare."""
    from yiyang.monitoring.models import DeclaredPopulation

    api = api_for("wjj")
    body = {
        "region": "520621",
        "year": 2026,
        "group": "65+",
        "count": 36500,
        "source": "2026年江口县统计年鉴",
    }
    r = api.post("/api/v1/monitoring/populations", body)
    assert r.status_code == 200 and r.json()["count"] == 36500
    assert (
        DeclaredPopulation.objects.get(region_id="520621000000", year=2026).source == "2026年江口县统计年鉴"
    )
    bad = api.post("/api/v1/monitoring/populations", body | {"source": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "source"
    assert api_for("doctor_sj").post("/api/v1/monitoring/populations", body).status_code == 403


def test_an_officer_declares_a_population_on_the_page_and_a_missing_source_is_named(client_for, demo_db):
    """The officer enters the statistical population with its source on a page (统计人口); without a
    source the page names the field in Chinese and writes nothing."""
    from yiyang.monitoring.models import DeclaredPopulation

    c = client_for("wjj")
    body = {"region": "520621000000", "year": "2026", "group": "65+", "count": "36500", "source": ""}
    bad = c.post("/monitoring/populations/", body)
    assert bad.status_code == 200 and "来源" in bad.content.decode()
    assert not DeclaredPopulation.objects.exists()
    ok = c.post("/monitoring/populations/", body | {"source": "2026年江口县统计年鉴"})
    assert ok.status_code == 302
    page = c.get("/monitoring/populations/").content.decode()
    assert "36500" in page and "2026年江口县统计年鉴" in page
    assert client_for("doctor_sj").post("/monitoring/populations/", body).status_code in (403, 404)
