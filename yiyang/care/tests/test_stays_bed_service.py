"""A bed out of service and back (repairs, isolation): ``POST /api/v1/beds/{id}/service`` and the bed
board's button; an occupied bed is refused with a Chinese 409 and stays as it was; only the home's own
staff may do it."""

from __future__ import annotations

from yiyang.care.models.stays import Bed, BedKind, BedStatus

from . import stays_fixtures

admitted = stays_fixtures.admitted
make_beds = stays_fixtures.make_beds
newcomer = stays_fixtures.newcomer
welfare = stays_fixtures.welfare


def _status(bed: Bed) -> str:
    return Bed.objects.get(pk=bed.pk).status


def test_a_free_bed_goes_out_of_service_and_back_through_the_api(api_for, make_beds):  # type: ignore[no-untyped-def]
    bed = make_beds(BedKind.ELDERCARE_NURSING, 1)[0]
    api = api_for("yly_admin")
    r = api.post(f"/api/v1/beds/{bed.pk}/service", {"in_service": False, "reason": "卫生间维修"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "out_of_service" and r.json()["stay"] is None
    assert _status(bed) == BedStatus.OUT_OF_SERVICE
    # the beds list counts it out of service
    beds = api.get(f"/api/v1/institutions/{bed.institution_id}/beds").json()
    kind = next(k for k in beds["summary"] if k["kind"] == BedKind.ELDERCARE_NURSING)
    assert kind["out_of_service"] >= 1

    r = api.post(f"/api/v1/beds/{bed.pk}/service", {"in_service": True})
    assert r.status_code == 200 and r.json()["status"] == "free"
    assert _status(bed) == BedStatus.FREE


def test_an_occupied_bed_is_refused_with_409_in_chinese(api_for, admitted):  # type: ignore[no-untyped-def]
    r = api_for("yly_admin").post(f"/api/v1/beds/{admitted.bed_id}/service", {"in_service": False})
    assert r.status_code == 409
    assert "只有空闲床位才能停用" in r.json()["detail"]
    assert admitted.bed.label in r.json()["detail"]
    assert _status(admitted.bed) == BedStatus.OCCUPIED


def test_only_the_homes_staff_may_take_its_bed_out_and_bad_input_is_4xx(api_for, make_beds):  # type: ignore[no-untyped-def]
    bed = make_beds(BedKind.ELDERCARE_NURSING, 1)[0]
    out = {"in_service": False}
    assert api_for("wjj").post(f"/api/v1/beds/{bed.pk}/service", out).status_code == 403
    assert api_for("doctor_sj").post(f"/api/v1/beds/{bed.pk}/service", out).status_code == 404
    assert api_for("yly_admin").post(f"/api/v1/beds/{bed.pk}/service", {}).status_code == 422
    assert api_for("yly_admin").post("/api/v1/beds/999999999/service", out).status_code == 404
    assert _status(bed) == BedStatus.FREE


def test_the_bed_boards_buttons(client_for, make_beds, admitted):  # type: ignore[no-untyped-def]
    bed = make_beds(BedKind.ELDERCARE_NURSING, 1)[0]
    client = client_for("yly_admin")
    board = client.get("/care/beds/").content.decode()
    assert f'action="/care/beds/{bed.pk}/service/"' in board and "停止使用" in board
    assert f'action="/care/beds/{admitted.bed_id}/service/"' not in board  # no button on an occupied bed

    page = client.post(f"/care/beds/{bed.pk}/service/", {"in_service": "0", "reason": "隔离"}, follow=True)
    assert _status(bed) == BedStatus.OUT_OF_SERVICE
    assert "恢复使用" in page.content.decode()
    client.post(f"/care/beds/{bed.pk}/service/", {"in_service": "1"})
    assert _status(bed) == BedStatus.FREE

    # a forged request on the occupied bed: refused in Chinese on the board, the bed as it was
    page = client.post(f"/care/beds/{admitted.bed_id}/service/", {"in_service": "0"}, follow=True)
    assert "只有空闲床位才能停用" in page.content.decode()
    assert _status(admitted.bed) == BedStatus.OCCUPIED
    # an officer reads the board but has no buttons and cannot post
    officer_board = client_for("wjj").get(f"/care/beds/?institution={bed.institution_id}").content.decode()
    assert bed.label in officer_board and "/service/" not in officer_board
    assert client_for("wjj").post(f"/care/beds/{bed.pk}/service/", {"in_service": "0"}).status_code == 403
