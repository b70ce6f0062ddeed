"""互联网+护理服务 orders through the API: the catalogue's conditions, the home-safety check, dispatch to a
qualified nurse, check-in and check-out, rating and settlement; who sees which order; the nurse's grant."""

from __future__ import annotations

import datetime as dt

from yiyang.core import clock, grants
from yiyang.core.models import ElderCategory

from ..models import HomeNurse, ServiceOrder
from .homecare_helpers import SAFE_HOME, make_order, roster, sj

URL = "/api/v1/service-orders"


def _body(elder, **over):  # type: ignore[no-untyped-def]
    body = {
        "elder_id": elder.pk,
        "service_code": "dressing_change",
        "institution_id": sj().pk,
        "booked_at": (clock.now() + dt.timedelta(hours=3)).isoformat(),
        "doctor_order": "医嘱 2026-118 换药",
    }
    body.update(over)
    return body


def _move(api, pk, action, **args):  # type: ignore[no-untyped-def]
    return api.post(f"{URL}/{pk}/transitions", {"action": action, **args})


def test_an_order_runs_from_the_familys_request_to_rating_and_settlement(api_for, users, sj_elder, today):
    roster(users)
    desk, nurse = api_for("doctor_sj"), api_for("nurse_sj")
    res = desk.post(URL, _body(sj_elder, channel="family", contact_name="王女士", contact_relation="女儿"))
    assert res.status_code == 201, res.content
    order = res.json()
    assert order["status"] == "requested" and order["eligibility"][0]["met"]
    pk = order["id"]

    assert _move(desk, pk, "accept", home_safety=SAFE_HOME).status_code == 200
    assigned = _move(desk, pk, "assign", nurse_id=users["nurse_sj"].pk)
    assert assigned.status_code == 200, assigned.content
    opened = list(grants.grants_from(ServiceOrder.objects.get(pk=pk)))
    assert [(g.user_id, g.valid_to) for g in opened] == [(users["nurse_sj"].pk, None)]

    mine = nurse.get(URL, view="mine", page_size=100).json()
    assert pk in [o["id"] for o in mine["results"]]
    assert _move(nurse, pk, "check_in").status_code == 200
    out = _move(nurse, pk, "check_out", care_record="伤口换药，敷料干燥，无渗出")
    assert out.status_code == 200, out.content
    row = ServiceOrder.objects.get(pk=pk)
    assert row.checked_in_at is not None and row.checked_out_at is not None
    assert row.checked_out_at >= row.checked_in_at
    assert [g.valid_to for g in grants.grants_from(row)] == [today]  # the nurse's access ends with the visit

    rated = _move(desk, pk, "rate", rating=4, complaint="到达时间比预约晚十分钟")
    assert rated.status_code == 200 and rated.json()["state"] == "closed"
    assert _move(desk, pk, "settle", settlement="settled").status_code == 200
    row.refresh_from_db()
    assert (row.rating, row.settlement) == (4, "settled")
    timeline = desk.get(f"/api/v1/elders/{sj_elder.pk}/timeline", kind="home_nursing").json()
    assert any("伤口换药" in e["summary"] for e in timeline["results"])


def test_the_catalogues_conditions_are_enforced(api_for, users, sj_elder, today):
    roster(users)
    desk = api_for("doctor_sj")
    count = ServiceOrder.objects.count()
    no_order = desk.post(URL, _body(sj_elder, doctor_order=""))
    assert no_order.status_code == 422
    error = no_order.json()["errors"][0]
    assert error["field"] == "doctor_order" and "医嘱" in error["message"]

    ElderCategory.objects.filter(elder=sj_elder).delete()
    bedsore = desk.post(URL, _body(sj_elder, service_code="nasogastric_tube"))
    assert bedsore.status_code == 422
    assert "失能或半失能" in bedsore.json()["errors"][0]["message"]
    assert ServiceOrder.objects.count() == count

    ElderCategory.objects.create(elder=sj_elder, category="disabled")
    assert desk.post(URL, _body(sj_elder, service_code="nasogastric_tube")).status_code == 201


def test_dispatch_needs_a_safe_home_and_a_qualified_nurse(api_for, users, sj_elder, today):
    roster(users)
    desk = api_for("doctor_sj")
    order = make_order(
        sj_elder, users, "requested", service_code="picc_maintenance", service_name="PICC 维护"
    )
    unsafe = _move(desk, order.pk, "accept", home_safety={**SAFE_HOME, "carer_present": False})
    assert unsafe.status_code == 422
    assert unsafe.json()["errors"][0]["field"] == "home_safety" and "照护人" in unsafe.json()["detail"]
    assert _move(desk, order.pk, "accept", home_safety=SAFE_HOME).status_code == 200

    not_a_nurse = _move(desk, order.pk, "assign", nurse_id=users["doctor_sj"].pk)
    assert not_a_nurse.status_code == 422 and not_a_nurse.json()["errors"][0]["field"] == "nurse_id"
    HomeNurse.objects.filter(user=users["nurse_sj"]).update(specialties=["wound"])
    no_picc = _move(desk, order.pk, "assign", nurse_id=users["nurse_sj"].pk)
    assert no_picc.status_code == 422 and "PICC" in no_picc.json()["detail"]
    HomeNurse.objects.filter(user=users["nurse_sj"]).update(specialties=["picc"], years_of_practice=3)
    junior = _move(desk, order.pk, "assign", nurse_id=users["nurse_sj"].pk)
    assert junior.status_code == 422 and "5" in junior.json()["detail"]
    order.refresh_from_db()
    assert order.status == "accepted" and order.nurse_id is None


def test_only_the_assigned_nurse_checks_in_and_only_the_desk_dispatches(api_for, users, sj_elder, today):
    roster(users)
    order = make_order(sj_elder, users, "accepted")
    assert _move(api_for("nurse_sj"), order.pk, "assign", nurse_id=users["nurse_sj"].pk).status_code == 404
    _move(api_for("doctor_sj"), order.pk, "assign", nurse_id=users["nurse_sj"].pk)
    refused = _move(api_for("doctor_sj"), order.pk, "check_in")
    assert refused.status_code == 403
    assert _move(api_for("nurse_sj"), order.pk, "check_in").status_code == 200
    cancel = _move(api_for("doctor_sj"), order.pk, "cancel", reason="家属取消")
    assert cancel.status_code == 409
    assert (
        "服务中" in cancel.json()["detail"] and cancel.json()["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    )


def test_a_nurse_sees_her_orders_and_another_township_sees_none(api_for, users, sj_elder, today):
    roster(users)
    hers = make_order(sj_elder, users, "assigned")
    waiting = make_order(sj_elder, users, "requested")
    nurse = api_for("nurse_sj").get(URL, page_size=100).json()
    ids = [o["id"] for o in nurse["results"]]
    assert hers.pk in ids and waiting.pk not in ids
    assert all(o["nurse_id"] == users["nurse_sj"].pk for o in nurse["results"])
    desk = [
        o["id"] for o in api_for("doctor_sj").get(URL, view="unassigned", page_size=100).json()["results"]
    ]
    assert waiting.pk in desk
    admin = api_for("admin_sj").get(URL, view="unassigned", page_size=100).json()["results"]
    assert waiting.pk in [o["id"] for o in admin]  # the centre's administrator runs its order desk too
    tp = api_for("doctor_tp")
    assert tp.get(URL).json()["count"] == 0
    assert _move(tp, hers.pk, "cancel", reason="x").status_code == 404
    assert api_for("mzj").get(URL).json()["count"] == 0


def test_late_and_unassigned_orders_are_listed(api_for, users, sj_elder, today):
    roster(users)
    late = make_order(sj_elder, users, "assigned", booked_at=clock.now() - dt.timedelta(hours=2))
    soon = make_order(sj_elder, users, "assigned", booked_at=clock.now() + dt.timedelta(hours=2))
    rows = api_for("doctor_sj").get(URL, view="late", page_size=100).json()["results"]
    assert late.pk in [o["id"] for o in rows] and soon.pk not in [o["id"] for o in rows]
    assert next(o for o in rows if o["id"] == late.pk)["late"] is True


def test_bad_orders_are_refused_by_field_and_never_500(api_for, users, sj_elder, today):
    roster(users)
    desk = api_for("doctor_sj")
    count = ServiceOrder.objects.count()
    cases = [
        ({"service_code": "massage"}, "service_code"),
        ({"booked_at": (clock.now() - dt.timedelta(days=2)).isoformat()}, "booked_at"),
        ({"booked_at": (clock.now() + dt.timedelta(days=90)).isoformat()}, "booked_at"),
        ({"channel": "family"}, "contact_name"),
        ({"channel": "phone"}, "channel"),
    ]
    for change, field in cases:
        res = desk.post(URL, _body(sj_elder, **change))
        assert res.status_code == 422, (change, res.content)
        assert res.json()["errors"][0]["field"] == field, change
    tp_home = desk.post(
        URL, _body(sj_elder, institution_id=users["yly_admin"].active_assignments[0].institution_id)
    )
    assert tp_home.status_code == 422 and tp_home.json()["errors"][0]["field"] == "institution_id"
    assert desk.post(URL, {"elder_id": sj_elder.pk, "booked_at": "tomorrow"}).status_code == 422
    order = make_order(sj_elder, users, "done")
    assert _move(desk, order.pk, "rate", rating=9).status_code == 422
    assert _move(desk, order.pk, "settle", settlement="maybe").status_code == 422
    assert _move(desk, order.pk, "fly").status_code == 409
    assert ServiceOrder.objects.count() == count + 1


def test_the_nurse_does_not_rate_her_own_service(api_for, users, sj_elder, today):
    roster(users)
    order = make_order(sj_elder, users, "done")
    refused = _move(api_for("nurse_sj"), order.pk, "rate", rating=5)
    assert refused.status_code == 403
    order.refresh_from_db()
    assert order.status == "done" and order.rating is None


def test_a_family_doctor_orders_for_a_contracted_elder_and_follows_it(api_for, users, today):
    from yiyang.core.scoping import scope_elders

    roster(users)
    elder = scope_elders(users["jtys_sj"]).filter(status="active").order_by("pk").first()
    assert elder is not None
    team = api_for("jtys_sj")
    res = team.post(URL, _body(elder, service_code="chronic_guidance", doctor_order=""))
    assert res.status_code == 201, res.content
    assert res.json()["channel"] == "family_doctor"
    listed = team.get(URL, elder=elder.pk, page_size=100).json()["results"]
    assert res.json()["id"] in [o["id"] for o in listed]
    # the team requests; it does not dispatch
    assert _move(team, res.json()["id"], "accept", home_safety=SAFE_HOME).status_code == 403
