"""The demo county's admission risk assessments: most admissions of the demo homes assessed within the
rule (24 h), a few late, a few never; reassessments after a change of condition (answered and still
open). Bulk-written for speed; the rows are what :mod:`yiyang.quality.services.risk` would have written
(final assessment responses with their content hash, the risk assessment with its clock, the findings).
The demo homes have no clinician login, so the system actor is the assessor.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from yiyang.assessments.engine import score
from yiyang.assessments.models import AssessmentResponse, ResponseStatus
from yiyang.assessments.registry import get_instrument
from yiyang.assessments.services import content_hash
from yiyang.care.models.stays import ACTIVE_STAY_STATUSES, Stay
from yiyang.core import actors, clock
from yiyang.core.models import ELDERCARE_KINDS, ElderCategoryCode

from . import risk_rules
from .models.risk import (
    ReassessmentReason,
    ReassessmentRequest,
    RiskAssessment,
    RiskFinding,
    RiskKind,
)

CHANGES = [
    "夜间起床如厕时跌倒一次，左髋部疼痛",
    "脑梗死复发，左侧肢体无力",
    "进食稀饮时呛咳明显增多",
    "近一周反复要求回家，夜间在走廊徘徊",
    "骶尾部皮肤发红，压之不褪色",
    "住院治疗肺炎后返回，卧床时间增加",
]


def _answers(rng: random.Random, code: str, frail: bool) -> dict[str, Any]:
    """Plausible answers: each item mostly its safest option; frail residents more often a riskier one."""
    inst = get_instrument(code)
    out: dict[str, Any] = {}
    p = 0.35 if frail else 0.08
    for item in inst.items:
        # safest first: the highest score where higher is better (Braden), else the lowest
        options = sorted(item.options, key=lambda o: o.score, reverse=inst.higher_is_better is True)
        out[item.code] = (
            rng.choice(options[1:]) if rng.random() < p and len(options) > 1 else options[0]
        ).code
    return out


def _sitting(rng, stay: Stay, kind: str, when: dt.datetime, assessor, frail: bool, flags=None):  # type: ignore[no-untyped-def]
    rules = risk_rules.rules()
    ra = RiskAssessment(
        elder_id=stay.elder_id,
        institution_id=stay.institution_id,
        stay=stay,
        kind=kind,
        assessed_at=when,
        assessor=assessor,
        created_at=when,
    )
    if kind == RiskKind.ADMISSION:
        start, due, hours = risk_rules.admission_deadline(
            stay.admitted_on, stay.created_at, stay.institution.region_id
        )
        ra.clock_start, ra.due_at, ra.rule_hours, ra.on_time = start, due, hours, when <= due
    pairs = []
    for rule in rules.flags:
        if flags is not None and rule.code not in flags:
            continue
        inst = get_instrument(rule.instrument)
        result = score(inst, _answers(rng, rule.instrument, frail))
        d = result.as_dict()
        level = d.get("level") or {}
        response = AssessmentResponse(
            elder_id=stay.elder_id,
            instrument_code=inst.code,
            instrument_version=inst.version,
            status=ResponseStatus.FINAL,
            answers=result.answers,
            total=result.total,
            subscores=result.subscores,
            result=d,
            level_code=level.get("code", ""),
            level_name=level.get("name", ""),
            level_reason=result.level_reason or "",
            assessor=assessor,
            assessed_at=when,
            finalised_at=when + dt.timedelta(minutes=20),
            note="入住安全风险评估",
        )
        response.content_hash = content_hash(response)
        finding = RiskFinding(
            flag=rule.code,
            instrument_code=inst.code,
            total=result.total,
            level_code=response.level_code,
            level_name=response.level_name,
            flag_level=rule.levels.get(response.level_code, "none"),
        )
        pairs.append((response, finding))
    return ra, pairs


def load_risk_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed + 121)
    system = actors.system_user()
    zone = clock.zone()
    frail = set(
        Stay.objects.filter(
            elder__categories__category__in=[ElderCategoryCode.DISABLED, ElderCategoryCode.SEMI_DISABLED]
        ).values_list("elder_id", flat=True)
    )
    stays = list(
        Stay.objects.filter(institution__kind__in=ELDERCARE_KINDS)
        .select_related("institution")
        .order_by("institution_id", "admitted_on", "pk")
    )
    sittings: list[tuple[RiskAssessment, list]] = []
    requests: list[ReassessmentRequest] = []
    missing = late = 0
    now = clock.now()
    for stay in stays:
        if stay.admitted_on >= today:  # admitted today: still within the limit, left for the user
            continue
        roll = rng.random()
        if roll < 0.05:
            missing += 1
            continue
        _start, due, _hours = risk_rules.admission_deadline(
            stay.admitted_on, stay.created_at, stay.institution.region_id
        )
        if roll < 0.12:
            when = due + dt.timedelta(hours=rng.randint(3, 96))
            late += 1
        else:
            day = stay.admitted_on + dt.timedelta(days=rng.choice([0, 0, 1]))
            when = dt.datetime.combine(
                day, dt.time(rng.randint(9, 17), rng.choice([0, 15, 30, 45])), tzinfo=zone
            )
            when = min(max(when, dt.datetime.combine(stay.admitted_on, dt.time(9, 0), tzinfo=zone)), due)
        when = min(when, now - dt.timedelta(hours=1))
        is_frail = stay.elder_id in frail
        sittings.append(_sitting(rng, stay, RiskKind.ADMISSION, when, system, is_frail))
        # change of condition → request → reassessment of the changed risks
        if (
            stay.status in ACTIVE_STAY_STATUSES
            and (today - stay.admitted_on).days > 20
            and rng.random() < 0.15
        ):
            changed = when + dt.timedelta(days=rng.randint(7, max(8, (today - stay.admitted_on).days - 2)))
            changed = min(changed, now - dt.timedelta(days=1))
            detail = rng.choice(CHANGES)
            req = ReassessmentRequest(
                elder_id=stay.elder_id,
                institution_id=stay.institution_id,
                reason=ReassessmentReason.CHANGE,
                detail=detail,
                requested_at=changed,
                requested_by=system,
            )
            if rng.random() < 0.7:  # reassessed the next day
                flags = rng.sample([r.code for r in risk_rules.rules().flags], 2)
                re_ra, pairs = _sitting(
                    rng,
                    stay,
                    RiskKind.CHANGE,
                    min(changed + dt.timedelta(hours=20), now),
                    system,
                    True,
                    flags,
                )
                sittings.append((re_ra, pairs))
                req._demo_resolved = re_ra  # type: ignore[attr-defined]
            requests.append(req)
    responses = [r for _ra, pairs in sittings for r, _f in pairs]
    AssessmentResponse.objects.bulk_create(responses, batch_size=2000)
    RiskAssessment.objects.bulk_create([ra for ra, _p in sittings], batch_size=2000)
    findings = []
    for ra, pairs in sittings:
        for response, finding in pairs:
            finding.assessment = ra
            finding.response = response
            findings.append(finding)
    RiskFinding.objects.bulk_create(findings, batch_size=2000)
    for req in requests:
        resolved = getattr(req, "_demo_resolved", None)
        if resolved is not None:
            req.resolved_by = resolved
    ReassessmentRequest.objects.bulk_create(requests, batch_size=2000)
    return {
        "risk_assessments": len(sittings),
        "risk_admissions_late": late,
        "risk_admissions_missing": missing,
        "reassessment_requests": len(requests),
    }
