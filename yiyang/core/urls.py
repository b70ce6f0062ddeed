from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("elders/", views.elder_list, name="elder-list"),
    path("elders/export.xlsx", views.elder_export, name="elder-export"),
    path("elders/new/", views.elder_create, name="elder-create"),
    path("elders/<int:pk>/", views.elder_detail, name="elder-detail"),
    path("elders/<int:pk>/edit/", views.elder_edit, name="elder-edit"),
    path("elders/<int:pk>/reveal/", views.elder_reveal, name="elder-reveal"),
    path("elders/<int:pk>/status/", views.elder_status, name="elder-status"),
    path("elders/<int:pk>/audit/", views.elder_audit, name="elder-audit"),
    path("institutions/", views.institution_list, name="institution-list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution-detail"),
    path("regions/", views.region_tree, name="region-tree"),
]
