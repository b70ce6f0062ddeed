"""工作人员 (staff) of an institution: doctors, nurses, carers and the rest, with or without a login.

Many carers of an eldercare home have no account; a row here is the person, and ``user`` links the
account when there is one. The phone is personal data: stored encrypted with a masked copy, revealed
only through :func:`yiyang.core.staff_services.reveal_phone` (audited). Credentials and training
(the quality app) point at these rows; the registry imports no domain app.

``left_on`` is the day the person left: from that day on they are no longer in post (active on a day
``d`` means hired on or before ``d``, or no hire date known, and ``left_on`` empty or after ``d``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Institution, Sex


class StaffPost(models.TextChoices):
    """岗位."""

    DOCTOR = "doctor", _("Physician")
    NURSE = "nurse", _("Nurse")
    CARER = "carer", _("Care worker")
    THERAPIST = "therapist", _("Rehabilitation therapist")
    PHARMACIST = "pharmacist", _("Pharmacist")
    TECHNICIAN = "technician", _("Medical technician")
    MANAGER = "manager", _("Management")
    OTHER = "other", _("Other")


#: the posts' names as the county's staff lists write them (a spreadsheet row may give these)
POST_NAMES_ZH = {
    "医师": StaffPost.DOCTOR,
    "护士": StaffPost.NURSE,
    "护理员": StaffPost.CARER,
    "康复治疗师": StaffPost.THERAPIST,
    "药师": StaffPost.PHARMACIST,
    "医技": StaffPost.TECHNICIAN,
    "管理人员": StaffPost.MANAGER,
    "其他": StaffPost.OTHER,
}


class StaffQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> StaffQuerySet:
        """In post on ``day``: hired on or before it (or no hire date), not yet left."""
        return self.filter(Q(hired_on__isnull=True) | Q(hired_on__lte=day)).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=day)
        )


class Staff(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="staff", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=40)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    post = models.CharField(_("post"), max_length=16, choices=StaffPost.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_records",
        verbose_name=_("user account"),
    )
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["institution_id", "post", "name", "pk"]
        indexes = [models.Index(fields=["institution", "post", "left_on"], name="core_staff_inst_post")]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(hired_on__isnull=True)
                | Q(left_on__gte=models.F("hired_on")),
                name="core_staff_left_after_hired",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: dt.date) -> bool:
        return (self.hired_on is None or self.hired_on <= day) and (
            self.left_on is None or self.left_on > day
        )
