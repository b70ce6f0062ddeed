"""内设医务室/护理站: the in-house clinic of an eldercare institution, as a record with its licence and
validity. It replaces the ``core.Institution.has_inhouse_clinic`` flag as the source of truth: IR-5 and
IR-6 count the clinics valid on the reference date (``Institution.inhouse_clinics``); the flag is kept
as a copy the clinic services refresh, for the registry's own pages and API (core cannot read care).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Institution


class ClinicKind(models.TextChoices):
    MEDICAL_ROOM = "medical_room", _("Medical room")
    NURSING_STATION = "nursing_station", _("Nursing station")
    CLINIC = "clinic", _("Outpatient clinic")
    HOSPITAL = "hospital", _("Affiliated hospital")


class InHouseClinic(models.Model):
    """One medical unit run inside an eldercare institution, valid from ``valid_from`` to ``valid_to``
    (inclusive; none: until further notice). Closing it sets ``valid_to``."""

    eldercare_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="inhouse_clinics",
        verbose_name=_("eldercare institution"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=ClinicKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    licence_no = models.CharField(_("licence or filing no."), max_length=40)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("in-house clinic")
        verbose_name_plural = _("in-house clinics")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="care_clinic_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.eldercare_institution} {self.get_kind_display()}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
