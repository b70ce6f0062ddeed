"""家庭医生签约服务: teams, service packages (as data), contracts, the services a contract is owed and
their delivery (standards/public-health-services.md §6).

A contract is *valid on* a day when ``start_date <= day <= effective end`` (the end date, or the day
it was ended early): both ends inclusive, so a contract ending on the reference date still counts on
that date (HM-6). 履约 (HM-7) compares the services due by a day with those delivered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.core.models import CareTeam, TeamKind


class FamilyDoctorTeamManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=TeamKind.FAMILY_DOCTOR)


class FamilyDoctorTeam(CareTeam):
    """家庭医生团队: a leader and members from one institution, serving some villages.

    The row is a registry care team (:class:`yiyang.core.models.CareTeam`) of kind ``family_doctor``;
    this proxy keeps the family-doctor behaviour here (members' roles, contracts, fulfilment) and the
    name the health pages, services and audit rows (``health.familydoctorteam``) have always used.
    """

    objects = FamilyDoctorTeamManager()

    class Meta:
        proxy = True
        verbose_name = _("family doctor team")
        verbose_name_plural = _("family doctor teams")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.kind = TeamKind.FAMILY_DOCTOR
        super().save(*args, **kwargs)


class MemberRole(models.TextChoices):
    GENERAL_PRACTITIONER = "gp", _("General practitioner")
    NURSE = "nurse", _("Nurse")
    PUBLIC_HEALTH = "public_health", _("Public health physician")
    VILLAGE_DOCTOR = "village_doctor", _("Village doctor")
    TCM_DOCTOR = "tcm", _("TCM physician")
    OTHER = "other", _("Other")


class TeamMember(models.Model):
    """A person in a team, with their role in it (a user may be in one team only while active)."""

    team = models.ForeignKey(FamilyDoctorTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    role = models.CharField(_("role in team"), max_length=16, choices=MemberRole.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="health_member_once")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PopulationGroup(models.TextChoices):
    ALL = "all", _("All residents")
    ELDERLY = "elderly", _("Older people (65+)")
    CHRONIC = "chronic", _("Hypertension and diabetes patients")
    DISABLED = "disabled", _("Disabled and semi-disabled older people")


class ServicePackage(models.Model):
    """服务包: what a contract is owed and how often. Rows come from ``health/data/packages.yaml``."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    population_group = models.CharField(_("population group"), max_length=16, choices=PopulationGroup.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service package")
        verbose_name_plural = _("service packages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServicePackageItem(models.Model):
    """One service of a package and how many times a contract year owes it."""

    package = models.ForeignKey(ServicePackage, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("service code"), max_length=30)
    name = models.CharField(_("service"), max_length=60)
    times_per_year = models.PositiveSmallIntegerField(_("times per year"))

    class Meta:
        verbose_name = _("package service")
        verbose_name_plural = _("package services")
        ordering = ["package_id", "code"]
        constraints = [models.UniqueConstraint(fields=["package", "code"], name="health_item_once")]

    def __str__(self) -> str:
        return self.name


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended early")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")


class Signer(models.TextChoices):
    SELF = "self", _("The elder")
    PROXY = "proxy", _("A proxy")


class ContractQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> ContractQuerySet:
        """Contracts in force on ``day``: started, not past their end, not ended before ``day``."""
        return self.filter(start_date__lte=day, end_date__gte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day)
        )


class Contract(models.Model):
    """签约: an elder (or a proxy) signs with a team for a period, for one or more packages."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="family_contracts", verbose_name=_("elder")
    )
    team = models.ForeignKey(
        FamilyDoctorTeam, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("team")
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contracted family doctor"),
    )
    packages = models.ManyToManyField(
        ServicePackage, related_name="contracts", verbose_name=_("service packages")
    )
    signed_on = models.DateField(_("signed on"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    signer = models.CharField(_("signed by"), max_length=5, choices=Signer.choices, default=Signer.SELF)
    proxy_name = models.CharField(_("proxy name"), max_length=40, blank=True)
    proxy_relation = models.CharField(_("proxy relation"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    renewal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewed_by",
        verbose_name=_("renewal of"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("family doctor contract")
        verbose_name_plural = _("family doctor contracts")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["elder", "start_date", "end_date"], name="health_contract_elder"),
            models.Index(fields=["team", "end_date"], name="health_contract_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.elder_id} {self.start_date}–{self.end_date}"

    @property
    def effective_end(self) -> dt.date:
        return min(self.end_date, self.ended_on) if self.ended_on else self.end_date

    def is_valid_on(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.effective_end


class ContractService(models.Model):
    """A service a contract owes, with the window it is due in; delivered once a delivery points here."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="services_due")
    item_code = models.CharField(_("service code"), max_length=30)
    name = models.CharField(_("service"), max_length=60)
    sequence = models.PositiveSmallIntegerField(_("number"))
    window_start = models.DateField(_("due from"))
    due_date = models.DateField(_("due by"))
    cancelled = models.BooleanField(_("cancelled (contract ended)"), default=False)

    class Meta:
        verbose_name = _("contracted service due")
        verbose_name_plural = _("contracted services due")
        ordering = ["due_date", "item_code", "sequence"]
        indexes = [models.Index(fields=["contract", "due_date"], name="health_service_due")]

    def __str__(self) -> str:
        return f"{self.name} #{self.sequence}"


class DeliveryPlace(models.TextChoices):
    HOME = "home", _("At home")
    CLINIC = "clinic", _("At the clinic or health centre")
    INSTITUTION = "institution", _("In an eldercare institution")
    PHONE = "phone", _("By phone or online")


class ServiceDelivery(models.Model):
    """A contracted service delivered: who, when, where."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deliveries")
    service = models.OneToOneField(
        ContractService, on_delete=models.PROTECT, null=True, blank=True, related_name="delivery"
    )
    item_code = models.CharField(_("service code"), max_length=30)
    delivered_on = models.DateField(_("delivered on"))
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("delivered by")
    )
    place = models.CharField(_("place"), max_length=12, choices=DeliveryPlace.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service delivery")
        verbose_name_plural = _("service deliveries")
        ordering = ["-delivered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.item_code} {self.delivered_on}"
