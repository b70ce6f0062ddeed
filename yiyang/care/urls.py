"""The care app's pages under /care/, one block per aggregate."""

from django.urls import path

from .urls_agreements import urlpatterns as _agreements
from .views import homecare as _homecare
from .views import referrals as referral_views
from .views import stays as stay_views

app_name = "care"

# 医养签约, in-house clinics, rounds, home visits, coverage (care/urls_agreements.py)
urlpatterns: list = [*_agreements]


# 双向转诊 (care/views/referrals.py)
urlpatterns += [
    path("referrals/", referral_views.referral_list, name="referral-list"),
    path("referrals/new/", referral_views.referral_create, name="referral-create"),
    path("referrals/queue/", referral_views.referral_queue, name="referral-queue"),
    path("referrals/green-channel/", referral_views.green_channel, name="referral-green-channel"),
    path("referrals/fragments/open/", referral_views.open_fragment, name="referral-open-fragment"),
    path("referrals/<int:pk>/", referral_views.referral_detail, name="referral-detail"),
    path("referrals/<int:pk>/transition/", referral_views.referral_transition, name="referral-transition"),
]

# 家庭病床 and 互联网+护理服务 (care/views/homecare.py)
urlpatterns += [
    path("sickbeds/", _homecare.sickbed_list, name="sickbed-list"),
    path("sickbeds/new/", _homecare.sickbed_new, name="sickbed-new"),
    path("sickbeds/<int:pk>/", _homecare.sickbed_detail, name="sickbed-detail"),
    path("orders/", _homecare.order_desk, name="order-desk"),
    path("orders/new/", _homecare.order_new, name="order-new"),
    path("orders/mine/", _homecare.my_orders, name="my-orders"),
    path("orders/roster/", _homecare.roster, name="roster"),
    path("orders/<int:pk>/", _homecare.order_detail, name="order-detail"),
]

# beds and stays (care/views/stays.py)
urlpatterns += [
    path("beds/", stay_views.bed_board, name="bed-board"),
    path("beds/add/", stay_views.bed_add, name="bed-add"),
    path("beds/<int:pk>/service/", stay_views.bed_service, name="bed-service"),
    path("occupancy/", stay_views.occupancy_overview, name="occupancy"),
    path("admissions/new/", stay_views.admit, name="admit"),
    path("residents/", stay_views.resident_list, name="resident-list"),
    path("residents/<int:pk>/", stay_views.resident_detail, name="resident-detail"),
    path("residents/<int:pk>/move/", stay_views.stay_move, name="stay-move"),
    path("residents/<int:pk>/notes/", stay_views.note_add, name="note-add"),
    path("care-notes/", stay_views.care_notes, name="care-notes"),
]
