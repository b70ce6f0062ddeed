"""Navigation by role: each entry appears only when the user holds the permission behind it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiyang.core.scoping import has_perm

NAV = [
    ("web:home", _("Home"), None),
    ("core:elder-list", _("Elders"), "elder.view"),
    ("core:elder-create", _("Register elder"), "elder.add"),
    ("core:institution-list", _("Institutions"), "institution.view"),
    ("core:region-tree", _("Regions"), None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for name, label, perm in NAV:
        if perm is None or has_perm(user, perm):
            url = reverse(name)
            items.append(
                {
                    "url": url,
                    "label": label,
                    "active": request.path == url or (url != "/" and request.path.startswith(url)),
                }
            )
    if user.is_staff:
        items.append(
            {
                "url": reverse("admin:index"),
                "label": _("Administration"),
                "active": request.path.startswith("/admin/"),
            }
        )
    return {"nav": items}
