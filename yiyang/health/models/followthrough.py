"""Follow-through items (随访待办): what a finding on one record asks the doctor to do next.

A positive cognitive screen on a 健康体检表 asks for 简易智力状态检查 (MMSE), a positive mood screen for
the 老年抑郁量表 (GDS-15) (体检表 填表说明: "粗筛阳性…进行…检查"); a blood pressure ≥140/90 mmHg or a
fasting glucose ≥7.0 mmol/L in an elder not under management puts them on the 疑似/复查 list
(国家基本公共卫生服务规范（第三版）高血压/2型糖尿病患者健康管理服务规范 一. 筛查). Items show on the
elder's archive and on the doctor's work list until done.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    MMSE = "mmse", _("Mini-Mental State Examination (MMSE)")
    GDS15 = "gds15", _("Geriatric Depression Scale (GDS-15)")
    SUSPECTED_HYPERTENSION = "suspected_htn", _("Suspected hypertension: recheck")
    SUSPECTED_DIABETES = "suspected_dm", _("Suspected diabetes: recheck")


class FollowThroughItem(models.Model):
    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="followthrough_items", verbose_name=_("elder")
    )
    kind = models.CharField(_("item"), max_length=16, choices=ItemKind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    health_check = models.ForeignKey(
        "health.HealthCheck",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from health check"),
    )
    due_on = models.DateField(_("due on"))
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doctor"),
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.CharField(_("how it was done"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-through item")
        verbose_name_plural = _("follow-through items")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "kind"],
                condition=models.Q(done_on__isnull=True),
                name="health_item_open_once",
            )
        ]
        indexes = [models.Index(fields=["done_on", "due_on"], name="health_item_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.elder_id}"
