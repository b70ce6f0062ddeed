"""老年人中医药健康管理: 中医体质辨识 (tcm33 through the assessments engine) plus the 保健指导 given
per constitution (standards/public-health-services.md §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TcmRecord(models.Model):
    """老年人中医药健康管理服务记录表: the identification result and the guidance given.

    ``constitutions`` copies the engine's judgement per constitution (``{"qi_deficiency": "yes", …}``,
    codes ``yes`` / ``tendency`` / ``basically`` / ``no``) so lists and indicators need no JSON parsing
    of the response; ``guidance`` maps each constitution judged 是/倾向是/基本是 to the guidance codes
    (1 情志调摄 2 饮食调养 3 起居调摄 4 运动保健 5 穴位保健 6 其他).
    """

    elder = models.ForeignKey(
        "core.Elder", on_delete=models.PROTECT, related_name="tcm_records", verbose_name=_("elder")
    )
    service_date = models.DateField(_("service date"))
    response = models.OneToOneField(
        "assessments.AssessmentResponse",
        on_delete=models.PROTECT,
        related_name="tcm_record",
        verbose_name=_("constitution identification"),
    )
    constitutions = models.JSONField(_("constitution results"), default=dict)
    primary_constitution = models.CharField(_("main constitution"), max_length=20, blank=True)
    guidance = models.JSONField(_("guidance given"), default=dict, blank=True)
    guidance_other = models.CharField(_("other guidance"), max_length=200, blank=True)
    is_complete = models.BooleanField(_("complete"), default=False)
    recollect_by = models.DateField(
        _("re-collect by"),
        null=True,
        blank=True,
        help_text=_("Every constitution judged no: collect the answers again within 2 weeks."),
    )
    institution = models.ForeignKey(
        "core.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("TCM health management record")
        verbose_name_plural = _("TCM health management records")
        ordering = ["-service_date", "-id"]
        indexes = [models.Index(fields=["elder", "service_date"], name="health_tcm_elder")]

    def __str__(self) -> str:
        return f"{self.service_date} {self.elder_id}"
