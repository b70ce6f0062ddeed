from django.contrib import admin
from django.urls import include, path

from yiyang.api import api

urlpatterns = [
    path("", include("yiyang.web.urls")),
    path("", include("yiyang.core.urls")),
    path("health/", include("yiyang.health.urls")),
    path("", include("yiyang.assessments.urls")),
    path("monitoring/", include("yiyang.monitoring.urls")),
    path("care/", include("yiyang.care.urls")),
    path("quality/", include("yiyang.quality.urls")),
    path("devices/", include("yiyang.devices.urls")),
    path("accounts/", include("yiyang.accounts.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "yiyang.web.errors.not_found"
handler403 = "yiyang.web.errors.forbidden"
handler500 = "yiyang.web.errors.server_error"
