from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "yiyang.care"
    label = "care"
    verbose_name = _("Medical and eldercare linkage")
    #: run by ``manage.py load_demo`` in INSTALLED_APPS order (yiyang.core.demo.load_demo)
    demo_loader = "yiyang.care.demo.load_care_demo"

    def ready(self) -> None:
        from . import signals, timeline

        timeline.register()
        signals.connect()

        # 双向转诊: a chronic follow-up that decides 紧急转诊 opens a draft referral (health sends, care acts)
        from yiyang.health.signals import urgent_referral_decided

        from .services.referrals import on_urgent_referral

        urgent_referral_decided.connect(on_urgent_referral, dispatch_uid="care.referral_from_followup")
