"""The health centre's 家庭病床 pages and the order desk, as doctor_sj and nurse_sj use them."""

from __future__ import annotations

import datetime as dt

from yiyang.core import clock

from ..models import FamilySickbed, ServiceOrder
from .homecare_helpers import make_order, roster, sj


def test_a_doctor_opens_a_bed_records_a_visit_and_closes_it_on_the_pages(client_for, users, sj_elder, today):
    c = client_for("doctor_sj")
    page = c.get("/care/sickbeds/")
    assert page.status_code == 200 and "逾期未查床" in page.content.decode()
    form = c.get(f"/care/sickbeds/new/?elder={sj_elder.pk}")
    assert form.status_code == 200 and "建床条件" in form.content.decode()
    bad = c.post(
        f"/care/sickbeds/new/?elder={sj_elder.pk}",
        {
            "institution": sj().pk,
            "diagnosis_code": "I63.9",
            "doctor": users["doctor_sj"].pk,
            "nurse": users["nurse_sj"].pk,
            "visit_frequency": "weekly",
            "applied_on": today.isoformat(),
            "criteria": ["mobility", "chronic"],
            "admit": "on",
        },
    )
    assert bad.status_code == 200 and "建床条件：不符合" in bad.content.decode()
    assert not FamilySickbed.objects.filter(elder=sj_elder).exists()
    ok = c.post(
        f"/care/sickbeds/new/?elder={sj_elder.pk}",
        {
            "institution": sj().pk,
            "diagnosis_code": "I63.9",
            "doctor": users["doctor_sj"].pk,
            "nurse": users["nurse_sj"].pk,
            "visit_frequency": "weekly",
            "applied_on": today.isoformat(),
            "criteria": ["mobility", "stable", "carer", "catchment", "consent", "rehab"],
            "care_plan": "康复训练",
            "admit": "on",
        },
    )
    bed = FamilySickbed.objects.get(elder=sj_elder)
    assert ok.status_code == 302 and bed.status == "admitted"
    detail = c.get(f"/care/sickbeds/{bed.pk}/").content.decode()
    assert "登记查床" in detail and "撤床" in detail
    c.post(
        f"/care/sickbeds/{bed.pk}/",
        {"action": "visit", "v-visited_on": today.isoformat(), "v-care_given": "康复训练指导"},
    )
    assert bed.visits.count() == 1
    c.post(
        f"/care/sickbeds/{bed.pk}/", {"action": "discharge", "s-day": today.isoformat(), "s-summary": "好转"}
    )
    bed.refresh_from_db()
    assert bed.status == "discharged" and bed.discharge_summary == "好转"
    assert client_for("doctor_tp").get(f"/care/sickbeds/{bed.pk}/").status_code == 404


def test_the_nurse_checks_in_and_out_from_her_orders_for_today(client_for, users, sj_elder, today):
    roster(users)
    order = make_order(sj_elder, users, "assigned", booked_at=clock.now() + dt.timedelta(minutes=30))
    c = client_for("nurse_sj")
    page = c.get("/care/orders/mine/").content.decode()
    assert f'id="order-{order.pk}"' in page and "签到" in page
    c.post("/care/orders/mine/", {"order": order.pk, "action": "check_in"})
    order.refresh_from_db()
    assert order.status == "in_service" and order.checked_in_at
    c.post("/care/orders/mine/", {"order": order.pk, "action": "check_out", "care_record": "换药完成"})
    order.refresh_from_db()
    assert order.status == "done" and order.care_record == "换药完成"
    # a colleague's order is not hers to touch
    other = make_order(sj_elder, users, "requested")
    assert c.post("/care/orders/mine/", {"order": other.pk, "action": "check_in"}).status_code == 404


def test_the_order_desk_places_and_dispatches_an_order(client_for, users, sj_elder, today):
    roster(users)
    c = client_for("doctor_sj")
    desk = c.get("/care/orders/").content.decode()
    assert "待受理或待派单" in desk and "超时未服务" in desk
    booked = clock.now() + dt.timedelta(days=1)
    res = c.post(
        f"/care/orders/new/?elder={sj_elder.pk}",
        {
            "service_code": "dressing_change",
            "institution": sj().pk,
            "booked_at": booked.strftime("%Y-%m-%dT%H:%M"),
            "channel": "staff",
            "doctor_order": "医嘱 77",
        },
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    order = ServiceOrder.objects.filter(elder=sj_elder).latest("pk")
    detail = c.get(f"/care/orders/{order.pk}/").content.decode()
    assert "居家安全评估" in detail
    c.post(
        f"/care/orders/{order.pk}/",
        {
            "action": "accept",
            **{f"safety_{k}": "on" for k in ("environment", "carer_present", "consent", "no_isolation")},
        },
    )
    c.post(f"/care/orders/{order.pk}/", {"action": "assign", "nurse": users["nurse_sj"].pk})
    order.refresh_from_db()
    assert order.status == "assigned" and order.nurse_id == users["nurse_sj"].pk


def test_the_menu_offers_sickbeds_and_orders_to_clinicians_and_orders_to_family_doctors(client_for):
    doctor = client_for("doctor_sj").get("/").content.decode()
    assert "家庭病床" in doctor and "互联网+护理服务" in doctor
    team = client_for("jtys_sj").get("/").content.decode()
    assert "互联网+护理服务" in team
    officer = client_for("mzj").get("/").content.decode()
    assert "/care/orders/" not in officer


def test_the_order_desk_keeps_the_roster_and_a_nurse_does_not(client_for, users, today):
    from ..models import HomeNurse

    roster(users)
    c = client_for("doctor_sj")
    page = c.get("/care/orders/roster/")
    assert page.status_code == 200 and "主管护师" in page.content.decode()
    c.post(
        "/care/orders/roster/",
        {
            "institution": sj().pk,
            "user": users["nurse_sj"].pk,
            "title": "senior_nurse",
            "years_of_practice": "6",
            "specialties": ["stoma"],
            "is_active": "on",
        },
    )
    entry = HomeNurse.objects.get(user=users["nurse_sj"], institution=sj())
    assert (entry.title, entry.years_of_practice, entry.specialties) == ("senior_nurse", 6, ["stoma"])
    refused = c.post(
        "/care/orders/roster/",
        {"institution": sj().pk, "user": users["doctor_tp"].pk, "title": "nurse", "years_of_practice": "1"},
    )
    assert refused.status_code == 200 and not HomeNurse.objects.filter(user=users["doctor_tp"]).exists()
    assert client_for("nurse_sj").get("/care/orders/roster/").status_code == 403


def test_the_archive_timeline_shows_the_bed_and_links_to_it(client_for, users, sj_elder, today):
    from .homecare_helpers import make_sickbed

    bed = make_sickbed(sj_elder, users, "admitted")
    page = client_for("doctor_sj").get(f"/health/elders/{sj_elder.pk}/")
    assert page.status_code == 200
    assert f"/care/sickbeds/{bed.pk}/" in page.content.decode()
