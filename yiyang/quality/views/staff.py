"""Pages of staff, certificates and training: thin views over the services, every record read through
:mod:`yiyang.core.staff_access` or :mod:`yiyang.quality.access_staff`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import audit, clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm
from yiyang.core.staff import StaffPost
from yiyang.core.staff_access import (
    get_staff_for_user,
    managed_staff_institutions,
    scope_staff,
    staff_institutions,
)
from yiyang.core.staff_services import clean_staff_row, create_staff, mark_left, reveal_phone, update_staff

from .. import access_staff as access
from ..forms_staff import LeaveForm, QualificationForm, RevealForm, SessionForm, StaffForm
from ..models import TrainingTopic
from ..services import staff as services

if TYPE_CHECKING:
    from yiyang.accounts.models import User


def _need(request: HttpRequest, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionDenied


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


def _errors(form: Any, exc: ServiceError) -> None:
    for err in exc.as_list():
        field = str(err.get("field", ""))
        form.add_error(field if field in form.fields else None, err["message"])


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["nav"] = {
        "manage": has_perm(request.user, "staff.manage"),
        "training": has_perm(request.user, "training.view"),
    }
    return render(request, template, context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# -------------------------------------------------------------------------------------------- staff


@scoped
@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """工作人员: an institution's own list; an officer picks an institution of the region."""
    _need(request, "staff.view")
    today = clock.today()
    institutions = list(staff_institutions(request.user).annotate(n=Count("staff")).filter(n__gt=0))
    qs = scope_staff(request.user)
    inst_id = _int(request.GET.get("institution"))
    if inst_id:
        qs = qs.filter(institution_id=inst_id)
    post = request.GET.get("post", "")
    if post in StaffPost.values:
        qs = qs.filter(post=post)
    status = request.GET.get("status", "active")
    if status == "active":
        qs = qs.active_on(today)
    elif status == "left":
        qs = qs.filter(left_on__lte=today)
    q = request.GET.get("q", "").strip()[:40]
    if q:
        qs = qs.filter(name__contains=q)
    rows = list(qs.order_by("institution__name", "post", "name")[:500])
    total, certified = services.carer_counts(
        scope_staff(request.user).filter(institution_id=inst_id) if inst_id else scope_staff(request.user),
        today,
    )
    return _render(
        request,
        "quality/staff/list.html",
        {
            "rows": rows,
            "institutions": institutions,
            "institution_id": inst_id,
            "posts": StaffPost.choices,
            "post": post,
            "status": status,
            "q": q,
            "today": today,
            "carers_total": total,
            "carers_certified": certified,
            "carer_rate": round(100 * certified / total, 1) if total else None,
            "managed": managed_staff_institutions(request.user),
        },
    )


def _accounts(institution_id: int) -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True, role_assignments__institution_id=institution_id)
        .distinct()
        .order_by("username")
    )


@scoped
@login_required
def staff_create(request: HttpRequest) -> HttpResponse:
    _need(request, "staff.manage")
    managed = managed_staff_institutions(request.user)
    if not managed:
        raise PermissionDenied
    institution = next((i for i in managed if i.pk == _int(request.GET.get("institution"))), managed[0])
    form = StaffForm(request.POST or None, accounts=_accounts(institution.pk))
    if request.method == "POST" and form.is_valid():
        try:
            data = clean_staff_row(form.cleaned_data)
            staff = create_staff(acting_user=_user(request), institution=institution, data=data)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Staff member added."))
            return redirect("quality:staff-detail", staff.pk)
    return _render(
        request, "quality/staff/form.html", {"form": form, "institution": institution, "staff": None}
    )


@scoped
@login_required
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_staff_for_user(request.user, pk)
    if staff.institution not in managed_staff_institutions(request.user):
        raise PermissionDenied
    initial = {
        "name": staff.name,
        "sex": staff.sex,
        "post": staff.post,
        "hired_on": staff.hired_on,
        "user": staff.user_id,
    }
    form = StaffForm(request.POST or None, initial=initial, accounts=_accounts(staff.institution_id))
    if request.method == "POST" and form.is_valid():
        keep = not form.cleaned_data["phone"].strip()
        row = {**form.cleaned_data, "left_on": staff.left_on}
        try:
            data = clean_staff_row(row)
            update_staff(staff, acting_user=_user(request), data=data, keep_phone=keep)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Staff record saved."))
            return redirect("quality:staff-detail", staff.pk)
    return _render(
        request, "quality/staff/form.html", {"form": form, "institution": staff.institution, "staff": staff}
    )


@scoped
@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One staff member: post, masked phone (reveal with a reason), certificates, training record."""
    staff = get_staff_for_user(request.user, pk)
    can_manage = staff.institution in managed_staff_institutions(request.user)
    qual_form = QualificationForm()
    leave_form = LeaveForm(initial={"left_on": clock.today()})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action", "")
        try:
            if action == "qualification":
                qual_form = QualificationForm(request.POST, request.FILES)
                if qual_form.is_valid():
                    data = services.clean_qualification(qual_form.cleaned_data)
                    services.add_qualification(
                        staff,
                        acting_user=_user(request),
                        data=data,
                        evidence=qual_form.cleaned_data["evidence"],
                    )
                    messages.success(request, _("Certificate recorded."))
                    return redirect("quality:staff-detail", staff.pk)
            elif action == "remove-qualification":
                q = access.get_qualification_for_user(request.user, request.POST.get("qualification"))
                if q.staff_id != staff.pk:
                    raise Http404
                services.remove_qualification(q, acting_user=_user(request))
                messages.success(request, _("Certificate removed."))
                return redirect("quality:staff-detail", staff.pk)
            elif action == "leave":
                leave_form = LeaveForm(request.POST)
                if leave_form.is_valid():
                    mark_left(
                        staff,
                        acting_user=_user(request),
                        left_on=leave_form.cleaned_data["left_on"],
                        reason=leave_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Departure recorded."))
                    return redirect("quality:staff-detail", staff.pk)
        except ServiceError as exc:
            _errors(leave_form if action == "leave" else qual_form, exc)
    today = clock.today()
    attendances = list(
        access.scope_attendances(request.user).filter(staff=staff).order_by("-session__held_on")
    )
    year_hours = sum(
        (a.hours for a in attendances if a.attended and a.session.held_on.year == today.year), start=0
    )
    return _render(
        request,
        "quality/staff/detail.html",
        {
            "staff": staff,
            "qualifications": list(access.scope_qualifications(request.user).filter(staff=staff)),
            "attendances": attendances,
            "year_hours": year_hours,
            "today": today,
            "active": staff.is_active_on(today),
            "can_manage": can_manage,
            "can_reveal": has_perm(request.user, "staff.reveal") and bool(staff.phone_encrypted),
            "qual_form": qual_form,
            "leave_form": leave_form,
            "reveal_form": RevealForm(),
            "horizon": today + dt.timedelta(days=services.EXPIRY_WARNING_DAYS),
        },
    )


@scoped
@login_required
@require_POST
def staff_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the phone in clear after a reason; the view is audited."""
    staff = get_staff_for_user(request.user, pk)
    _need(request, "staff.reveal")
    form = RevealForm(request.POST)
    value = None
    if form.is_valid():
        try:
            value = reveal_phone(staff, acting_user=_user(request), reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.add_error("reason", exc.message)
    if not request.htmx:  # type: ignore[attr-defined]
        if value is None:
            messages.error(request, "；".join(str(m) for errs in form.errors.values() for m in errs))
        else:
            messages.info(request, _("Phone: %(value)s (this view has been recorded)") % {"value": value})
        return redirect("quality:staff-detail", staff.pk)
    return render(
        request,
        "quality/staff/_reveal.html",
        {"form": form, "value": value, "staff": staff},
        status=200 if value is not None else 422,
    )


@scoped
@login_required
def qualification_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The certificate's scan, to those who may see the staff member; every download is audited."""
    q = access.get_qualification_for_user(request.user, pk)
    if not q.evidence:
        raise Http404
    try:
        handle = q.evidence.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit.record("export", user=_user(request), obj=q, reason=_("Certificate scan"))
    return FileResponse(handle, filename=f"certificate-{q.pk}.{q.evidence.name.rsplit('.', 1)[-1]}")


@scoped
@login_required
def uncertified(request: HttpRequest) -> HttpResponse:
    """持证提醒: carers in post without a valid 养老护理员 certificate, and those whose certificate ends
    within 60 days — for the institution, or the county's by institution."""
    _need(request, "staff.view")
    today = clock.today()
    qs = scope_staff(request.user)
    inst_id = _int(request.GET.get("institution"))
    if inst_id:
        qs = qs.filter(institution_id=inst_id)
    rows = services.uncertified(qs, today)
    total, certified = services.carer_counts(qs, today)
    return _render(
        request,
        "quality/staff/uncertified.html",
        {
            "missing": [r for r in rows if not r["expiring"]],
            "expiring": [r for r in rows if r["expiring"]],
            "total": total,
            "certified": certified,
            "today": today,
            "days": services.EXPIRY_WARNING_DAYS,
            "institutions": list(staff_institutions(request.user).filter(kind__in=services.CARER_KINDS)),
            "institution_id": inst_id,
        },
    )


# ----------------------------------------------------------------------------------------- training


def _organisers(user: User) -> list[tuple[str, str]]:
    choices = [(str(i.pk), i.name) for i in managed_staff_institutions(user)]
    choices += [
        (f"region:{r.pk}", _("%(region)s (county session)") % {"region": r.name})
        for r in services.county_regions(user)
    ]
    return choices


@scoped
@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    _need(request, "training.view")
    today = clock.today()
    year = _int(request.GET.get("year")) or today.year
    topic = request.GET.get("topic", "")
    qs = access.scope_sessions(request.user).filter(held_on__year=year)
    if topic in TrainingTopic.values:
        qs = qs.filter(topic=topic)
    mine = access.scope_attendances(request.user).filter(attended=True)
    sessions = list(
        qs.annotate(
            people=Count("attendances", filter=Q(attendances__in=mine)),
        ).order_by("-held_on", "-pk")[:300]
    )
    return _render(
        request,
        "quality/training/list.html",
        {
            "sessions": sessions,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "topic": topic,
            "topics": TrainingTopic.choices,
            "can_create": has_perm(request.user, "training.manage") and bool(_organisers(_user(request))),
        },
    )


@scoped
@login_required
def training_create(request: HttpRequest) -> HttpResponse:
    _need(request, "training.manage")
    user = _user(request)
    organisers = _organisers(user)
    if not organisers:
        raise PermissionDenied
    form = SessionForm(request.POST or None, organisers=organisers, initial={"held_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["organiser"]
        organiser = region = None
        if choice.startswith("region:"):
            region = next(r for r in services.county_regions(user) if f"region:{r.pk}" == choice)
        else:
            organiser = next(i for i in managed_staff_institutions(user) if str(i.pk) == choice)
        try:
            data = services.clean_session(form.cleaned_data)
            session = services.create_session(acting_user=user, data=data, organiser=organiser, region=region)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Training session saved. Tick who attended."))
            return redirect("quality:training-detail", session.pk)
    return _render(request, "quality/training/form.html", {"form": form})


@scoped
@login_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One session; the organiser takes attendance on a checklist of its staff (a county session: the
    officer's staff list, one institution at a time)."""
    session = access.get_session_for_user(request.user, pk)
    user = _user(request)
    can_take = services.may_take_attendance(user, session)
    inst_id = _int(request.GET.get("institution"))
    candidates = services.attendance_candidates(user, session) if can_take else None
    if candidates is not None and session.organiser_id is None and inst_id:
        candidates = candidates.filter(institution_id=inst_id)
    existing = {a.staff_id: a for a in access.scope_attendances(request.user).filter(session=session)}
    error = ""
    if request.method == "POST":
        if not can_take or candidates is None:
            raise PermissionDenied
        shown = [s.pk for s in candidates]
        rows = []
        for staff_id in shown:
            if request.POST.get(f"attended-{staff_id}"):
                score = _int(request.POST.get(f"score-{staff_id}"))
                rows.append(
                    services.AttendanceRow(
                        staff_id=staff_id,
                        attended=True,
                        score=score,
                        passed=(score >= 60) if score is not None else None,
                    )
                )
        try:
            n = services.record_attendance(session, acting_user=user, rows=rows, replace=shown)
        except ServiceError as exc:
            error = "；".join(e["message"] for e in exc.as_list())
        else:
            messages.success(request, _("Attendance saved: %(n)d on the list.") % {"n": n})
            url = request.get_full_path()
            return redirect(url)
    attended = [a for a in existing.values() if a.attended]
    return _render(
        request,
        "quality/training/detail.html",
        {
            "session": session,
            "can_take": can_take,
            "candidates": [(s, existing.get(s.pk)) for s in candidates] if candidates is not None else [],
            "existing": existing,
            "rows": sorted(existing.values(), key=lambda a: (a.staff.institution.name, a.staff.name)),
            "attended_count": len(attended),
            "error": error,
            "institutions": list(staff_institutions(request.user).annotate(n=Count("staff")).filter(n__gt=0))
            if session.organiser_id is None
            else [],
            "institution_id": inst_id,
        },
    )


@scoped
@login_required
def training_hours(request: HttpRequest) -> HttpResponse:
    """培训学时: per institution of the user's scope, the year's sessions, person-times, hours and share
    of staff trained."""
    _need(request, "training.view")
    today = clock.today()
    year = _int(request.GET.get("year")) or today.year
    rows = services.hours_by_institution(staff_institutions(request.user), year)
    totals = {
        "staff": sum(r["staff"] for r in rows),
        "person_times": sum(r["person_times"] for r in rows),
        "hours": sum((r["hours"] for r in rows), start=0),
        "trained": sum(r["trained"] for r in rows),
    }
    return _render(
        request,
        "quality/training/hours.html",
        {
            "rows": rows,
            "totals": totals,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "sessions": access.scope_sessions(request.user).filter(held_on__year=year).count(),
        },
    )


# The 质量安全 hub's entries of this aggregate (quality.views.hub.HUB)
def _register_hub() -> None:
    from django.utils.translation import gettext_lazy

    from .hub import HUB

    HUB.extend(
        [
            (
                "quality:staff-list",
                gettext_lazy("Staff"),
                "staff.view",
                gettext_lazy("Staff of each institution, their certificates and training record"),
            ),
            (
                "quality:staff-uncertified",
                gettext_lazy("Carers without a valid certificate"),
                "staff.view",
                gettext_lazy("Carers without a valid certificate, and those expiring within 60 days"),
            ),
            (
                "quality:training-list",
                gettext_lazy("Training sessions"),
                "training.view",
                gettext_lazy("Training sessions and attendance"),
            ),
            (
                "quality:training-hours",
                gettext_lazy("Training hours by institution"),
                "training.view",
                gettext_lazy("Sessions, person-times and hours per institution in the year"),
            ),
        ]
    )


_register_hub()
