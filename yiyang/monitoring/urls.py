from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("values/<str:code>/", views.value_detail, name="value"),
    path("values/<str:code>/export.xlsx", views.value_export, name="value-export"),
    path("recompute/", views.recompute, name="recompute"),
    path("runs/<int:pk>/", views.run_progress, name="run"),
    path("declarations/", views.declarations, name="declarations"),
    path("declarations/<int:pk>/evidence/", views.declaration_evidence, name="declaration-evidence"),
    path("targets/", views.targets, name="targets"),
]
