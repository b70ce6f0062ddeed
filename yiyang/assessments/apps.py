from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "yiyang.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (registers the definition check and receivers)
