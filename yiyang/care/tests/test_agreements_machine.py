"""医养签约协议: the life cycle, the signed document, expiry and the warnings before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from yiyang.care.models import Agreement, AgreementStatus, PlannedRound
from yiyang.care.services import agreements as svc
from yiyang.core.actors import system_user
from yiyang.core.errors import ServiceError
from yiyang.core.testing.machines import walk

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def test_every_move_of_the_agreement_table(today, draft, tcm_admin, users):
    """Every (state, action) pair: allowed moves by a party's administrator (expiry by the system
    actor), the rest refused with 409 naming the state; 民政's officer may make none of them."""
    d = dt.timedelta

    def make(state: str) -> Agreement:
        if state == AgreementStatus.DRAFT:
            return draft()
        # in force until yesterday: it may expire, be renewed, or be terminated a few days back
        return draft(
            status=state,
            start_date=today - d(days=10),
            end_date=today - d(days=1),
            signed_on=today - d(days=12),
        )

    def extra(state: str, action: str) -> dict:
        return {
            "renew": {"end_date": today + d(days=364)},
            "terminate": {"terminated_on": today - d(days=5)},
        }.get(action, {})

    report = walk(
        svc.AGREEMENT,
        make=make,
        user=lambda state, action: system_user() if action == "expire" else tcm_admin,
        extra=extra,
        outsider=users["mzj"],
    )
    assert report.allowed == 5


def test_signing_needs_the_signed_document(draft, tcm_admin):
    agreement = draft(document="")
    with pytest.raises(ServiceError) as refused:
        svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    assert refused.value.field == "document"
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_signing_plans_the_rounds_of_the_period(today, draft, tcm_admin):
    """Monthly rounds over a year: one per 30-day window, on time up to a week after the planned day."""
    agreement = draft()
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    planned = list(PlannedRound.objects.filter(agreement=agreement))
    assert len(planned) == 12
    assert planned[0].due_date == agreement.start_date + dt.timedelta(days=29)
    assert planned[0].on_time_until == planned[0].due_date + dt.timedelta(days=7)
    assert agreement.signed_on == today


def test_only_an_administrator_of_a_party_signs(draft, users, tcm):
    """The administrator of another institution holds agreement.manage but is no party: refused."""
    agreement = draft()
    with pytest.raises(PermissionDenied):
        svc.AGREEMENT.apply(agreement, "sign", acting_user=users["yly_admin"])
    assert svc.AGREEMENT.available(users["yly_admin"], agreement) == []


def test_two_agreements_of_the_same_parties_may_not_overlap(draft, tcm_admin):
    first = draft()
    svc.AGREEMENT.apply(first, "sign", acting_user=tcm_admin)
    second = draft(home=first.eldercare_institution)
    with pytest.raises(ServiceError) as refused:
        svc.AGREEMENT.apply(second, "sign", acting_user=tcm_admin)
    assert (refused.value.code, refused.value.status) == ("AGREEMENT_OVERLAP", 409)


def test_renewal_is_a_successor_chained_to_the_old_agreement(today, draft, tcm_admin):
    agreement = draft()
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    t = svc.AGREEMENT.apply(
        agreement, "renew", acting_user=tcm_admin, end_date=agreement.end_date + dt.timedelta(days=365)
    )
    new = t.results["renewal"]
    assert new.previous == agreement and new.status == AgreementStatus.ACTIVE
    assert new.start_date == agreement.end_date + dt.timedelta(days=1)
    assert agreement.status == AgreementStatus.RENEWED
    # the old one stays in force to its end; the successor from the day after
    assert agreement.is_in_force_on(today) and not new.is_in_force_on(today)
    assert t.history.details["renewed_by"] == new.pk


def test_termination_needs_a_reason_and_ends_on_the_day_given(today, draft, tcm_admin):
    agreement = draft()
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    with pytest.raises(ServiceError) as refused:
        svc.AGREEMENT.apply(agreement, "terminate", acting_user=tcm_admin, reason=" ")
    assert refused.value.field == "reason"
    svc.AGREEMENT.apply(
        agreement, "terminate", acting_user=tcm_admin, reason="养老机构停业", terminated_on=today
    )
    assert agreement.terminated_on == today and agreement.end_reason == "养老机构停业"
    assert agreement.is_in_force_on(today) and not agreement.is_in_force_on(today + dt.timedelta(days=1))
    assert not PlannedRound.objects.filter(agreement=agreement, cancelled=False, due_date__gt=today).exists()


def test_the_daily_job_expires_agreements_past_their_end_date(freeze_clock, today, draft, tcm_admin):
    """On the end date the agreement is still in force; the day after, the system actor expires it."""
    agreement = draft(end_date=today + dt.timedelta(days=5))
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    freeze_clock(today + dt.timedelta(days=5))
    assert svc.run_daily()["expired"] == 0
    freeze_clock(today + dt.timedelta(days=6))
    svc.run_daily()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
    row = svc.AGREEMENT.history(agreement).last()
    assert (row.action, row.user.username) == ("expire", "system")


def test_no_person_can_expire_an_agreement(draft, tcm_admin, today):
    agreement = draft(status=AgreementStatus.ACTIVE, end_date=today - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        svc.AGREEMENT.apply(agreement, "expire", acting_user=tcm_admin)


def test_expiry_warnings_sixty_and_thirty_days_ahead(today, draft):
    d = dt.timedelta
    ends = {"in30": 30, "in31": 31, "in60": 60, "in61": 61, "past": -1}
    made = {
        k: draft(status=AgreementStatus.ACTIVE, end_date=today + d(days=v), start_date=today - d(days=100))
        for k, v in ends.items()
    }
    renewed = draft(
        status=AgreementStatus.RENEWED, end_date=today + d(days=10), start_date=today - d(days=100)
    )
    warnings = svc.expiry_warnings(Agreement.objects.all())
    by_pk = {w.agreement.pk: w for w in warnings}
    assert made["in30"].pk in by_pk and by_pk[made["in30"].pk].urgent
    assert made["in31"].pk in by_pk and not by_pk[made["in31"].pk].urgent
    assert made["in60"].pk in by_pk
    assert made["in61"].pk not in by_pk and made["past"].pk not in by_pk
    assert renewed.pk not in by_pk  # already renewed: nothing to warn about


@pytest.mark.parametrize(("content", "kind"), [(PDF, "pdf"), (PNG, "png"), (JPEG, "jpg")])
def test_a_signed_document_is_recognised_by_its_content(content, kind):
    upload = SimpleUploadedFile("scan.bin", content)
    assert svc.check_document(upload) == kind


@pytest.mark.parametrize(
    ("name", "content"),
    [("agreement.pdf", b"<html>not a pdf</html>"), ("scan.png", b""), ("agreement.pdf", b"MZ\x90\x00")],
)
def test_a_document_that_is_not_a_pdf_or_image_is_refused_whatever_its_name(name, content):
    with pytest.raises(ServiceError) as refused:
        svc.check_document(SimpleUploadedFile(name, content))
    assert refused.value.field == "document" and refused.value.status == 422


def test_a_document_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(svc, "DOCUMENT_MAX_BYTES", 1024)
    with pytest.raises(ServiceError) as refused:
        svc.check_document(SimpleUploadedFile("a.pdf", PDF + b"0" * 1024))
    assert "MB" in refused.value.message or "大于" in refused.value.message


def test_the_stored_document_never_keeps_the_uploaded_name(draft, tcm_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agreement = draft(document="")
    svc.attach_document(agreement, acting_user=tcm_admin, upload=SimpleUploadedFile("../张三身份证.pdf", PDF))
    assert agreement.document.name.endswith(".pdf") and "张三" not in agreement.document.name
    assert ".." not in agreement.document.name
