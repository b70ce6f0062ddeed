"""Pages of agreements, in-house clinics, rounds and home visits: thin views over the services, every
record read through :mod:`yiyang.care.access` or core scoping."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import MEDICAL_KINDS, ElderCategoryCode
from yiyang.core.scoping import has_perm, scope_elders, scope_institutions
from yiyang.core.transitions import TransitionNotAllowed, history_of

from .. import access
from ..forms_agreements import (
    AgreementForm,
    ClinicForm,
    DocumentForm,
    HomeVisitForm,
    RenewForm,
    RoundForm,
    TerminateForm,
)
from ..services import agreements as agreement_services
from ..services import clinics as clinic_services
from ..services import home_visits as visit_services
from ..services import rounds as round_services

if TYPE_CHECKING:
    from yiyang.accounts.models import User

MISSED_WINDOW_DAYS = 180


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _user(request: HttpRequest) -> User:
    """The logged-in user (every view here is ``login_required``)."""
    return cast("User", request.user)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    user = request.user
    context["perms_nav"] = {
        "home": has_perm(user, "clinic.manage"),
        "visits": has_perm(user, "homevisit.record"),
        "coverage": has_perm(user, "agreement.coverage"),
        "referrals": has_perm(user, "referral.view"),
    }
    return render(request, template, context)


def _errors(form: Any, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = err.get("field", "")
        field = field[:-3] if field.endswith("_id") and field[:-3] in form.fields else field
        form.add_error(field if field in form.fields else None, err["message"])


# -------------------------------------------------------------------------------------- agreements


@scoped
@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    """医养签约协议 in the user's scope, with the expiry warnings (60 and 30 days ahead)."""
    _need(request, "agreement.view")
    qs = access.scope_agreements(request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    today = clock.today()
    planned = access.scope_planned_rounds(request.user).filter(
        due_date__gte=today - dt.timedelta(days=MISSED_WINDOW_DAYS)
    )
    return _render(
        request,
        "care/agreements/list.html",
        {
            "missed": round_services.missed(planned, today)[:50],
            "late": round_services.late(planned)[:50],
            "follow_ups": round_services.follow_ups_due(access.scope_findings(request.user), today).filter(
                follow_up_on__gte=today - dt.timedelta(days=30)
            )[:50],
            "window": MISSED_WINDOW_DAYS,
            "agreements": list(qs[:200]),
            "warnings": agreement_services.expiry_warnings(access.scope_agreements(request.user)),
            "status": status,
            "statuses": agreement_services.AgreementStatus.choices,
            "today": today,
            "can_manage": has_perm(request.user, "agreement.manage"),
        },
    )


@scoped
@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    """A draft agreement; the parties sign it on its page once the signed document is uploaded."""
    _need(request, "agreement.manage")
    institutions = scope_institutions(request.user)
    medical = institutions.filter(kind__in=MEDICAL_KINDS, is_active=True).order_by("region_id", "name")
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        homes=access.eldercare_homes(request.user),
        medical=medical,
        clinicians=access.clinicians_of(list(medical.values_list("pk", flat=True))),
        initial={"start_date": clock.today(), "round_frequency": "monthly"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = agreement_services.Terms(
            services=data["services"],
            round_frequency=data["round_frequency"],
            responsible_doctor=data["responsible_doctor"],
            responsible_nurse=data["responsible_nurse"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            green_accept_minutes=data["green_accept_minutes"],
            green_arrive_minutes=data["green_arrive_minutes"],
            number=data["number"],
            note=data["note"],
        )
        try:
            agreement = agreement_services.create_agreement(
                acting_user=_user(request),
                eldercare_institution=data["eldercare_institution"],
                medical_institution=data["medical_institution"],
                terms=terms,
                document=data["document"],
            )
        except PermissionDenied:
            form.add_error(None, _("You may draft only agreements your institution is a party to."))
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Draft agreement saved. Upload the signed document and sign it."))
            return redirect("care:agreement-detail", agreement.pk)
    return _render(request, "care/agreements/form.html", {"form": form})


@scoped
@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreement: terms, document, the moves the user may make, its round schedule and rounds."""
    agreement = access.get_agreement_for_user(request.user, pk)
    document_form = DocumentForm()
    renew_form = RenewForm(initial={"end_date": agreement.end_date + dt.timedelta(days=365)})
    terminate_form = TerminateForm(initial={"terminated_on": clock.today()})
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "document":
                document_form = DocumentForm(request.POST, request.FILES)
                if document_form.is_valid():
                    agreement_services.attach_document(
                        agreement, acting_user=_user(request), upload=document_form.cleaned_data["document"]
                    )
                    messages.success(request, _("Signed document uploaded."))
                    return redirect("care:agreement-detail", agreement.pk)
            elif action == "sign":
                agreement_services.AGREEMENT.apply(agreement, "sign", acting_user=_user(request))
                messages.success(request, _("The agreement is signed and in force."))
                return redirect("care:agreement-detail", agreement.pk)
            elif action == "renew":
                renew_form = RenewForm(request.POST)
                if renew_form.is_valid():
                    t = agreement_services.AGREEMENT.apply(
                        agreement, "renew", acting_user=_user(request), **renew_form.cleaned_data
                    )
                    messages.success(
                        request, _("Renewed: the successor agreement is in force from its start.")
                    )
                    return redirect("care:agreement-detail", t.results["renewal"].pk)
            elif action == "terminate":
                terminate_form = TerminateForm(request.POST)
                if terminate_form.is_valid():
                    data = terminate_form.cleaned_data
                    agreement_services.AGREEMENT.apply(
                        agreement,
                        "terminate",
                        acting_user=_user(request),
                        reason=data["reason"],
                        terminated_on=data["terminated_on"],
                    )
                    messages.success(request, _("The agreement is terminated."))
                    return redirect("care:agreement-detail", agreement.pk)
        except PermissionDenied:
            messages.error(request, _("Only an administrator of one of the two parties may do this."))
        except (ServiceError, TransitionNotAllowed) as exc:
            messages.error(request, exc.message)
    today = clock.today()
    planned = access.scope_planned_rounds(request.user).filter(agreement=agreement).order_by("due_date")
    return _render(
        request,
        "care/agreements/detail.html",
        {
            "agreement": agreement,
            "in_force": agreement.is_in_force_on(today),
            "actions": agreement_services.AGREEMENT.available(request.user, agreement),
            "history": history_of(agreement),
            "schedule": round_services.planned_rows(planned, today),
            "rounds": access.scope_rounds(request.user).filter(agreement=agreement)[:50],
            "can_record": has_perm(request.user, "round.record")
            and agreement.medical_institution_id in access.own_institution_ids(request.user)
            and agreement.is_in_force_on(today),
            "document_form": document_form,
            "renew_form": renew_form,
            "terminate_form": terminate_form,
            "services_label": agreement_services.services_label(agreement.services),
            "today": today,
        },
    )


@scoped
@login_required
def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """The signed document, to those who may read the agreement; every download is audited."""
    agreement = access.get_agreement_for_user(request.user, pk)
    if not agreement.document:
        raise Http404
    try:
        handle = agreement.document.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit.record("export", user=_user(request), obj=agreement, reason=_("Signed agreement document"))
    return FileResponse(
        handle, filename=f"agreement-{agreement.pk}.{agreement.document.name.rsplit('.', 1)[-1]}"
    )


# ----------------------------------------------------------------------------------------- rounds


@scoped
@login_required
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    """巡诊记录: who came, when, and per resident seen the findings, advice, prescription, follow-up."""
    _need(request, "round.record")
    agreement = access.get_agreement_for_user(request.user, pk)
    residents = list(access.residents_for_round(request.user, agreement).order_by("name")[:300])
    form = RoundForm(
        request.POST or None,
        clinicians=access.clinicians_of([agreement.medical_institution_id]),
        initial={"visited_on": clock.today(), "staff": [request.user.pk]},
    )
    rows = []
    for elder in residents:
        key = str(elder.pk)
        rows.append(
            {
                "elder": elder,
                "seen": request.POST.get(f"seen_{key}") == "on",
                "findings": request.POST.get(f"findings_{key}", ""),
                "advice": request.POST.get(f"advice_{key}", ""),
                "prescription": request.POST.get(f"prescription_{key}", ""),
                "follow_up_on": request.POST.get(f"follow_up_on_{key}", ""),
                "refer_urgently": request.POST.get(f"refer_{key}") == "on",
            }
        )
    if request.method == "POST" and form.is_valid():
        findings = []
        bad_date = False
        for row in rows:
            if not row["seen"]:
                continue
            follow = None
            if row["follow_up_on"]:
                try:
                    follow = dt.date.fromisoformat(row["follow_up_on"])
                except ValueError:
                    bad_date = True
            findings.append(
                round_services.FindingIn(
                    elder_id=row["elder"].pk,
                    findings=row["findings"],
                    advice=row["advice"],
                    prescription=row["prescription"],
                    follow_up_on=follow,
                    refer_urgently=row["refer_urgently"],
                )
            )
        if bad_date:
            form.add_error(None, _("Follow up on: not a date."))
        else:
            try:
                round_services.record_round(
                    agreement,
                    acting_user=_user(request),
                    visited_on=form.cleaned_data["visited_on"],
                    staff=list(form.cleaned_data["staff"]),
                    other_staff=form.cleaned_data["other_staff"],
                    summary=form.cleaned_data["summary"],
                    findings=findings,
                )
            except ServiceError as exc:
                for err in exc.as_list():
                    field = err.get("field", "")
                    if field.startswith("findings["):
                        index = int(field.split("[", 1)[1].split("]", 1)[0])
                        name = next(
                            r["elder"].name for r in rows if r["elder"].pk == findings[index].elder_id
                        )
                        form.add_error(None, f"{name}：{err['message']}")
                    else:
                        form.add_error(field if field in form.fields else None, err["message"])
            else:
                messages.success(request, _("Round recorded."))
                return redirect("care:agreement-detail", agreement.pk)
    return _render(
        request, "care/agreements/round_form.html", {"agreement": agreement, "form": form, "rows": rows}
    )


# ---------------------------------------------------------------------------- the home's 医疗服务


@scoped
@login_required
def home_medical(request: HttpRequest) -> HttpResponse:
    """养老机构的医疗服务: its in-house clinic and agreements, the next round, the rounds done, late and
    missed, expiry warnings — and (filled by the referrals pages) its open referrals."""
    _need(request, "agreement.view")
    homes = access.eldercare_homes(request.user)
    wanted = request.GET.get("institution")
    own = [h for h in homes if h.pk in access.own_institution_ids(request.user)]
    home = None
    if wanted and wanted.isdigit():
        home = homes.filter(pk=int(wanted)).first()
        if home is None:
            raise Http404
    elif own:
        home = own[0]
    today = clock.today()
    context: dict[str, Any] = {"home": home, "homes": homes[:200], "today": today}
    if home is not None:
        clinic_form = ClinicForm(request.POST or None, initial={"valid_from": today})
        can_clinic = has_perm(request.user, "clinic.manage") and clinic_services.may_manage(
            _user(request), home
        )
        if request.method == "POST" and can_clinic and clinic_form.is_valid():
            try:
                clinic_services.register_clinic(home, acting_user=_user(request), **clinic_form.cleaned_data)
            except ServiceError as exc:
                _errors(clinic_form, exc)
            else:
                messages.success(request, _("In-house clinic registered."))
                return redirect(f"{request.path}?institution={home.pk}")
        agreements = access.scope_agreements(request.user).filter(eldercare_institution=home)
        planned = access.scope_planned_rounds(request.user).filter(agreement__eldercare_institution=home)
        context.update(
            {
                "clinics": access.scope_clinics(request.user).filter(eldercare_institution=home),
                "agreements": agreements,
                "in_force": [a for a in agreements if a.is_in_force_on(today)],
                "warnings": agreement_services.expiry_warnings(agreements),
                "next_round": round_services.next_round(planned, today),
                "missed": round_services.missed(planned, today)[:20],
                "late": round_services.late(planned)[:20],
                "rounds": access.scope_rounds(request.user).filter(agreement__eldercare_institution=home)[
                    :20
                ],
                "clinic_form": clinic_form,
                "can_clinic": can_clinic,
            }
        )
    return _render(request, "care/agreements/home_medical.html", context)


# --------------------------------------------------------------------------------- the coverage view


@scoped
@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """县/民政的覆盖视图: every eldercare institution in the user's area with its clinic and agreements in
    force today, those with neither first; expiring agreements; missed rounds of the last months."""
    _need(request, "agreement.coverage")
    today = clock.today()
    homes = list(access.eldercare_homes(request.user).select_related("region"))
    clinics: dict[int, list] = {}
    for c in access.scope_clinics(request.user):
        if c.is_valid_on(today):
            clinics.setdefault(c.eldercare_institution_id, []).append(c)
    agreements: dict[int, list] = {}
    for a in access.scope_agreements(request.user).filter(agreement_services.in_force_q(today)):
        agreements.setdefault(a.eldercare_institution_id, []).append(a)
    rows = [
        {"home": h, "clinics": clinics.get(h.pk, []), "agreements": agreements.get(h.pk, [])} for h in homes
    ]
    rows.sort(key=lambda r: (bool(r["clinics"] or r["agreements"]), r["home"].region_id, r["home"].name))
    gaps = sum(1 for r in rows if not (r["clinics"] or r["agreements"]))
    planned = access.scope_planned_rounds(request.user).filter(
        due_date__gte=today - dt.timedelta(days=MISSED_WINDOW_DAYS)
    )
    return _render(
        request,
        "care/agreements/coverage.html",
        {
            "rows": rows,
            "gaps": gaps,
            "covered": len(rows) - gaps,
            "warnings": agreement_services.expiry_warnings(access.scope_agreements(request.user)),
            "missed": round_services.missed(planned, today)[:100],
            "late": round_services.late(planned)[:100],
            "window": MISSED_WINDOW_DAYS,
            "today": today,
        },
    )


# ------------------------------------------------------------------------------------- home visits


@scoped
@login_required
def homevisit_list(request: HttpRequest) -> HttpResponse:
    """上门服务 records of the elders in the user's scope, newest first."""
    _need(request, "homevisit.record")
    return _render(
        request,
        "care/agreements/homevisit_list.html",
        {"visits": access.scope_home_visits(request.user)[:200]},
    )


@scoped
@login_required
def homevisit_create(request: HttpRequest) -> HttpResponse:
    """Record a home visit to a housebound or disabled elder living at home."""
    _need(request, "homevisit.record")
    # the housebound and disabled elders living at home, and the one the archive page sent here
    wanted = request.GET.get("elder", "") or request.POST.get("elder", "")
    eligible = Q(categories__category__in=[ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED])
    if wanted.isdigit():
        eligible |= Q(pk=int(wanted))
    elders = (
        scope_elders(request.user)
        .filter(residence_institution__isnull=True, status="active")
        .filter(eligible)
        .distinct()
        .order_by("name")
    )
    provider = visit_services.provider_of(_user(request))
    form = HomeVisitForm(
        request.POST or None,
        elders=elders,
        clinicians=access.clinicians_of([provider.pk] if provider else []),
        initial={"visited_on": clock.today(), "elder": wanted or None, "staff": [request.user.pk]},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        elder = data.pop("elder")
        data["staff"] = list(data["staff"])
        try:
            visit_services.record_home_visit(elder, acting_user=_user(request), **data)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Home visit recorded."))
            return redirect("care:homevisit-list")
    return _render(request, "care/agreements/homevisit_form.html", {"form": form})
