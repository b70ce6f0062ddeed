"""Navigation by role: each entry appears only when the user holds the permission behind it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiyang.care.homecare_access import runs_homecare
from yiyang.care.workspace import HOMECARE_ENTRIES, home_institution, home_nav
from yiyang.core.scoping import has_perm

NAV = [
    ("web:home", _("Home"), None),
    ("core:elder-list", _("Elders"), "elder.view"),
    ("core:elder-create", _("Register elder"), "elder.add"),
    ("assessments:due-list", _("Reassessments due"), "elder.view"),
    ("health:worklist", _("Health management"), "health.view"),
    ("care:referral-list", _("Referrals"), "referral.view"),
    ("care:referral-queue", _("Referrals to receive"), "referral.receive"),
    ("monitoring:dashboard", _("Monitoring"), "monitoring.view"),
    ("care:home-medical", _("Medical services"), "clinic.manage"),
    ("care:agreement-list", _("Medical–eldercare agreements"), "agreement.view"),
    ("care:homevisit-list", _("Home visits"), "homevisit.record"),
    ("care:coverage", _("Linkage coverage"), "agreement.coverage"),
    ("care:sickbed-list", _("Family sickbeds"), "sickbed.change"),
    ("care:order-desk", _("Home nursing orders"), "order.request"),
    ("core:institution-list", _("Institutions"), "institution.view"),
    ("care:occupancy", _("Bed occupancy"), "stay.view"),
    ("quality:hub", _("Quality and safety"), "quality.view"),
    # devices (alerts): the live alert board
    ("devices:alert-board", _("Alerts"), "alert.view"),
    ("core:region-tree", _("Regions"), None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    if home_institution(user) is not None:  # an eldercare institution's staff: a home's menu
        items = home_nav(user)
    else:
        for name, label, perm in NAV:
            if name in HOMECARE_ENTRIES and not runs_homecare(user):
                continue
            if perm is None or has_perm(user, perm):
                items.append({"url": reverse(name), "label": label, "active": False})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "active": False})
    # The entry whose URL is the longest prefix of the current path is the active one.
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav": items}
