"""双向转诊 with a green channel (seeds 004 二(二)2, 003, 000 篇一 10): an elder referred upward (an
eldercare home, a village clinic, a township centre or a family doctor → a hospital) or downward (a
hospital → a township centre, an eldercare home or home, for rehabilitation and nursing).

``status`` moves only through ``care.services.referrals.REFERRAL``; each state's time is kept on the
row, so the green channel's time to acceptance and to arrival is measured from the row alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiyang.core import clock
from yiyang.core.models import Elder, Institution


class ReferralDirection(models.TextChoices):
    UP = "up", pgettext_lazy("referral", "Upward referral")
    DOWN = "down", pgettext_lazy("referral", "Downward referral")


class ReferralUrgency(models.TextChoices):
    GREEN_CHANNEL = "green_channel", pgettext_lazy("referral", "Green channel (urgent)")
    ROUTINE = "routine", pgettext_lazy("referral", "Routine")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("referral", "Draft")
    SENT = "sent", pgettext_lazy("referral", "Sent, awaiting acceptance")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral", "Declined")
    ARRIVED = "arrived", pgettext_lazy("referral", "Arrived")
    COMPLETED = "completed", pgettext_lazy("referral", "Completed")
    RETURNED = "returned", pgettext_lazy("referral", "Returned")
    CANCELLED = "cancelled", pgettext_lazy("referral", "Cancelled")


#: the states in which the referral is open: the receiving side reads the elder's archive summary
OPEN_STATES = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ARRIVED})
#: the states that close a referral (its access grant has ended)
CLOSED_STATES = frozenset(
    {
        ReferralStatus.DECLINED,
        ReferralStatus.COMPLETED,
        ReferralStatus.RETURNED,
        ReferralStatus.CANCELLED,
    }
)


class Referral(models.Model):
    """One referral of one elder from one institution to another."""

    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("elder")
    )
    from_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        verbose_name=_("referring institution"),
    )
    to_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("receiving institution"),
    )
    direction = models.CharField(_("direction"), max_length=4, choices=ReferralDirection.choices)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=ReferralUrgency.choices, default=ReferralUrgency.ROUTINE
    )
    #: a downward referral for rehabilitation or nursing at home, followed by the receiving institution
    to_home = models.BooleanField(_("rehabilitation at home"), default=False)
    reason = models.CharField(_("reason for referral"), max_length=200)
    clinical_notes = models.TextField(_("clinical notes"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    #: the chronic follow-up that decided the referral (health.ChronicFollowUp), when one did
    followup_id = models.PositiveBigIntegerField(_("from follow-up"), null=True, blank=True)
    #: the round finding (巡诊) that decided the referral, when one did
    round_finding = models.OneToOneField(
        "care.RoundFinding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("from round"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=200, blank=True)
    summary = models.TextField(_("discharge or consultation summary"), max_length=4000, blank=True)
    #: the green channel's promise when the referral was sent (from the agreement in force), in minutes
    promised_accept_minutes = models.PositiveIntegerField(_("promised: accept within"), null=True, blank=True)
    promised_arrive_minutes = models.PositiveIntegerField(
        _("promised: receive within"), null=True, blank=True
    )
    agreement = models.ForeignKey(
        "care.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement"),
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["to_institution", "status"], name="care_ref_to_status"),
            models.Index(fields=["from_institution", "status"], name="care_ref_from_status"),
            models.Index(fields=["elder", "created_at"], name="care_ref_elder"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.elder_id} → {self.to_institution_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def is_green(self) -> bool:
        return self.urgency == ReferralUrgency.GREEN_CHANNEL

    def minutes_to_accept(self) -> int | None:
        if self.sent_at and self.accepted_at:
            return int((self.accepted_at - self.sent_at).total_seconds() // 60)
        return None

    def minutes_to_arrive(self) -> int | None:
        if self.sent_at and self.arrived_at:
            return int((self.arrived_at - self.sent_at).total_seconds() // 60)
        return None
