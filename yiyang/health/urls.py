from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("elders/<int:pk>/", views.archive, name="archive"),
    path("elders/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("elders/<int:pk>/diagnoses/", views.diagnosis_add, name="diagnosis-add"),
    path("elders/<int:pk>/basic-information/", views.basic_information, name="basic-information"),
    path("elders/<int:pk>/medications/", views.medications, name="medications"),
    path("medications/<int:pk>/stop/", views.medication_stop, name="medication-stop"),
    path("elders/<int:pk>/checks/new/", views.check_create, name="check-create"),
    path("elders/<int:pk>/tcm/new/", views.tcm_create, name="tcm-create"),
    path("elders/<int:pk>/cases/new/", views.case_create, name="case-create"),
    path("elders/<int:pk>/contracts/new/", views.contract_create, name="contract-create"),
    path("checks/", views.check_lists, name="check-lists"),
    path("checks/export.xlsx", views.check_lists_export, name="check-export"),
    path("checks/batch/", views.batch, name="batch"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("checks/<int:pk>/edit/", views.check_edit, name="check-edit"),
    path("rows/<slug:table>/", views.row_add, name="row-add"),
    path("chronic/", views.followups, name="followups"),
    path("cases/<int:pk>/followups/new/", views.followup_create, name="followup-create"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team-edit"),
    path("teams/<int:pk>/members/", views.team_member_add, name="team-member-add"),
    path("team-members/<int:pk>/remove/", views.team_member_remove, name="team-member-remove"),
    path("worklist/", views.worklist, name="worklist"),
    path("education/", views.education, name="education"),
]
