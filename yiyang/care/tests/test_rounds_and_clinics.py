"""巡诊 against the schedule (on time, late, missed) and in-house clinic records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from yiyang.care.models import InHouseClinic, PlannedRound
from yiyang.care.services import agreements as svc
from yiyang.care.services import clinics, rounds
from yiyang.core.errors import ServiceError

from .factories import make_home, make_resident

D = dt.timedelta


@pytest.fixture
def signed(freeze_clock, today, draft, tcm_admin):  # type: ignore[no-untyped-def]
    """A monthly-round agreement signed 100 days ago, with one resident."""
    freeze_clock(today - D(days=100))
    agreement = draft(start_date=today - D(days=100), end_date=today + D(days=265))
    resident = make_resident(agreement.eldercare_institution)
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    freeze_clock(today)
    return agreement, resident


def test_a_round_in_its_window_is_on_time_and_one_after_the_tolerance_is_late(signed, zyy, today):
    agreement, resident = signed
    first, second, third = PlannedRound.objects.filter(agreement=agreement).order_by("due_date")[:3]
    # the first round comes on its on-time day: done; the second a day after its on-time day: late
    rounds.record_round(
        agreement,
        acting_user=zyy,
        visited_on=first.on_time_until,
        staff=[],
        findings=[rounds.FindingIn(elder_id=resident.pk, findings="一般情况好")],
    )
    rounds.record_round(
        agreement, acting_user=zyy, visited_on=second.on_time_until + D(days=1), staff=[], findings=[]
    )
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert rounds.status_of(first) == "done"
    assert rounds.status_of(second) == "late"
    planned = PlannedRound.objects.filter(agreement=agreement)
    assert list(rounds.late(planned)) == [second]
    # the third passed its on-time day without a round: missed, until someone comes
    assert third.on_time_until < today and rounds.status_of(third) == "missed"
    assert third in list(rounds.missed(planned))


def test_a_round_outside_the_agreements_period_or_in_the_future_is_refused(signed, zyy, today):
    agreement, _resident = signed
    for day, field in [(today + D(days=1), "visited_on"), (agreement.start_date - D(days=1), "visited_on")]:
        with pytest.raises(ServiceError) as refused:
            rounds.record_round(agreement, acting_user=zyy, visited_on=day, staff=[], findings=[])
        assert refused.value.field == field


def test_staff_of_another_institution_cannot_be_named_on_a_round(signed, zyy, users, today):
    agreement, _resident = signed
    with pytest.raises(ServiceError) as refused:
        rounds.record_round(
            agreement, acting_user=zyy, visited_on=today, staff=[users["doctor_sj"]], findings=[]
        )
    assert refused.value.field == "staff_ids"


def test_registering_and_closing_a_clinic_moves_the_registry_flag(users, freeze_clock, today):
    home = users["yly_admin"].active_assignments[0].institution
    InHouseClinic.objects.filter(eldercare_institution=home).delete()
    clinics.refresh_flag(home)
    assert home.has_inhouse_clinic is False
    clinic = clinics.register_clinic(
        home,
        acting_user=users["yly_admin"],
        kind="nursing_station",
        licence_no="黔护备2026001",
        valid_from=today,
    )
    home.refresh_from_db()
    assert home.has_inhouse_clinic is True
    clinics.close_clinic(clinic, acting_user=users["yly_admin"], last_day=today, reason="护士离职")
    freeze_clock(today + D(days=1))
    assert clinics.refresh_all_flags() >= 1
    home.refresh_from_db()
    assert home.has_inhouse_clinic is False


def test_a_home_administrator_registers_only_their_own_clinic(users, today):
    other = make_home()
    with pytest.raises(PermissionDenied):
        clinics.register_clinic(
            other, acting_user=users["yly_admin"], kind="medical_room", licence_no="X1", valid_from=today
        )
    # 卫健 registers any home of the county
    clinic = clinics.register_clinic(
        other, acting_user=users["wjj"], kind="medical_room", licence_no="X1", valid_from=today
    )
    assert clinic.is_valid_on(today)


def test_a_clinic_without_licence_number_is_refused(users, today):
    home = users["yly_admin"].active_assignments[0].institution
    with pytest.raises(ServiceError) as refused:
        clinics.register_clinic(
            home, acting_user=users["yly_admin"], kind="medical_room", licence_no=" ", valid_from=today
        )
    assert refused.value.field == "licence_no"


def test_the_clinics_api_is_scoped_and_validated(api_for, users, today):
    home = users["yly_admin"].active_assignments[0].institution
    res = api_for("yly_admin").post(
        "/api/v1/inhouse-clinics",
        {"eldercare_institution_id": home.pk, "kind": "spa", "licence_no": "X", "valid_from": str(today)},
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "kind"
    listed = api_for("yly_admin").get("/api/v1/inhouse-clinics").json()
    assert listed and {c["eldercare_institution"]["name"] for c in listed} == {"江口县社会福利院"}
