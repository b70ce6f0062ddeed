"""Registry endpoints: elders, institutions, regions, audit. Handlers parse, scope, call a service,
respond; every record comes through :mod:`yiyang.core.scoping`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from . import audit, presenters, services
from .access import scoped
from .errors import ServiceError
from .forms import ContactForm, ElderFilterForm, ElderForm
from .models import AuditEvent, Elder, Region
from .regions import subtree_prefix
from .schemas import (
    AuditPage,
    ElderDetailOut,
    ElderIn,
    ElderPage,
    ElderPatch,
    ElderTransitionIn,
    InstitutionOut,
    RegionOut,
    RevealIn,
    RevealOut,
    StatusIn,
    TransitionHistoryOut,
    TransitionOut,
)
from .scoping import (
    get_elder_for_user,
    get_institution_for_user,
    has_perm,
    region_scope_prefixes,
    scope_elders,
    scope_institutions,
)
from .search import ID_LIKE, filter_elders, list_order
from .transitions import history_out, transition_out

if TYPE_CHECKING:
    from yiyang.accounts.models import User

router = Router(tags=["registry"])
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
#: audit rows whose changes a system administrator may read (accounts and reference data)
NON_PERSONAL_AUDIT_TYPES = ("accounts.", "core.institution", "core.region")


class ElderQuery(Schema):
    q: str = ""
    region: str = ""
    category: str = ""
    age_band: str = ""
    living_situation: str = ""
    status: str = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=1000)


def _form_errors(form: Any, prefix: str = "") -> ServiceError:
    errors = []
    for field, items in form.errors.get_json_data().items():
        for item in items:
            name = f"{prefix}{field}"
            errors.append({"field": name, "code": item.get("code") or "invalid", "message": item["message"]})
    return ServiceError("INVALID", _("The request has errors."), errors=errors)


def _page(page: int, page_size: int) -> tuple[int, int]:
    return max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)


def _elder_page(request: HttpRequest, filters: ElderQuery) -> dict:
    form = ElderFilterForm(filters.dict())
    if not form.is_valid():
        raise _form_errors(form)
    page, size = _page(filters.page, filters.page_size)
    clean = {k: v for k, v in form.cleaned_data.items() if v}
    qs = filter_elders(scope_elders(request.user), **clean)
    count = qs.count()
    rows = presenters.with_related(list_order(qs, count))[(page - 1) * size : page * size]
    return {"count": count, "page": page, "page_size": size, "results": presenters.elder_rows(rows)}


@router.get("/elders", response=ElderPage)
@scoped
def list_elders(request: HttpRequest, filters: Query[ElderQuery]) -> dict:
    """List elders in your scope. ``q`` matches name characters or pinyin initials; to find an elder by
    full ID number, POST it to ``/elders/search`` — a number in a URL ends up in access logs."""
    if ID_LIKE.match(filters.q.replace(" ", "")):
        message = _("q: do not put an ID number in a URL; send it in the body of POST /api/v1/elders/search.")
        raise ServiceError("ID_IN_URL", message, field="q", status=400)
    return _elder_page(request, filters)


@router.post("/elders/search", response=ElderPage)
@scoped
def search_elders(request: HttpRequest, filters: ElderQuery) -> dict:
    """The same list and filters as ``GET /elders``, sent in the body: use it to search by full ID number."""
    return _elder_page(request, filters)


def _elder_form_data(payload: dict[str, Any]) -> dict[str, Any]:
    data = dict(payload)
    data["managing_institution"] = data.pop("managing_institution_id", None) or ""
    data["residence_institution"] = data.pop("residence_institution_id", None) or ""
    data.pop("emergency_contacts", None)
    return data


def _contacts(items: list[dict[str, Any]] | None) -> list[services.ContactData] | None:
    if items is None:
        return None
    out = []
    for i, item in enumerate(items):
        form = ContactForm(item)
        if not form.is_valid():
            raise _form_errors(form, prefix=f"emergency_contacts.{i}.")
        contact = form.to_contact()
        if contact is not None:
            out.append(contact)
    return out


def _detail(request: HttpRequest, elder: Elder) -> dict:
    elder = (
        presenters.with_related(scope_elders(request.user).filter(pk=elder.pk)).select_related("region").get()
    )
    return presenters.elder_detail(elder)


@router.post("/elders", response={201: ElderDetailOut})
@scoped
def create_elder(request: HttpRequest, payload: ElderIn) -> Status:
    """建档: register an elder. A duplicate ID number answers 409, naming the existing record if in scope."""
    if not has_perm(request.user, "elder.add"):
        raise PermissionDenied
    form = ElderForm(_elder_form_data(payload.dict()), user=request.user)
    if not form.is_valid():
        raise _form_errors(form)
    elder = services.register_elder(
        acting_user=request.user, data=form.to_data(_contacts(_raw_contacts(payload)))
    )
    return Status(201, _detail(request, elder))


def _raw_contacts(payload: Schema) -> list[dict[str, Any]] | None:
    contacts = getattr(payload, "emergency_contacts", None)
    return None if contacts is None else [c.dict() for c in contacts]


@router.get("/elders/{elder_id}", response=ElderDetailOut)
@scoped
def get_elder(request: HttpRequest, elder_id: int) -> dict:
    elder = get_elder_for_user(request.user, elder_id)
    services.record_view(elder, acting_user=request.user)
    return _detail(request, elder)


@router.patch("/elders/{elder_id}", response=ElderDetailOut)
@scoped
def patch_elder(request: HttpRequest, elder_id: int, payload: ElderPatch) -> dict:
    """Change some fields; the rest keep their values. The audit row records the field diff."""
    elder = get_elder_for_user(request.user, elder_id, perm="elder.change")
    current = services.current_data(elder)
    base = {
        "name": current.name,
        "id_number": current.id_number,
        "region": current.region.code,
        "living_situation": current.living_situation,
        "residence_status": current.residence_status,
        "phone": current.phone,
        "address": current.address,
        "ethnicity": current.ethnicity,
        "categories": current.categories,
        "managing_institution_id": current.managing_institution.pk if current.managing_institution else None,
        "residence_institution_id": current.residence_institution.pk
        if current.residence_institution
        else None,
    }
    changes = payload.dict(exclude_unset=True)
    base.update({k: v for k, v in changes.items() if k != "emergency_contacts"})
    form = ElderForm(_elder_form_data(base), user=request.user, current=elder)
    if not form.is_valid():
        raise _form_errors(form)
    contacts = _contacts(changes.get("emergency_contacts")) if "emergency_contacts" in changes else None
    elder = services.update_elder(elder, acting_user=request.user, data=form.to_data(contacts))
    return _detail(request, elder)


@router.post("/elders/{elder_id}/reveal", response=RevealOut)
@scoped
def reveal_field(request: HttpRequest, elder_id: int, payload: RevealIn) -> dict:
    """查看: the clear value of id_number, phone or address, written to the audit trail with your reason."""
    elder = get_elder_for_user(request.user, elder_id, perm="elder.reveal")
    value = services.reveal(elder, payload.field, acting_user=request.user, reason=payload.reason)
    return {"field": payload.field, "value": value}


@router.post("/elders/{elder_id}/status", response=ElderDetailOut)
@scoped
def change_status(request: HttpRequest, elder_id: int, payload: StatusIn) -> dict:
    """Record a death (死亡), a move out (迁出) or a return, with its date; history is kept."""
    elder = get_elder_for_user(request.user, elder_id, perm="elder.change")
    services.change_status(
        elder,
        acting_user=request.user,
        to_status=payload.to_status,
        effective_date=payload.effective_date,
        reason=payload.reason,
    )
    return _detail(request, elder)


@router.post("/elders/{elder_id}/transitions", response=TransitionOut)
@scoped
def elder_transition(request: HttpRequest, elder_id: int, payload: ElderTransitionIn) -> dict:
    """Move the elder's status by an action: ``record_death`` (死亡), ``move_out`` (迁出), ``move_back``
    (迁回), each with ``effective_date`` and an optional ``reason``. A move the current status does not
    allow, or an unknown action, is 409 ``TRANSITION_NOT_ALLOWED`` naming the current status."""
    elder = get_elder_for_user(request.user, elder_id)
    t = services.ELDER_STATUS.apply(
        elder,
        payload.action,
        acting_user=request.user,
        reason=payload.reason,
        effective_date=payload.effective_date,
    )
    return transition_out(t)


@router.get("/elders/{elder_id}/transitions", response=TransitionHistoryOut)
@scoped
def elder_transitions(request: HttpRequest, elder_id: int) -> dict:
    """The elder's status now, the actions you may take, and every status change, oldest first."""
    elder = get_elder_for_user(request.user, elder_id)
    services.record_view(elder, acting_user=cast("User", request.user), what=_("Status history"))
    return history_out(services.ELDER_STATUS, elder, request.user)


@router.get("/elders/{elder_id}/audit", response=AuditPage)
@scoped
def elder_audit(
    request: HttpRequest,
    elder_id: int,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=1000),
) -> dict:
    """谁查看过: who viewed, revealed, exported or changed this elder's record, newest first."""
    elder = get_elder_for_user(request.user, elder_id, perm="audit.view_elder")
    qs = audit.events_for_object("core.elder", str(elder.pk))
    return _audit_page(qs, page, page_size)


def _audit_page(qs: Any, page: int, page_size: int, *, redact: bool = False) -> dict:
    page, size = _page(page, page_size)
    rows = list(qs[(page - 1) * size : page * size])
    if redact:
        for row in rows:
            if not row.object_type.startswith(NON_PERSONAL_AUDIT_TYPES):
                row.changes, row.object_repr = {}, ""
    return {"count": qs.count(), "page": page, "page_size": size, "results": rows}


@router.get("/audit", response=AuditPage)
@scoped
def audit_log(
    request: HttpRequest,
    action: str = "",
    username: str = "",
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=1000),
) -> dict:
    """The whole audit trail, for a system administrator (security review); read-only.

    Who did what to which record, and when — but not what the record says: the changes and the name
    of any personal or health record are left out, since a system administrator sees no health data."""
    if not has_perm(request.user, "audit.view_all"):
        raise PermissionDenied
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action=action)
    if username:
        qs = qs.filter(username=username)
    return _audit_page(qs, page, page_size, redact=True)


@router.get("/institutions", response=list[InstitutionOut])
@scoped
def list_institutions(request: HttpRequest, kind: str = "", region: str = "") -> list[dict]:
    qs = scope_institutions(request.user).select_related("region").prefetch_related("beds", "departments")
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        if not region.isdigit() or len(region) != 12:
            raise ServiceError("INVALID", _("Region must be a 12-digit code."), field="region")
        qs = qs.filter(region__code__startswith=subtree_prefix(region))
    return [presenters.institution_row(i) for i in qs]


@router.get("/institutions/{institution_id}", response=InstitutionOut)
@scoped
def get_institution(request: HttpRequest, institution_id: int) -> dict:
    return presenters.institution_row(get_institution_for_user(request.user, institution_id))


@router.get("/regions", response=list[RegionOut])
@scoped
def list_regions(request: HttpRequest, parent: str = "") -> list[dict]:
    """Children of ``parent`` (default: the top of your area). Regions are reference data; the tree
    is bounded by your area so a township doctor is not handed the whole country."""
    prefixes = region_scope_prefixes(request.user)
    if parent:
        node = get_object_or_404(Region, code=parent)
        qs = Region.objects.filter(parent=node)
    elif prefixes == [""]:
        qs = Region.objects.filter(parent__isnull=True)
    else:
        qs = Region.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes])
    rows = [r for r in qs.order_by("code") if _region_visible(r.code, prefixes)]
    with_children = set(
        Region.objects.filter(parent__in=[r.code for r in rows])
        .values_list("parent_id", flat=True)
        .distinct()
    )
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent": r.parent_id,
            "has_children": r.code in with_children,
        }
        for r in rows
    ]


def _region_visible(code: str, prefixes: list[str]) -> bool:
    """Inside one of the user's areas, or an ancestor of one (for the breadcrumb)."""
    return any(code.startswith(p) or p.startswith(subtree_prefix(code)) for p in prefixes)


@router.get("/regions/{code}", response=RegionOut)
@scoped
def get_region(request: HttpRequest, code: str) -> dict:
    region = get_object_or_404(Region, code=code)
    if not _region_visible(region.code, region_scope_prefixes(request.user)):
        raise Http404
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": region.parent_id,
        "has_children": region.children.exists(),
    }
