"""入住安全风险评估: recording a risk assessment (its screens, flags and admission clock), asking for a
reassessment (change of condition, incident) and answering the incident signal. The only writers of
:mod:`yiyang.quality.models.risk`.

Each screen is a final :class:`~yiyang.assessments.models.AssessmentResponse` written through the
assessment engine's service (so who may assess, scoring and sealing stay the engine's); the risk
assessment ties them together. One transaction per assessment: a refused screen writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiyang.assessments import services as assessment_services
from yiyang.assessments.engine import AnswerError, read_answers
from yiyang.assessments.registry import get_instrument
from yiyang.care.models.stays import Stay
from yiyang.core import actors, audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import ELDERCARE_KINDS, Elder, Institution
from yiyang.core.reach import Reach
from yiyang.core.scoping import require_perm
from yiyang.core.signals import records_changed

from .. import risk_rules
from ..models.risk import (
    ReassessmentReason,
    ReassessmentRequest,
    RiskAssessment,
    RiskFinding,
    RiskKind,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

INVALID = "INVALID"
#: the stay already has its admission risk assessment (409)
ADMISSION_DONE = "ADMISSION_DONE"


def staff_institution_ids(user: User | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return sorted(
        {
            a.institution_id
            for a in user.active_assignments
            if a.reach == Reach.INSTITUTION and a.institution_id
        }
    )


def _require_staff(user: User | AnonymousUser, institution: Institution, perm: str) -> User:
    require_perm(user, perm)
    if institution.pk not in staff_institution_ids(user):
        raise PermissionDenied(perm)
    return user  # type: ignore[return-value]


def admission_stay(elder: Elder, institution: Institution) -> Stay | None:
    """The elder's latest stay at the institution (the admission an admission assessment belongs to)."""
    return Stay.objects.filter(elder=elder, institution=institution).order_by("-admitted_on", "-pk").first()


def _check_screens(screens: Any, kind: str) -> dict[str, dict[str, Any]]:
    """The screens given, by flag code; every problem at once, fields named ``screens.<flag>.<item>``."""
    rules = risk_rules.rules()
    if not isinstance(screens, dict):
        raise ServiceError(INVALID, _("Screens: an object of answers per risk."), field="screens")
    known = {f.code for f in rules.flags}
    errors: list[dict[str, str]] = []
    for code in screens:
        if code not in known:
            errors.append(
                {
                    "field": f"screens.{code}",
                    "code": INVALID,
                    "message": _("Screens: no risk %(code)s; choose from %(known)s.")
                    % {"code": code, "known": "、".join(sorted(known))},
                }
            )
    wanted = [f for f in rules.flags if f.code in screens]
    if kind == RiskKind.ADMISSION:
        for f in rules.flags:
            if f.code not in screens:
                errors.append(
                    {
                        "field": f"screens.{f.code}",
                        "code": "REQUIRED",
                        "message": _("%(label)s: an admission assessment screens every risk.")
                        % {"label": f.label},
                    }
                )
    elif not wanted and not errors:
        errors.append(
            {"field": "screens", "code": "REQUIRED", "message": _("Screens: fill in at least one risk.")}
        )
    for f in wanted:
        answers = screens[f.code]
        try:
            _normalised, problems = read_answers(get_instrument(f.instrument), answers)
        except AnswerError as exc:
            problems = exc.problems
        for p in problems:
            errors.append(
                {"field": f"screens.{f.code}.{p.item}", "code": p.code, "message": f"{f.label}：{p.message}"}
            )
    if errors:
        raise ServiceError(INVALID, _("Some answers cannot be scored."), field="screens", errors=errors)
    return {f.code: screens[f.code] for f in wanted}


def record_risk_assessment(
    *,
    acting_user: User | AnonymousUser,
    elder: Elder,
    institution: Institution,
    kind: str,
    screens: dict[str, dict[str, Any]],
    assessed_at: dt.datetime | None = None,
    note: str = "",
) -> RiskAssessment:
    """Record a risk assessment: score each screen, set the findings, for an admission store its clock.

    The caller scoped ``elder``; the user must work at ``institution`` with ``risk.assess`` and hold
    a role the instruments accept (clinician)."""
    user = _require_staff(acting_user, institution, "risk.assess")
    if kind not in RiskKind.values:
        raise ServiceError(INVALID, _("Kind: choose one of the list."), field="kind")
    if institution.kind not in ELDERCARE_KINDS:
        raise ServiceError(
            INVALID,
            _("Institution: %(name)s is not an eldercare or integrated institution.")
            % {"name": institution.name},
            field="institution_id",
        )
    stay = admission_stay(elder, institution)
    if stay is None:
        raise ServiceError(
            INVALID,
            _("Elder: %(name)s has no stay at %(institution)s.")
            % {"name": elder.name, "institution": institution.name},
            field="elder_id",
        )
    now = clock.now()
    when = assessed_at or now
    if when > now + dt.timedelta(minutes=5):
        raise ServiceError(INVALID, _("Assessment time: cannot be in the future."), field="assessed_at")
    day_start = dt.datetime.combine(stay.admitted_on, dt.time(0, 0), tzinfo=clock.zone())
    if when < day_start:
        raise ServiceError(
            INVALID,
            _("Assessment time: cannot be before the admission on %(day)s.") % {"day": stay.admitted_on},
            field="assessed_at",
        )
    wanted = _check_screens(screens, kind)
    rules = risk_rules.rules()
    try:
        with transaction.atomic():
            if (
                kind == RiskKind.ADMISSION
                and RiskAssessment.objects.filter(stay=stay, kind=RiskKind.ADMISSION).exists()
            ):
                raise ServiceError(
                    ADMISSION_DONE,
                    _(
                        "Kind: the admission of %(day)s already has its risk assessment; "
                        "record a reassessment."
                    )
                    % {"day": stay.admitted_on},
                    field="kind",
                    status=409,
                )
            ra = RiskAssessment(
                elder=elder,
                institution=institution,
                stay=stay,
                kind=kind,
                assessed_at=when,
                assessor=user,
                note=note.strip()[:500],
            )
            if kind == RiskKind.ADMISSION:
                start, due, hours = risk_rules.admission_deadline(
                    stay.admitted_on, stay.created_at, institution.region_id
                )
                ra.clock_start, ra.due_at, ra.rule_hours, ra.on_time = start, due, hours, when <= due
            ra.save()
            findings = []
            for code, answers in wanted.items():
                rule = rules.flag(code)
                response = assessment_services.start_assessment(
                    elder,
                    acting_user=user,
                    instrument_code=rule.instrument,
                    answers=answers,
                    assessed_at=when,
                    note=_("Risk assessment (%(kind)s)") % {"kind": ra.get_kind_display()},
                    finalise=True,
                )
                findings.append(
                    RiskFinding(
                        assessment=ra,
                        flag=code,
                        response=response,
                        instrument_code=rule.instrument,
                        total=response.total,
                        level_code=response.level_code,
                        level_name=response.level_name,
                        flag_level=rule.levels.get(response.level_code, "none"),
                    )
                )
            RiskFinding.objects.bulk_create(findings)
            resolved = list(
                ReassessmentRequest.objects.select_for_update().filter(
                    elder=elder, institution=institution, resolved_by__isnull=True
                )
            )
            if resolved:  # any new risk assessment answers the open requests
                ReassessmentRequest.objects.filter(pk__in=[r.pk for r in resolved]).update(resolved_by=ra)
            audit.record(
                "create",
                user=user,
                obj=ra,
                changes={
                    "elder": [None, elder.pk],
                    "kind": [None, kind],
                    "flags": [None, {f.flag: f.flag_level for f in findings}],
                    **({"on_time": [None, ra.on_time]} if ra.on_time is not None else {}),
                },
            )
            records_changed.send(sender=RiskAssessment, instances=[ra])
    except IntegrityError:
        raise ServiceError(
            ADMISSION_DONE,
            _("Kind: the admission already has its risk assessment; record a reassessment."),
            field="kind",
            status=409,
        ) from None
    return ra


def request_reassessment(
    *,
    acting_user: User | AnonymousUser,
    elder: Elder,
    institution: Institution,
    detail: str,
    reason: str = ReassessmentReason.CHANGE,
    source_ref: str = "",
) -> ReassessmentRequest:
    """病情变化: staff record what changed; the resident appears on the reassessments-due list until the
    next risk assessment at that institution."""
    user = _require_staff(acting_user, institution, "risk.request")
    detail = (detail or "").strip()
    if not detail:
        raise ServiceError("REQUIRED", _("What changed: required."), field="detail")
    if reason not in ReassessmentReason.values:
        raise ServiceError(INVALID, _("Reason: choose one of the list."), field="reason")
    if admission_stay(elder, institution) is None:
        raise ServiceError(
            INVALID,
            _("Elder: %(name)s has no stay at %(institution)s.")
            % {"name": elder.name, "institution": institution.name},
            field="elder_id",
        )
    with transaction.atomic():
        req = ReassessmentRequest.objects.create(
            elder=elder,
            institution=institution,
            reason=reason,
            detail=detail[:300],
            source_ref=source_ref,
            requested_by=user,
        )
        audit.record(
            "create", user=user, obj=req, changes={"elder": [None, elder.pk], "reason": [None, reason]}
        )
    return req


def on_incident_reported(sender: Any, incident: Any, **kwargs: Any) -> ReassessmentRequest | None:
    """事件后再评估: an incident about a resident of an eldercare institution asks for a reassessment
    (once per incident), written by the system actor."""
    elder_id = getattr(incident, "elder_id", None)
    institution_id = getattr(incident, "institution_id", None)
    if not elder_id or not institution_id:
        return None
    institution = Institution.objects.filter(pk=institution_id, kind__in=ELDERCARE_KINDS).first()
    if institution is None:
        return None
    ref = f"quality.incident:{incident.pk}"
    existing = ReassessmentRequest.objects.filter(source_ref=ref).first()
    if existing is not None:
        return existing
    kind = getattr(incident, "get_kind_display", None)
    label = kind() if callable(kind) else str(getattr(incident, "kind", ""))
    with transaction.atomic():
        req = ReassessmentRequest.objects.create(
            elder_id=elder_id,
            institution=institution,
            reason=ReassessmentReason.INCIDENT,
            detail=(_("Incident reported: %(kind)s") % {"kind": label})[:300],
            source_ref=ref,
            requested_by=actors.system_user(),
        )
    return req
