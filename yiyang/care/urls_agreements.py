"""Paths of the agreements pages (included from ``care/urls.py``)."""

from __future__ import annotations

from django.urls import path

from .views import agreements as views

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/new/", views.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/document/", views.agreement_document, name="agreement-document"),
    path("agreements/<int:pk>/rounds/new/", views.round_create, name="round-create"),
    path("medical/", views.home_medical, name="home-medical"),
    path("coverage/", views.coverage, name="coverage"),
    path("home-visits/", views.homevisit_list, name="homevisit-list"),
    path("home-visits/new/", views.homevisit_create, name="homevisit-create"),
]
