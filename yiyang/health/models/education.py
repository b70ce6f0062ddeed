"""健康教育: activities for older people and their carers (county plan 三.(三).1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EducationTopic(models.TextChoices):
    """The topics the county plan lists (seeds/004 三.(三).1), in its order."""

    NUTRITION = "nutrition", _("Nutrition and diet")
    EXERCISE = "exercise", _("Exercise and fitness")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    INJURY_PREVENTION = "injury_prevention", _("Injury prevention")
    DISEASE_PREVENTION = "disease_prevention", _("Disease prevention")
    RATIONAL_MEDICATION = "rational_medication", _("Rational use of medicines")
    REHABILITATION = "rehabilitation", _("Rehabilitation and nursing")
    LIFE_EDUCATION = "life_education", _("Life education")
    TCM_WELLNESS = "tcm_wellness", _("TCM health preservation")


class EducationFormat(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    CONSULTATION = "consultation", _("Public consultation")
    BULLETIN = "bulletin", _("Bulletin board")
    MEDIA = "media", _("Broadcast or new media")
    OTHER = "other", _("Other")


class EducationActivity(models.Model):
    """健康教育活动: what was taught, when, where, by whom, and to whom (attendees linked where known)."""

    topic = models.CharField(_("topic"), max_length=24, choices=EducationTopic.choices)
    title = models.CharField(_("title"), max_length=100)
    format = models.CharField(_("format"), max_length=16, choices=EducationFormat.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("township or village")
    )
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("organiser")
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person in charge"),
    )
    attendee_count = models.PositiveIntegerField(_("number of attendees"))
    attendees = models.ManyToManyField(
        "core.Elder", blank=True, related_name="education_activities", verbose_name=_("elders attending")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("health education activity")
        verbose_name_plural = _("health education activities")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title
