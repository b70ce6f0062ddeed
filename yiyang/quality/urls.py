"""The quality app's pages under /quality/, one block per aggregate."""

app_name = "quality"

urlpatterns: list = []
