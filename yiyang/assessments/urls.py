from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("elders/<int:pk>/assessments/", views.elder_history, name="elder-history"),
    path("elders/<int:pk>/assessments/new/<slug:code>/", views.assessment_new, name="new"),
    path("assessments/due/", views.due, name="due-list"),
    path("assessments/subtotals/<slug:code>/", views.running_subtotals, name="subtotals"),
    path("assessments/<int:rid>/", views.assessment_result, name="result"),
    path("assessments/<int:rid>/edit/", views.assessment_edit, name="edit"),
    path("assessments/<int:rid>/report.pdf", views.report_pdf, name="report-pdf"),
]
