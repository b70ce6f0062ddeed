"""The quality landing page (质量安全): one menu entry that opens every quality page the user may use.

One entry in the main menu instead of one per aggregate keeps the menu on one line at 1366 px; each
aggregate appends its pages to :data:`HUB` (url name, label, permission, one-line description).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise

from yiyang.core.access import scoped
from yiyang.core.scoping import has_perm

#: ``(url name, label, permission, description)``, in the order the page lists them
HUB: list[tuple[str, str | Promise, str, str | Promise]] = []


@scoped
@login_required
def hub(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "quality.view"):
        raise PermissionDenied
    entries = [
        {"url": reverse(name), "label": label, "description": description}
        for name, label, perm, description in HUB
        if has_perm(request.user, perm)
    ]
    return render(request, "quality/hub.html", {"entries": entries})


# inspections, the rectification ledger and the year-end summary (quality/views/inspections.py)
from django.utils.translation import gettext_lazy as _  # noqa: E402

HUB += [
    (
        "quality:inspection-list",
        _("Self-inspections and fire checks"),
        "inspection.view",
        _("Self-inspections, the county's verification visits and monthly fire checks"),
    ),
    (
        "quality:ledger",
        _("Rectification ledger"),
        "ledger.view",
        _("Every problem found, its measure, deadline and state; overdue items first"),
    ),
    (
        "quality:summary",
        _("Year-end summary"),
        "quality.summary",
        _("Per institution and the county summary table, as Excel or PDF"),
    ),
]


# 入住安全风险评估 (quality/views/risk.py)
from django.utils.translation import gettext_lazy as _  # noqa: E402

HUB.append(
    (
        "quality:risk-list",
        _("Admission risk assessment"),
        "risk.view",
        _(
            "Falls, pressure injury, choking, wandering and scalds screened within 24 h of admission; "
            "overdue and reassessments due"
        ),
    )
)
