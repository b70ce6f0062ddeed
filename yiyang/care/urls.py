from django.urls import path

from .views import referrals as referral_views

app_name = "care"

# Each aggregate's pages add their paths here.
urlpatterns: list = []

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
