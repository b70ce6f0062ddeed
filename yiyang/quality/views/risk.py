"""Pages of the admission risk assessment: the work list (admissions awaiting their assessment with the
overdue ones highlighted, reassessments due, recent assessments), the one-page assessment form with the
five screens, recording a change of condition, and one assessment. Thin: scope through
:mod:`yiyang.quality.access_risk`, write through :mod:`yiyang.quality.services.risk`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.assessments.registry import get_instrument
from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm

from .. import access_risk, risk_rules
from ..models.risk import RiskKind
from ..services import risk as services


def _institution_filter(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("institution") or 0) or None
    except ValueError:
        return None


@scoped
@login_required
def risk_list(request: HttpRequest) -> HttpResponse:
    """入住风险评估: for a home its own residents; for a county officer every eldercare institution of the
    region (filter by institution), overdue admissions first and highlighted."""
    if not has_perm(request.user, "risk.view"):
        raise PermissionDenied
    institution_id = _institution_filter(request)
    overdue_only = request.GET.get("overdue") == "1"
    pending = access_risk.pending_admissions(
        request.user, institution_id=institution_id, overdue_only=overdue_only
    )
    recent = access_risk.scope_risk_assessments(request.user)
    if institution_id:
        recent = recent.filter(institution_id=institution_id)
    return render(
        request,
        "quality/risk/list.html",
        {
            "pending": pending,
            "overdue_count": sum(1 for p in pending if p.overdue),
            "due": list(access_risk.reassessments_due(request.user, institution_id=institution_id)[:200]),
            "recent": list(recent[:30]),
            "institutions": access_risk.scope_institutions(request.user),
            "institution_id": institution_id,
            "overdue_only": overdue_only,
            "can_assess": has_perm(request.user, "risk.assess"),
            "can_request": has_perm(request.user, "risk.request"),
            "can_read_levels": access_risk.can_read_levels(request.user),
            "default_hours": risk_rules.rules().default_hours,
        },
    )


def _screens_for_form() -> list[dict[str, Any]]:
    out = []
    for rule in risk_rules.rules().flags:
        inst = get_instrument(rule.instrument)
        out.append({"code": rule.code, "label": rule.label, "instrument": inst, "items": inst.items})
    return out


def _screens_from_post(post: Any) -> dict[str, dict[str, str]]:
    screens: dict[str, dict[str, str]] = {}
    for key, value in post.items():
        if "." in key and value != "":
            flag, item = key.split(".", 1)
            if flag in {r.code for r in risk_rules.rules().flags}:
                screens.setdefault(flag, {})[item] = value
    return screens


@scoped
@login_required
def risk_assess(request: HttpRequest, stay_id: int) -> HttpResponse:
    """The five screens on one page (跌倒 Morse, 压力性损伤 Braden, 噎食/误吸 洼田饮水试验, 走失 and 烫伤
    local forms); a reassessment may leave screens empty."""
    if not has_perm(request.user, "risk.assess"):
        raise PermissionDenied
    stay = access_risk.get_stay_for_user(request.user, stay_id)
    has_admission = (
        access_risk.scope_risk_assessments(request.user).filter(stay=stay, kind=RiskKind.ADMISSION).exists()
    )
    errors: dict[str, str] = {}
    general: list[str] = []
    data: dict[str, Any] = {}
    if request.method == "POST":
        data = request.POST.dict()
        kind = request.POST.get("kind", "")
        assessed_at = None
        text = request.POST.get("assessed_at", "")
        try:
            if text:
                assessed_at = dt.datetime.fromisoformat(text).replace(tzinfo=clock.zone())
        except ValueError:
            errors["assessed_at"] = _("Assessment time: give a date and time.")
        if not errors:
            try:
                ra = services.record_risk_assessment(
                    acting_user=request.user,
                    elder=stay.elder,
                    institution=stay.institution,
                    kind=kind,
                    screens=_screens_from_post(request.POST),
                    assessed_at=assessed_at,
                    note=request.POST.get("note", ""),
                )
            except ServiceError as exc:
                for e in exc.as_list():
                    field = str(e.get("field", ""))
                    field = field.removeprefix("screens.")
                    if field in ("", "__all__", "screens"):
                        general.append(str(e["message"]))
                    else:
                        errors.setdefault(field, str(e["message"]))
                if errors or not general:
                    general.insert(0, exc.message)
            else:
                messages.success(request, _("Risk assessment recorded."))
                return redirect("quality:risk-detail", ra.pk)
    return render(
        request,
        "quality/risk/assess.html",
        {
            "stay": stay,
            "screens": _screens_for_form(),
            "kinds": RiskKind.choices,
            "default_kind": RiskKind.CHANGE if has_admission else RiskKind.ADMISSION,
            "data": data,
            "errors": errors,
            "general": general,
            "now": clock.now().strftime("%Y-%m-%dT%H:%M"),
        },
    )


@scoped
@login_required
@require_POST
def risk_change(request: HttpRequest, stay_id: int) -> HttpResponse:
    """病情变化: record what changed; the resident joins the reassessments due."""
    if not has_perm(request.user, "risk.request"):
        raise PermissionDenied
    stay = access_risk.get_stay_for_user(request.user, stay_id)
    try:
        services.request_reassessment(
            acting_user=request.user,
            elder=stay.elder,
            institution=stay.institution,
            detail=request.POST.get("detail", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Change of condition recorded: %(name)s is due for reassessment.") % {"name": stay.elder.name},
        )
    return redirect("quality:risk-list")


@scoped
@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_perm(request.user, "risk.view"):
        raise PermissionDenied
    ra = access_risk.get_risk_assessment_for_user(request.user, pk)
    rules = risk_rules.rules()
    return render(
        request,
        "quality/risk/detail.html",
        {
            "ra": ra,
            "findings": list(ra.findings.all()) if access_risk.can_read_levels(request.user) else None,
            "labels": {r.code: r.label for r in rules.flags},
            "instrument_names": {r.instrument: get_instrument(r.instrument).name for r in rules.flags},
            "shows": {lv: rules.shows(lv) for lv in risk_rules.LEVELS},
        },
    )
