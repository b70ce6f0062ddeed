"""巡诊: the rounds an agreement's medical institution owes the eldercare institution, and what each
round found.

A :class:`PlannedRound` is one row of the schedule generated from the agreement's frequency (a round
due on ``due_date``, on time up to ``on_time_until``). A :class:`Round` is a round that
took place: who came, when, and per resident (:class:`RoundFinding`) the findings, the advice, a
prescription and a follow-up date, which reach the resident's archive timeline. Whether a planned
round is done, late or missed is read from the dates, never stored: see ``services.rounds``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Elder

from .agreements import Agreement


class Round(models.Model):
    """巡诊记录: one visit of the medical team to the home under an agreement."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("agreement")
    )
    visited_on = models.DateField(_("date of round"))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("staff"))
    other_staff = models.CharField(_("other staff"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["agreement", "visited_on"], name="care_round_agr_day")]

    def __str__(self) -> str:
        return f"{self.agreement} {self.visited_on}"


class PlannedRound(models.Model):
    """One round of an agreement's schedule. ``round`` is the round that fulfilled it."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="planned_rounds", verbose_name=_("agreement")
    )
    sequence = models.PositiveIntegerField(_("no."))
    due_date = models.DateField(_("planned on"))
    #: the last day a round still counts as on time (``due_date`` + the frequency's tolerance)
    on_time_until = models.DateField(_("on time until"))
    round = models.OneToOneField(
        Round,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned",
        verbose_name=_("round"),
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("planned round")
        verbose_name_plural = _("planned rounds")
        ordering = ["due_date", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "sequence"], name="care_planned_round_once"),
        ]
        indexes = [models.Index(fields=["on_time_until"], name="care_planned_due")]


class RoundFinding(models.Model):
    """What a round found for one resident: findings, advice, a prescription, a follow-up due."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="findings", verbose_name=_("round")
    )
    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="round_findings", verbose_name=_("elder")
    )
    findings = models.TextField(_("findings"))
    advice = models.TextField(_("advice"), blank=True)
    prescription = models.TextField(_("prescription"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    #: the round decided 紧急转诊: a green-channel draft referral is opened for the home to send
    refer_urgently = models.BooleanField(_("urgent referral"), default=False)

    class Meta:
        verbose_name = _("round finding")
        verbose_name_plural = _("round findings")
        ordering = ["round_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "elder"], name="care_round_finding_once")]
