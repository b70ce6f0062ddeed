"""The devices app's pages under /devices/, one block per aggregate."""

from django.urls import path

app_name = "devices"

urlpatterns: list = []

# alerts: the live board, one alert, an elder's thresholds, the escalation ladder (views/alerts.py)

from .views import alerts as alert_views  # noqa: E402

urlpatterns += [
    path("alerts/", alert_views.alert_board, name="alert-board"),
    path("alerts/board/", alert_views.alert_board_rows, name="alert-board-rows"),
    path("alerts/ladder/", alert_views.ladder, name="alert-ladder"),
    path("alerts/<int:pk>/", alert_views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/act/", alert_views.alert_act, name="alert-act"),
    path("alerts/<int:pk>/referral/", alert_views.alert_referral, name="alert-referral"),
    path("alerts/<int:pk>/incident/", alert_views.alert_incident, name="alert-incident"),
    path("elders/<int:elder_id>/thresholds/", alert_views.elder_thresholds, name="elder-thresholds"),
]

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
