"""The device registry through /api/v1/: each institution sees its own devices, an officer the region's,
an outsider nothing; registering answers field errors in Chinese; an elder's readings are health data."""

from __future__ import annotations

import pytest

from yiyang.core.models import Elder
from yiyang.devices.models import Device

HOME = "江口县社会福利院"
TP = "江口县太平镇卫生院"

pytestmark = pytest.mark.usefixtures("demo_db")


@pytest.fixture
def resident() -> Elder:
    return Elder.objects.filter(residence_institution__name=HOME, status="active").order_by("pk")[0]


def test_an_institution_sees_its_own_devices_an_officer_the_regions_an_outsider_none(api_for) -> None:
    home = api_for("yly_admin").get("/api/v1/devices", page_size=200).json()
    assert home["count"] == Device.objects.filter(institution__name=HOME).count() > 0
    assert {d["institution_name"] for d in home["results"]} == {HOME}
    county = api_for("wjj").get("/api/v1/devices", page_size=10).json()
    assert county["count"] == Device.objects.count()
    outsider = api_for("doctor_tp").get("/api/v1/devices").json()
    assert outsider["count"] == 0
    some = Device.objects.filter(institution__name=HOME).order_by("pk")[0]
    assert api_for("doctor_tp").get(f"/api/v1/devices/{some.pk}").status_code == 404
    assert api_for("yly_admin").get(f"/api/v1/devices/{some.pk}").json()["serial"] == some.serial


def test_devices_filter_by_kind_elder_and_active(api_for, resident) -> None:
    api = api_for("yly_admin")
    smoke = api.get("/api/v1/devices", kind="smoke_detector").json()
    assert smoke["count"] > 0 and {d["kind"] for d in smoke["results"]} == {"smoke_detector"}
    assert all(d["elder_id"] is None and d["place"] for d in smoke["results"])
    mine = api.get("/api/v1/devices", elder=resident.pk).json()
    assert {d["elder_id"] for d in mine["results"]} == {resident.pk}
    ended = api.get("/api/v1/devices", active="false").json()
    assert ended["count"] >= 1 and not any(d["active"] for d in ended["results"])
    assert api.get("/api/v1/devices", kind="toaster").status_code == 422


def test_a_nurse_registers_a_wristband_for_a_resident(api_for, resident) -> None:
    r = api_for("yly_admin").post(
        "/api/v1/devices", {"serial": "HW-TEST-0001", "kind": "wristband", "elder_id": resident.pk}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["elder_id"] == resident.pk and body["institution_name"] == HOME and body["active"]
    device = Device.objects.get(serial="HW-TEST-0001")
    assert device.registered_by is not None and device.registered_by.username == "yly_admin"


def test_registering_answers_field_errors_in_chinese(api_for, resident) -> None:
    api = api_for("yly_admin")
    taken = Device.objects.order_by("pk")[0].serial
    r = api.post("/api/v1/devices", {"serial": taken, "kind": "wristband", "elder_id": resident.pk})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "serial" and "已登记" in r.json()["errors"][0]["message"]
    r = api.post("/api/v1/devices", {"serial": "a/b+#", "kind": "wristband", "elder_id": resident.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "serial"
    r = api.post("/api/v1/devices", {"serial": "SMOKE-NOWHERE", "kind": "smoke_detector"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "elder_id"
    other = Elder.objects.filter(managing_institution__name=TP, residence_institution=None).order_by("pk")[0]
    r = api.post("/api/v1/devices", {"serial": "HW-TEST-0002", "kind": "wristband", "elder_id": other.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "elder_id"
    assert not Device.objects.filter(serial__in=["SMOKE-NOWHERE", "HW-TEST-0002"]).exists()


def test_an_officer_cannot_register_and_only_the_owner_ends_a_device(api_for) -> None:
    assert api_for("wjj").post("/api/v1/devices", {"serial": "X-123", "kind": "wristband"}).status_code == 403
    device = Device.objects.filter(institution__name=HOME, active_to=None).order_by("pk")[0]
    assert api_for("wjj").post(f"/api/v1/devices/{device.pk}/end", {}).status_code == 403
    r = api_for("yly_admin").post(f"/api/v1/devices/{device.pk}/end", {})
    assert r.status_code == 200 and r.json()["active_to"] is not None


def test_an_elders_readings_are_health_data_in_scope_only(api_for, resident) -> None:
    r = api_for("yly_admin").get(f"/api/v1/elders/{resident.pk}/readings", type="heart_rate", days=7)
    assert r.status_code == 200
    rows = r.json()["results"]
    assert rows and all(isinstance(x["value"], int | float) for x in rows)
    assert (
        api_for("doctor_tp").get(f"/api/v1/elders/{resident.pk}/readings", type="heart_rate").status_code
        == 404
    )
    assert api_for("yly_admin").get(f"/api/v1/elders/{resident.pk}/readings", type="mood").status_code == 422
