"""中医药健康管理: tcm33 scored by the assessments engine, guidance required per constitution judged."""

import datetime as dt

import pytest

from yiyang.assessments.models import AssessmentResponse
from yiyang.core.errors import ServiceError
from yiyang.health import services
from yiyang.health.models import TcmRecord


def answers(**overrides):
    """Worked example T1 (all 1, Q1 = 5) with overrides by question number."""
    items = {str(i): 1 for i in range(1, 34)}
    items["1"] = 5
    items.update({k.lstrip("q"): v for k, v in overrides.items()})
    return items


def test_t1_balanced_constitution_with_guidance(users, fresh_elder, today):
    """T1: 平和质 是; guidance recorded for it; the response is a final tcm33 assessment."""
    record = services.record_tcm(
        fresh_elder(),
        acting_user=users["doctor_sj"],
        answers=answers(),
        guidance={"balanced": ["1", "4"]},
        service_date=today,
    )
    assert record.constitutions["balanced"] == "yes" and record.primary_constitution == "balanced"
    assert record.guidance == {"balanced": ["1", "4"]} and record.is_complete
    assert record.response.instrument_code == "tcm33" and record.response.is_final


def test_t2_qi_deficiency_needs_its_own_guidance_and_nothing_is_written_without(users, fresh_elder, today):
    """T2: 气虚质 是 (11) → primary 气虚; missing guidance for it is refused, no response stored."""
    elder = fresh_elder()
    t2 = answers(q1=3, q2=3, q3=3, q4=3, q14=2)
    with pytest.raises(ServiceError) as exc:
        services.record_tcm(
            elder, acting_user=users["doctor_sj"], answers=t2, guidance={}, service_date=today
        )
    assert exc.value.code == "TCM_GUIDANCE_MISSING" and exc.value.field == "guidance.qi_deficiency"
    assert not AssessmentResponse.objects.filter(elder=elder).exists()
    record = services.record_tcm(
        elder,
        acting_user=users["doctor_sj"],
        answers=t2,
        guidance={"qi_deficiency": ["2"]},
        service_date=today,
    )
    assert record.primary_constitution == "qi_deficiency" and record.constitutions["balanced"] == "no"


def test_t3_tendency_and_basically_both_need_guidance(users, fresh_elder, today):
    """T3: 气虚 倾向是 (9), 平和 基本是 → guidance for both."""
    t3 = answers(q1=4, q2=2, q3=3, q4=2, q14=2)
    with pytest.raises(ServiceError):
        services.record_tcm(
            fresh_elder(),
            acting_user=users["doctor_sj"],
            answers=t3,
            guidance={"qi_deficiency": ["1"]},
            service_date=today,
        )
    record = services.record_tcm(
        fresh_elder(),
        acting_user=users["doctor_sj"],
        answers=t3,
        guidance={"qi_deficiency": ["1"], "balanced": ["3"]},
        service_date=today,
    )
    assert record.constitutions == record.constitutions | {
        "qi_deficiency": "tendency",
        "balanced": "basically",
    }
    assert TcmRecord.objects.filter(elder=record.elder).count() == 1


def test_all_nine_constitutions_no_is_incomplete_and_due_again_in_two_weeks(users, fresh_elder, today):
    """国家基本公共卫生服务规范（第三版）老年人中医药健康管理服务记录表 填表说明: "每种体质都不是或无法判断
    时…需2周后重新采集填写". Input: answers judging all nine constitutions 否 → the record is kept,
    incomplete, with a re-collection date 14 days on, and does not count for HM-2 (is_complete)."""
    record = services.record_tcm(
        fresh_elder(),
        acting_user=users["doctor_sj"],
        answers=answers(q1=1, q2=3, q4=3, q5=3, q13=3),
        guidance={},
        service_date=today,
    )
    assert set(record.constitutions.values()) == {"no"} and len(record.constitutions) == 9
    assert not record.is_complete
    assert record.recollect_by == today + dt.timedelta(days=14)


def test_yin_and_yang_deficiency_both_yes_is_refused_until_confirmed(users, fresh_elder, today):
    """规范（第三版）老年人中医药健康管理服务记录表 填表说明: "出现既是阴虚又是阳虚的矛盾结果要返回查找原因".
    Input: 阴虚质 and 阳虚质 both ≥11 → refused with a Chinese reason, nothing stored; saved once the
    doctor confirms the answers."""
    elder = fresh_elder()
    both = answers(q10=3, q21=3, q26=3, q31=3, q11=3, q12=3, q13=3, q29=3)
    guidance = {"yin_deficiency": ["2"], "yang_deficiency": ["3"]}
    with pytest.raises(ServiceError) as exc:
        services.record_tcm(
            elder, acting_user=users["doctor_sj"], answers=both, guidance=guidance, service_date=today
        )
    assert exc.value.code == "TCM_CONTRADICTION" and "阴虚" in exc.value.message
    assert not AssessmentResponse.objects.filter(elder=elder).exists()
    record = services.record_tcm(
        elder,
        acting_user=users["doctor_sj"],
        answers=both,
        guidance=guidance,
        service_date=today,
        contradiction_confirmed=True,
    )
    assert record.constitutions["yin_deficiency"] == record.constitutions["yang_deficiency"] == "yes"
