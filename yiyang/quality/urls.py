"""The quality app's pages under /quality/, one block per aggregate."""

from django.urls import path

from .views import hub as _hub

app_name = "quality"

urlpatterns: list = [path("", _hub.hub, name="hub")]

# 入住安全风险评估 (quality/views/risk.py)
from .views import risk as _risk  # noqa: E402

urlpatterns += [
    path("risk/", _risk.risk_list, name="risk-list"),
    path("risk/stays/<int:stay_id>/assess/", _risk.risk_assess, name="risk-assess"),
    path("risk/stays/<int:stay_id>/change/", _risk.risk_change, name="risk-change"),
    path("risk/<int:pk>/", _risk.risk_detail, name="risk-detail"),
]
