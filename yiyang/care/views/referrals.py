"""双向转诊 pages: 发起转诊, each side's list and the detail with its history, the hospital's 转诊接收
queue (green channel first, with the clock against the promise), the county's green-channel
timeliness, and the "open referrals" fragment another page includes by URL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import get_elder_for_user, has_perm, scope_elders, scope_institutions
from yiyang.core.transitions import history_of, history_row

from ..access import get_referral_for_user, referral_archive_summary, scope_referrals
from ..models.referrals import (
    OPEN_STATES,
    Referral,
    ReferralDirection,
    ReferralStatus,
    ReferralUrgency,
)
from ..services import referrals as service

if TYPE_CHECKING:
    from yiyang.accounts.models import User


def _render(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    """A referral page; the sub-navigation shows the queue to the receiving side only."""
    ctx.setdefault("can_receive_any", bool(service.receiving_institutions(request.user)))
    return render(request, template, ctx)


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _to_form(form: forms.Form, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = err.get("field", "")
        field = {"to_institution_id": "to_institution", "from_institution_id": "from_institution"}.get(
            field, field
        )
        form.add_error(field if field in form.fields else None, err["message"])


def _receivable(request: HttpRequest) -> Any:
    """Institutions a referral may go to: those in the user's area that take referrals."""
    return (
        scope_institutions(request.user)
        .filter(kind__in=list(service.LEVELS), is_active=True)
        .exclude(pk__in=[i.pk for i in service.sending_institutions(request.user)])
        .order_by("-kind", "region_id", "name")
    )


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class ReferralForm(forms.Form):
    direction = forms.ChoiceField(
        label=pgettext_lazy("referral", "Direction"), choices=ReferralDirection.choices
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=ReferralUrgency.choices, initial=ReferralUrgency.ROUTINE
    )
    to_institution: forms.ModelChoiceField = InstitutionChoiceField(
        label=gettext_lazy("Receiving institution"), queryset=None
    )
    to_home = forms.BooleanField(label=gettext_lazy("Rehabilitation at home"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason for referral"), max_length=200)
    clinical_notes = forms.CharField(
        label=gettext_lazy("Clinical notes"), max_length=2000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["to_institution"])
        field.queryset = institutions


class DraftForm(ReferralForm):
    """A draft's destination, urgency and words (its direction is kept)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["direction"]
        del self.fields["to_home"]


# ---------------------------------------------------------------------------------------- creating


@scoped
@login_required
def referral_create(request: HttpRequest) -> HttpResponse:
    """发起转诊 for an elder of the user's scope (from the elder's page: ``?elder=<id>``)."""
    _need(request, "referral.send")
    senders = service.sending_institutions(request.user)
    if not senders:
        raise PermissionDenied
    elder = None
    elder_id = request.GET.get("elder") or request.POST.get("elder")
    if elder_id:
        elder = get_elder_for_user(request.user, elder_id)
    if elder is None:
        q = (request.GET.get("q") or "").strip()[:40]
        found = scope_elders(request.user).filter(name__contains=q).order_by("name")[:20] if q else []
        return _render(request, "care/referrals/pick_elder.html", {"q": q, "found": found})
    institutions = _receivable(request)
    sender = senders[0]
    initial_direction = (
        ReferralDirection.DOWN if service.LEVELS.get(sender.kind, 0) >= 3 else ReferralDirection.UP
    )
    form = ReferralForm(
        request.POST or None,
        institutions=institutions,
        initial={"direction": initial_direction, "urgency": request.GET.get("urgency", "routine")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = service.create_referral(
                elder,
                acting_user=request.user,  # type: ignore[arg-type]
                to_institution=data["to_institution"],
                direction=data["direction"],
                urgency=data["urgency"],
                reason=data["reason"],
                clinical_notes=data["clinical_notes"],
                to_home=data["to_home"],
                send="send" in request.POST,
            )
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request,
                _("Referral sent to %(name)s.") % {"name": referral.to_institution.name}
                if referral.status == ReferralStatus.SENT
                else _("Referral saved as a draft."),
            )
            return redirect("care:referral-detail", referral.pk)
    return _render(request, "care/referrals/form.html", {"form": form, "elder": elder, "sender": sender})


# ---------------------------------------------------------------------------------------- lists


def _filtered(request: HttpRequest, qs: Any) -> tuple[Any, dict[str, str]]:
    f = {k: request.GET.get(k, "") for k in ("state", "direction", "urgency", "side")}
    if f["state"] in ReferralStatus.values:
        qs = qs.filter(status=f["state"])
    if f["state"] == "open":
        qs = qs.filter(status__in=list(OPEN_STATES))
    if f["direction"] in ReferralDirection.values:
        qs = qs.filter(direction=f["direction"])
    if f["urgency"] in ReferralUrgency.values:
        qs = qs.filter(urgency=f["urgency"])
    if f["side"] == "sent":
        qs = qs.filter(from_institution__in=service.sending_institutions(request.user))
    elif f["side"] == "received":
        qs = qs.filter(to_institution__in=service.receiving_institutions(request.user))
    return qs, f


def _rows(referrals: list[Referral]) -> list[dict[str, Any]]:
    now = clock.now()
    return [{"r": r, "t": service.timeliness(r, now) if r.is_green else None} for r in referrals]


@scoped
@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    """双向转诊: what the user's institution sent and received (卫健: the region's)."""
    _need(request, "referral.view")
    qs, f = _filtered(request, scope_referrals(request.user))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "care/referrals/list.html",
        {
            "page": page,
            "rows": _rows(list(page.object_list)),
            "f": f,
            "query": query.urlencode(),
            "states": ReferralStatus.choices,
            "directions": ReferralDirection.choices,
            "urgencies": ReferralUrgency.choices,
            "can_send": bool(service.sending_institutions(request.user)),
            "can_receive": bool(service.receiving_institutions(request.user)),
        },
    )


def _queue(request: HttpRequest) -> list[dict[str, Any]]:
    mine = service.receiving_institutions(request.user)
    qs = scope_referrals(request.user).filter(to_institution__in=mine, status__in=list(OPEN_STATES))
    rows = _rows(list(qs[:300]))
    # green channel first, then the longest waiting
    rows.sort(key=lambda x: (not x["r"].is_green, x["r"].sent_at or x["r"].created_at))
    return rows


@scoped
@login_required
def referral_queue(request: HttpRequest) -> HttpResponse:
    """转诊接收: open referrals to the user's institution, green channel first, each with its clock."""
    _need(request, "referral.receive")
    return _render(request, "care/referrals/queue.html", {"rows": _queue(request), "now": clock.now()})


@scoped
@login_required
def open_fragment(request: HttpRequest) -> HttpResponse:
    """An institution's open referrals (sent and received), as a fragment other pages include by URL
    (the home's 医疗服务 page). ``?institution=<id>`` keeps those one institution sent or received, still
    within the user's scope (an officer looking at one home)."""
    _need(request, "referral.view")
    qs = scope_referrals(request.user).filter(status__in=[ReferralStatus.DRAFT, *OPEN_STATES])
    wanted = request.GET.get("institution", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        qs = qs.filter(Q(from_institution_id=int(wanted)) | Q(to_institution_id=int(wanted)))
    return render(request, "care/referrals/partials/open.html", {"rows": _rows(list(qs[:50]))})


# ---------------------------------------------------------------------------------------- detail


@scoped
@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    summary = referral_archive_summary(request.user, referral)
    if summary is not None:
        core_services.record_view(
            referral.elder, acting_user=cast("User", request.user), what=_("Referral: archive summary")
        )
    actions = service.REFERRAL.available(request.user, referral)
    draft_form = None
    if referral.status == ReferralStatus.DRAFT and "send" in actions:
        draft_form = DraftForm(
            institutions=_receivable(request),
            initial={
                "to_institution": referral.to_institution_id,
                "urgency": referral.urgency,
                "reason": referral.reason,
                "clinical_notes": referral.clinical_notes,
            },
        )
    return _render(
        request,
        "care/referrals/detail.html",
        {
            "referral": referral,
            "t": service.timeliness(referral) if referral.is_green else None,
            "summary": summary,
            "history": [{**history_row(service.REFERRAL, h), "who": h.user} for h in history_of(referral)],
            "actions": [(a, service.REFERRAL.action_label(a)) for a in actions if a != "send"],
            "can_send": "send" in actions,
            "draft_form": draft_form,
            "elder_visible": summary is not None or _sees_elder(request, referral),
        },
    )


def _sees_elder(request: HttpRequest, referral: Referral) -> bool:
    try:
        get_elder_for_user(request.user, referral.elder_id)
    except (Http404, PermissionDenied):
        return False
    return True


@scoped
@login_required
@require_POST
def referral_transition(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "save_draft" or (action == "send" and "to_institution" in request.POST):
            form = DraftForm(request.POST, institutions=_receivable(request))
            if not form.is_valid():
                for errors in form.errors.values():
                    for e in errors:
                        messages.error(request, str(e))
                return redirect("care:referral-detail", referral.pk)
            service.update_draft(
                referral,
                acting_user=request.user,  # type: ignore[arg-type]
                to_institution=form.cleaned_data["to_institution"],
                urgency=form.cleaned_data["urgency"],
                reason=form.cleaned_data["reason"],
                clinical_notes=form.cleaned_data["clinical_notes"],
            )
            if action == "save_draft":
                messages.success(request, _("Draft saved."))
                return redirect("care:referral-detail", referral.pk)
        t = service.move(
            referral,
            action,
            acting_user=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
            summary=request.POST.get("summary", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(action)s: done. The referral is now “%(state)s”.")
            % {"action": service.REFERRAL.action_label(action), "state": referral.get_status_display()},
        )
        if t.to_state in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.RETURNED):
            return redirect("care:referral-queue")
    return redirect("care:referral-detail", referral.pk)


# ---------------------------------------------------------------------------------------- county


@scoped
@login_required
def green_channel(request: HttpRequest) -> HttpResponse:
    """绿色通道及时率: green-channel referrals received in the last N days, per receiving institution,
    on time or late against the promise of the agreement in force when each was sent."""
    _need(request, "referral.view")
    try:
        days = max(7, min(int(request.GET.get("days") or 365), 3660))
    except ValueError:
        days = 365
    since = clock.now() - dt.timedelta(days=days)
    qs = scope_referrals(request.user).filter(urgency=ReferralUrgency.GREEN_CHANNEL, sent_at__gte=since)
    now = clock.now()
    per: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"sent": 0, "on_time": 0, "late": 0, "unknown": 0, "accept": [], "arrive": []}
    )
    late_rows = []
    names: dict[int, str] = {}
    for r in qs[:5000]:
        t = service.timeliness(r, now)
        row = per[r.to_institution_id]
        names[r.to_institution_id] = r.to_institution.name
        row["sent"] += 1
        if t.on_time is None:
            row["unknown"] += 1
        elif t.on_time:
            row["on_time"] += 1
        else:
            row["late"] += 1
            late_rows.append({"r": r, "t": t})
        if t.accept_minutes is not None:
            row["accept"].append(t.accept_minutes)
        if t.arrive_minutes is not None:
            row["arrive"].append(t.arrive_minutes)
    table = []
    for pk, row in sorted(per.items(), key=lambda kv: names[kv[0]]):
        table.append(
            {
                "name": names[pk],
                **row,
                "median_accept": _median(row["accept"]),
                "median_arrive": _median(row["arrive"]),
            }
        )
    return _render(
        request,
        "care/referrals/green_channel.html",
        {"table": table, "late_rows": late_rows[:100], "days": days},
    )


def _median(values: list[int]) -> int | None:
    if not values:
        return None
    values = sorted(values)
    return values[len(values) // 2]
