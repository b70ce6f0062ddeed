"""Registry pages. Thin: parse the request, scope, call a service, render."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import audit, clock, crypto, exports, presenters, services
from .access import scoped
from .errors import ServiceError
from .forms import ContactFormSet, ElderFilterForm, ElderForm, RevealForm, StatusChangeForm
from .models import InstitutionKind, Region
from .regions import subtree_prefix
from .scoping import (
    get_elder_for_user,
    get_institution_for_user,
    has_perm,
    region_scope_prefixes,
    scope_elders,
    scope_institutions,
)
from .search import ID_LIKE, LIST_ORDER, filter_elders, list_order

PAGE_SIZE = 20


#: session key of the full ID numbers searched for, by token (so a number never appears in a URL)
SEARCH_TOKENS = "elder_search_tokens"
#: how many such searches a session remembers (the oldest is forgotten first)
SEARCH_TOKENS_KEPT = 20


def _decrypted(stored: str) -> str:
    """A searched number kept in the session, or "" if it cannot be read (a retired field key)."""
    try:
        return crypto.decrypt(stored)
    except Exception:  # cryptography's InvalidToken, or a value that is not a token at all
        return ""


def _list_params(request: HttpRequest) -> tuple[QueryDict, bool]:
    """The list's filters from the query string or the POSTed search form; ``sq`` names a full ID number
    kept in the session by :func:`_public_query`. Also says whether ``sq`` named one this session does
    not hold (another browser, or a session that ended): that search finds nothing, never everyone."""
    params = (request.POST if request.method == "POST" else request.GET).copy()
    params.pop("csrfmiddlewaretoken", None)
    token = params.pop("sq", [""])[-1]
    expired = False
    if token:
        stored = request.session.get(SEARCH_TOKENS, {}).get(token, "")
        q = _decrypted(stored)
        expired = not q
        params["q"] = q
    return params, expired


def _public_query(request: HttpRequest, params: QueryDict) -> str:
    """The list's query string as a URL may carry it: a full ID number is swapped for a session token.

    URLs end up in access logs, browser history and proxies (issue 15: ID search by GET). The search
    form POSTs; the address bar, the pager and the export link get ``sq=<token>`` instead of the number.
    """
    query = params.copy()
    query.pop("page", None)
    q = query.get("q", "").replace(" ", "")
    if ID_LIKE.match(q):
        # the session table is not encrypted: the number is kept there as the field key encrypts it
        tokens: dict[str, str] = dict(request.session.get(SEARCH_TOKENS, {}))
        token = next((t for t, v in tokens.items() if _decrypted(v) == q), "") or secrets.token_urlsafe(9)
        tokens.pop(token, None)
        tokens[token] = crypto.encrypt(q)
        request.session[SEARCH_TOKENS] = dict(list(tokens.items())[-SEARCH_TOKENS_KEPT:])
        query.pop("q")
        query["sq"] = token
    return query.urlencode()


def _filtered(request: HttpRequest) -> tuple[ElderFilterForm, Any, QueryDict]:
    params, expired = _list_params(request)
    if "status" not in params:
        params["status"] = "active"
    form = ElderFilterForm(params)
    qs = scope_elders(request.user)
    if expired:
        form.is_valid()
        form.add_error("q", _("This ID-number search has expired: type the number again."))
        qs = qs.none()
    elif form.is_valid():
        qs = filter_elders(qs, **{k: v for k, v in form.cleaned_data.items() if v})
    else:
        qs = qs.none()
    return form, qs, params


@scoped
@login_required
def elder_list(request: HttpRequest) -> HttpResponse:
    form, qs, params = _filtered(request)
    query = _public_query(request, params)
    url = f"{request.path}?{query}"
    htmx = bool(getattr(request, "htmx", False))  # django-htmx's middleware sets it
    if request.method == "POST" and not htmx:
        return redirect(url)  # the form without JavaScript: back to a URL that holds no ID number
    if request.method == "GET" and ID_LIKE.match(request.GET.get("q", "").replace(" ", "")):
        return redirect(url)  # an old link or a typed URL: take the number out of the address bar
    paginator = Paginator(presenters.with_related(qs.order_by(*LIST_ORDER)), PAGE_SIZE)
    paginator.object_list = presenters.with_related(list_order(qs, paginator.count))  # same order
    page = paginator.get_page(params.get("page"))
    rows = presenters.elder_rows(page.object_list)
    ctx = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "can_add": has_perm(request.user, "elder.add"),
        "can_export": has_perm(request.user, "elder.export"),
    }
    template = "core/partials/elder_results.html" if htmx else "core/elder_list.html"
    response = render(request, template, ctx)
    if htmx and request.method == "POST":
        response["HX-Push-Url"] = url
    return response


@scoped
@login_required
def elder_export(request: HttpRequest) -> HttpResponse:
    """Excel export of the filtered list (masked personal fields); every exported elder is audited."""
    if not has_perm(request.user, "elder.export"):
        raise PermissionDenied
    form, qs, _params = _filtered(request)
    elders = list(presenters.with_related(list_order(qs, qs.count()))[: exports.MAX_ROWS])
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    if ID_LIKE.match(filters.get("q", "").replace(" ", "")):
        filters["q"] = _("(a full ID number)")  # the audit trail never holds an ID number in clear
    services.record_export(
        acting_user=request.user, what=_("Elder list (Excel)"), elders=elders, filters=filters
    )
    return exports.elders_workbook_response(presenters.elder_rows(elders))


def _contact_formset(request: HttpRequest, data: Any = None, initial: list[dict] | None = None) -> Any:
    if request.method == "POST":
        return ContactFormSet(data if data is not None else request.POST, prefix="contacts")
    return ContactFormSet(prefix="contacts", initial=initial)


def _keep_stored_contact_phones(post: Any, existing: list[Any]) -> None:
    """Contact phones are never sent to the browser: a contact posted back with the same name and
    relation and a blank phone keeps the phone stored for it."""
    stored = {(c.name, c.relation): c for c in existing}
    try:
        total = min(int(post.get("contacts-TOTAL_FORMS", 0)), 10)
    except ValueError:
        return
    for i in range(total):
        key = (post.get(f"contacts-{i}-name", "").strip(), post.get(f"contacts-{i}-relation", "").strip())
        if key in stored and not post.get(f"contacts-{i}-phone", "").strip():
            post[f"contacts-{i}-phone"] = crypto.decrypt(stored[key].phone_encrypted)


def _contacts_from(formset: Any) -> list[services.ContactData]:
    return [c for c in (f.to_contact() for f in formset.forms) if c is not None]


def _service_error_to_form(form: ElderForm, exc: ServiceError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
    form.duplicate_url = exc.extra.get("existing_url")  # type: ignore[attr-defined]


@scoped
@login_required
def elder_create(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "elder.add"):
        raise PermissionDenied
    form = ElderForm(request.POST or None, user=request.user)
    contacts = _contact_formset(request)
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            elder = services.register_elder(
                acting_user=request.user, data=form.to_data(_contacts_from(contacts))
            )
        except ServiceError as exc:
            _service_error_to_form(form, exc)
        else:
            messages.success(request, _("Elder registered."))
            return redirect("core:elder-detail", elder.pk)
    return render(request, "core/elder_form.html", {"form": form, "contacts": contacts, "creating": True})


@scoped
@login_required
def elder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    elder = get_elder_for_user(request.user, pk, perm="elder.change")
    current = services.current_data(elder)
    existing_contacts = list(elder.emergency_contacts.all())
    post = None
    if request.method == "POST":
        post = request.POST.copy()
        # Personal fields are never sent to the browser in clear: blank means "keep what is stored".
        for name in ("id_number", "phone", "address"):
            if not post.get(name, "").strip():
                post[name] = getattr(current, name)
        _keep_stored_contact_phones(post, existing_contacts)
        form = ElderForm(post, user=request.user, current=elder)
    else:
        form = ElderForm(
            initial={
                "name": current.name,
                "ethnicity": current.ethnicity,
                "region": current.region.code,
                "living_situation": current.living_situation,
                "residence_status": current.residence_status,
                "categories": current.categories,
                "managing_institution": current.managing_institution,
                "residence_institution": current.residence_institution,
            },
            user=request.user,
            current=elder,
        )
    contacts = _contact_formset(
        request, post, [{"name": c.name, "relation": c.relation} for c in existing_contacts]
    )
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            services.update_elder(
                elder,
                acting_user=request.user,
                data=form.to_data(_contacts_from(contacts)),
            )
        except ServiceError as exc:
            _service_error_to_form(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("core:elder-detail", elder.pk)
    return render(
        request,
        "core/elder_form.html",
        {
            "form": form,
            "contacts": contacts,
            "creating": False,
            "elder": elder,
            "masked": presenters.elder_detail(elder),
        },
    )


@scoped
@login_required
def elder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    elder = get_elder_for_user(request.user, pk)
    services.record_view(elder, acting_user=request.user)
    elder = (
        presenters.with_related(scope_elders(request.user).filter(pk=elder.pk)).select_related("region").get()
    )
    ctx = {
        "elder": elder,
        "row": presenters.elder_detail(elder),
        "history": elder.status_changes.select_related("changed_by"),
        "categories": elder.categories.all(),
        "can_change": has_perm(request.user, "elder.change"),
        "can_reveal": has_perm(request.user, "elder.reveal"),
        "status_form": StatusChangeForm(initial={"effective_date": clock.today()}),
        "reveal_form": RevealForm(),
    }
    return render(request, "core/elder_detail.html", ctx)


@scoped
@login_required
@require_POST
def elder_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: reveal one field after the user gave a reason; the fragment replaces the masked value."""
    elder = get_elder_for_user(request.user, pk, perm="elder.reveal")
    form = RevealForm(request.POST)
    value = None
    if form.is_valid():
        try:
            value = services.reveal(
                elder,
                form.cleaned_data["field"],
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.add_error("reason", exc.message)
    status = 200 if value is not None else 422
    if not request.htmx:
        if value is None:
            messages.error(request, "；".join(m for errs in form.errors.values() for m in errs))
        else:
            messages.info(
                request,
                _("%(field)s: %(value)s (this view has been recorded)")
                % {"field": dict(form.fields["field"].choices)[form.cleaned_data["field"]], "value": value},
            )
        return redirect("core:elder-detail", elder.pk)
    return render(
        request,
        "core/partials/reveal_result.html",
        {"form": form, "value": value, "elder": elder},
        status=status,
    )


@scoped
@login_required
@require_POST
def elder_status(request: HttpRequest, pk: int) -> HttpResponse:
    elder = get_elder_for_user(request.user, pk, perm="elder.change")
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(elder, acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Status changed."))
    else:
        messages.error(
            request,
            "；".join(f"{form.fields[f].label}：{m}" for f, errs in form.errors.items() for m in errs),
        )
    return redirect("core:elder-detail", elder.pk)


@scoped
@login_required
def elder_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """谁查看过: every view, reveal, export and change of this elder's record."""
    elder = get_elder_for_user(request.user, pk, perm="audit.view_elder")
    events = audit.events_for_object("core.elder", str(elder.pk)).select_related("user")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    labels = presenters.change_labels()
    for event in page:
        event.change_rows = [  # type: ignore[attr-defined]
            {
                "label": labels.get(k, k),
                "old": presenters.display_value(k, v[0]),
                "new": presenters.display_value(k, v[1]),
            }
            for k, v in event.changes.items()
            if isinstance(v, list) and len(v) == 2
        ]
    return render(request, "core/elder_audit.html", {"elder": elder, "page": page})


@scoped
@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    qs = scope_institutions(request.user).select_related("region").prefetch_related("beds")
    if kind:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "core/institution_list.html",
        {"institutions": qs, "kinds": InstitutionKind.choices, "kind": kind},
    )


@scoped
@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inst = get_institution_for_user(request.user, pk)
    row = presenters.institution_row(inst)
    elders = scope_elders(request.user)
    counts = {
        "managed": elders.filter(managing_institution=inst, status="active").count(),
        "residents": elders.filter(residence_institution=inst, status="active").count(),
    }
    return render(
        request,
        "core/institution_detail.html",
        {"inst": inst, "row": row, "counts": counts, "service_area": inst.service_area.all()},
    )


@scoped
@login_required
def region_tree(request: HttpRequest) -> HttpResponse:
    """区划: the user's area as an expandable tree, with the number of elders they can see under each node."""
    prefixes = region_scope_prefixes(request.user)
    parent_code = request.GET.get("parent", "")
    if parent_code:
        parent = get_object_or_404(Region, code=parent_code)
        nodes = list(parent.children.order_by("code"))
    else:
        parent = None
        tops = [p.ljust(12, "0") for p in prefixes if p]
        nodes = (
            list(Region.objects.filter(code__in=tops))
            if tops
            else list(Region.objects.filter(parent__isnull=True))
        )
    nodes = [
        n
        for n in nodes
        if any(n.code.startswith(p) or p.startswith(subtree_prefix(n.code)) for p in prefixes)
    ]
    counts = _elder_counts(request, nodes)
    has_children = set(Region.objects.filter(parent__in=nodes).values_list("parent_id", flat=True).distinct())
    items = [
        {"region": n, "count": counts.get(n.code, 0), "has_children": n.code in has_children} for n in nodes
    ]
    template = "core/partials/region_nodes.html" if request.htmx else "core/region_tree.html"
    return render(request, template, {"items": items, "parent": parent})


def _elder_counts(request: HttpRequest, nodes: list[Region]) -> dict[str, int]:
    """Active elders in scope under each node, one grouped query."""
    if not nodes or not has_perm(request.user, "elder.view"):
        return {}
    level_len = len(subtree_prefix(nodes[0].code))
    rows = (
        scope_elders(request.user)
        .filter(status="active")
        .annotate(prefix=Substr("region_id", 1, level_len))
        .values("prefix")
        .annotate(n=Count("id"))
    )
    by_prefix = {r["prefix"]: r["n"] for r in rows}
    return {n.code: by_prefix.get(subtree_prefix(n.code), 0) for n in nodes}
