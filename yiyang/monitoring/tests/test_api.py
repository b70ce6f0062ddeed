"""The monitoring API answers within the caller's scope: values for regions in it, drill-down lists of
only the elders the caller may see, Chinese 4xx for anything wrong, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.core.models import Elder
from yiyang.monitoring import services

SJ_TOWN = "520621001000"  # 双江街道
TP_TOWN = "520621102000"  # 太平镇


@pytest.fixture
def computed(demo_db):  # type: ignore[no-untyped-def]
    services.compute_now("520621000000", "2026", ["POP-65", "IR-3", "IR-9", "IR-11"])


def _pop65_ids(town: str, managing: str) -> set[int]:
    """65+ 常住 elders of a township kept by a health centre, worked out here from the registry."""
    cutoff = dt.date(1961, 12, 31)
    return {
        e.pk
        for e in Elder.objects.filter(
            region__code__startswith=town[:9], managing_institution__name=managing, birth_date__lte=cutoff
        )
        if e.residence_status in ("registered_resident", "non_registered_resident")
        and (e.status == "active" or (e.status_date and e.status_date > dt.date(2026, 12, 31)))
    }


def test_values_for_the_county_with_target_and_traffic_light(api_for, computed):
    res = api_for("wjj").get("/api/v1/monitoring/values", region="520621", period="2026")
    assert res.status_code == 200
    rows = {r["code"]: r for r in res.json()}
    ir3 = rows["IR-3"]
    # the demo county: 5 of its 12 grade-II hospitals (县中医医院 included) and health centres are
    # elder-friendly, the target is ≥ 60 %
    assert (ir3["numerator"], ir3["denominator"], ir3["target"], ir3["target_op"]) == (5, 12, 60, ">=")
    # 42 % misses the target and lies below 90 % of it (54 %): red; 8 of 12 are needed, 3 more
    assert (ir3["status"], ir3["light"], ir3["shortfall"]) == ("not_met", "red", 3)
    assert rows["HM-2"]["status"] == "not_computed"  # not in this recompute


def test_ir5_and_ir6_of_the_demo_county_come_from_its_clinics_and_agreements(api_for, demo_db):
    """The demo county's homes: those with a clinic valid on 31 December or an agreement in force that
    day (IR-5), and of those without a clinic, the ones under agreement (IR-6), worked out here from
    the care records themselves."""
    from yiyang.care.models import Agreement, InHouseClinic
    from yiyang.core.models import Institution

    # IR-5's population: 养老机构 (homes, day-care centres, integrated institutions), not 互助幸福院
    kinds = ["eldercare_home", "day_care_centre", "integrated_care"]

    services.compute_now("520621000000", "2026", ["IR-5", "IR-6"])
    day = dt.date(2026, 12, 31)
    homes = Institution.objects.filter(region__code__startswith="520621", kind__in=kinds, is_active=True)
    clinic = {c.eldercare_institution_id for c in InHouseClinic.objects.all() if c.is_valid_on(day)}
    agreed = {a.eldercare_institution_id for a in Agreement.objects.all() if a.is_in_force_on(day)}
    ids = {h.pk for h in homes}
    rows = {
        r["code"]: r
        for r in api_for("mzj").get("/api/v1/monitoring/values", region="520621", period="2026").json()
    }
    assert (rows["IR-5"]["numerator"], rows["IR-5"]["denominator"]) == (
        len(ids & (clinic | agreed)),
        len(ids),
    )
    assert (rows["IR-6"]["numerator"], rows["IR-6"]["denominator"]) == (
        len((ids - clinic) & agreed),
        len(ids - clinic),
    )
    # the demo leaves gaps on purpose (the coverage view has something to show), but covers most homes
    assert 0 < rows["IR-5"]["numerator"] < rows["IR-5"]["denominator"]
    assert rows["IR-5"]["status"] != "no_source" and rows["IR-6"]["value"] > 0


def test_doctor_tp_cannot_drill_into_shuangjiang_elders(api_for, computed):
    """Drill-down passes through core.scoping: 太平's doctor sees none of 双江's elders."""
    sj_expected = _pop65_ids(SJ_TOWN, "江口县双江街道中心卫生院")
    assert sj_expected  # the demo has such elders, so an empty answer below means something
    res = api_for("doctor_tp").get(
        "/api/v1/monitoring/values/POP-65/drilldown", region=SJ_TOWN, period="2026", part="all", page_size=100
    )
    assert res.status_code == 200
    assert res.json()["count"] == 0
    # while 双江's own doctor gets exactly the elders of her centre
    res = api_for("doctor_sj").get(
        "/api/v1/monitoring/values/POP-65/drilldown", region=SJ_TOWN, period="2026", part="all", page_size=100
    )
    body = res.json()
    assert body["kind"] == "elder"
    assert body["count"] == len(sj_expected)
    page_ids = {int(r["id"]) for r in body["results"]}
    assert page_ids <= sj_expected
    assert all(r["detail"].count("*") >= 4 for r in body["results"])  # ID numbers masked


def test_drilldown_splits_institutions_in_and_out_of_the_numerator(api_for, computed):
    api = api_for("wjj")
    res_in = api.get("/api/v1/monitoring/values/IR-3/drilldown", region="520621", period="2026", part="in")
    res_out = api.get("/api/v1/monitoring/values/IR-3/drilldown", region="520621", period="2026", part="out")
    values = {
        r["code"]: r for r in api.get("/api/v1/monitoring/values", region="520621", period="2026").json()
    }
    assert res_in.json()["count"] == values["IR-3"]["numerator"]
    assert res_in.json()["count"] + res_out.json()["count"] == values["IR-3"]["denominator"]
    assert all(r["in_numerator"] for r in res_in.json()["results"])
    assert not any(r["in_numerator"] for r in res_out.json()["results"])


def test_league_table_lists_every_township_best_first(api_for, computed):
    res = api_for("wjj").get("/api/v1/monitoring/values/IR-9/children", region="520621", period="2026")
    rows = res.json()
    assert len(rows) == 10  # 江口县 has ten townships
    values = [r["value"]["value"] for r in rows if r["value"]["value"] is not None]
    assert values == sorted(values, reverse=True)


def test_civil_officer_sees_eldercare_indicators_only(api_for, computed):
    api = api_for("mzj")
    codes = {r["code"] for r in api.get("/api/v1/monitoring/indicators").json()}
    assert "IR-9" in codes and "HM-1" not in codes and "IR-3" not in codes
    assert (
        api.get("/api/v1/monitoring/values/IR-3/children", region="520621", period="2026").status_code == 404
    )


def test_a_region_outside_the_scope_is_404_like_a_missing_one(api_for, county):
    api = api_for("wjj")
    out_of_scope = api.get("/api/v1/monitoring/values", region="529901", period="2026")
    missing = api.get("/api/v1/monitoring/values", region="520621999000", period="2026")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/monitoring/values", {"region": "520621", "period": "2026Q7"}, 422),
        ("/api/v1/monitoring/values", {"region": "52x", "period": "2026"}, 404),
        ("/api/v1/monitoring/values", {"period": "2026"}, 422),
        ("/api/v1/monitoring/values/NOPE-1/children", {"region": "520621", "period": "2026"}, 404),
        ("/api/v1/monitoring/values/IR-9/drilldown", {"region": "520621", "period": "2026"}, 404),
        (
            "/api/v1/monitoring/values/IR-3/drilldown",
            {"region": "520621", "period": "2026", "part": "x"},
            422,
        ),
        ("/api/v1/monitoring/values/NOPE-1/drilldown", {"region": "520621", "period": "2026"}, 404),
        ("/api/v1/monitoring/runs/999999", {}, 404),
    ],
)
def test_bad_requests_are_chinese_4xx(api_for, demo_db, path, params, status):
    res = api_for("wjj").get(path, **params)
    assert res.status_code == status
    detail = res.json()["detail"]
    assert isinstance(detail, str) and any("\u4e00" <= ch <= "\u9fff" for ch in detail)


def test_sysadmin_and_anonymous_get_no_values(api_for, demo_db):
    assert (
        api_for("sysadmin").get("/api/v1/monitoring/values", region="520621", period="2026").status_code
        == 403
    )
    from django.test import Client

    assert Client().get("/api/v1/monitoring/indicators").status_code == 401


def test_recompute_through_the_api(api_for, demo_db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        res = api_for("wjj").post(
            "/api/v1/monitoring/recompute", {"region": "520621001000", "periods": ["2026Q4"]}
        )
    assert res.status_code == 202
    run = api_for("wjj").get(f"/api/v1/monitoring/runs/{res.json()['id']}").json()
    assert run["status"] == "done" and run["percent"] == 100
    assert (
        api_for("doctor_sj")
        .post("/api/v1/monitoring/recompute", {"region": "520621", "periods": ["2026"]})
        .status_code
        == 403
    )


def test_an_absurd_drilldown_page_is_422_not_500(api_for, demo_db):
    r = api_for("wjj").get(
        "/api/v1/monitoring/values/HM-1/drilldown",
        region="520621000000",
        period="2026",
        page="10000000000000000000",
    )
    assert r.status_code == 422


def test_an_indicator_without_source_reads_no_source_and_has_no_drilldown(
    api_for, demo_db, unsourced_indicator
):
    """无数据源 is a status of its own, never 0, and there are no rows behind it to list."""
    services.compute_now("520621000000", "2026", [unsourced_indicator])
    api = api_for("wjj")
    rows = {r["code"]: r for r in api.get("/api/v1/monitoring/values", region="520621", period="2026").json()}
    assert rows[unsourced_indicator]["status"] == "no_source" and rows[unsourced_indicator]["value"] is None
    res = api.get(
        f"/api/v1/monitoring/values/{unsourced_indicator}/drilldown", region="520621", period="2026"
    )
    assert res.status_code == 404
