"""上门服务: a home visit to a housebound or disabled elder (失能老年人健康服务行动 2024—2027: at least
two staff go together, a family member or carer is present; services from blood pressure to health
consultation). HM-9 counts these records (``Elder.home_visits``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Elder, Institution


class HomeVisitBasis(models.TextChoices):
    CONTRACTED = "contracted", _("Contracted (family doctor)")
    REFERRED = "referred", _("Referred")
    APPLICATION = "application", _("On application")


class HomeVisitService(models.TextChoices):
    """The services of a home visit (the national action's list, public-health-services.md)."""

    BLOOD_PRESSURE = "blood_pressure", _("Blood pressure measurement")
    BLOOD_GLUCOSE = "blood_glucose", _("Capillary blood glucose")
    REHABILITATION = "rehabilitation", _("Rehabilitation guidance")
    NURSING_SKILLS = "nursing_skills", _("Nursing-skills guidance")
    NUTRITION = "nutrition", _("Nutrition guidance")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    CONSULTATION = "consultation", _("Health consultation")


class HomeVisit(models.Model):
    """One home visit: who went (at least two staff), who of the family was present, what was done."""

    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("elder")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("institution")
    )
    basis = models.CharField(_("basis"), max_length=16, choices=HomeVisitBasis.choices)
    visited_on = models.DateField(_("date of visit"))
    services = models.JSONField(_("services"), default=list)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("staff"))
    family_present = models.CharField(_("family member present"), max_length=40)
    family_relation = models.CharField(_("relation"), max_length=20, blank=True)
    systolic = models.PositiveSmallIntegerField(_("systolic BP"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic BP"), null=True, blank=True)
    glucose = models.DecimalField(
        _("capillary glucose"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    findings = models.TextField(_("findings"))
    advice = models.TextField(_("advice"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["elder", "visited_on"], name="care_visit_elder_day")]

    def __str__(self) -> str:
        return f"{self.elder} {self.visited_on}"

    @property
    def services_display(self) -> str:
        labels = dict(HomeVisitService.choices)
        return "、".join(str(labels.get(c, c)) for c in self.services or [])
