from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    """Quality and safety of 医养结合机构 (issue 12): admission risk assessment and risk flags,
    incidents and the pressure-injury register, checklists run as data (self-inspection → rectification
    ledger → verification → 汇总表, monthly fire checks), staff credentials and training."""

    name = "yiyang.quality"
    label = "quality"
    verbose_name = _("Quality and safety")
    #: run by ``manage.py load_demo`` in INSTALLED_APPS order (yiyang.core.demo.load_demo)
    demo_loader = "yiyang.quality.demo.load_quality_demo"

    def ready(self) -> None:
        from . import signals

        signals.connect()
