"""The beds and stays API (issue 11 contracts): ``GET /institutions/{id}/beds``, ``POST /stays``,
``GET /stays?institution=``, ``POST /stays/{id}/transitions`` — a refused move or a taken bed is 409 with a
Chinese message, bad input 4xx naming the field, nothing half-written, a home sees its own stays only."""

from __future__ import annotations

import datetime as dt

from yiyang.care.models.stays import Bed, BedKind, BedStatus, Stay, StayStatus
from yiyang.core.grants import grants_from
from yiyang.core.models import AccessGrant, Elder, ElderStatus, Institution
from yiyang.core.scoping import scope_elders

from . import stays_fixtures
from .stays_fixtures import stay_row

# the shared fixtures of the bed and stay tests
admitted = stays_fixtures.admitted
make_beds = stays_fixtures.make_beds
newcomer = stays_fixtures.newcomer
welfare = stays_fixtures.welfare

CHINESE = "\u4e00"


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_admission_answers_201_and_opens_the_record_to_the_home(
    api_for, users, welfare, make_beds, newcomer, today
):
    """Given a free 护理型床位, when yly_admin admits an elder of the county, then the stay is 201, the bed is
    occupied, the elder lives at the home and the home's staff see the elder (an access grant)."""
    bed = make_beds(BedKind.ELDERCARE_NURSING, 1)[0]
    assert not scope_elders(users["yly_admin"]).filter(pk=newcomer.pk).exists()

    r = api_for("yly_admin").post(
        "/api/v1/stays",
        {
            "elder_id": newcomer.pk,
            "institution_id": welfare.pk,
            "bed_id": bed.pk,
            "mode": "care",
            "admitted_on": str(today),
        },
    )

    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "care" and body["mode"] == "care" and body["bed_id"] == bed.pk
    assert body["allowed_actions"] == ["transfer", "leave", "to_medical", "discharge", "death"]
    assert Bed.objects.get(pk=bed.pk).status == BedStatus.OCCUPIED
    assert Elder.objects.get(pk=newcomer.pk).residence_institution_id == welfare.pk
    grant = grants_from(Stay.objects.get(pk=body["id"])).get()
    assert grant.institution_id == welfare.pk and grant.valid_from == today and grant.valid_to is None
    assert scope_elders(users["yly_admin"]).filter(pk=newcomer.pk).exists()


def test_a_second_admission_to_an_occupied_bed_is_409_in_chinese_and_writes_nothing(
    api_for, welfare, admitted, newcomer, today
):
    other = (
        Elder.objects.filter(status=ElderStatus.ACTIVE, residence_institution=None)
        .exclude(pk=newcomer.pk)
        .first()
    )
    before = (Stay.objects.count(), AccessGrant.objects.count())

    r = api_for("yly_admin").post(
        "/api/v1/stays",
        {"elder_id": other.pk, "institution_id": welfare.pk, "bed_id": admitted.bed_id, "mode": "care"},
    )

    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "bed_id" and r.json()["errors"][0]["code"] == "BED_NOT_FREE"
    assert _has_chinese(r.json()["detail"])
    assert (Stay.objects.count(), AccessGrant.objects.count()) == before
    assert Elder.objects.get(pk=other.pk).residence_institution_id is None


def test_an_elder_with_an_active_stay_cannot_be_admitted_twice(api_for, welfare, admitted, make_beds):
    bed = make_beds(BedKind.ELDERCARE, 1)[0]
    r = api_for("yly_admin").post(
        "/api/v1/stays",
        {"elder_id": admitted.elder_id, "institution_id": welfare.pk, "bed_id": bed.pk, "mode": "care"},
    )
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "STAY_ACTIVE"
    assert _has_chinese(r.json()["detail"])
    assert Bed.objects.get(pk=bed.pk).status == BedStatus.FREE


def test_bad_admissions_are_4xx_naming_the_field(api_for, welfare, make_beds, newcomer, today):
    bed = make_beds(BedKind.ELDERCARE, 1)[0]
    api = api_for("yly_admin")
    base = {"elder_id": newcomer.pk, "institution_id": welfare.pk, "bed_id": bed.pk, "mode": "care"}
    before = Stay.objects.filter(elder=newcomer).count()
    cases = [
        ({"mode": "sleep"}, 422, "mode"),
        ({"admitted_on": str(today + dt.timedelta(days=1))}, 422, "admitted_on"),
        ({"admitted_on": "yesterday"}, 422, "admitted_on"),
        ({"bed_id": 0}, 422, "bed_id"),
        ({"source": "moon"}, 422, "source"),
        ({"guardian_phone": "12ab"}, 422, "guardian_phone"),
    ]
    for change, status, field in cases:
        r = api.post("/api/v1/stays", {**base, **change})
        assert r.status_code == status, (change, r.content)
        assert field in [e["field"] for e in r.json()["errors"]], (change, r.json())
    # a bed of another institution is not a bed of this one; an unknown elder or institution is 404
    other_bed = Bed.objects.exclude(institution=welfare).first()
    if other_bed is not None:
        r = api.post("/api/v1/stays", {**base, "bed_id": other_bed.pk})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bed_id"
    assert api.post("/api/v1/stays", {**base, "elder_id": 2**50}).status_code == 404
    assert api.post("/api/v1/stays", {**base, "institution_id": 2**50}).status_code == 404
    assert Stay.objects.filter(elder=newcomer).count() == before
    assert Bed.objects.get(pk=bed.pk).status == BedStatus.FREE


def test_a_home_cannot_admit_to_another_institution(api_for, newcomer):
    integrated = Institution.objects.get(name="江口县梵净康养中心")
    bed = Bed.objects.filter(institution=integrated, status=BedStatus.FREE).first()
    r = api_for("yly_admin").post(
        "/api/v1/stays",
        {
            "elder_id": newcomer.pk,
            "institution_id": integrated.pk,
            "bed_id": bed.pk if bed else 1,
            "mode": "care",
        },
    )
    assert r.status_code in (403, 404)
    assert not Stay.objects.filter(elder=newcomer, status__in=["care", "medical", "on_leave"]).exists()


def test_beds_list_shows_occupancy(api_for, welfare, admitted):
    r = api_for("yly_admin").get(f"/api/v1/institutions/{welfare.pk}/beds")
    assert r.status_code == 200
    body = r.json()
    row = next(b for b in body["results"] if b["id"] == admitted.bed_id)
    assert row["status"] == "occupied" and row["kind"] == "eldercare_nursing"
    assert row["stay"]["id"] == admitted.pk and row["stay"]["elder_id"] == admitted.elder_id
    nursing = next(k for k in body["summary"] if k["kind"] == "eldercare_nursing")
    assert (
        nursing["occupied"] >= 1
        and nursing["total"] == Bed.objects.filter(institution=welfare, kind="eldercare_nursing").count()
    )
    free = [b for b in body["results"] if b["status"] == "free"]
    assert all(b["stay"] is None for b in free)


def test_beds_of_an_institution_out_of_scope_are_404(api_for, welfare):
    integrated = Institution.objects.get(name="江口县梵净康养中心")
    assert api_for("yly_admin").get(f"/api/v1/institutions/{integrated.pk}/beds").status_code == 404
    assert api_for("doctor_sj").get(f"/api/v1/institutions/{welfare.pk}/beds").status_code == 404
    # the county's officers see it
    assert api_for("mzj").get(f"/api/v1/institutions/{welfare.pk}/beds").status_code == 200
    assert api_for("wjj").get(f"/api/v1/institutions/{welfare.pk}/beds").status_code == 200


def test_a_home_sees_its_own_stays_only(api_for, welfare, admitted):
    integrated = Institution.objects.get(name="江口县梵净康养中心")
    r = api_for("yly_admin").get("/api/v1/stays", institution=welfare.pk, page_size=100)
    assert r.status_code == 200 and r.json()["count"] >= 1
    assert {s["institution_id"] for s in r.json()["results"]} == {welfare.pk}
    assert api_for("yly_admin").get("/api/v1/stays", institution=integrated.pk).json()["count"] == 0
    other = Stay.objects.filter(institution=integrated).first()
    if other is not None:
        assert api_for("yly_admin").get(f"/api/v1/stays/{other.pk}").status_code == 404
        r = api_for("yly_admin").post(f"/api/v1/stays/{other.pk}/transitions", {"action": "discharge"})
        assert r.status_code == 404
    assert api_for("doctor_sj").get(f"/api/v1/stays/{admitted.pk}").status_code == 404
    assert api_for("doctor_sj").get("/api/v1/stays").json()["count"] == 0
    # the guardian's phone is masked
    body = api_for("yly_admin").get(f"/api/v1/stays/{admitted.pk}").json()
    assert body["guardian_phone"] == "138****5678"


def test_officers_read_stays_but_cannot_move_them(api_for, admitted):
    assert api_for("mzj").get(f"/api/v1/stays/{admitted.pk}").status_code == 200
    r = api_for("mzj").post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "leave"})
    assert r.status_code == 403
    assert stay_row(admitted).status == StayStatus.CARE


def test_transfer_moves_the_resident_and_frees_the_old_bed(api_for, admitted, make_beds, today):
    new = make_beds(BedKind.ELDERCARE, 1)[0]
    r = api_for("yly_admin").post(
        f"/api/v1/stays/{admitted.pk}/transitions",
        {"action": "transfer", "bed_id": new.pk, "date": str(today), "reason": "调换房间"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "care" and r.json()["transition"]["details"]["bed_id"] == new.pk
    assert Bed.objects.get(pk=admitted.bed_id).status == BedStatus.FREE
    assert Bed.objects.get(pk=new.pk).status == BedStatus.OCCUPIED
    assert stay_row(admitted).bed_id == new.pk


def test_transfer_to_an_occupied_bed_is_409_and_changes_nothing(
    api_for, users, welfare, admitted, make_beds, today
):
    from yiyang.care.services import stays as services

    beds = make_beds(BedKind.ELDERCARE, 1)
    other_elder = (
        Elder.objects.filter(
            status=ElderStatus.ACTIVE, residence_institution=None, region__code__startswith="520621"
        )
        .exclude(pk=admitted.elder_id)
        .first()
    )
    services.admit(acting_user=users["yly_admin"], elder=other_elder, institution=welfare, bed_id=beds[0].pk)
    r = api_for("yly_admin").post(
        f"/api/v1/stays/{admitted.pk}/transitions", {"action": "transfer", "bed_id": beds[0].pk}
    )
    assert r.status_code == 409 and _has_chinese(r.json()["detail"])
    assert stay_row(admitted).bed_id == admitted.bed_id
    assert Bed.objects.get(pk=admitted.bed_id).status == BedStatus.OCCUPIED


def test_a_refused_move_is_409_naming_the_current_state(api_for, admitted):
    r = api_for("yly_admin").post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "return"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert "在院（养老）" in r.json()["detail"] or _has_chinese(r.json()["detail"])
    r = api_for("yly_admin").post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "fly"})
    assert r.status_code == 409


def test_leave_keeps_the_bed_reserved_and_return_occupies_it(api_for, admitted, today):
    api = api_for("yly_admin")
    r = api.post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "leave", "date": str(today)})
    assert r.status_code == 200 and r.json()["state"] == "on_leave"
    assert Bed.objects.get(pk=admitted.bed_id).status == BedStatus.RESERVED
    assert stay_row(admitted).leave_since == today
    r = api.post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "return"})
    assert r.status_code == 200 and r.json()["state"] == "care"
    assert Bed.objects.get(pk=admitted.bed_id).status == BedStatus.OCCUPIED


def test_medical_and_care_switch_keeps_one_stay(api_for, admitted):
    """住院 ↔ 休养 in the welfare home (it runs its own clinic): the same stay, the same archive."""
    api = api_for("yly_admin")
    r = api.post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "to_medical", "reason": "肺部感染"})
    assert r.status_code == 200 and r.json()["state"] == "medical"
    r = api.post(f"/api/v1/stays/{admitted.pk}/transitions", {"action": "to_care", "reason": "病情稳定"})
    assert r.status_code == 200 and r.json()["state"] == "care"
    history = api.get(f"/api/v1/stays/{admitted.pk}/transitions").json()["history"]
    assert [h["action"] for h in history] == ["to_medical", "to_care"]
    assert Stay.objects.filter(elder_id=admitted.elder_id).count() == 1


def test_switch_is_refused_where_the_institution_has_no_clinic(users, admitted):
    from yiyang.care.services import stays as services
    from yiyang.core.errors import ServiceError

    welfare = admitted.institution
    Institution.objects.filter(pk=welfare.pk).update(has_inhouse_clinic=False)
    try:
        services.move(admitted, "to_medical", acting_user=users["yly_admin"])
    except ServiceError as exc:
        assert exc.status == 409 and exc.code == "NO_SWITCH" and _has_chinese(exc.message)
    else:
        raise AssertionError("the switch was allowed")
    assert stay_row(admitted).status == StayStatus.CARE


def test_discharge_ends_the_grant_frees_the_bed_and_the_elder_leaves(api_for, users, admitted, today):
    r = api_for("yly_admin").post(
        f"/api/v1/stays/{admitted.pk}/transitions",
        {"action": "discharge", "date": str(today), "destination": "home", "reason": "家属接回"},
    )
    assert r.status_code == 200 and r.json()["state"] == "discharged"
    stay = stay_row(admitted)
    assert stay.ended_on == today and stay.destination == "home"
    assert Bed.objects.get(pk=stay.bed_id).status == BedStatus.FREE
    assert Elder.objects.get(pk=stay.elder_id).residence_institution_id is None
    assert grants_from(stay).get().valid_to == today
    # the home still lists the stay it kept (its own record), and the bed is free for the next one
    assert api_for("yly_admin").get(f"/api/v1/stays/{stay.pk}").status_code == 200


def test_discharge_with_a_date_before_admission_is_422(api_for, admitted):
    r = api_for("yly_admin").post(
        f"/api/v1/stays/{admitted.pk}/transitions",
        {"action": "discharge", "date": str(admitted.admitted_on - dt.timedelta(days=1))},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date"
    assert stay_row(admitted).status == StayStatus.CARE


def test_death_records_the_elders_death_through_the_registry(api_for, admitted, today):
    r = api_for("yly_admin").post(
        f"/api/v1/stays/{admitted.pk}/transitions", {"action": "death", "date": str(today), "reason": "病故"}
    )
    assert r.status_code == 200 and r.json()["state"] == "deceased"
    elder = Elder.objects.get(pk=admitted.elder_id)
    assert elder.status == ElderStatus.DECEASED and elder.status_date == today
    assert elder.status_changes.get().to_status == ElderStatus.DECEASED
    assert grants_from(stay_row(admitted)).get().valid_to == today
    assert Bed.objects.get(pk=admitted.bed_id).status == BedStatus.FREE


def test_care_notes_say_what_was_done_by_whom_and_when(api_for, admitted):
    api = api_for("yly_admin")
    r = api.post(
        f"/api/v1/stays/{admitted.pk}/care-notes", {"kind": "nursing", "content": "翻身拍背，皮肤完好"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["done_by"] and r.json()["kind_label"]
    notes = api.get(f"/api/v1/stays/{admitted.pk}/care-notes").json()
    assert notes[0]["content"] == "翻身拍背，皮肤完好"
    r = api.post(f"/api/v1/stays/{admitted.pk}/care-notes", {"kind": "dance", "content": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"


def test_bulk_room_beds_from_the_api(api_for, welfare):
    r = api_for("yly_admin").post(
        f"/api/v1/institutions/{welfare.pk}/beds",
        {"building": "9号楼", "floor": "3", "room": "301", "kind": "eldercare", "count": 3},
    )
    assert r.status_code == 201, r.content
    assert [b["label"] for b in r.json()] == ["9号楼 301-1", "9号楼 301-2", "9号楼 301-3"]
    again = api_for("yly_admin").post(
        f"/api/v1/institutions/{welfare.pk}/beds",
        {"building": "9号楼", "room": "301", "kind": "eldercare", "count": 2, "first_number": 3},
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "first_number"
    assert Bed.objects.filter(institution=welfare, building="9号楼", room="301").count() == 3
    assert api_for("nurse_sj").post(
        f"/api/v1/institutions/{welfare.pk}/beds", {"room": "1", "kind": "eldercare", "count": 1}
    ).status_code in (403, 404)
