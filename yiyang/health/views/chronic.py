"""Chronic disease pages: the follow-up list, enrolment and a follow-up."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError

from .. import queries, services
from ..forms import CaseForm, FollowUpForm
from ._common import _need, _to_form, indicator_query

#: HM-8: 规范管理率 and 控制率 of hypertension (A, B) and type 2 diabetes (C, D)
CHRONIC_INDICATORS = ["HM-8A", "HM-8B", "HM-8C", "HM-8D"]


@scoped
@login_required
def followups(request: HttpRequest) -> HttpResponse:
    """Follow-ups due this week and overdue, with this year's HM-8 values as the engine computed them."""
    today = clock.today()
    cases = queries.scope_cases(request.user)
    due = queries.due_followups(cases, today + dt.timedelta(days=7))
    return render(
        request,
        "health/followups.html",
        {"due": due[:300], "today": today, "indicators": indicator_query(CHRONIC_INDICATORS, today.year)},
    )


@scoped
@login_required
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.enrol_case(elder, acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Enrolled in management."))
            return redirect("health:followup-create", case.pk)
    return render(request, "health/simple_form.html", {"elder": elder, "form": form, "title": _("Enrol")})


@scoped
@login_required
def followup_create(request: HttpRequest, pk: int) -> HttpResponse:
    """随访服务记录表: the decision (classification, next step, next visit) is shown after saving."""
    _need(request, "health.change")
    case = queries.get_case(request.user, pk)
    form = FollowUpForm(
        request.POST or None, disease=case.disease, initial={"visit_date": clock.today(), "method": "1"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            fu = services.record_followup(case, acting_user=request.user, data=form.service_data())
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request,
                _("Saved: %(cls)s; %(action)s; next visit by %(next)s.")
                % {
                    "cls": fu.get_classification_display(),
                    "action": fu.get_action_display(),
                    "next": fu.next_visit_date,
                },
            )
            return redirect("health:archive", case.elder_id)
    history = case.followups.order_by("-visit_date")[:8]
    return render(request, "health/followup_form.html", {"case": case, "form": form, "history": history})
