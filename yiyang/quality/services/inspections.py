"""Self-inspection → rectification ledger → verification, and the fire-check obligations (issue 12).

- :func:`add_working_days`: a deadline counted in working days on the Chinese holiday calendar
  (``chinese_calendar``: holidays and 调休 working weekends); for a year it does not know, weekends only,
  and the deadline is marked as estimated.
- :func:`create_inspection`: a 自查 / 防火检查 by the institution or a 核查 visit by the county officer
  with one checklist; submitted, every judgement the checklist lists in ``rectify_on`` opens a
  :class:`RectificationItem`, and a fire check meets the fire-check obligations of its day.
- :data:`RECTIFICATION`: open → in_progress → submitted → verified / reopened → in_progress / submitted.
  The institution starts (measure, responsible person) and submits (evidence); 卫健 verifies or reopens.
- :func:`ensure_obligations`: one fire check due each month and one before each statutory holiday.
- :func:`run_daily`: the beat job — obligations for the year, overdue items escalated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import chinese_calendar
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.core import audit, clock
from yiyang.core.errors import REQUIRED, ServiceError
from yiyang.core.models import Institution
from yiyang.core.scoping import has_perm
from yiyang.core.transitions import Rules, StateMachine, Transition

from ..access_inspections import INSPECTED_KINDS, inspectable_institutions, own_institution_ids
from ..checklists.registry import UnknownChecklist, get_checklist
from ..checklists.schema import Checklist
from ..models import (
    EvidenceFile,
    FireCheckObligation,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    Judgement,
    ObligationKind,
    RectificationItem,
    RectificationStatus,
)
from ..models.inspections import OPEN_STATES

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"
EVIDENCE_INVALID = "EVIDENCE_INVALID"
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_SIGNATURES = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))
#: the shipped checklist each kind of inspection runs unless another is named
DEFAULT_CHECKLIST = {
    InspectionKind.SELF: "yyjh-zczg",
    InspectionKind.VERIFICATION: "yyjh-zczg",
    InspectionKind.FIRE: "fire-monthly",
}
#: days before a holiday's first day in which the pre-holiday fire check falls
HOLIDAY_WINDOW_DAYS = 14
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _error(field: str, message: str, code: str = INVALID, status: int = 422) -> ServiceError:
    return ServiceError(code, message, field=field, status=status)


# -- working days ---------------------------------------------------------------------------------


def calendar_knows(year: int) -> bool:
    """Whether ``chinese_calendar`` holds the year's holidays and 调休 days (v1.11: 2004–2026)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    if calendar_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The ``days``-th working day after ``start`` (``start`` itself not counted), and whether any year
    crossed was unknown to the calendar (then only weekends were skipped: the date is an estimate)."""
    estimated = False
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        estimated = estimated or not calendar_knows(day.year)
        if is_working_day(day):
            left -= 1
    return day, estimated


# -- evidence files -------------------------------------------------------------------------------


def check_evidence(upload: UploadedFile, field: str = "file") -> str:
    """The file's type read from its first bytes, or a 422 naming the field."""
    size = upload.size or 0
    if size <= 0:
        raise _error(field, _("Evidence: the file is empty."))
    if size > EVIDENCE_MAX_BYTES:
        raise _error(
            field, _("Evidence: the file is larger than %(mb)d MB.") % {"mb": EVIDENCE_MAX_BYTES // 2**20}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in EVIDENCE_SIGNATURES:
        if head.startswith(signature):
            return kind
    raise _error(field, _("Evidence: only a PDF, JPEG or PNG file is accepted."))


def store_evidence(
    upload: UploadedFile, *, acting_user: User, institution: Institution, field: str = "file"
) -> EvidenceFile:
    """Keep one uploaded file for ``institution`` (the caller has scoped it)."""
    if not (has_perm(acting_user, "inspection.self") or has_perm(acting_user, "inspection.verify")):
        raise PermissionDenied("inspection.self")
    kind = check_evidence(upload, field)
    evidence = EvidenceFile(
        institution=institution, kind=kind, size=upload.size or 0, uploaded_by=acting_user
    )
    upload.name = f"evidence.{kind}"
    evidence.file = upload
    evidence.save()
    audit.record("create", user=acting_user, obj=evidence, changes={"size": [None, evidence.size]})
    return evidence


def _evidence(ids: Iterable[Any], institution_id: int, field: str) -> list[EvidenceFile]:
    wanted: list[int] = []
    for raw in ids or []:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise _error(field, _("Evidence: %(id)s is not a file number.") % {"id": str(raw)[:20]}) from None
    rows = {e.pk: e for e in EvidenceFile.objects.filter(pk__in=wanted, institution_id=institution_id)}
    missing = [str(i) for i in wanted if i not in rows]
    if missing:
        raise _error(
            field, _("Evidence: file %(ids)s not found for this institution.") % {"ids": "、".join(missing)}
        )
    return [rows[i] for i in wanted]


# -- inspections ----------------------------------------------------------------------------------


@dataclass
class ItemInput:
    code: str
    judgement: str = ""
    note: str = ""
    evidence_ids: Sequence[int] = ()


def _checklist(kind: str, code: str | None) -> Checklist:
    wanted = code or DEFAULT_CHECKLIST[InspectionKind(kind)]
    try:
        checklist = get_checklist(wanted)
    except UnknownChecklist:
        raise _error(
            "checklist_code", _("Checklist: unknown code %(code)s.") % {"code": wanted[:40]}
        ) from None
    expected = "fire" if kind == InspectionKind.FIRE else "self"
    if checklist.kind != expected:
        raise _error(
            "checklist_code",
            _("Checklist: %(title)s does not fit this inspection type.") % {"title": checklist.title},
        )
    return checklist


def may_inspect(user: Any, institution: Institution, kind: str) -> bool:
    """自查 and 防火检查: the institution's own administrator; 核查: the officer of its region."""
    if kind == InspectionKind.VERIFICATION:
        return (
            has_perm(user, "inspection.verify")
            and inspectable_institutions(user).filter(pk=institution.pk).exists()
        )
    return has_perm(user, "inspection.self") and institution.pk in own_institution_ids(user)


@transaction.atomic
def create_inspection(
    *,
    acting_user: User,
    institution: Institution,
    kind: str,
    inspected_on: dt.date,
    items: Sequence[ItemInput],
    checklist_code: str | None = None,
    note: str = "",
    submit: bool = True,
) -> Inspection:
    """Record an inspection with one checklist, as a draft or submitted at once (then every finding
    opens a rectification item). The caller has scoped ``institution``."""
    if kind not in InspectionKind.values:
        raise _error("kind", _("Inspection type: unknown value %(v)s.") % {"v": str(kind)[:20]})
    if institution.kind not in INSPECTED_KINDS:
        raise _error(
            "institution_id", _("Institution: only eldercare and integrated institutions are inspected here.")
        )
    if not may_inspect(acting_user, institution, kind):
        raise PermissionDenied(
            "inspection.verify" if kind == InspectionKind.VERIFICATION else "inspection.self"
        )
    if inspected_on > clock.today():
        raise _error("inspected_on", _("Inspection date: cannot be in the future."))
    checklist = _checklist(kind, checklist_code)
    given = {}
    errors: list[dict] = []
    for entry in items:
        if checklist.item(entry.code) is None:
            errors.append(
                {
                    "field": f"items.{entry.code}",
                    "code": INVALID,
                    "message": _("Item %(code)s: not on the checklist.") % {"code": entry.code[:20]},
                }
            )
        elif entry.code in given:
            errors.append(
                {
                    "field": f"items.{entry.code}",
                    "code": INVALID,
                    "message": _("Item %(code)s: given twice.") % {"code": entry.code},
                }
            )
        elif entry.judgement and entry.judgement not in Judgement.values:
            errors.append(
                {
                    "field": f"items.{entry.code}.judgement",
                    "code": INVALID,
                    "message": _("Item %(code)s: unknown judgement %(v)s.")
                    % {"code": entry.code, "v": entry.judgement[:20]},
                }
            )
        else:
            given[entry.code] = entry
    if errors:
        raise ServiceError(INVALID, errors[0]["message"], field=errors[0]["field"], errors=errors)
    inspection = Inspection.objects.create(
        institution=institution,
        kind=kind,
        checklist_code=checklist.code,
        checklist_version=checklist.version,
        checklist_title=checklist.title,
        checklist_label=checklist.label,
        inspected_on=inspected_on,
        note=note[:500],
        created_by=acting_user,
    )
    for position, (section, item) in enumerate(checklist.items(), start=1):
        entry = given.get(item.code, ItemInput(item.code))
        row = InspectionItem.objects.create(
            inspection=inspection,
            position=position,
            section=section.title,
            code=item.code,
            requirement=item.requirement,
            evidence_required=item.evidence_required,
            judgement=entry.judgement,
            note=entry.note[:500],
        )
        if entry.evidence_ids:
            row.evidence.set(_evidence(entry.evidence_ids, institution.pk, f"items.{item.code}.evidence_ids"))
    audit.record("create", user=acting_user, obj=inspection, changes={"kind": [None, kind]})
    if submit:
        submit_inspection(inspection, acting_user=acting_user)
    return inspection


@transaction.atomic
def submit_inspection(inspection: Inspection, *, acting_user: User) -> list[RectificationItem]:
    """Close the inspection: every item judged, evidence where the checklist asks for it; each
    judgement in the checklist's ``rectify_on`` opens a rectification item with its deadline."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status != InspectionStatus.DRAFT:
        raise _error("status", _("This inspection has already been submitted."), status=409)
    if not may_inspect(acting_user, inspection.institution, inspection.kind):
        raise PermissionDenied("inspection.self")
    try:
        checklist = get_checklist(inspection.checklist_code, inspection.checklist_version)
    except UnknownChecklist:
        checklist = _checklist(inspection.kind, inspection.checklist_code)
    items = list(inspection.items.prefetch_related("evidence"))
    errors: list[dict] = []
    for item in items:
        if not item.judgement:
            errors.append(
                {
                    "field": f"items.{item.code}.judgement",
                    "code": REQUIRED,
                    "message": _("Item %(code)s: choose a judgement.") % {"code": item.code},
                }
            )
        elif (
            item.evidence_required
            and item.judgement in (Judgement.COMPLIANT, Judgement.PARTIAL)
            and not item.evidence.all()
        ):
            errors.append(
                {
                    "field": f"items.{item.code}.evidence_ids",
                    "code": REQUIRED,
                    "message": _("Item %(code)s: attach the evidence this item requires.")
                    % {"code": item.code},
                }
            )
        elif item.judgement in (Judgement.NONCOMPLIANT, Judgement.PARTIAL) and not item.note.strip():
            errors.append(
                {
                    "field": f"items.{item.code}.note",
                    "code": REQUIRED,
                    "message": _("Item %(code)s: describe the problem found.") % {"code": item.code},
                }
            )
    if errors:
        raise ServiceError(REQUIRED, errors[0]["message"], field=errors[0]["field"], errors=errors)
    day = inspection.inspected_on
    opened: list[RectificationItem] = []
    for item in items:
        if item.judgement not in checklist.rectify_on:
            continue
        spec = checklist.item(item.code)
        deadline, estimated = add_working_days(
            day, checklist.deadline_for(spec) if spec else checklist.deadline_days
        )
        opened.append(
            RectificationItem.objects.create(
                institution=inspection.institution,
                inspection=inspection,
                inspection_item=item,
                problem=f"{item.requirement}：{item.note}"[:800],
                deadline=deadline,
                deadline_estimated=estimated,
            )
        )
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_at = clock.now()
    inspection.save(update_fields=["status", "submitted_at"])
    if inspection.kind == InspectionKind.FIRE:
        ensure_obligations([inspection.institution], day.year)
        meet_obligations(inspection)
    audit.record(
        "update",
        user=acting_user,
        obj=inspection,
        changes={"status": ["draft", "submitted"], "rectifications": [0, len(opened)]},
    )
    return opened


# -- the rectification machine --------------------------------------------------------------------


def _own(user: Any, item: RectificationItem) -> bool:
    return item.institution_id in own_institution_ids(user)


def _check_own(t: Transition) -> None:
    if not _own(t.user, t.obj):
        raise PermissionDenied("inspection.self")


def _check_start(t: Transition) -> None:
    _check_own(t)
    measure = str(t.extra.get("measure") or t.obj.measure or "").strip()
    responsible = str(t.extra.get("responsible") or t.obj.responsible or "").strip()
    if not measure:
        raise _error("measure", _("Rectification measure: required."), REQUIRED)
    if not responsible:
        raise _error("responsible", _("Responsible person: required."), REQUIRED)
    if len(measure) > 800 or len(responsible) > 40:
        raise _error("measure", _("Rectification measure or responsible person: too long."))


def _start(t: Transition) -> None:
    for name in ("measure", "responsible"):
        value = str(t.extra.get(name) or "").strip()
        if value:
            t.change(name, getattr(t.obj, name), value)
            setattr(t.obj, name, value)


def _check_submit(t: Transition) -> None:
    _check_own(t)
    ids = t.extra.get("evidence_ids") or []
    if not ids:
        raise _error("evidence_ids", _("Evidence: attach at least one file showing the fix."), REQUIRED)
    t.results["evidence"] = _evidence(ids, t.obj.institution_id, "evidence_ids")
    if not (t.obj.measure and t.obj.responsible):
        raise _error(
            "measure", _("Rectification measure and responsible person: fill them in first."), REQUIRED
        )


def _submit(t: Transition) -> None:
    t.change("submitted_at", t.obj.submitted_at, clock.now())
    t.obj.submitted_at = clock.now()


def _after_submit(t: Transition) -> None:
    t.obj.evidence.add(*t.results["evidence"])


def _verify(t: Transition) -> None:
    now = clock.now()
    t.obj.verified_at = now
    t.obj.verified_by = t.user
    t.obj.closed_on_time = clock.local_date(now) <= t.obj.deadline
    t.change("verified_at", None, now)
    t.change("closed_on_time", False, t.obj.closed_on_time)


def _reopen(t: Transition) -> None:
    t.obj.reopen_count += 1


RECTIFICATION = StateMachine(
    RectificationItem,
    table={
        ("open", "start"): ("in_progress", "inspection.self"),
        ("in_progress", "submit"): ("submitted", "inspection.self"),
        ("submitted", "verify"): ("verified", "inspection.verify"),
        ("submitted", "reopen"): ("reopened", "inspection.verify"),
        ("reopened", "resume"): ("in_progress", "inspection.self"),
        ("reopened", "submit"): ("submitted", "inspection.self"),
    },
    states=RectificationStatus,
    actions={
        "start": gettext_lazy("Start rectifying"),
        "submit": gettext_lazy("Submit the fix"),
        "verify": gettext_lazy("Verify"),
        "reopen": gettext_lazy("Reopen"),
        "resume": gettext_lazy("Resume rectifying"),
    },
    rules={
        "start": Rules(check=_check_start, before_save=_start, may=_own),
        "submit": Rules(check=_check_submit, before_save=_submit, after_save=_after_submit, may=_own),
        "verify": Rules(before_save=_verify),
        "reopen": Rules(reason_required=True, before_save=_reopen),
        "resume": Rules(check=_check_own, may=_own),
    },
)


def move(
    item: RectificationItem,
    action: str,
    *,
    acting_user: User,
    reason: str = "",
    evidence_ids: Sequence[int] | None = None,
    measure: str = "",
    responsible: str = "",
) -> Transition:
    extra: dict[str, Any] = {}
    if evidence_ids:
        extra["evidence_ids"] = list(evidence_ids)
    if measure:
        extra["measure"] = measure
    if responsible:
        extra["responsible"] = responsible
    return RECTIFICATION.apply(item, action, acting_user=acting_user, reason=reason, **extra)


# -- fire-check obligations -----------------------------------------------------------------------


def _last_working_day_before(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def holidays_of(year: int) -> list[tuple[str, dt.date]]:
    """Each statutory holiday of the year (its Chinese name and first day off), from chinese_calendar;
    none for a year the calendar does not know."""
    if not calendar_knows(year):
        return []
    found: dict[str, dt.date] = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        on, name = chinese_calendar.get_holiday_detail(day)
        if on and name and not chinese_calendar.is_workday(day):
            label = HOLIDAY_NAMES.get(name, name)
            # a holiday that starts the year before (元旦 spanning 31 Dec) is the previous year's
            if label not in found:
                found[label] = day
        day += dt.timedelta(days=1)
    return sorted(found.items(), key=lambda kv: kv[1])


def obligation_rows(year: int) -> list[tuple[str, str, dt.date, dt.date]]:
    """``(kind, label, window_start, due_date)`` of every fire check due in ``year``."""
    rows: list[tuple[str, str, dt.date, dt.date]] = []
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        end = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
        rows.append((ObligationKind.MONTHLY, f"{year}-{month:02d}", start, end))
    for name, first in holidays_of(year):
        due = _last_working_day_before(first)
        rows.append(
            (ObligationKind.HOLIDAY, f"{name} {year}", due - dt.timedelta(days=HOLIDAY_WINDOW_DAYS), due)
        )
    return rows


def ensure_obligations(
    institutions: Iterable[Institution], year: int, *, until: dt.date | None = None
) -> int:
    """Create the year's missing obligations whose window has opened by ``until`` (default today) for
    these institutions — a check falls due once its month or pre-holiday fortnight begins, so a
    mid-year QS-5 does not count checks nobody could have made yet; returns how many were made."""
    until = until or clock.today()
    rows = [r for r in obligation_rows(year) if r[2] <= until]
    made = 0
    for inst in institutions:
        have = set(FireCheckObligation.objects.filter(institution=inst).values_list("kind", "label"))
        new = [
            FireCheckObligation(institution=inst, kind=k, label=label, window_start=start, due_date=due)
            for k, label, start, due in rows
            if (k, label) not in have
        ]
        FireCheckObligation.objects.bulk_create(new)
        made += len(new)
        for inspection in (
            Inspection.objects.filter(
                institution=inst,
                kind=InspectionKind.FIRE,
                status=InspectionStatus.SUBMITTED,
                inspected_on__year=year,
            ).order_by("inspected_on")
            if new
            else []
        ):
            meet_obligations(inspection)
    return made


def meet_obligations(inspection: Inspection) -> int:
    day = inspection.inspected_on
    return FireCheckObligation.objects.filter(
        institution_id=inspection.institution_id,
        window_start__lte=day,
        due_date__gte=day,
        met_by__isnull=True,
    ).update(met_by=inspection)


# -- the daily job --------------------------------------------------------------------------------


def overdue(qs: QuerySet[RectificationItem], today: dt.date | None = None) -> QuerySet[RectificationItem]:
    return qs.filter(status__in=OPEN_STATES, deadline__lt=today or clock.today())


def run_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """Fire-check obligations for the year of every inspected institution; overdue items escalated."""
    today = today or clock.today()
    institutions = Institution.objects.filter(kind__in=INSPECTED_KINDS, is_active=True)
    made = ensure_obligations(institutions, today.year, until=today)
    escalated = overdue(RectificationItem.objects.filter(escalated_on__isnull=True), today).update(
        escalated_on=today
    )
    return {"obligations": made, "escalated": escalated}
