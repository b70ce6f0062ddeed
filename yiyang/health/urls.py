from django.urls import path

from .views import archive, checks, chronic, education, family, tcm

app_name = "health"

urlpatterns = [
    path("elders/<int:pk>/", archive.archive, name="archive"),
    path("elders/<int:pk>/timeline/", archive.timeline, name="timeline"),
    path("elders/<int:pk>/diagnoses/", archive.diagnosis_add, name="diagnosis-add"),
    path("elders/<int:pk>/basic-information/", archive.basic_information, name="basic-information"),
    path("elders/<int:pk>/medications/", archive.medications, name="medications"),
    path("medications/<int:pk>/stop/", archive.medication_stop, name="medication-stop"),
    path("elders/<int:pk>/checks/new/", checks.check_create, name="check-create"),
    path("elders/<int:pk>/tcm/new/", tcm.tcm_create, name="tcm-create"),
    path("elders/<int:pk>/cases/new/", chronic.case_create, name="case-create"),
    path("elders/<int:pk>/contracts/new/", family.contract_create, name="contract-create"),
    path("checks/", checks.check_lists, name="check-lists"),
    path("checks/export.xlsx", checks.check_lists_export, name="check-export"),
    path("checks/batch/", checks.batch, name="batch"),
    path("checks/<int:pk>/", checks.check_detail, name="check-detail"),
    path("checks/<int:pk>/edit/", checks.check_edit, name="check-edit"),
    path("rows/<slug:table>/", checks.row_add, name="row-add"),
    path("chronic/", chronic.followups, name="followups"),
    path("cases/<int:pk>/followups/new/", chronic.followup_create, name="followup-create"),
    path("contracts/", family.contracts, name="contracts"),
    path("contracts/<int:pk>/", family.contract_detail, name="contract-detail"),
    path("teams/", family.teams, name="teams"),
    path("teams/new/", family.team_create, name="team-create"),
    path("teams/<int:pk>/", family.team_detail, name="team-detail"),
    path("teams/<int:pk>/edit/", family.team_edit, name="team-edit"),
    path("teams/<int:pk>/members/", family.team_member_add, name="team-member-add"),
    path("team-members/<int:pk>/remove/", family.team_member_remove, name="team-member-remove"),
    path("worklist/", family.worklist, name="worklist"),
    path("education/", education.education, name="education"),
]
