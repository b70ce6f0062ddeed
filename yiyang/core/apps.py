from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiyang.core"
    label = "core"
    verbose_name = _("Registry")
    #: run by ``manage.py load_demo`` in INSTALLED_APPS order (yiyang.core.demo.load_demo)
    demo_loader = "yiyang.core.demo.load_registry_demo"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
