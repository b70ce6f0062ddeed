"""The home's pages: its workspace replaces a health centre's home page, its menu fits a home, the bed
board and resident list show its own residents only, forms refuse bad input in Chinese, officers see
occupancy by kind across institutions."""

from __future__ import annotations

import datetime as dt

from yiyang.care.models.stays import Bed, BedKind, Stay, StayStatus
from yiyang.core import crypto
from yiyang.core.models import Institution

from . import stays_fixtures

# the shared fixtures of the bed and stay tests
admitted = stays_fixtures.admitted
make_beds = stays_fixtures.make_beds
newcomer = stays_fixtures.newcomer
welfare = stays_fixtures.welfare


def test_yly_admins_home_is_the_homes_workspace(client_for, welfare):
    page = client_for("yly_admin").get("/").content.decode()
    assert "江口县社会福利院" in page
    for section in [
        "residents-by-level",
        "beds-by-kind",
        "today",
        "agreements",
        "next-round",
        "assessments-due",
        "overdue",
    ]:
        assert f'id="{section}"' in page, section
    assert "辖区" not in page
    # the home's menu
    for label in ["入住管理", "床位", "住户", "照护记录", "医疗服务"]:
        assert label in page
    assert "登记老人" not in page  # a health centre's entry


def test_a_health_centres_home_is_unchanged(client_for):
    page = client_for("doctor_sj").get("/").content.decode()
    assert 'id="residents-by-level"' not in page


def test_the_board_shows_who_is_where(client_for, admitted):
    page = client_for("yly_admin").get("/care/beds/").content.decode()
    assert admitted.elder.name in page and admitted.bed.label in page
    assert "护理型床位" in page


def test_the_resident_list_masks_the_guardian_phone(client_for, admitted):
    page = client_for("yly_admin").get("/care/residents/").content.decode()
    assert admitted.elder.name in page
    assert "138****5678" in page and "13812345678" not in page


def test_another_home_and_a_health_centre_cannot_open_a_resident(client_for, admitted):
    assert client_for("doctor_sj").get(f"/care/residents/{admitted.pk}/").status_code == 404
    integrated = Institution.objects.get(name="江口县梵净康养中心")
    assert client_for("yly_admin").get(f"/care/beds/?institution={integrated.pk}").status_code == 404
    other = Stay.objects.filter(institution=integrated).first()
    if other is not None:
        assert client_for("yly_admin").get(f"/care/residents/{other.pk}/").status_code == 404


def test_admission_form_by_id_number(client_for, welfare, make_beds, newcomer, today):
    bed = make_beds(BedKind.ELDERCARE_NURSING, 1)[0]
    c = client_for("yly_admin")
    r = c.post(
        "/care/admissions/new/",
        {
            "id_number": crypto.decrypt(newcomer.id_number_encrypted),
            "bed_id": bed.pk,
            "mode": "care",
            "admitted_on": str(today),
        },
    )
    stay = Stay.objects.get(elder=newcomer, status=StayStatus.CARE)
    assert r.status_code == 302 and r["Location"].endswith(f"/care/residents/{stay.pk}/")


def test_admission_form_refusals_are_chinese_and_write_nothing(
    client_for, welfare, admitted, newcomer, today
):
    c = client_for("yly_admin")
    before = Stay.objects.count()
    r = c.post(
        "/care/admissions/new/", {"id_number": "52062119500101000X", "bed_id": admitted.bed_id}, follow=True
    )
    assert "身份证号" in r.content.decode()
    r = c.post(
        "/care/admissions/new/",
        {
            "id_number": crypto.decrypt(newcomer.id_number_encrypted),
            "bed_id": admitted.bed_id,
            "admitted_on": "2026-13-40",
        },
        follow=True,
    )
    assert "日期" in r.content.decode()
    assert Stay.objects.count() == before


def test_moves_and_care_notes_from_the_resident_page(client_for, admitted, today):
    c = client_for("yly_admin")
    r = c.post(f"/care/residents/{admitted.pk}/move/", {"action": "leave", "date": str(today)}, follow=True)
    assert "请假外出" in r.content.decode()
    assert Stay.objects.get(pk=admitted.pk).status == StayStatus.ON_LEAVE
    r = c.post(f"/care/residents/{admitted.pk}/move/", {"action": "to_medical"}, follow=True)
    assert "请假外出" in r.content.decode() and Stay.objects.get(pk=admitted.pk).status == StayStatus.ON_LEAVE
    c.post(f"/care/residents/{admitted.pk}/move/", {"action": "return"})
    r = c.post(
        f"/care/residents/{admitted.pk}/notes/", {"kind": "daily_life", "content": "协助进餐"}, follow=True
    )
    assert "协助进餐" in r.content.decode()


def test_bulk_beds_form(client_for, welfare):
    c = client_for("yly_admin")
    r = c.post("/care/beds/add/", {"building": "8号楼", "room": "801", "kind": "eldercare", "count": "4"})
    assert r.status_code == 302
    assert Bed.objects.filter(institution=welfare, building="8号楼", room="801").count() == 4
    r = c.post("/care/beds/add/", {"building": "8号楼", "room": "801", "kind": "eldercare", "count": "x"})
    assert r.status_code == 200 and "床位数" in r.content.decode()


def test_officers_see_occupancy_by_kind_across_institutions(client_for):
    page = client_for("mzj").get("/care/occupancy/").content.decode()
    assert "江口县社会福利院" in page and "江口县梵净康养中心" in page
    assert "县人民医院" not in page  # 民政: eldercare institutions only
    page = client_for("wjj").get("/care/occupancy/").content.decode()
    assert "江口县社会福利院" in page and "护理型床位" in page


def test_the_demo_has_two_years_of_stays(demo_db):
    welfare = Institution.objects.get(name="江口县社会福利院")
    stays = Stay.objects.filter(institution=welfare)
    assert stays.filter(status__in=["care", "medical", "on_leave"]).exists()
    assert stays.filter(status="discharged").exists() and Stay.objects.filter(status="deceased").exists()
    assert stays.order_by("admitted_on").first().admitted_on < dt.date.today() - dt.timedelta(days=300)
    assert Bed.objects.filter(institution=welfare).count() == 180  # as declared: 120 + 60
