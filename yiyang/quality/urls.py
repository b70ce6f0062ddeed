"""The quality app's pages under /quality/, one block per aggregate."""

from django.urls import path

from .views import hub as _hub

app_name = "quality"

urlpatterns: list = [path("", _hub.hub, name="hub")]

# 不良事件 and the pressure-injury register (quality/views/incidents.py)
from .views import incidents as _incidents  # noqa: E402

urlpatterns += [
    path("incidents/", _incidents.incident_list, name="incident-list"),
    path("incidents/new/", _incidents.incident_report, name="incident-report"),
    path("incidents/county/", _incidents.county_view, name="incident-county"),
    path("incidents/<int:pk>/", _incidents.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/transition/", _incidents.incident_move, name="incident-transition"),
    path("pressure-injuries/", _incidents.injury_register, name="injury-register"),
    path("pressure-injuries/<int:pk>/", _incidents.injury_detail, name="injury-detail"),
]

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

# 入住安全风险评估 (quality/views/risk.py)
from .views import risk as _risk  # noqa: E402

urlpatterns += [
    path("risk/", _risk.risk_list, name="risk-list"),
    path("risk/stays/<int:stay_id>/assess/", _risk.risk_assess, name="risk-assess"),
    path("risk/stays/<int:stay_id>/change/", _risk.risk_change, name="risk-change"),
    path("risk/<int:pk>/", _risk.risk_detail, name="risk-detail"),
]

# staff, certificates and training (quality/views/staff.py)
from .views import staff as _staff  # noqa: E402

urlpatterns += [
    path("staff/", _staff.staff_list, name="staff-list"),
    path("staff/new/", _staff.staff_create, name="staff-create"),
    path("staff/uncertified/", _staff.uncertified, name="staff-uncertified"),
    path("staff/<int:pk>/", _staff.staff_detail, name="staff-detail"),
    path("staff/<int:pk>/edit/", _staff.staff_edit, name="staff-edit"),
    path("staff/<int:pk>/reveal/", _staff.staff_reveal, name="staff-reveal"),
    path("qualifications/<int:pk>/evidence/", _staff.qualification_evidence, name="qualification-evidence"),
    path("trainings/", _staff.training_list, name="training-list"),
    path("trainings/new/", _staff.training_create, name="training-create"),
    path("trainings/hours/", _staff.training_hours, name="training-hours"),
    path("trainings/<int:pk>/", _staff.training_detail, name="training-detail"),
]
