"""The quality app's pages under /quality/, one block per aggregate."""

from django.urls import path

from .views import hub as _hub

app_name = "quality"

urlpatterns: list = [path("", _hub.hub, name="hub")]

# inspections, the rectification ledger and the year-end summary (quality/views/inspections.py)
from .views import inspections as _inspections  # noqa: E402

urlpatterns += [
    path("inspections/", _inspections.inspection_list, name="inspection-list"),
    path("inspections/new/", _inspections.inspection_create, name="inspection-create"),
    path("inspections/<int:pk>/", _inspections.inspection_detail, name="inspection-detail"),
    path("rectifications/", _inspections.ledger, name="ledger"),
    path("rectifications/export.xlsx", _inspections.ledger_export, name="ledger-export"),
    path("rectifications/<int:pk>/", _inspections.rectification_detail, name="rectification-detail"),
    path("evidence/<int:pk>/", _inspections.evidence_download, name="evidence"),
    path("summary/", _inspections.summary_page, name="summary"),
    path("summary/export.<str:fmt>", _inspections.summary_export, name="summary-export"),
]
