"""Declarations (申报) through the API, with the page's rules: listing is scoped to the caller's
institutions; declaring needs 卫健's indicator.declare and an institution of the officer's area; the
evidence file is checked (type, size) and stored as the page stores it; nothing is written on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiyang.core.models import AuditEvent, Institution, Region
from yiyang.monitoring import services
from yiyang.monitoring.models import Declaration

URL = "/api/v1/monitoring/declarations"


@pytest.fixture
def hospital(demo_db):  # type: ignore[no-untyped-def]
    return Institution.objects.get(name="江口县人民医院")


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _body(institution: Institution, **change: object) -> dict:
    return {
        "indicator": "IR-7",
        "institution": institution.pk,
        "value": True,
        "effective_date": "2026-03-01",
        "note": "县卫健局文件",
        **change,
    }


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _upload(api, decl_id: int, upload: SimpleUploadedFile):  # type: ignore[no-untyped-def]
    return api.client.post(f"{URL}/{decl_id}/evidence", {"evidence": upload}, **api.headers)


def _audits() -> int:
    return AuditEvent.objects.filter(object_type="monitoring.declaration").count()


def test_officer_declares_uploads_evidence_and_lists_it(api_for, client_for, hospital, media):
    api = api_for("wjj")
    res = api.post(URL, _body(hospital))
    assert res.status_code == 201, res.content
    created = res.json()
    assert (created["indicator"], created["institution"], created["value"], created["evidence_url"]) == (
        "IR-7",
        hospital.pk,
        True,
        None,
    )
    decl = Declaration.objects.get(pk=created["id"])
    assert decl.declared_by.username == "wjj" and decl.note == "县卫健局文件"
    assert AuditEvent.objects.filter(
        object_type="monitoring.declaration", object_id=str(decl.pk), action="create"
    ).exists()

    pdf = SimpleUploadedFile("绿色通道文件.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    up = _upload(api, decl.pk, pdf)
    assert up.status_code == 200, up.content
    assert up.json()["evidence_name"] == "绿色通道文件.pdf"
    decl.refresh_from_db()
    assert decl.evidence.name.startswith("monitoring/evidence/")  # where the page stores it
    assert (media / decl.evidence.name).read_bytes() == b"%PDF-1.4 test"
    assert AuditEvent.objects.filter(
        object_type="monitoring.declaration", object_id=str(decl.pk), action="update"
    ).exists()
    # the page's download link serves it
    assert client_for("wjj").get(up.json()["evidence_url"]).status_code == 200

    # evidence once attached stays: a second upload is 409
    again = _upload(api, decl.pk, SimpleUploadedFile("other.pdf", b"%PDF", content_type="application/pdf"))
    assert again.status_code == 409 and _chinese(again.json()["detail"])

    listed = api.get(URL, indicator="IR-7").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == decl.pk
    assert listed["results"][0]["evidence_name"] == "绿色通道文件.pdf"
    # a doctor of the county reads the county's declarations too (as on the page)
    assert api_for("doctor_sj").get(URL).json()["count"] == 1


def test_a_township_doctor_cannot_declare_for_the_county_hospital(api_for, hospital, media):
    before = _audits()
    res = api_for("doctor_sj").post(URL, _body(hospital))
    assert res.status_code == 403 and _chinese(res.json()["detail"])
    assert not Declaration.objects.exists() and _audits() == before


def test_a_doctor_cannot_upload_evidence(api_for, hospital, media, users):
    decl = services.declare(
        acting_user=users["wjj"],
        institution=hospital,
        indicator_code="IR-7",
        value=True,
        effective_date=dt.date(2026, 3, 1),
    )
    pdf = SimpleUploadedFile("x.pdf", b"%PDF", content_type="application/pdf")
    res = _upload(api_for("doctor_sj"), decl.pk, pdf)
    assert res.status_code == 403
    decl.refresh_from_db()
    assert not decl.evidence and not any(media.rglob("*.pdf"))


def test_an_institution_outside_the_officers_area_is_refused(api_for, media, demo_db):
    other = Institution.objects.create(
        name="碧江区某医院",
        kind=Institution.objects.get(name="江口县人民医院").kind,
        region=Region.objects.get(code="520602000000"),
    )
    before = _audits()
    res = api_for("wjj").post(URL, _body(other))
    assert res.status_code == 422
    error = res.json()["errors"][0]
    assert error["field"] == "institution" and "机构" in error["message"]
    missing = api_for("wjj").post(URL, {**_body(other), "institution": 999999999})
    assert missing.status_code == 422 and missing.json() == res.json()  # like a missing one
    assert not Declaration.objects.exists() and _audits() == before
    assert api_for("wjj").get(URL, institution=other.pk).json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"indicator": "IR-1"}, "indicator"),  # computed from records, not declared
        ({"indicator": "NOPE-1"}, "indicator"),
        ({"effective_date": "2026-13-01"}, "effective_date"),
        ({"effective_date": "0001-01-01"}, "effective_date"),  # before any period: refused, not a 500
        ({"note": "长" * 501}, "note"),
    ],
)
def test_bad_declarations_are_refused_in_chinese_and_write_nothing(api_for, hospital, media, change, field):
    res = api_for("wjj").post(URL, _body(hospital, **change))
    assert res.status_code in (404, 422)
    error = res.json()["errors"][0]
    assert error["field"] == field and _chinese(error["message"])
    assert not Declaration.objects.exists()


def test_wrong_or_oversized_evidence_is_refused_in_chinese(api_for, hospital, media, monkeypatch):
    api = api_for("wjj")
    decl_id = api.post(URL, _body(hospital)).json()["id"]
    exe = _upload(api, decl_id, SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream"))
    assert exe.status_code == 422
    assert exe.json()["errors"][0]["field"] == "evidence" and "佐证材料" in exe.json()["detail"]
    monkeypatch.setattr(services, "MAX_EVIDENCE_BYTES", 10)
    big = _upload(
        api, decl_id, SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 20, content_type="application/pdf")
    )
    assert big.status_code == 422 and "20 MB" in big.json()["detail"]
    missing = api.client.post(f"{URL}/{decl_id}/evidence", {}, **api.headers)
    assert missing.status_code == 422
    assert not Declaration.objects.get(pk=decl_id).evidence and not any(media.rglob("*.*"))


def test_declarations_of_another_area_are_neither_listed_nor_reachable(api_for, users, media, demo_db):
    other = Institution.objects.create(
        name="碧江区某医院",
        kind=Institution.objects.get(name="江口县人民医院").kind,
        region=Region.objects.get(code="520602000000"),
    )
    decl = Declaration.objects.create(
        institution=other,
        indicator_code="IR-7",
        effective_date=dt.date(2026, 1, 1),
        declared_by=users["wjj"],
    )
    api = api_for("wjj")
    assert api.get(URL).json()["count"] == 0
    pdf = SimpleUploadedFile("x.pdf", b"%PDF", content_type="application/pdf")
    assert _upload(api, decl.pk, pdf).status_code == 404
