from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("elders/<int:pk>/", views.archive, name="archive"),
    path("elders/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("elders/<int:pk>/diagnoses/", views.diagnosis_add, name="diagnosis-add"),
    path("elders/<int:pk>/checks/new/", views.check_create, name="check-create"),
    path("elders/<int:pk>/tcm/new/", views.tcm_create, name="tcm-create"),
    path("elders/<int:pk>/cases/new/", views.case_create, name="case-create"),
    path("elders/<int:pk>/contracts/new/", views.contract_create, name="contract-create"),
    path("checks/", views.check_lists, name="check-lists"),
    path("checks/export.xlsx", views.check_lists_export, name="check-export"),
    path("checks/batch/", views.batch, name="batch"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("chronic/", views.followups, name="followups"),
    path("cases/<int:pk>/followups/new/", views.followup_create, name="followup-create"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("worklist/", views.worklist, name="worklist"),
    path("education/", views.education, name="education"),
]
