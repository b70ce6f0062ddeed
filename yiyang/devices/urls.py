"""The devices app's pages under /devices/, one block per aggregate."""

app_name = "devices"

urlpatterns: list = []

# alerts: the live board, one alert, an elder's thresholds, the escalation ladder (views/alerts.py)
from django.urls import path  # noqa: E402

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
