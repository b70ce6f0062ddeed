"""The registry pages a home's staff use, and the readings charts in the elder's health archive."""

from __future__ import annotations

import pytest

from yiyang.core.models import Elder
from yiyang.devices.models import Device

HOME = "江口县社会福利院"

pytestmark = pytest.mark.usefixtures("demo_db")


@pytest.fixture
def resident() -> Elder:
    return Elder.objects.filter(residence_institution__name=HOME, status="active").order_by("pk")[0]


def test_the_home_lists_its_devices_in_chinese(client_for) -> None:
    page = client_for("yly_admin").get("/devices/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "登记设备" in text and "手环/手表" in text
    assert Device.objects.filter(institution__name=HOME).order_by("pk")[0].serial in text
    other = Device.objects.exclude(institution__name=HOME).order_by("pk")[0]
    assert other.serial not in text
    assert client_for("doctor_tp").get(f"/devices/{other.pk}/").status_code == 404


def test_registering_binding_and_ending_a_device_through_the_pages(client_for, resident) -> None:
    c = client_for("yly_admin")
    r = c.post(
        "/devices/new/", {"serial": "BED-7788", "kind": "bed_sensor", "elder": resident.pk, "place": "101室"}
    )
    device = Device.objects.get(serial="BED-7788")
    assert r.status_code == 302 and r.url == f"/devices/{device.pk}/"
    again = c.post("/devices/new/", {"serial": "BED-7788", "kind": "bed_sensor", "place": "102室"})
    assert again.status_code == 200 and "已登记" in again.content.decode()
    nowhere = c.post("/devices/new/", {"serial": "SMK-1", "kind": "smoke_detector"})
    assert "住户" in nowhere.content.decode() or "安装位置" in nowhere.content.decode()
    c.post(f"/devices/{device.pk}/bind/", {"elder": "", "place": "102室"})
    device.refresh_from_db()
    assert device.elder_id is None and device.place == "102室"
    c.post(f"/devices/{device.pk}/end/", {"active_to": ""})
    device.refresh_from_db()
    assert device.active_to is not None
    # an officer reads but does not manage
    assert client_for("wjj").post(f"/devices/{device.pk}/end/", {}).status_code == 403


def test_the_health_archive_shows_readings_charts_of_7_and_30_days(client_for, resident) -> None:
    c = client_for("yly_admin")
    archive = c.get(f"/health/elders/{resident.pk}/").content.decode()
    assert f"/devices/elders/{resident.pk}/readings/" in archive
    for days in ("7", "30"):
        page = c.get(f"/devices/elders/{resident.pk}/readings/", {"days": days})
        text = page.content.decode()
        assert page.status_code == 200
        assert 'id="chart-heart_rate"' in text and "心率" in text and "echarts.min.js" in text
    assert client_for("doctor_tp").get(f"/devices/elders/{resident.pk}/readings/").status_code == 404
