"""家庭病床 and 互联网+护理服务 pages: the health centre's sickbed list, admission, visits and discharge;
the order desk (new order, dispatch, late and unassigned orders) and a nurse's orders for today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.accounts.models import User
from yiyang.core import clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution
from yiyang.core.scoping import get_elder_for_user, has_perm
from yiyang.core.transitions import history_of

from .. import homecare_access as access
from ..models.homecare import VisitFrequency
from ..services import homecare as services


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _refuse_outside_medical(request: HttpRequest) -> HttpResponse | None:
    """A 403 page saying why, for the staff of an institution that is not medical (an eldercare home
    admits no family sickbed and takes no nursing order); None for everyone else."""
    if access.runs_homecare(request.user):
        return None
    message = _(
        "Family sickbeds and home nursing orders are run by medical institutions; "
        "your institution is not a medical institution."
    )
    return render(request, "web/error.html", {"code": 403, "message": message}, status=403)


def _to_form(form: forms.Form, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = err.get("field", "")
        field = field[:-3] if field.endswith("_id") and field[:-3] in form.fields else field
        form.add_error(field if field in form.fields else None, err["message"])


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    form.fields[name].choices = choices  # type: ignore[attr-defined]


def _elder(request: HttpRequest) -> Any:
    """The elder named by ``?elder=`` (or the posted form), through scoping; 404 for anything else."""
    pk = access._pk(request.GET.get("elder") or request.POST.get("elder") or 0)
    return get_elder_for_user(request.user, pk)


def _clinicians(institution_ids: set[int]) -> list[tuple[int, str]]:
    users = (
        User.objects.filter(
            role_assignments__role="clinician",
            role_assignments__institution_id__in=institution_ids,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )
    return [(u.pk, str(u)) for u in users]


def _my_medical_institutions(user: Any) -> list[Institution]:
    ids = access.staff_institution_ids(user)
    return [
        i for i in Institution.objects.filter(pk__in=ids).order_by("name") if i.kind in services.MEDICAL_KINDS
    ]


# ------------------------------------------------------------------------------------------ sickbeds


@scoped
@login_required
def sickbed_list(request: HttpRequest) -> HttpResponse:
    """家庭病床: open beds, beds applied for, overdue visits, and the last beds closed."""
    _need(request, "sickbed.view")
    if (refused := _refuse_outside_medical(request)) is not None:
        return refused
    beds = access.scope_sickbeds(request.user)
    status = request.GET.get("status", "")
    return render(
        request,
        "care/homecare/sickbed_list.html",
        {
            "open": beds.filter(status__in=["applied", "admitted"]).order_by("-applied_on", "-pk")[:200],
            "closed": beds.filter(status__in=["discharged", "cancelled"]).order_by("-applied_on", "-pk")[:50]
            if status != "open"
            else [],
            "overdue": access.overdue_visits(request.user)[:200],
            "can_change": has_perm(request.user, "sickbed.change"),
            "today": clock.today(),
        },
    )


class SickbedForm(forms.Form):
    institution = forms.TypedChoiceField(label=gettext_lazy("Institution"), coerce=int)
    diagnosis_code = forms.CharField(label=gettext_lazy("Diagnosis (ICD-10 code)"), max_length=10)
    doctor = forms.TypedChoiceField(label=gettext_lazy("Responsible doctor"), coerce=int)
    nurse = forms.TypedChoiceField(label=gettext_lazy("Responsible nurse"), coerce=int)
    visit_frequency = forms.ChoiceField(label=gettext_lazy("Visit frequency"), choices=VisitFrequency.choices)
    applied_on = forms.DateField(
        label=gettext_lazy("Applied on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_until = forms.DateField(
        label=gettext_lazy("Planned until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    admit = forms.BooleanField(label=gettext_lazy("Open the bed now"), required=False, initial=True)
    criteria = forms.MultipleChoiceField(
        label=gettext_lazy("Admission criteria met"), widget=forms.CheckboxSelectMultiple, required=False
    )
    care_plan = forms.CharField(
        label=gettext_lazy("Care plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        insts = _my_medical_institutions(user)
        _choices(self, "institution", [(i.pk, i.name) for i in insts])
        people = _clinicians({i.pk for i in insts})
        _choices(self, "doctor", people)
        _choices(self, "nurse", people)
        spec = services.sickbed_criteria()
        _choices(
            self, "criteria", [(c["code"], c["label"]) for c in [*spec["required"], *spec["indications"]]]
        )


@scoped
@login_required
def sickbed_new(request: HttpRequest) -> HttpResponse:
    """家庭病床 admission for one elder (``?elder=`` the archive number)."""
    _need(request, "sickbed.change")
    if (refused := _refuse_outside_medical(request)) is not None:
        return refused
    elder = _elder(request)
    form = SickbedForm(
        request.POST or None,
        user=request.user,
        initial={"applied_on": clock.today(), "nurse": request.user.pk, "doctor": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            from django.db import transaction

            with transaction.atomic():
                bed = services.apply_sickbed(
                    elder,
                    acting_user=request.user,  # type: ignore[arg-type]
                    institution=Institution.objects.get(pk=d["institution"]),
                    diagnosis_code=d["diagnosis_code"],
                    doctor=User.objects.get(pk=d["doctor"]),
                    nurse=User.objects.get(pk=d["nurse"]),
                    criteria=d["criteria"],
                    care_plan=d["care_plan"],
                    visit_frequency=d["visit_frequency"],
                    applied_on=d["applied_on"],
                )
                if d["admit"]:
                    services.SICKBED.apply(
                        bed,
                        "admit",
                        acting_user=request.user,
                        admitted_on=d["applied_on"],
                        planned_until=d["planned_until"],
                    )
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Family sickbed saved."))
            return redirect("care:sickbed-detail", bed.pk)
    return render(request, "care/homecare/sickbed_form.html", {"form": form, "elder": elder})


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=gettext_lazy("Visited on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    care_given = forms.CharField(label=gettext_lazy("Care given"), widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(
        label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    bp_systolic = forms.IntegerField(
        label=gettext_lazy("Systolic BP"), required=False, min_value=30, max_value=300
    )
    bp_diastolic = forms.IntegerField(
        label=gettext_lazy("Diastolic BP"), required=False, min_value=30, max_value=300
    )


class StepForm(forms.Form):
    """The arguments of a sickbed move: each action reads the ones it needs."""

    reason = forms.CharField(label=gettext_lazy("Reason / conclusion"), required=False, max_length=200)
    day = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_until = forms.DateField(
        label=gettext_lazy("Planned until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(
        label=gettext_lazy("Discharge summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@scoped
@login_required
def sickbed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bed = access.get_sickbed_for_user(request.user, pk)
    visit_form = VisitForm(prefix="v", initial={"visited_on": clock.today()})
    step_form = StepForm(prefix="s", initial={"day": clock.today()})
    if request.method == "POST":
        _need(request, "sickbed.change")
        action = request.POST.get("action", "")
        try:
            if action == "visit":
                visit_form = VisitForm(request.POST, prefix="v")
                if visit_form.is_valid():
                    services.record_visit(bed, acting_user=request.user, **visit_form.cleaned_data)  # type: ignore[arg-type]
                    messages.success(request, _("Visit recorded."))
                    return redirect("care:sickbed-detail", bed.pk)
            else:
                step_form = StepForm(request.POST, prefix="s")
                if step_form.is_valid():
                    d = step_form.cleaned_data
                    day_field = {
                        "admit": "admitted_on",
                        "review": "reviewed_on",
                        "discharge": "discharged_on",
                    }
                    extra: dict[str, Any] = {}
                    if action in day_field and d["day"]:
                        extra[day_field[action]] = d["day"]
                    if d["planned_until"] and action in ("admit", "review"):
                        extra["planned_until"] = d["planned_until"]
                    if action == "discharge":
                        extra["summary"] = d["summary"]
                    services.SICKBED.apply(bed, action, acting_user=request.user, reason=d["reason"], **extra)
                    messages.success(request, _("Saved."))
                    return redirect("care:sickbed-detail", bed.pk)
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        core_services.record_view(bed.elder, acting_user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "care/homecare/sickbed_detail.html",
        {
            "bed": bed,
            "state_label": services.SICKBED.state_label(bed.status),
            "actions": [
                (a, services.SICKBED.action_label(a)) for a in services.SICKBED.available(request.user, bed)
            ],
            "due": access.sickbed_due_visits(bed),
            "visits": access.sickbed_visits(bed),
            "history": [(h, services.SICKBED.action_label(h.action)) for h in history_of(bed)],
            "criteria": _criteria_labels(bed.criteria),
            "visit_form": visit_form,
            "step_form": step_form,
            "today": clock.today(),
        },
    )


def _criteria_labels(codes: list[str]) -> list[str]:
    spec = services.sickbed_criteria()
    labels = {c["code"]: c["label"] for c in [*spec["required"], *spec["indications"]]}
    return [labels.get(c, c) for c in codes]


# -------------------------------------------------------------------------------------------- orders


@scoped
@login_required
def order_desk(request: HttpRequest) -> HttpResponse:
    """The order desk: unassigned and late orders, today's, and the latest."""
    _need(request, "order.view")
    if (refused := _refuse_outside_medical(request)) is not None:
        return refused
    today = clock.today()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    orders = access.scope_orders(request.user)
    return render(
        request,
        "care/homecare/order_desk.html",
        {
            "unassigned": access.unassigned_orders(request.user)[:200],
            "late": access.late_orders(request.user)[:200],
            "todays": orders.filter(
                booked_at__gte=start, booked_at__lt=start + dt.timedelta(days=1)
            ).order_by("booked_at")[:200],
            "recent": orders.order_by("-booked_at", "-pk")[:50],
            "can_request": has_perm(request.user, "order.request"),
            "desks": access.dispatch_institution_ids(request.user),
        },
    )


class OrderForm(forms.Form):
    service_code = forms.ChoiceField(label=gettext_lazy("Service"))
    institution = forms.TypedChoiceField(label=gettext_lazy("Institution"), coerce=int)
    booked_at = forms.DateTimeField(
        label=gettext_lazy("Booked for"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    channel = forms.ChoiceField(label=gettext_lazy("Requested through"))
    contact_name = forms.CharField(label=gettext_lazy("Contact"), required=False, max_length=40)
    contact_relation = forms.CharField(
        label=gettext_lazy("Relation to the elder"), required=False, max_length=20
    )
    doctor_order = forms.CharField(label=gettext_lazy("Doctor's order"), required=False, max_length=120)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ..models.homecare import OrderChannel

        super().__init__(*args, **kwargs)
        conds = services.catalogue()["conditions"]
        _choices(
            self,
            "service_code",
            [
                (
                    s["code"],
                    f"{s['name']}（{'、'.join(conds[c] for c in s['requires']) or _('no conditions')}）",
                )
                for s in services.catalogue()["services"]
            ],
        )
        _choices(self, "institution", [(i.pk, i.name) for i in services.order_institutions()])
        _choices(self, "channel", OrderChannel.choices)


@scoped
@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    _need(request, "order.request")
    if (refused := _refuse_outside_medical(request)) is not None:
        return refused
    elder = _elder(request)
    default = clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    initial: dict[str, Any] = {"booked_at": timezone.localtime(default).strftime("%Y-%m-%dT%H:%M")}
    if elder.managing_institution_id:
        initial["institution"] = elder.managing_institution_id
    form = OrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.request_order(
                elder,
                acting_user=request.user,  # type: ignore[arg-type]
                service_code=d["service_code"],
                institution=Institution.objects.get(pk=d["institution"]),
                booked_at=d["booked_at"],
                channel=d["channel"],
                contact_name=d["contact_name"],
                contact_relation=d["contact_relation"],
                doctor_order=d["doctor_order"],
                note=d["note"],
            )
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Order placed."))
            return redirect("care:order-detail", order.pk)
    return render(request, "care/homecare/order_form.html", {"form": form, "elder": elder})


def _order_extra(request: HttpRequest, action: str) -> dict[str, Any]:
    post = request.POST
    if action == "accept":
        return {
            "home_safety": {
                i["code"]: post.get(f"safety_{i['code']}") == "on"
                for i in services.catalogue()["home_safety"]
            }
        }
    if action == "assign":
        return {"nurse": int(post["nurse"]) if post.get("nurse", "").isdigit() else None}
    if action == "check_out":
        return {"care_record": post.get("care_record", "")}
    if action == "rate":
        return {
            "rating": int(post["rating"]) if post.get("rating", "").isdigit() else None,
            "complaint": post.get("complaint", "")[:300],
        }
    if action == "settle":
        return {"settlement": post.get("settlement", "")}
    return {}


def _apply_order_action(request: HttpRequest, order: Any) -> bool:
    action = request.POST.get("action", "")
    try:
        services.SERVICE_ORDER.apply(
            order,
            action,
            acting_user=request.user,
            reason=request.POST.get("reason", "")[:200],
            **_order_extra(request, action),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(
        request, _("Saved: %(state)s.") % {"state": services.SERVICE_ORDER.state_label(order.status)}
    )
    return True


@scoped
@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = access.get_order_for_user(request.user, pk)
    if request.method == "POST":
        _apply_order_action(request, order)
        return redirect("care:order-detail", order.pk)
    core_services.record_view(order.elder, acting_user=request.user)  # type: ignore[arg-type]
    actions = services.SERVICE_ORDER.available(request.user, order)
    return render(
        request,
        "care/homecare/order_detail.html",
        {
            "order": order,
            "state_label": services.SERVICE_ORDER.state_label(order.status),
            "actions": actions,
            "nurses": services.qualified_nurses(order) if "assign" in actions else [],
            "safety": services.catalogue()["home_safety"],
            "history": [(h, services.SERVICE_ORDER.action_label(h.action)) for h in history_of(order)],
        },
    )


@scoped
@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    """护士今日订单: the orders assigned to me today, with check-in and check-out (works on a tablet)."""
    _need(request, "order.serve")
    if request.method == "POST":
        order = access.get_order_for_user(request.user, request.POST.get("order") or 0)
        _apply_order_action(request, order)
        return redirect("care:my-orders")
    return render(
        request,
        "care/homecare/my_orders.html",
        {"orders": access.my_orders(request.user), "today": clock.today()},
    )


class RosterForm(forms.Form):
    institution = forms.TypedChoiceField(label=gettext_lazy("Institution"), coerce=int)
    user = forms.TypedChoiceField(label=gettext_lazy("Nurse"), coerce=int)
    title = forms.ChoiceField(label=gettext_lazy("Title"), required=False)
    years_of_practice = forms.IntegerField(
        label=gettext_lazy("Years of clinical nursing"), min_value=0, max_value=60
    )
    specialties = forms.MultipleChoiceField(
        label=gettext_lazy("Specialist qualifications"), widget=forms.CheckboxSelectMultiple, required=False
    )
    is_dispatcher = forms.BooleanField(label=gettext_lazy("Dispatches orders"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("On duty"), required=False, initial=True)

    def __init__(self, *args: Any, desks: list[Institution], **kwargs: Any) -> None:
        from ..models.homecare import NurseTitle

        super().__init__(*args, **kwargs)
        _choices(self, "institution", [(i.pk, i.name) for i in desks])
        _choices(self, "user", _clinicians({i.pk for i in desks}))
        _choices(self, "title", [("", _("Does not serve (dispatcher only)")), *NurseTitle.choices])
        _choices(self, "specialties", list(services.catalogue()["specialties"].items()))


@scoped
@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """上门护理名册: who serves orders (title, years, qualifications) and who dispatches, per order desk."""
    _need(request, "order.dispatch")
    desk_ids = access.dispatch_institution_ids(request.user)
    if not desk_ids:
        raise PermissionDenied
    desks = list(Institution.objects.filter(pk__in=desk_ids).order_by("name"))
    form = RosterForm(request.POST or None, desks=desks, initial={"years_of_practice": 5, "is_active": True})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_roster_member(
                acting_user=request.user,  # type: ignore[arg-type]
                institution=Institution.objects.get(pk=d["institution"]),
                user=User.objects.get(pk=d["user"]),
                title=d["title"],
                years_of_practice=d["years_of_practice"],
                specialties=d["specialties"],
                is_dispatcher=d["is_dispatcher"],
                is_active=d["is_active"],
            )
        except ServiceError as exc:
            _to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("care:roster")
    specialties = services.catalogue()["specialties"]
    rows = [
        (m, [specialties.get(s, s) for s in m.specialties])
        for m in access.roster(desk_ids, active_only=False)
    ]
    return render(request, "care/homecare/roster.html", {"form": form, "rows": rows})
