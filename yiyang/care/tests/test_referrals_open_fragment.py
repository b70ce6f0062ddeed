"""The open-referrals fragment on one home's 医疗服务 page lists that home's referrals only, still within
the user's scope; on its own it lists every open referral the user may read."""

from __future__ import annotations

from yiyang.care.services import referrals as service

from .conftest import HOME, HOSPITAL


def test_an_officer_looking_at_one_home_sees_that_homes_open_referrals_only(
    client_for, users, inst, resident, sj_elder
):  # type: ignore[no-untyped-def]
    from_home = service.create_referral(
        resident,
        acting_user=users["yly_admin"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="green_channel",
        reason="突发胸痛伴大汗",
        send=True,
    )
    from_centre = service.create_referral(
        sj_elder,
        acting_user=users["doctor_sj"],
        to_institution=inst[HOSPITAL],
        direction="up",
        urgency="routine",
        reason="血压控制不佳",
        send=True,
    )
    officer = client_for("wjj")
    everything = officer.get("/care/referrals/fragments/open/").content.decode()
    assert from_home.elder.name in everything and from_centre.elder.name in everything

    home = inst[HOME]
    page = officer.get(f"/care/medical/?institution={home.pk}").content.decode()
    assert f"/care/referrals/fragments/open/?institution={home.pk}" in page
    one_home = officer.get(f"/care/referrals/fragments/open/?institution={home.pk}").content.decode()
    assert from_home.elder.name in one_home and from_centre.elder.name not in one_home

    # the hospital received both; the home's administrator still sees only the home's, whatever it asks
    home_admin = client_for("yly_admin")
    asked = home_admin.get(f"/care/referrals/fragments/open/?institution={inst[HOSPITAL].pk}")
    assert from_home.elder.name in asked.content.decode()
    assert from_centre.elder.name not in asked.content.decode()
    assert officer.get("/care/referrals/fragments/open/?institution=abc").status_code == 404
