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
    path("populations/", views.populations, name="populations"),
    path("fragments/indicators/", views.indicator_fragment, name="indicator-fragment"),
]

urlpatterns += [
    path("scorecards/", views.scorecard_list, name="scorecards"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard"),
    path("scorecards/<int:pk>/evidence/<str:item>/", views.scorecard_evidence, name="scorecard-evidence"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_download, name="report-download"),
]
