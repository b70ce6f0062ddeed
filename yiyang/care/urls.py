app_name = "care"

# Each aggregate's pages add their paths here.
urlpatterns: list = []

from .urls_agreements import urlpatterns as _agreements  # noqa: E402

urlpatterns += _agreements
