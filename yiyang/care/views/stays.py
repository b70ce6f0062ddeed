"""Pages of beds and stays: the home's workspace, the occupancy board, admissions, residents and their
record, care notes, and occupancy by kind across institutions for officers. Thin: scope through
:mod:`yiyang.care.access_stays`, write through :mod:`yiyang.care.services.stays`."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution
from yiyang.core.scoping import elder_in_scope, has_perm
from yiyang.core.transitions import history_row

from .. import access_stays, occupancy, workspace
from ..models.stays import (
    AdmissionSource,
    BedKind,
    CareNoteKind,
    DischargeDestination,
    StayMode,
)
from ..services import stays as services


def _institution(request: HttpRequest) -> Institution:
    """The institution the page is about: ``?institution=`` if given and readable, else the user's own."""
    pk = request.GET.get("institution") or request.POST.get("institution")
    if pk:
        return access_stays.get_bed_institution_for_user(request.user, pk)
    own = services.staff_institution_ids(request.user)
    readable = access_stays.scope_bed_institutions(request.user).filter(pk__in=own).first()
    if readable is None:
        raise Http404
    return readable


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError("INVALID", _("Date: give a date (YYYY-MM-DD)."), field="date") from None


def workspace_home(request: HttpRequest, institution: Institution) -> HttpResponse:
    """The home page of an eldercare institution's staff (called by ``web:home``)."""
    ws = workspace.build(cast(Any, request.user), institution)
    return render(request, "care/stays/workspace.html", {"ws": ws})


@scoped
@login_required
def bed_board(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    return render(
        request,
        "care/stays/board.html",
        {
            "institution": institution,
            "rooms": occupancy.rooms(institution),
            "kinds": occupancy.by_kind(institution),
            "can_manage": has_perm(request.user, "bed.manage")
            and institution.pk in services.staff_institution_ids(request.user),
            "bed_kinds": BedKind.choices,
        },
    )


@scoped
@login_required
def bed_add(request: HttpRequest) -> HttpResponse:
    """Bulk creation of one room's beds."""
    institution = _institution(request)
    if request.method == "POST":
        try:
            beds = services.create_room_beds(
                acting_user=request.user,
                institution=institution,
                building=request.POST.get("building", ""),
                floor=request.POST.get("floor", ""),
                room=request.POST.get("room", ""),
                kind=request.POST.get("kind", ""),
                count=_int(request.POST.get("count"), "count", _("Number of beds")),
                first_number=_int(
                    request.POST.get("first_number") or "1", "first_number", _("First bed number")
                ),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s beds added.") % {"n": len(beds)})
            return redirect("care:bed-board")
    return render(
        request,
        "care/stays/bed_add.html",
        {"institution": institution, "bed_kinds": BedKind.choices, "data": request.POST},
    )


@scoped
@login_required
@require_POST
def bed_service(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's 停用/恢复使用 button: a free bed out of service, or back; an occupied one is refused."""
    bed = access_stays.get_bed_for_user(request.user, pk)
    in_service = request.POST.get("in_service") == "1"
    try:
        services.set_bed_in_service(
            bed, acting_user=request.user, in_service=in_service, reason=request.POST.get("reason", "")[:200]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        done = _("Bed %(bed)s is back in service.") if in_service else _("Bed %(bed)s is out of service.")
        messages.success(request, done % {"bed": bed.label})
    return redirect(f"{reverse('care:bed-board')}?institution={bed.institution_id}")


def _int(text: str | None, field: str, label: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise ServiceError(
            "INVALID", _("%(field)s: give a whole number.") % {"field": label}, field=field
        ) from None


@scoped
@login_required
def admit(request: HttpRequest) -> HttpResponse:
    """入住登记: find the elder by ID number, choose a free bed, the mode and the date."""
    institution = _institution(request)
    if not has_perm(request.user, "stay.change"):
        raise PermissionDenied
    found = None
    if request.method == "POST":
        elder = access_stays.find_admission_elder(institution, request.POST.get("id_number", ""))
        if elder is None:
            messages.error(request, _("ID number: no active elder of the county with this number."))
        else:
            try:
                stay = services.admit(
                    acting_user=request.user,
                    elder=elder,
                    institution=institution,
                    bed_id=request.POST.get("bed_id"),
                    mode=request.POST.get("mode", StayMode.CARE),
                    admitted_on=_day(request.POST.get("admitted_on")),
                    source=request.POST.get("source", AdmissionSource.HOME),
                    guardian_name=request.POST.get("guardian_name", ""),
                    guardian_relation=request.POST.get("guardian_relation", ""),
                    guardian_phone=request.POST.get("guardian_phone", ""),
                    note=request.POST.get("note", ""),
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(name)s admitted.") % {"name": elder.name})
                return redirect("care:resident-detail", stay.pk)
    free = [
        b
        for b, s in occupancy.beds_with_stays(institution)
        if s is None and b.status == "free" and b.kind != BedKind.DAY_CARE
    ]
    return render(
        request,
        "care/stays/admit.html",
        {
            "institution": institution,
            "free_beds": free,
            "modes": StayMode.choices,
            "sources": AdmissionSource.choices,
            "data": request.POST,
            "found": found,
            "today": services.clock.today(),
            "offers_medical": services.offers_medical(institution),
        },
    )


@scoped
@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    show = request.GET.get("show", "active")
    stays = access_stays.scope_stays(request.user).filter(institution=institution)
    if show == "active":
        stays = stays.filter(status__in=services.ACTIVE_STAY_STATUSES)
    rows = list(stays.order_by("bed__building", "bed__room", "bed__number", "pk")[:500])
    return render(
        request,
        "care/stays/residents.html",
        {"institution": institution, "stays": rows, "show": show},
    )


@scoped
@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's record: the stay and its moves, the assessments, the care notes."""
    stay = access_stays.get_stay_for_user(request.user, pk)
    core_services.record_view(stay.elder, acting_user=cast(Any, request.user), what=_("Stay"))
    from yiyang.assessments.queries import history as assessment_history

    # a former resident's record is closed to the home: the stay stays listed, the archive does not
    in_scope = elder_in_scope(request.user, stay.elder_id)
    assessments = list(assessment_history(stay.elder, user=request.user)[:10]) if in_scope else []
    for a in assessments:
        a.instrument_name = _instrument_name(a.instrument_code)  # type: ignore[attr-defined]
    free = [
        b
        for b, s in occupancy.beds_with_stays(stay.institution)
        if s is None and b.status == "free" and b.kind != BedKind.DAY_CARE
    ]
    return render(
        request,
        "care/stays/resident.html",
        {
            "stay": stay,
            "history": [history_row(services.STAY, r) for r in services.STAY.history(stay)],
            "machine": services.STAY,
            "actions": [
                (a, services.STAY.action_label(a)) for a in services.STAY.available(request.user, stay)
            ],
            "free_beds": free,
            "destinations": DischargeDestination.choices,
            "notes": list(access_stays.care_notes_of(stay)[:50]),
            "note_kinds": CareNoteKind.choices,
            "assessments": assessments,
            "other_stays": list(access_stays.stays_of_elder(request.user, stay.elder_id).exclude(pk=stay.pk)),
            "can_note": has_perm(request.user, "carenote.add") and stay.is_active,
            "today": services.clock.today(),
            "in_scope": in_scope,
        },
    )


def _instrument_name(code: str) -> str:
    from yiyang.assessments.registry import get_instrument

    try:
        return get_instrument(code).name
    except Exception:  # an instrument no longer shipped keeps its code
        return code


@scoped
@login_required
def stay_move(request: HttpRequest, pk: int) -> HttpResponse:
    stay = access_stays.get_stay_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("care:resident-detail", stay.pk)
    try:
        t = services.move(
            stay,
            request.POST.get("action", ""),
            acting_user=request.user,
            reason=request.POST.get("reason", ""),
            bed_id=request.POST.get("bed_id") or None,
            date=_day(request.POST.get("date")),
            destination=request.POST.get("destination", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": services.STAY.action_label(t.action)})
    return redirect("care:resident-detail", stay.pk)


@scoped
@login_required
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    stay = access_stays.get_stay_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.add_care_note(
                stay,
                acting_user=request.user,
                kind=request.POST.get("kind", ""),
                content=request.POST.get("content", ""),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Care note saved."))
    return redirect("care:resident-detail", stay.pk)


@scoped
@login_required
def care_notes(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    if institution.pk not in services.staff_institution_ids(request.user):
        raise Http404
    return render(
        request,
        "care/stays/care_notes.html",
        {"institution": institution, "notes": workspace.recent_notes(institution)},
    )


@scoped
@login_required
def occupancy_overview(request: HttpRequest) -> HttpResponse:
    """床位使用情况: occupancy by kind across the institutions the user oversees (county, 民政)."""
    if not has_perm(request.user, "stay.view"):
        raise PermissionDenied
    institutions = access_stays.scope_bed_institutions(request.user).filter(
        pk__in=occupancy.institutions_with_beds()
    )
    per = occupancy.summary(institutions.order_by("region_id", "name"))
    by_id = {i.pk: i for i in institutions}
    rows = [{"institution": by_id[i], "kinds": kinds} for i, kinds in per.items() if kinds]
    return render(
        request,
        "care/stays/occupancy.html",
        {"rows": rows, "totals": occupancy.totals(per)},
    )
