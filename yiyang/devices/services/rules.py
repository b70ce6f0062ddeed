"""Changing alert rules: an elder's thresholds (a doctor, ``alertrule.change``), an institution's
thresholds (its clinicians, ``alertrule.change``) and its escalation ladder (its administrator,
``alertladder.change``). One transaction and one audit row each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, Institution
from yiyang.core.scoping import require_perm

from .. import rules as rulebook
from ..models.rules import (
    BP_PARTS,
    THRESHOLD_TYPES,
    EscalationLadder,
    EscalationStep,
    Severity,
    StepRole,
    ThresholdRule,
)

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"
MAX_MINUTES = 24 * 60
MAX_STEPS = 8


@dataclass
class ThresholdIn:
    type: str
    part: str = ""
    low: Any = None
    high: Any = None
    severity: str = ""
    note: str = ""


def _limit(value: Any, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or number >= 10000:
        raise ServiceError(
            INVALID, _("%(field)s: enter a number from 0 to 9999.9.") % {"field": label}, field=field
        )
    return number.quantize(Decimal("0.1"))


def _clean(rows: list[ThresholdIn]) -> list[ThresholdIn]:
    seen: set[tuple[str, str]] = set()
    out = []
    for i, r in enumerate(rows):
        where = f"thresholds[{i}]"
        if r.type not in THRESHOLD_TYPES:
            raise ServiceError(
                INVALID,
                _("Reading type: unknown value %(v)s.") % {"v": str(r.type)[:20]},
                field=f"{where}.type",
            )
        part = r.part or ""
        if (r.type == "bp") != (part in BP_PARTS):
            raise ServiceError(
                INVALID, _("Part: blood pressure needs sys or dia; other types none."), field=f"{where}.part"
            )
        if (r.type, part) in seen:
            raise ServiceError(INVALID, _("Reading type: given twice."), field=f"{where}.type")
        seen.add((r.type, part))
        low = _limit(r.low, f"{where}.low", _("Lower limit"))
        high = _limit(r.high, f"{where}.high", _("Upper limit"))
        if low is not None and high is not None and low >= high:
            raise ServiceError(
                INVALID,
                _("Upper limit: must be above the lower limit %(low)s.") % {"low": low},
                field=f"{where}.high",
            )
        if r.severity and r.severity not in Severity.values:
            raise ServiceError(INVALID, _("Severity: unknown value."), field=f"{where}.severity")
        note = (r.note or "").strip()
        if len(note) > 200:
            raise ServiceError(INVALID, _("Note: too long (at most 200 characters)."), field=f"{where}.note")
        out.append(ThresholdIn(r.type, part, low, high, r.severity or "", note))
    return out


def _replace(
    owner: dict[str, Any], rows: list[ThresholdIn], acting_user: User
) -> tuple[list[ThresholdRule], dict[str, list[Any]]]:
    """Replace the owner's overrides by ``rows`` (a row with neither limit nor severity removes it)."""
    existing = {(r.type, r.part): r for r in ThresholdRule.objects.select_for_update().filter(**owner)}
    changes: dict[str, list[Any]] = {}
    kept: list[ThresholdRule] = []
    wanted = {(r.type, r.part): r for r in rows if r.low is not None or r.high is not None or r.severity}
    for key, old in existing.items():
        if key not in wanted:
            changes[":".join(filter(None, key))] = [f"{old.low}–{old.high}", None]
            old.delete()
    for key, r in wanted.items():
        row = existing.get(key) or ThresholdRule(**owner, type=r.type, part=r.part)
        before = f"{row.low}–{row.high}" if row.pk else None
        row.low, row.high, row.severity, row.note = r.low, r.high, r.severity, r.note
        row.set_by, row.set_at = acting_user, clock.now()
        row.save()
        after = f"{row.low}–{row.high}"
        if before != after:
            changes[":".join(filter(None, key))] = [before, after]
        kept.append(row)
    return kept, changes


@transaction.atomic
def set_elder_thresholds(elder: Elder, rows: list[ThresholdIn], *, acting_user: User) -> list[ThresholdRule]:
    """A doctor sets an elder's own thresholds (the caller has scoped the elder). The whole set is
    replaced: a type left out falls back to the institution's or the default."""
    require_perm(acting_user, "alertrule.change")
    kept, changes = _replace({"elder": elder}, _clean(rows), acting_user)
    if changes:
        audit.record("update", user=acting_user, obj=elder, changes={"alert_thresholds": [None, changes]})
    rulebook.forget_overrides()
    return kept


def threshold_institutions(user: User) -> list[Institution]:
    """The institutions whose thresholds the user sets: where they are a clinician."""
    return [
        a.institution
        for a in user.active_assignments
        if a.role == Role.CLINICIAN and a.institution is not None
    ]


@transaction.atomic
def set_institution_thresholds(
    institution: Institution, rows: list[ThresholdIn], *, acting_user: User
) -> list[ThresholdRule]:
    require_perm(acting_user, "alertrule.change")
    if institution.pk not in {i.pk for i in threshold_institutions(acting_user)}:
        raise PermissionDenied("alertrule.change")
    kept, changes = _replace({"institution": institution}, _clean(rows), acting_user)
    if changes:
        audit.record(
            "update", user=acting_user, obj=institution, changes={"alert_thresholds": [None, changes]}
        )
    rulebook.forget_overrides()
    return kept


# -- the escalation ladder -------------------------------------------------------------------------


@dataclass
class StepIn:
    role: str
    wait_minutes: Any
    user_ids: list[int] | None = None


def ladder_institutions(user: User) -> list[Institution]:
    """The institutions whose ladder the user keeps: where they are the administrator."""
    return [
        a.institution
        for a in user.active_assignments
        if a.role == Role.INSTITUTION_ADMIN and a.institution is not None
    ]


def staff_of(institution: Institution) -> list[Any]:
    from yiyang.accounts.models import User

    return list(
        User.objects.filter(is_active=True, role_assignments__institution=institution)
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def set_ladder(institution: Institution, steps: list[StepIn], *, acting_user: User) -> EscalationLadder:
    """The institution's administrator replaces its ladder's steps (in order)."""
    require_perm(acting_user, "alertladder.change")
    if institution.pk not in {i.pk for i in ladder_institutions(acting_user)}:
        raise PermissionDenied("alertladder.change")
    if not steps:
        raise ServiceError(INVALID, _("Steps: at least one step."), field="steps")
    if len(steps) > MAX_STEPS:
        raise ServiceError(INVALID, _("Steps: at most %(n)s.") % {"n": MAX_STEPS}, field="steps")
    staff = {u.pk for u in staff_of(institution)}
    clean: list[tuple[str, int, list[int]]] = []
    for i, s in enumerate(steps):
        if s.role not in StepRole.values:
            raise ServiceError(INVALID, _("Who: unknown value."), field=f"steps[{i}].role")
        try:
            minutes = int(str(s.wait_minutes).strip())
        except (TypeError, ValueError):
            minutes = -1
        if not 0 <= minutes <= MAX_MINUTES or (minutes == 0 and i < len(steps) - 1):
            raise ServiceError(
                INVALID,
                _("Minutes to wait: a whole number from 1 to %(max)s (0 only on the last step).")
                % {"max": MAX_MINUTES},
                field=f"steps[{i}].wait_minutes",
            )
        users = sorted(set(s.user_ids or []))
        if set(users) - staff:
            raise ServiceError(
                INVALID, _("Named people: only staff of this institution."), field=f"steps[{i}].user_ids"
            )
        clean.append((s.role, minutes, users))
    ladder, _created = EscalationLadder.objects.get_or_create(institution=institution)
    before = [(s.role, s.wait_minutes) for s in ladder.steps.order_by("position")]
    ladder.steps.all().delete()
    for pos, (role, minutes, users) in enumerate(clean):
        step = EscalationStep.objects.create(ladder=ladder, position=pos, role=role, wait_minutes=minutes)
        if users:
            step.users.set(users)
    ladder.updated_by, ladder.updated_at = acting_user, clock.now()
    ladder.save()
    audit.record(
        "update",
        user=acting_user,
        obj=institution,
        changes={"escalation_ladder": [before, [(r, m) for r, m, _u in clean]]},
    )
    return ladder


def ladder_rows(institution: Institution) -> list[dict[str, Any]]:
    """The ladder in force for an institution, for its page: its own, or the default."""
    ladder = EscalationLadder.objects.filter(institution=institution).first()
    if ladder is not None:
        steps = list(ladder.steps.prefetch_related("users").order_by("position"))
        if steps:
            return [
                {
                    "role": s.role,
                    "wait_minutes": s.wait_minutes,
                    "user_ids": [u.pk for u in s.users.all()],
                    "own": True,
                }
                for s in steps
            ]
    return [
        {"role": s.role, "wait_minutes": s.wait_minutes, "user_ids": [], "own": False}
        for s in rulebook.rulebook().escalation
    ]
