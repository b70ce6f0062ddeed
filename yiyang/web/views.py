"""The home page: what the logged-in user can reach, with a few counts from their scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yiyang.care.views.stays import workspace_home
from yiyang.care.workspace import home_institution
from yiyang.core.access import scoped
from yiyang.core.models import ElderCategory
from yiyang.core.scoping import has_perm, scope_elders, scope_institutions


@scoped
@login_required
def home(request: HttpRequest) -> HttpResponse:
    institution = home_institution(request.user)
    if institution is not None:  # an eldercare institution's staff: the home's workspace
        return workspace_home(request, institution)
    ctx: dict = {"assignments": request.user.active_assignments}
    if has_perm(request.user, "elder.view"):
        elders = scope_elders(request.user).filter(status="active")
        ctx["elder_count"] = elders.count()
        ctx["category_counts"] = list(
            elders.filter(categories__isnull=False)
            .values(category=F("categories__category"))
            .annotate(n=Count("pk"))
            .order_by("-n")
        )
        labels = dict(ElderCategory._meta.get_field("category").choices)
        for row in ctx["category_counts"]:
            row["label"] = labels.get(row["category"], row["category"])
    if has_perm(request.user, "institution.view"):
        ctx["institution_count"] = scope_institutions(request.user).count()
    return render(request, "web/home.html", ctx)
