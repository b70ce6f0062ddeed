"""Assessment pages: fill (tablet-sized, one tap per option), result, history with chart, due list, and
the GB/T 42195 report as PDF. Thin: parse, scope, call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiyang.core import audit, clock
from yiyang.core import services as core_services
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import get_elder_for_user

from . import services
from .engine import subtotals
from .models import AssessmentResponse
from .queries import (
    changes_since,
    correction_of,
    due_list,
    get_response_for_user,
    history,
    may_read_items,
    previous_of,
)
from .registry import UnknownInstrument, all_instruments, get_instrument
from .schema import Instrument

REPORT_INSTRUMENT = "gbt42195"


def _instrument_or_404(code: str, version: str | None = None) -> Instrument:
    try:
        return get_instrument(code, version)
    except UnknownInstrument:
        raise Http404 from None


def answers_from_post(instrument: Instrument, data: QueryDict) -> dict[str, Any]:
    """Form fields ``item:<code>`` → answers by item code (option codes; lists for multi-choice)."""
    answers: dict[str, Any] = {}
    for item in instrument.items:
        value = data.get(f"item:{item.code}", "")
        if value:
            answers[item.code] = value
    for info in instrument.info_fields:
        key = f"item:{info.code}"
        if info.kind == "multi_choice":
            chosen = [v for v in data.getlist(key) if v]
            if chosen:
                answers[info.code] = chosen
            continue
        value = data.get(key, "").strip()
        if not value:
            continue
        if info.kind == "number":
            try:
                answers[info.code] = int(value) if value.lstrip("-").isdigit() else float(value)
            except ValueError:
                answers[info.code] = value  # the engine refuses it with a message naming the field
        else:
            answers[info.code] = value
    return answers


def _fill_context(
    request: HttpRequest,
    instrument: Instrument,
    elder: Any,
    answers: dict[str, Any],
    *,
    response: AssessmentResponse | None = None,
    corrects: AssessmentResponse | None = None,
    errors: list[dict[str, Any]] | None = None,
    note: str = "",
) -> dict[str, Any]:
    chosen = {code: (set(v) if isinstance(v, list) else {str(v)}) for code, v in answers.items()}
    by_item: dict[str, list[str]] = {}
    general: list[str] = []
    for e in errors or []:
        if e.get("field") and (instrument.item(e["field"]) or instrument.field(e["field"])):
            by_item.setdefault(e["field"], []).append(e["message"])
        else:
            general.append(e["message"])
    running = subtotals(instrument, answers)
    groups: dict[str, list[Any]] = {}
    for info in instrument.info_fields:
        groups.setdefault(info.group or _("Other information"), []).append(info)
    return {
        "instrument": instrument,
        "elder": elder,
        "response": response,
        "corrects": corrects,
        "chosen": chosen,
        "values": {code: v for code, v in answers.items() if not isinstance(v, list)},
        "item_errors": by_item,
        "general_errors": general,
        "has_errors": bool(errors),
        "running": running,
        "info_groups": list(groups.items()),
        "note": note,
    }


def _submit(
    request: HttpRequest,
    instrument: Instrument,
    elder: Any,
    *,
    response: AssessmentResponse | None,
    corrects: AssessmentResponse | None,
) -> HttpResponse:
    answers = answers_from_post(instrument, request.POST)
    note = request.POST.get("note", "").strip()
    finalise = request.POST.get("action") == "finalise"
    try:
        if response is None:
            response = services.start_assessment(
                elder,
                acting_user=request.user,
                instrument_code=instrument.code,
                answers=answers,
                note=note,
                supersedes=corrects,
                finalise=finalise,
            )
        else:
            response = services.update_draft(response, acting_user=request.user, answers=answers, note=note)
            if finalise:
                response = services.finalise_response(response, acting_user=request.user)
    except ServiceError as exc:
        ctx = _fill_context(
            request,
            instrument,
            elder,
            answers,
            response=response,
            corrects=corrects,
            errors=exc.as_list(),
            note=note,
        )
        return render(request, "assessments/fill.html", ctx, status=422)
    if response.is_final:
        messages.success(request, _("Assessment finalised."))
        return redirect("assessments:result", response.pk)
    messages.success(request, _("Draft saved."))
    return redirect("assessments:edit", response.pk)


@scoped
@login_required
def assessment_new(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """A new assessment of the elder (``?corrects=<id>`` starts a correction of a finalised one)."""
    elder = get_elder_for_user(request.user, pk)
    instrument = _instrument_or_404(code)
    if not services.can_assess(request.user, instrument):
        raise PermissionDenied
    corrects_id = request.POST.get("corrects") or request.GET.get("corrects")
    corrects = get_response_for_user(request.user, corrects_id) if corrects_id else None
    if corrects is not None and (
        corrects.elder_id != elder.pk or corrects.instrument_code != instrument.code
    ):
        raise Http404
    if request.method == "POST":
        return _submit(request, instrument, elder, response=None, corrects=corrects)
    answers = dict(corrects.answers) if corrects else {}
    return render(
        request,
        "assessments/fill.html",
        _fill_context(request, instrument, elder, answers, corrects=corrects),
    )


@scoped
@login_required
def assessment_edit(request: HttpRequest, rid: int) -> HttpResponse:
    """Continue a draft; a finalised response goes to its result page."""
    response = get_response_for_user(request.user, rid)
    if response.is_final:
        return redirect("assessments:result", response.pk)
    instrument = _instrument_or_404(response.instrument_code, response.instrument_version)
    if not services.can_assess(request.user, instrument):
        raise PermissionDenied
    if request.method == "POST":
        return _submit(request, instrument, response.elder, response=response, corrects=response.supersedes)
    ctx = _fill_context(
        request,
        instrument,
        response.elder,
        response.answers,
        response=response,
        corrects=response.supersedes,
        note=response.note,
    )
    return render(request, "assessments/fill.html", ctx)


@scoped
@login_required
@require_POST
def running_subtotals(request: HttpRequest, code: str) -> HttpResponse:
    """htmx: the running sub-totals of the answers tapped so far (no storage, no records)."""
    instrument = _instrument_or_404(code, request.POST.get("version") or None)
    running = subtotals(instrument, answers_from_post(instrument, request.POST))
    return render(
        request, "assessments/partials/running.html", {"instrument": instrument, "running": running}
    )


def _result_rows(response: AssessmentResponse, instrument: Instrument) -> list[dict[str, Any]]:
    rows = []
    for section in instrument.sections:
        for item in section.items:
            code = response.answers.get(item.code)
            option = next((o for o in item.options if o.code == code), None)
            rows.append({"section": section, "item": item, "option": option})
    return rows


@scoped
@login_required
def assessment_result(request: HttpRequest, rid: int) -> HttpResponse:
    """Scores, levels (with the reason where none), level changes and what changed since last time."""
    response = get_response_for_user(request.user, rid)
    instrument = _instrument_or_404(response.instrument_code, response.instrument_version)
    core_services.record_view(response.elder, acting_user=request.user)
    previous = previous_of(response) if response.is_final else None
    level_rules = {r.code: r.name for r in instrument.levels}
    if instrument.level_change:
        level_rules[instrument.level_change.code] = instrument.level_change.name
    result = response.result or {}
    levels = [
        {
            "code": code,
            "name": level_rules.get(code, code),
            "level": value,
            "reason": (result.get("level_reasons") or {}).get(code, ""),
        }
        for code, value in (result.get("levels") or {}).items()
    ]
    superseded_by = correction_of(response)
    ctx = {
        "response": response,
        "instrument": instrument,
        "elder": response.elder,
        "sections": [
            {"section": s, "score": response.subscores.get(s.code), "max": s.max_score}
            for s in instrument.sections
        ],
        "score_rules": [(r.name, (result.get("scores") or {}).get(r.code)) for r in instrument.scores],
        "levels": levels,
        "level_changes": result.get("level_changes") or [],
        "previous": previous,
        "changes": changes_since(response, previous),
        "rows": _result_rows(response, instrument),
        "superseded_by": superseded_by,
        "can_correct": response.is_final
        and superseded_by is None
        and services.can_assess(request.user, instrument),
        "has_report": response.is_final and instrument.code == REPORT_INSTRUMENT,
        "hash_ok": services.hash_matches(response) if response.is_final else None,
        "items_visible": True,
        "category": services.ability_category(response.instrument_code, response.level_code),
    }
    if not may_read_items(request.user):
        # 民政 and other readers without health access: the level and the category, nothing that
        # holds an answer (issue 15)
        ctx.update(
            sections=[],
            score_rules=[],
            levels=[],
            level_changes=[],
            changes=[],
            rows=[],
            has_report=False,
            items_visible=False,
        )
    return render(request, "assessments/result.html", ctx)


@scoped
@login_required
def elder_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every instrument the elder was assessed with, over time, with a chart of the totals."""
    elder = get_elder_for_user(request.user, pk)
    responses = list(history(elder, user=request.user))
    core_services.record_view(elder, acting_user=request.user)
    items = may_read_items(request.user)
    groups = []
    chart: dict[str, Any] = {}
    for instrument in all_instruments():
        rows = [r for r in responses if r.instrument_code == instrument.code]
        if not rows:
            continue
        superseded = {r.supersedes_id for r in rows if r.supersedes_id}
        points = [
            {
                "date": clock.local_date(r.assessed_at).isoformat(),
                "total": r.total if items else None,
                "level": r.level_name,
            }
            for r in sorted(rows, key=lambda r: (r.assessed_at, r.pk))
            if r.is_final and r.pk not in superseded
        ]
        groups.append({"instrument": instrument, "rows": rows, "superseded": superseded, "points": points})
        if points and items:
            chart[instrument.code] = {"name": instrument.name, "points": points}
    ctx = {
        "items_visible": items,
        "elder": elder,
        "groups": groups,
        "chart": chart,
        "assessable": [i for i in all_instruments() if services.can_assess(request.user, i)],
    }
    return render(request, "assessments/history.html", ctx)


@scoped
@login_required
def due(request: HttpRequest) -> HttpResponse:
    """Who is due for a GB/T 42195 reassessment in the user's scope."""
    include_never = request.GET.get("never") == "1"
    entries = due_list(request.user, include_never=include_never)
    reason_labels = {"due": _("12 months since the last assessment"), "never": _("Never assessed")}
    rows = [{"entry": e, "reasons": [reason_labels.get(r, r) for r in e.reasons]} for e in entries]
    return render(request, "assessments/due.html", {"rows": rows, "include_never": include_never})


@scoped
@login_required
def report_pdf(request: HttpRequest, rid: int) -> HttpResponse:
    """GB/T 42195 老年人能力评估报告 (附录C layout) as PDF; the export is audited."""
    response = get_response_for_user(request.user, rid)
    if response.instrument_code != REPORT_INSTRUMENT or not response.is_final:
        raise Http404
    if not may_read_items(request.user):
        raise PermissionDenied  # the report lists every answer; 民政 reads the level on the result page
    instrument = _instrument_or_404(response.instrument_code, response.instrument_version)
    result = response.result
    applied = {c["rule"] for c in result.get("level_changes", [])}
    change_rules = instrument.level_change.rules if instrument.level_change else []
    ctx = {
        "response": response,
        "instrument": instrument,
        "elder": response.elder,
        "age": response.elder.age_on(clock.local_date(response.assessed_at)),
        "sections": [(s, response.subscores.get(s.code)) for s in instrument.sections],
        "preliminary": result.get("preliminary_level"),
        "final": result.get("level"),
        "levels": instrument.result_levels(),
        "changes": [(r, r.code in applied) for r in change_rules],
        "rows": _result_rows(response, instrument),
        "reason": next(
            (
                o.label
                for f in instrument.info_fields
                if f.code == "A.1.reason"
                for o in f.options
                if o.code == response.answers.get("A.1.reason")
            ),
            "",
        ),
    }
    html = render_to_string("assessments/report_gbt42195.html", ctx, request=request)
    from weasyprint import HTML  # imported here: loading it costs a second and only this view needs it

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    audit.record(
        "export", user=request.user, obj=response.elder, reason=f"assessments.response:{response.pk}"
    )
    out = HttpResponse(pdf, content_type="application/pdf")
    out["Content-Disposition"] = f'inline; filename="gbt42195-{response.pk}.pdf"'
    return out
