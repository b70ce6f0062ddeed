app_name = "care"

# Each aggregate's pages add their paths here.
urlpatterns: list = []

from django.urls import path  # noqa: E402

from .views import stays as stay_views  # noqa: E402

urlpatterns += [
    path("beds/", stay_views.bed_board, name="bed-board"),
    path("beds/add/", stay_views.bed_add, name="bed-add"),
    path("occupancy/", stay_views.occupancy_overview, name="occupancy"),
    path("admissions/new/", stay_views.admit, name="admit"),
    path("residents/", stay_views.resident_list, name="resident-list"),
    path("residents/<int:pk>/", stay_views.resident_detail, name="resident-detail"),
    path("residents/<int:pk>/move/", stay_views.stay_move, name="stay-move"),
    path("residents/<int:pk>/notes/", stay_views.note_add, name="note-add"),
    path("care-notes/", stay_views.care_notes, name="care-notes"),
]
