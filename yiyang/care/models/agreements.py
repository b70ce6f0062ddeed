"""医养签约协议: the agreement between an eldercare institution and a medical institution (seeds 001 (一),
004 二(二)1–2, 003 一.三). An eldercare institution without an in-house clinic must hold one in force;
IR-5 and IR-6 count these rows through ``Institution.agreements``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiyang.core import clock
from yiyang.core.models import Institution


class AgreementService(models.TextChoices):
    """The services an agreement covers (the seeds' wording)."""

    ROUNDS = "rounds", _("Regular rounds")
    GREEN_CHANNEL = "green_channel", _("Emergency green channel")
    REFERRAL = "referral", _("Two-way referral")
    TELECONSULTATION = "teleconsultation", _("Remote consultation")
    HEALTH_MANAGEMENT = "health_management", _("Health management")
    MEDICATION_GUIDANCE = "medication_guidance", _("Medication guidance")
    REHABILITATION = "rehabilitation", _("Rehabilitation and nursing guidance")
    STAFF_TRAINING = "staff_training", _("Training of care staff")


class RoundFrequency(models.TextChoices):
    """How often the medical institution comes to do rounds (巡诊)."""

    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


#: days between two scheduled rounds
ROUND_INTERVAL_DAYS = {
    RoundFrequency.WEEKLY: 7,
    RoundFrequency.FORTNIGHTLY: 14,
    RoundFrequency.MONTHLY: 30,
    RoundFrequency.QUARTERLY: 91,
}
#: days a round may come after its planned day and still be on time (later is late; none is missed)
ROUND_TOLERANCE_DAYS = {
    RoundFrequency.WEEKLY: 2,
    RoundFrequency.FORTNIGHTLY: 3,
    RoundFrequency.MONTHLY: 7,
    RoundFrequency.QUARTERLY: 14,
}


class AgreementStatus(models.TextChoices):
    # a context of their own: other records' "In force" or "Renewed" read differently in Chinese
    DRAFT = "draft", pgettext_lazy("agreement", "Draft")
    ACTIVE = "active", pgettext_lazy("agreement", "In force")
    EXPIRED = "expired", pgettext_lazy("agreement", "Expired")
    RENEWED = "renewed", pgettext_lazy("agreement", "Renewed")
    TERMINATED = "terminated", pgettext_lazy("agreement", "Terminated")


def agreement_document_path(instance: Agreement, filename: str) -> str:
    # The stored name never carries the uploaded file's name (it may hold personal data or ``..``).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"care/agreements/{clock.today():%Y}/{clock.now():%Y%m%d%H%M%S%f}.{suffix[:5]}"


class Agreement(models.Model):
    """One signed 医养签约协议. ``status`` moves only through ``care.services.agreements.AGREEMENT``."""

    eldercare_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("eldercare institution"),
    )
    medical_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="medical_agreements",
        verbose_name=_("medical institution"),
    )
    number = models.CharField(_("agreement no."), max_length=40, blank=True)
    services = models.JSONField(_("services covered"), default=list)
    round_frequency = models.CharField(
        _("round frequency"), max_length=16, choices=RoundFrequency.choices, blank=True
    )
    #: the green channel's promise: minutes to accept and to receive an urgent referral
    green_accept_minutes = models.PositiveIntegerField(
        _("green channel: accept within (minutes)"), null=True, blank=True
    )
    green_arrive_minutes = models.PositiveIntegerField(
        _("green channel: receive within (minutes)"), null=True, blank=True
    )
    responsible_doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible doctor"),
    )
    responsible_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible nurse"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    document = models.FileField(_("signed document"), upload_to=agreement_document_path, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renews"),
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for termination"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("medical–eldercare agreement")
        verbose_name_plural = _("medical–eldercare agreements")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["eldercare_institution", "end_date"], name="care_agr_home_end"),
            models.Index(fields=["medical_institution", "end_date"], name="care_agr_med_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="care_agreement_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.eldercare_institution} — {self.medical_institution}"

    @property
    def services_display(self) -> str:
        labels = dict(AgreementService.choices)
        return "、".join(str(labels.get(c, c)) for c in self.services or [])

    def covers(self, service: str) -> bool:
        return service in (self.services or [])

    @property
    def effective_end(self) -> dt.date:
        """The last day in force: ``terminated_on`` for a terminated agreement, else ``end_date``."""
        if self.status == AgreementStatus.TERMINATED and self.terminated_on:
            return self.terminated_on
        return self.end_date

    def is_in_force_on(self, day: dt.date) -> bool:
        """In force: signed into force (active, or renewed/terminated after that day) and ``day`` in its
        window; a terminated agreement is in force up to its ``terminated_on``."""
        if self.status == AgreementStatus.DRAFT:
            return False
        end = (
            self.terminated_on
            if self.status == AgreementStatus.TERMINATED and self.terminated_on
            else self.end_date
        )
        return self.start_date <= day <= end
