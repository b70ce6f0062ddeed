"""中医药健康管理: constitution identification (tcm33) and the guidance given."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.assessments import services as assessment_services
from yiyang.assessments.engine import AnswerError, score
from yiyang.assessments.registry import get_instrument
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder
from yiyang.core.scoping import require_perm

from .. import error_codes, formdata
from ..models import TcmRecord
from ._common import _check_date, acting_institution
from .archive import ensure_archive

if TYPE_CHECKING:
    from yiyang.accounts.models import User

#: judgements that call for guidance on that constitution
GUIDED_JUDGEMENTS = ("yes", "tendency", "basically")
#: 填表说明 (老年人中医药健康管理服务记录表, 国家基本公共卫生服务规范（第三版）): "每种体质都不是或无法判断
#: 时…需2周后重新采集填写" [S2]
RECOLLECT_WITHIN_DAYS = 14
#: 填表说明: "出现既是阴虚又是阳虚的矛盾结果要返回查找原因" [S2]
CONTRADICTORY_PAIR = ("yin_deficiency", "yang_deficiency")


def all_no(levels: dict[str, str]) -> bool:
    """Every one of the nine constitutions judged 否: the record cannot guide and is incomplete."""
    return bool(levels) and all(j == "no" for j in levels.values())


def contradictory(levels: dict[str, str]) -> bool:
    """阴虚质 and 阳虚质 both judged 是."""
    return all(levels.get(c) == "yes" for c in CONTRADICTORY_PAIR)


def constitutions_needing_guidance(levels: dict[str, str]) -> list[str]:
    return [code for code, judgement in levels.items() if judgement in GUIDED_JUDGEMENTS]


def primary_constitution(levels: dict[str, str], scores: dict[str, int]) -> str:
    """The constitution guidance starts from: a biased type judged 是 with the highest score, else
    倾向是, else 平和质 when it is 是/基本是 (填表说明: 以分数高的为主要体质进行指导)."""
    for wanted in ("yes", "tendency"):
        biased = [c for c, j in levels.items() if c != "balanced" and j == wanted]
        if biased:
            return max(biased, key=lambda c: (scores.get(c, 0), c))
    return "balanced" if levels.get("balanced") in ("yes", "basically") else ""


def _preview_levels(answers: dict[str, Any]) -> dict[str, str]:
    """The judgements the answers give, before anything is stored ({} when the answers are not valid:
    the assessments engine then refuses them naming the items)."""
    try:
        result = score(get_instrument("tcm33"), answers)
    except AnswerError:
        return {}
    return {code: level["code"] for code, level in result.as_dict().get("levels", {}).items()}


@transaction.atomic
def record_tcm(
    elder: Elder,
    *,
    acting_user: User,
    answers: dict[str, Any],
    guidance: dict[str, list[str]],
    service_date: dt.date,
    guidance_other: str = "",
    contradiction_confirmed: bool = False,
) -> TcmRecord:
    """中医体质辨识 (tcm33, scored and stored by the assessments engine) + the 保健指导 given per
    constitution. Every constitution judged 是/倾向是 (平和质: 是/基本是) needs at least one guidance.

    填表说明: a result with every constitution 否 is kept but incomplete (not counted by HM-2), with a
    re-collection due within 2 weeks; 阴虚质 and 阳虚质 both 是 is refused until the doctor has looked
    for the cause and confirms the answers (``contradiction_confirmed``)."""
    require_perm(acting_user, "health.change")
    _check_date(elder, service_date, "service_date", TcmRecord)
    preview = {} if contradiction_confirmed else _preview_levels(answers)
    if contradictory(preview):
        raise ServiceError(
            error_codes.TCM_CONTRADICTION,
            _(
                "Yin deficiency and yang deficiency are both judged yes, which contradicts itself: go back "
                "over the answers to find the cause, then tick the confirmation to save."
            ),
            field="contradiction_confirmed",
        )
    at = min(dt.datetime.combine(service_date, dt.time(9, 0), tzinfo=clock.zone()), clock.now())
    response = assessment_services.start_assessment(
        elder,
        acting_user=acting_user,
        instrument_code="tcm33",
        answers=answers,
        assessed_at=at,
        finalise=True,
    )
    levels = {code: level["code"] for code, level in response.result.get("levels", {}).items()}
    scores = response.result.get("scores", {})
    allowed = {c for c, _l in formdata.TCM_GUIDANCE}
    clean: dict[str, list[str]] = {}
    for code in constitutions_needing_guidance(levels):
        chosen = [g for g in (guidance.get(code) or []) if g in allowed]
        if not chosen:
            name = dict(formdata.TCM_CONSTITUTIONS).get(code, code)
            raise ServiceError(
                error_codes.TCM_GUIDANCE_MISSING,
                _("Guidance for %(constitution)s: choose at least one.") % {"constitution": name},
                field=f"guidance.{code}",
            )
        clean[code] = sorted(set(chosen))
    incomplete = all_no(levels)
    record = TcmRecord.objects.create(
        elder=elder,
        service_date=service_date,
        response=response,
        constitutions=levels,
        primary_constitution=primary_constitution(levels, scores),
        guidance=clean,
        guidance_other=guidance_other,
        is_complete=bool(levels) and not incomplete,
        recollect_by=service_date + dt.timedelta(days=RECOLLECT_WITHIN_DAYS) if incomplete else None,
        institution=acting_institution(acting_user),
        doctor=acting_user,
    )
    ensure_archive(elder, acting_user=acting_user, established_on=service_date)
    audit.record(
        "create",
        user=acting_user,
        obj=record,
        changes={"elder": [None, elder.pk], "response": [None, response.pk], "guidance": [None, clean]},
    )
    return record
