"""Stored assessments (评估记录) and reassessment triggers.

A response records which instrument *version* it was made with, who assessed whom and when, the
answers (as option codes) and the engine's full result. Finalising seals it with a content hash; after
that the row is never edited: a correction is a new response that ``supersedes`` it, and both are kept.
Only :mod:`yiyang.assessments.services` writes these rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class AssessmentResponseQuerySet(models.QuerySet):
    def final(self) -> AssessmentResponseQuerySet:
        return self.filter(status=ResponseStatus.FINAL)

    def current(self) -> AssessmentResponseQuerySet:
        """Final responses that no correction has superseded."""
        return self.final().filter(superseded_by__isnull=True)

    def update(self, **kwargs: Any) -> int:
        """Bulk updates may touch drafts only: a finalised response is sealed."""
        if self.filter(status=ResponseStatus.FINAL).exists():
            raise PermissionError("a finalised assessment is never edited")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=ResponseStatus.FINAL).exists():
            raise PermissionError("a finalised assessment is never deleted")
        return super().delete()


class AssessmentResponse(models.Model):
    """评估记录: one filled instrument for one elder."""

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("elder")
    )
    instrument_code = models.CharField(_("instrument"), max_length=32, db_index=True)
    instrument_version = models.CharField(_("instrument version"), max_length=32)
    status = models.CharField(
        _("status"), max_length=8, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    total = models.IntegerField(_("total"), null=True, blank=True)
    subscores = models.JSONField(_("sub-totals"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    level_code = models.CharField(_("level code"), max_length=16, blank=True)
    level_name = models.CharField(_("level"), max_length=64, blank=True)
    level_reason = models.CharField(_("why no level"), max_length=200, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessor")
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=clock.now)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    reassessment_due = models.DateField(_("reassessment due"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AssessmentResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_at", "-id"]
        indexes = [
            models.Index(
                fields=["elder", "instrument_code", "status", "assessed_at"], name="assess_elder_instr"
            ),
            models.Index(fields=["instrument_code", "status", "reassessment_due"], name="assess_due"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A response loaded as final is sealed: saving it again is refused (corrections supersede)."""
        if not self._state.adding and getattr(self, "_loaded_status", None) == ResponseStatus.FINAL:
            raise PermissionError("a finalised assessment is never edited; supersede it with a correction")
        super().save(*args, **kwargs)
        self._loaded_status = self.status  # type: ignore[attr-defined]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status == ResponseStatus.FINAL:
            raise PermissionError("a finalised assessment is never deleted")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> AssessmentResponse:
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.status  # type: ignore[attr-defined]
        return instance

    @property
    def is_final(self) -> bool:
        return self.status == ResponseStatus.FINAL


class ReassessmentTrigger(models.Model):
    """即时评估: a change in the elder's situation that makes a reassessment due at once.

    Resolved by the next final response of the instrument for the elder (``resolved_by``).
    """

    elder = models.ForeignKey("core.Elder", on_delete=models.CASCADE, related_name="reassessment_triggers")
    instrument_code = models.CharField(_("instrument"), max_length=32)
    reason = models.CharField(_("reason"), max_length=200)
    raised_at = models.DateTimeField(_("raised at"), default=clock.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        AssessmentResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="resolved_triggers"
    )

    class Meta:
        verbose_name = _("reassessment trigger")
        verbose_name_plural = _("reassessment triggers")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["instrument_code", "resolved_by"], name="assess_trigger_open")]
