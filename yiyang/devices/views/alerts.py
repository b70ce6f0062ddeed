"""告警 pages: the live alert board (HTMX polling, no websockets), one alert with its history and who
was told, the one-step referral, an elder's thresholds (a doctor) and the institution's escalation
ladder (its administrator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.care.services.referrals import LEVELS
from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import get_elder_for_user, get_institution_for_user, has_perm, scope_institutions
from yiyang.core.transitions import history_of, history_row

from .. import rules as rulebook
from ..access import elder_overrides, get_alert_for_user, notifications_of, scope_alerts
from ..models.alerts import OPEN_ALERT_STATES, UNACKNOWLEDGED_STATES, AlertOutcome, AlertStatus
from ..models.rules import BP_PARTS, THRESHOLD_TYPES, Severity, StepRole
from ..services import alerts as service
from ..services import rules as rule_service

if TYPE_CHECKING:
    from yiyang.accounts.models import User

#: how often the board asks for fresh rows (seconds); an alert raised this recently is highlighted
POLL_SECONDS = 5
FRESH_SECONDS = 120
BOARD_ROWS = 100


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _state_filter(request: HttpRequest) -> str:
    state = request.GET.get("state", "open")
    return state if state in (*AlertStatus.values, "open", "all") else "open"


def _board(request: HttpRequest, state: str, error: str = "") -> dict[str, Any]:
    qs = scope_alerts(request.user)
    if state == "open":
        qs = qs.filter(status__in=OPEN_ALERT_STATES)
    elif state != "all":
        qs = qs.filter(status=state)
    # unacknowledged first, then the latest
    rows = sorted(
        qs[:BOARD_ROWS],
        key=lambda a: (a.status not in UNACKNOWLEDGED_STATES, -a.last_at.timestamp(), -a.pk),
    )
    now = clock.now()
    return {
        "rows": [
            {
                "a": a,
                "actions": service.allowed_actions(request.user, a),
                "fresh": (now - a.raised_at).total_seconds() < FRESH_SECONDS,
            }
            for a in rows
        ],
        "waiting": sum(1 for a in rows if a.status in UNACKNOWLEDGED_STATES),
        "unread": service.unread_count(request.user),
        "state": state,
        "outcomes": AlertOutcome.choices,
        "now": now,
        "error": error,
        "poll": POLL_SECONDS,
    }


@scoped
@login_required
def alert_board(request: HttpRequest) -> HttpResponse:
    """告警看板: open alerts of the user's institution (or team, or region), refreshed every few seconds."""
    _need(request, "alert.view")
    ctx = _board(request, _state_filter(request))
    ctx["states"] = AlertStatus.choices
    ctx["can_ladder"] = bool(rule_service.ladder_institutions(cast("User", request.user)))
    return render(request, "devices/alerts/board.html", ctx)


@scoped
@login_required
def alert_board_rows(request: HttpRequest) -> HttpResponse:
    """The board's table, polled by HTMX (``hx-trigger="every 5s"``)."""
    _need(request, "alert.view")
    return render(request, "devices/alerts/partials/board.html", _board(request, _state_filter(request)))


@scoped
@login_required
@require_POST
def alert_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge, escalate or resolve from the board or the alert's page."""
    alert = get_alert_for_user(request.user, pk)
    _need(request, "alert.handle")
    error = ""
    try:
        service.move(
            alert,
            request.POST.get("action", ""),
            acting_user=cast("User", request.user),
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", "")[:200],
        )
    except ServiceError as exc:
        error = f"{alert.elder.name if alert.elder_id else alert.place}：{exc.message}"  # type: ignore[union-attr]
    if request.headers.get("HX-Request"):
        state = request.POST.get("board_state", "open")
        state = state if state in (*AlertStatus.values, "open", "all") else "open"
        return render(request, "devices/alerts/partials/board.html", _board(request, state, error))
    if error:
        messages.error(request, error)
    return redirect("devices:alert-detail", pk=alert.pk)


@scoped
@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, pk)
    user = cast("User", request.user)
    service.mark_read(alert, user)
    referral_targets: list[Any] = []
    if (
        alert.elder_id
        and not alert.referral_id
        and has_perm(user, "referral.send")
        and has_perm(user, "alert.handle")
    ):
        referral_targets = list(
            scope_institutions(user)
            .filter(kind__in=[k for k, level in LEVELS.items() if level >= 2], is_active=True)
            .exclude(pk=alert.institution_id or 0)
            .order_by("-kind", "name")[:200]
        )
    return render(
        request,
        "devices/alerts/detail.html",
        {
            "a": alert,
            "actions": service.allowed_actions(user, alert),
            "outcomes": AlertOutcome.choices,
            "history": [history_row(service.ALERT, h) for h in history_of(alert)],
            "notifications": list(notifications_of(alert)),
            "steps": [(StepRole(s.role).label, s.wait_minutes) for s in service.ladder_for(alert)],
            "referral_targets": referral_targets,
            "can_handle": has_perm(user, "alert.handle"),
            "can_thresholds": bool(alert.elder_id) and has_perm(user, "alertrule.change"),
        },
    )


@scoped
@login_required
@require_POST
def alert_referral(request: HttpRequest, pk: int) -> HttpResponse:
    """转诊: a draft referral of the alert's elder in one step; the user sends it from its page."""
    alert = get_alert_for_user(request.user, pk)
    _need(request, "alert.handle")
    user = cast("User", request.user)
    to = scope_institutions(user).filter(pk=request.POST.get("to_institution") or 0).first()
    if to is None:
        messages.error(request, _("Receiving institution: choose one."))
        return redirect("devices:alert-detail", pk=alert.pk)
    try:
        referral = service.make_referral(
            alert, acting_user=user, to_institution=to, urgency=request.POST.get("urgency") or "green_channel"
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("devices:alert-detail", pk=alert.pk)
    except PermissionDenied:
        messages.error(request, _("Your account cannot make referrals."))
        return redirect("devices:alert-detail", pk=alert.pk)
    messages.success(request, _("A draft referral was made; check it and send it."))
    return redirect("care:referral-detail", pk=referral.pk)


@scoped
@login_required
@require_POST
def alert_incident(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, pk)
    _need(request, "alert.handle")
    try:
        service.make_incident(alert, acting_user=cast("User", request.user))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("devices:alert-detail", pk=alert.pk)


# -- an elder's thresholds -------------------------------------------------------------------------


def _threshold_rows(elder: Any) -> list[dict[str, Any]]:
    institution_id = elder.residence_institution_id or elder.managing_institution_id
    limits = rulebook.limits_for(elder.pk, institution_id)
    defaults = rulebook.limits_for(None, institution_id)
    own = {(r.type, r.part): r for r in elder_overrides(elder)}
    rows = []
    for type_ in THRESHOLD_TYPES:
        for part in BP_PARTS if type_ == "bp" else ("",):
            key = (type_, part)
            lim, base = limits[key], defaults[key]
            r = own.get(key)
            rows.append(
                {
                    "key": f"{type_}.{part}" if part else type_,
                    "type": type_,
                    "part": part,
                    "label": rulebook.PART_LABELS[key],
                    "unit": lim.unit,
                    "low": r.low if r and r.low is not None else "",
                    "high": r.high if r and r.high is not None else "",
                    "severity": r.severity if r else "",
                    "note": r.note if r else "",
                    "in_force": lim,
                    "base": base,
                }
            )
    return rows


@scoped
@login_required
def elder_thresholds(request: HttpRequest, elder_id: int) -> HttpResponse:
    """个人告警阈值: what alerts for this elder; a doctor sets the elder's own limits."""
    elder = get_elder_for_user(request.user, elder_id)
    _need(request, "alert.view")
    can_change = has_perm(request.user, "alertrule.change")
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        given: list[rule_service.ThresholdIn] = []
        for type_ in THRESHOLD_TYPES:
            for part in BP_PARTS if type_ == "bp" else ("",):
                k = f"{type_}.{part}" if part else type_
                given.append(
                    rule_service.ThresholdIn(
                        type_,
                        part,
                        request.POST.get(f"{k}.low", "").strip(),
                        request.POST.get(f"{k}.high", "").strip(),
                        request.POST.get(f"{k}.severity", "").strip(),
                        request.POST.get(f"{k}.note", "").strip(),
                    )
                )
        try:
            rule_service.set_elder_thresholds(elder, given, acting_user=cast("User", request.user))
        except ServiceError as exc:
            for err in exc.as_list():
                errors[err.get("field", "")] = err["message"]
        else:
            messages.success(request, _("The elder's alert thresholds were saved."))
            return redirect("devices:elder-thresholds", elder_id=elder.pk)
    rows = _threshold_rows(elder)
    if errors:  # show what was typed beside the message
        for i, row in enumerate(rows):
            k = row["key"]
            row["low"], row["high"] = request.POST.get(f"{k}.low", ""), request.POST.get(f"{k}.high", "")
            row["note"] = request.POST.get(f"{k}.note", "")
            row["errors"] = [m for f, m in errors.items() if f.startswith(f"thresholds[{i}]")]
    return render(
        request,
        "devices/alerts/thresholds.html",
        {
            "elder": elder,
            "rows": rows,
            "can_change": can_change,
            "severities": Severity.choices,
            "form_errors": [m for f, m in errors.items() if not f.startswith("thresholds[")],
        },
    )


# -- the institution's ladder ----------------------------------------------------------------------


@scoped
@login_required
def ladder(request: HttpRequest) -> HttpResponse:
    """升级梯队: the institution's administrator sets who is told, in order, and how long each waits."""
    _need(request, "alertladder.change")
    user = cast("User", request.user)
    mine = rule_service.ladder_institutions(user)
    if not mine:
        raise PermissionDenied
    chosen = request.POST.get("institution") or request.GET.get("institution") or mine[0].pk
    if str(chosen) not in {str(i.pk) for i in mine}:
        raise Http404
    institution = get_institution_for_user(user, chosen)
    staff = rule_service.staff_of(institution)
    error, error_field = "", ""
    if request.method == "POST":
        steps = []
        for i in range(rule_service.MAX_STEPS):
            role = request.POST.get(f"steps[{i}].role", "")
            if not role:
                continue
            steps.append(
                rule_service.StepIn(
                    role,
                    request.POST.get(f"steps[{i}].wait_minutes", ""),
                    [int(u) for u in request.POST.getlist(f"steps[{i}].user_ids") if u.isdigit()],
                )
            )
        try:
            rule_service.set_ladder(institution, steps, acting_user=user)
        except ServiceError as exc:
            error, error_field = exc.message, exc.field
        else:
            messages.success(request, _("The escalation ladder was saved."))
            return redirect(f"{reverse('devices:alert-ladder')}?institution={institution.pk}")
    rows = rule_service.ladder_rows(institution)
    rows += [{"role": "", "wait_minutes": "", "user_ids": [], "own": False}] * max(0, 6 - len(rows))
    return render(
        request,
        "devices/alerts/ladder.html",
        {
            "institution": institution,
            "institutions": mine,
            "rows": rows,
            "roles": StepRole.choices,
            "staff": staff,
            "error": error,
            "error_field": error_field,
        },
    )
