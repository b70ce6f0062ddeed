app_name = "care"

# Each aggregate's pages add their paths here.
urlpatterns: list = []
