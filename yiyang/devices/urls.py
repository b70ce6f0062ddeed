"""The devices app's pages under /devices/, one block per aggregate."""

app_name = "devices"

urlpatterns: list = []
