"""家庭医生签约服务 pages: contracts, deliveries, the week's work list and the teams."""

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

from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm

from .. import queries, services
from ..forms import ContractForm, DeliveryForm, EndContractForm, TeamForm, TeamMemberForm
from ..models import ServicePackageItem, TeamMember
from ._common import _need, _service_errors, _to_form


@scoped
@login_required
def contracts(request: HttpRequest) -> HttpResponse:
    """Contracts expiring within 30 days, and the teams with their 履约."""
    today = clock.today()
    scoped_contracts = queries.scope_contracts(request.user)
    teams = [(t, queries.team_fulfilment(t, today)) for t in queries.scope_teams(request.user)]
    return render(
        request,
        "health/contracts.html",
        {
            "expiring": queries.expiring(scoped_contracts, today)[:300],
            "valid_count": queries.valid_contracts(scoped_contracts, today).count(),
            "teams": teams,
            "today": today,
        },
    )


@scoped
@login_required
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "contract.change")
    elder = queries.get_health_elder(request.user, pk)
    form = ContractForm(request.POST or None, user=request.user, initial={"signed_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = TeamMember.objects.filter(team=d["team"], user_id=d["doctor"], is_active=True).first()
        try:
            if member is None:
                raise ServiceError(
                    "DOCTOR_NOT_IN_TEAM", _("Family doctor: must be a member of the team."), field="doctor"
                )
            contract = services.sign_contract(
                elder,
                acting_user=request.user,
                team=d["team"],
                doctor=member.user,
                packages=list(d["packages"]),
                signed_on=d["signed_on"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                signer=d["signer"],
                proxy_name=d["proxy_name"],
                proxy_relation=d["proxy_relation"],
            )
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Contract signed."))
            return redirect("health:contract-detail", contract.pk)
    return render(
        request, "health/simple_form.html", {"elder": elder, "form": form, "title": _("Sign a contract")}
    )


@scoped
@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = queries.get_contract(request.user, pk)
    items = list(
        ServicePackageItem.objects.filter(package__contracts=contract).values_list("code", "name").distinct()
    )
    delivery_form = DeliveryForm(request.POST or None, items=items, initial={"delivered_on": clock.today()})
    end_form = EndContractForm(prefix="end")
    if request.method == "POST":
        _need(request, "contract.change")
        action = request.POST.get("action")
        try:
            if action == "deliver" and delivery_form.is_valid():
                services.record_delivery(contract, acting_user=request.user, **delivery_form.cleaned_data)
                messages.success(request, _("Service recorded."))
                return redirect("health:contract-detail", contract.pk)
            if action == "end":
                end_form = EndContractForm(request.POST, prefix="end")
                if end_form.is_valid():
                    services.end_contract(contract, acting_user=request.user, **end_form.cleaned_data)
                    messages.success(request, _("Contract ended."))
                    return redirect("health:contract-detail", contract.pk)
            if action == "renew":
                new = services.renew_contract(contract, acting_user=request.user, signed_on=clock.today())
                messages.success(request, _("Contract renewed."))
                return redirect("health:contract-detail", new.pk)
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        core_services.record_view(contract.elder, acting_user=request.user)
    today = clock.today()
    return render(
        request,
        "health/contract_detail.html",
        {
            "contract": contract,
            "services_due": contract.services_due.select_related("delivery", "delivery__delivered_by"),
            "extras": contract.deliveries.filter(service__isnull=True),
            "fulfilment": queries.contract_fulfilment(contract, today),
            "delivery_form": delivery_form,
            "end_form": end_form,
            "valid_today": contract.is_valid_on(today),
            "can_change": has_perm(request.user, "contract.change"),
            "today": today,
        },
    )


@scoped
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """A family doctor's week: due follow-ups, checks, contract services, expiring contracts."""
    today = clock.today()
    start = today - dt.timedelta(days=today.weekday())
    end = start + dt.timedelta(days=6)
    data = queries.work_list(request.user, start, end)
    return render(request, "health/worklist.html", {**data, "start": start, "end": end, "today": today})


# ------------------------------------------------------------------------------ family-doctor teams


@scoped
@login_required
def teams(request: HttpRequest) -> HttpResponse:
    """家庭医生团队: the teams in scope; administrators form and manage their institution's."""
    rows = (
        queries.scope_teams(request.user).prefetch_related("villages").order_by("institution__name", "name")
    )
    managed = {i.pk for i in services.team_institutions(request.user)}
    return render(
        request,
        "health/teams.html",
        {
            "teams": [(t, t.members.filter(is_active=True).count()) for t in rows[:300]],
            "managed": managed,
            "can_create": bool(managed),
        },
    )


@scoped
@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    _need(request, "team.manage")
    institutions = services.team_institutions(request.user)
    if not institutions:
        raise PermissionDenied
    form = TeamForm(
        request.POST or None, institutions=institutions, candidates=queries.team_candidates(institutions)
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(acting_user=request.user, members=[], **form.cleaned())
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Team formed: %(name)s.") % {"name": team.name})
            return redirect("health:team-detail", team.pk)
    return render(request, "health/team_form.html", {"form": form, "title": _("Form a team")})


def _team_context(request: HttpRequest, team: Any, **extra: Any) -> dict[str, Any]:
    can_manage = team.institution_id in {i.pk for i in services.team_institutions(request.user)}
    return {
        "team": team,
        "members": team.members.select_related("user").order_by("-is_active", "user__display_name"),
        "villages": team.villages.order_by("code"),
        "can_manage": can_manage,
        "fulfilment": queries.team_fulfilment(team, clock.today()),
        **extra,
    }


@scoped
@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team: leader, members with their roles, villages served, 履约; its administrator edits it."""
    team = queries.get_team(request.user, pk)
    candidates = queries.team_candidates([team.institution])
    member_form = TeamMemberForm(candidates=candidates)
    return render(request, "health/team_detail.html", _team_context(request, team, member_form=member_form))


@scoped
@login_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "team.manage")
    team = queries.get_team(request.user, pk)
    if team.institution_id not in {i.pk for i in services.team_institutions(request.user)}:
        raise PermissionDenied
    initial = {
        "name": team.name,
        "leader": str(team.leader_id),
        "villages": list(team.villages.values_list("code", flat=True)),
        "is_active": team.is_active,
    }
    form = TeamForm(
        request.POST or None,
        initial=initial,
        institutions=[team.institution],
        candidates=queries.team_candidates([team.institution]),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(team, acting_user=request.user, **form.cleaned())
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("health:team-detail", team.pk)
    return render(request, "health/team_form.html", {"form": form, "team": team, "title": _("Edit team")})


@scoped
@login_required
@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member with a role (htmx: the members table comes back with the new row)."""
    _need(request, "team.manage")
    team = queries.get_team(request.user, pk)
    form = TeamMemberForm(request.POST, candidates=queries.team_candidates([team.institution]))
    if form.is_valid():
        try:
            services.add_team_member(
                team,
                acting_user=request.user,
                user=form.people[form.cleaned_data["user"]],
                role=form.cleaned_data["role"],
            )
        except ServiceError as exc:
            _service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Member added."))
                return redirect("health:team-detail", team.pk)
            form = TeamMemberForm(candidates=queries.team_candidates([team.institution]))
    ctx = _team_context(request, team, member_form=form)
    if request.htmx:
        return render(request, "health/partials/team_members.html", ctx)
    return render(request, "health/team_detail.html", ctx)


@scoped
@login_required
@require_POST
def team_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "team.manage")
    member = queries.get_team_member(request.user, pk)
    try:
        services.remove_team_member(member, acting_user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Member removed: %(name)s.") % {"name": member.user})
    return redirect("health:team-detail", member.team_id)
