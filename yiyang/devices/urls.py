"""The devices app's pages under /devices/, one block per aggregate."""

from django.urls import path

app_name = "devices"

urlpatterns: list = []

# the device registry and an elder's readings (devices/views/devices.py)
from .views import devices as _devices  # noqa: E402

urlpatterns += [
    path("", _devices.device_list, name="device-list"),
    path("new/", _devices.device_create, name="device-create"),
    path("<int:pk>/", _devices.device_detail, name="device-detail"),
    path("<int:pk>/bind/", _devices.device_bind, name="device-bind"),
    path("<int:pk>/end/", _devices.device_end, name="device-end"),
    path("elders/<int:elder_id>/readings/", _devices.elder_readings, name="elder-readings"),
]
