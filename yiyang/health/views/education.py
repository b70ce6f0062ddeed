"""健康教育活动 page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm, region_scope_prefixes

from .. import queries, services
from ..forms import EducationForm
from ._common import _need, _to_form


@scoped
@login_required
def education(request: HttpRequest) -> HttpResponse:
    prefixes = region_scope_prefixes(request.user)
    form = EducationForm(request.POST or None, prefixes=prefixes, initial={"held_on": clock.today()})
    if request.method == "POST":
        _need(request, "health.change")
        if form.is_valid():
            try:
                services.record_education(acting_user=request.user, data=form.cleaned_data)
            except ServiceError as exc:
                _to_form(form, exc)
            else:
                messages.success(request, _("Activity recorded."))
                return redirect("health:education")
    page = Paginator(queries.scope_education(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "health/education.html",
        {"form": form, "page": page, "can_change": has_perm(request.user, "health.change")},
    )
