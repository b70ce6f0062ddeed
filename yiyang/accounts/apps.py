from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yiyang.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    #: run by ``manage.py load_demo`` in INSTALLED_APPS order (yiyang.core.demo.load_demo)
    demo_loader = "yiyang.accounts.demo.load_accounts_demo"

    def ready(self) -> None:
        from . import signals

        signals.connect()
