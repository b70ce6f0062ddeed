"""Endpoints of staff and training (mounted by ``quality/api.py``): ``GET/POST /api/v1/staff``,
``GET /api/v1/staff/{id}``, ``GET/POST /api/v1/trainings``, ``GET /api/v1/trainings/{id}``.

Handlers parse, scope (:mod:`yiyang.core.staff_access`, :mod:`yiyang.quality.access_staff`), call a
service and respond; out of scope is 404 like missing; refusals are 4xx with Chinese field errors. The
phone is never given in clear.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm
from yiyang.core.staff_access import get_staff_for_user, scope_staff, staff_institutions
from yiyang.core.staff_services import clean_staff_row, create_staff

from . import access_staff as access
from .models import Attendance, Qualification
from .schemas_staff import (
    StaffIn,
    StaffOut,
    StaffPage,
    StaffQuery,
    TrainingIn,
    TrainingOut,
    TrainingPage,
    TrainingQuery,
    staff_out,
    training_out,
)
from .services import staff as services

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["quality"])


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


def _page(qs: Any, q: Any) -> tuple[list, dict[str, int]]:
    return list(qs[(q.page - 1) * q.page_size : q.page * q.page_size]), {
        "count": qs.count(),
        "page": q.page,
        "page_size": q.page_size,
    }


def _with_qualifications(qs: Any) -> Any:
    return qs.prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.order_by("kind", "-issued_on"))
    )


@router.get("/staff", response=StaffPage)
@scoped
def list_staff(request: HttpRequest, filters: Query[StaffQuery]) -> dict:
    """工作人员 in your scope: an institution its own, officers their region's (民政: eldercare)."""
    qs = scope_staff(request.user)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.post:
        qs = qs.filter(post=filters.post)
    today = clock.today()
    if filters.active is True:
        qs = qs.active_on(today)
    elif filters.active is False:
        qs = qs.filter(left_on__lte=today)
    rows, meta = _page(_with_qualifications(qs.order_by("institution_id", "post", "name", "pk")), filters)
    return {**meta, "results": [staff_out(s) for s in rows]}


@router.get("/staff/{staff_id}", response=StaffOut)
@scoped
def get_staff(request: HttpRequest, staff_id: int) -> dict:
    staff = get_staff_for_user(request.user, staff_id)
    return staff_out(_with_qualifications(scope_staff(request.user).filter(pk=staff.pk))[0])


@router.post("/staff", response={201: StaffOut})
@scoped
def create_staff_member(request: HttpRequest, payload: StaffIn) -> Status:
    """A staff member of your institution (``staff.manage``). ``sex`` M/F (or 男/女), ``post`` a value
    (``carer``) or its label (护理员); the phone is stored encrypted and answered masked."""
    if not has_perm(request.user, "staff.manage"):
        raise PermissionDenied
    institution = staff_institutions(request.user).filter(pk=payload.institution_id).first()
    if institution is None:
        raise ServiceError("INVALID", _("Institution: not found."), field="institution_id")
    account = None
    if payload.user_id is not None:
        account = get_user_model().objects.filter(pk=payload.user_id, is_active=True).first()
        if account is None:
            raise ServiceError("INVALID", _("User account: no such user."), field="user_id")
    data = clean_staff_row({**payload.dict(exclude={"institution_id", "user_id"}), "user": account})
    staff = create_staff(acting_user=_user(request), institution=institution, data=data)
    return Status(201, staff_out(staff))


def _training_rows(request: HttpRequest, sessions: list) -> dict[int, list[Attendance]]:
    rows: dict[int, list[Attendance]] = defaultdict(list)
    for a in (
        access.scope_attendances(request.user)
        .filter(session__in=[s.pk for s in sessions])
        .order_by("staff__institution_id", "staff__name")
    ):
        rows[a.session_id].append(a)
    return rows


@router.get("/trainings", response=TrainingPage)
@scoped
def list_trainings(request: HttpRequest, filters: Query[TrainingQuery]) -> dict:
    """培训 in your scope: your institution's and the county's, or (officers) the region's."""
    qs = access.scope_sessions(request.user)
    if filters.institution:
        qs = qs.filter(organiser_id=filters.institution)
    if filters.topic:
        qs = qs.filter(topic=filters.topic)
    if filters.year:
        qs = qs.filter(held_on__year=filters.year)
    sessions, meta = _page(qs.order_by("-held_on", "-pk"), filters)
    rows = _training_rows(request, sessions)
    return {**meta, "results": [training_out(s, rows[s.pk]) for s in sessions]}


@router.get("/trainings/{training_id}", response=TrainingOut)
@scoped
def get_training(request: HttpRequest, training_id: int) -> dict:
    session = access.get_session_for_user(request.user, training_id)
    return training_out(session, _training_rows(request, [session])[session.pk])


@router.post("/trainings", response={201: TrainingOut})
@scoped
def create_training(request: HttpRequest, payload: TrainingIn) -> Status:
    """A training session with its attendance: ``organiser_id`` your institution, or empty for a county
    session (officers, for their region). Attendance rows name staff on the organiser's list."""
    if not has_perm(request.user, "training.manage"):
        raise PermissionDenied
    user = _user(request)
    organiser = region = None
    if payload.organiser_id is not None:
        organiser = staff_institutions(user).filter(pk=payload.organiser_id).first()
        if organiser is None:
            raise ServiceError("INVALID", _("Organiser: not found."), field="organiser_id")
    else:
        regions = services.county_regions(user)
        region = regions[0] if regions else None
    data = services.clean_session(payload.dict(exclude={"organiser_id", "attendances"}))
    rows = [
        services.AttendanceRow(
            staff_id=a.staff_id, attended=a.attended, hours=a.hours, passed=a.passed, score=a.score
        )
        for a in payload.attendances
    ]
    session = services.create_session(
        acting_user=user, data=data, organiser=organiser, region=region, attendances=rows
    )
    return Status(201, training_out(session, _training_rows(request, [session])[session.pk]))
