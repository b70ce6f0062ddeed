"""The quality app's pages under /quality/, one block per aggregate."""

from django.urls import path

from .views import hub as _hub

app_name = "quality"

urlpatterns: list = [path("", _hub.hub, name="hub")]
