app_name = "care"

# Each aggregate's pages add their paths here.
urlpatterns: list = []

# 家庭病床 and 互联网+护理服务 (care/views/homecare.py)
from django.urls import path  # noqa: E402

from .views import homecare as _homecare  # noqa: E402

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
