"""家庭病床 and 互联网+护理服务 (seeds 002 模板5 二(一)2–3; 000 篇一 8, 篇四, 篇九, 篇十六; 001 (四)).

- :class:`FamilySickbed`: a medical institution admits an elder to a sickbed at home (建床) with a
  diagnosis, a responsible doctor and nurse and a care plan whose visit frequency generates the
  :class:`SickbedDueVisit` rows; :class:`SickbedVisit` records each visit; discharge (撤床) writes a
  summary. ``status`` moves only through ``care.services.homecare.SICKBED``.
- :class:`HomeNurse`: the institution's roster for home nursing — a nurse's title, years of clinical
  nursing and specialist qualifications (the seeds: 护师以上, 五年以上临床护理经验, 专科护理另需资质),
  and who dispatches the institution's orders.
- :class:`ServiceOrder`: one 互联网+护理服务 order ("线上申请、线下服务") for a service of the catalogue
  ``care/data/home_nursing.yaml``. ``status`` moves only through ``care.services.homecare.SERVICE_ORDER``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Elder, Institution


class SickbedStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ADMITTED = "admitted", _("Admitted (bed opened)")
    DISCHARGED = "discharged", _("Discharged (bed closed)")
    CANCELLED = "cancelled", _("Cancelled")


class VisitFrequency(models.TextChoices):
    TWICE_WEEKLY = "twice_weekly", _("Twice a week")
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


#: days between two planned visits
VISIT_INTERVAL_DAYS = {
    VisitFrequency.TWICE_WEEKLY: 3,
    VisitFrequency.WEEKLY: 7,
    VisitFrequency.FORTNIGHTLY: 14,
    VisitFrequency.MONTHLY: 30,
}


class FamilySickbed(models.Model):
    """One 家庭病床 of one elder, kept by a medical institution."""

    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="sickbeds", verbose_name=_("elder")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="sickbeds", verbose_name=_("institution")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SickbedStatus.choices, default=SickbedStatus.APPLIED
    )
    #: codes of the admission criteria met (``care/data/sickbed_criteria.yaml``)
    criteria = models.JSONField(_("admission criteria met"), default=list, blank=True)
    diagnosis_code = models.CharField(_("ICD-10 code"), max_length=10)
    diagnosis_name = models.CharField(_("diagnosis"), max_length=100)
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible doctor"),
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible nurse"),
    )
    care_plan = models.TextField(_("care plan"), blank=True)
    visit_frequency = models.CharField(
        _("visit frequency"), max_length=16, choices=VisitFrequency.choices, default=VisitFrequency.WEEKLY
    )
    applied_on = models.DateField(_("applied on"))
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    planned_until = models.DateField(_("planned until"), null=True, blank=True)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    discharge_summary = models.TextField(_("discharge summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("family sickbed")
        verbose_name_plural = _("family sickbeds")
        ordering = ["-applied_on", "-pk"]
        indexes = [
            models.Index(fields=["institution", "status"], name="care_sickbed_inst_status"),
            models.Index(fields=["elder", "applied_on"], name="care_sickbed_elder"),
        ]

    def __str__(self) -> str:
        return f"{self.elder} · {self.diagnosis_name}"

    @property
    def interval_days(self) -> int:
        return VISIT_INTERVAL_DAYS[VisitFrequency(self.visit_frequency)]


class SickbedVisit(models.Model):
    """One visit to a sickbed (查床/上门): the care given and what was found."""

    sickbed = models.ForeignKey(
        FamilySickbed, on_delete=models.PROTECT, related_name="visits", verbose_name=_("family sickbed")
    )
    visited_on = models.DateField(_("visited on"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("visited by")
    )
    care_given = models.TextField(_("care given"))
    findings = models.TextField(_("findings"), blank=True)
    bp_systolic = models.PositiveSmallIntegerField(_("systolic BP"), null=True, blank=True)
    bp_diastolic = models.PositiveSmallIntegerField(_("diastolic BP"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("sickbed visit")
        verbose_name_plural = _("sickbed visits")
        ordering = ["-visited_on", "-pk"]


class SickbedDueVisit(models.Model):
    """A visit the care plan owes: due by ``due_date``, met by a visit from ``window_start`` on."""

    sickbed = models.ForeignKey(FamilySickbed, on_delete=models.CASCADE, related_name="due_visits")
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    window_start = models.DateField(_("window start"))
    due_date = models.DateField(_("due date"))
    visit = models.OneToOneField(
        SickbedVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="due_visit"
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["due_date", "sequence"]
        indexes = [models.Index(fields=["due_date", "cancelled"], name="care_sickbed_due")]
        constraints = [
            models.UniqueConstraint(fields=["sickbed", "sequence"], name="care_sickbed_due_once"),
        ]


class NurseTitle(models.TextChoices):
    """技术职称, lowest first (the order is the rank)."""

    NURSE = "nurse", _("Nurse")
    SENIOR_NURSE = "senior_nurse", _("Senior nurse")
    SUPERVISOR_NURSE = "supervisor_nurse", _("Supervisor nurse")
    CHIEF_NURSE = "chief_nurse", _("Associate chief nurse or above")


NURSE_TITLE_RANK = {t.value: i for i, t in enumerate(NurseTitle)}


class HomeNurse(models.Model):
    """A member of an institution's home-nursing roster: who may serve orders, and who dispatches."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="home_nursing",
        verbose_name=_("user"),
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="home_nurses", verbose_name=_("institution")
    )
    #: blank for a dispatcher who does not serve (a doctor or clerk at the order desk)
    title = models.CharField(_("title"), max_length=20, choices=NurseTitle.choices, blank=True)
    years_of_practice = models.PositiveSmallIntegerField(_("years of clinical nursing"), default=0)
    specialties = models.JSONField(_("specialist qualifications"), default=list, blank=True)
    is_dispatcher = models.BooleanField(_("dispatches orders"), default=False)
    is_active = models.BooleanField(_("on duty"), default=True)

    class Meta:
        verbose_name = _("home-nursing staff")
        verbose_name_plural = _("home-nursing staff")
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="care_home_nurse_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.institution}"


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ASSIGNED = "assigned", _("Assigned")
    IN_SERVICE = "in_service", _("In service")
    DONE = "done", _("Service done")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


#: the states in which an order is still to be served
OPEN_ORDER_STATES = (
    OrderStatus.REQUESTED,
    OrderStatus.ACCEPTED,
    OrderStatus.ASSIGNED,
    OrderStatus.IN_SERVICE,
)


class OrderChannel(models.TextChoices):
    STAFF = "staff", _("Institution staff")
    FAMILY_DOCTOR = "family_doctor", _("Family doctor")
    FAMILY = "family", _("Family (online)")


class Settlement(models.TextChoices):
    UNSETTLED = "unsettled", _("Unsettled")
    SETTLED = "settled", _("Settled")
    WAIVED = "waived", _("Waived")


class ServiceOrder(models.Model):
    """One 互联网+护理服务 order for one elder."""

    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="service_orders", verbose_name=_("elder")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="service_orders", verbose_name=_("institution")
    )
    service_code = models.CharField(_("service"), max_length=32)
    service_name = models.CharField(_("service name"), max_length=60)
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    channel = models.CharField(_("requested through"), max_length=16, choices=OrderChannel.choices)
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_relation = models.CharField(_("relation to the elder"), max_length=20, blank=True)
    booked_at = models.DateTimeField(_("booked for"))
    doctor_order = models.CharField(_("doctor's order"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    #: the catalogue's conditions as checked at the request: [{code, label, met, evidence}]
    eligibility = models.JSONField(_("eligibility check"), default=list, blank=True)
    #: the home-safety checklist as answered at acceptance: {code: true/false}
    home_safety = models.JSONField(_("home-safety check"), default=dict, blank=True)
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nurse"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    care_record = models.TextField(_("service record"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    complaint = models.CharField(_("complaint"), max_length=300, blank=True)
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    settlement = models.CharField(
        _("settlement"), max_length=10, choices=Settlement.choices, default=Settlement.UNSETTLED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("home nursing order")
        verbose_name_plural = _("home nursing orders")
        ordering = ["-booked_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "status", "booked_at"], name="care_order_inst"),
            models.Index(fields=["nurse", "booked_at"], name="care_order_nurse"),
            models.Index(fields=["elder", "booked_at"], name="care_order_elder"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="care_order_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_name} · {self.elder}"
