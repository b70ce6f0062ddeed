from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    """Smart care (issue 17): wearables and home sensors over MQTT, alert rules, escalation."""

    name = "yiyang.devices"
    label = "devices"
    verbose_name = _("Smart care devices")
    #: run by ``manage.py load_demo`` in INSTALLED_APPS order (yiyang.core.demo.load_demo)
    demo_loader = "yiyang.devices.demo.load_devices_demo"
