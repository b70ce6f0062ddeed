"""Hypertension and diabetes management through the services: registry, follow-ups with the decision
table (standards §2.3, §3.3) and due lists (HM-8 itself is the engine's: monitoring tests)."""

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.core.errors import ServiceError
from yiyang.health import queries, services


def visit(day, **kw):
    return {"visit_date": day, "method": "1", **kw}


@pytest.fixture
def htn_case(users, fresh_elder, today):
    elder = fresh_elder()
    return services.enrol_case(
        elder,
        acting_user=users["doctor_sj"],
        disease="hypertension",
        diagnosed_on=today - dt.timedelta(days=400),
        source="outpatient",
        enrolled_on=today - dt.timedelta(days=100),
    )


def test_enrolment_is_once_per_disease(users, htn_case, today):
    with pytest.raises(ServiceError) as exc:
        services.enrol_case(
            htn_case.elder,
            acting_user=users["doctor_sj"],
            disease="hypertension",
            diagnosed_on=today,
            source="outpatient",
        )
    assert exc.value.code == "CASE_ALREADY_OPEN" and exc.value.status == 409
    assert htn_case.icd10_code == "I10"


def test_h2_then_h3_through_the_service_refers_on_the_second_uncontrolled_visit(users, htn_case, today):
    """H2 → H3: a first uncontrolled visit books a recheck in 2 weeks; the recheck, still uncontrolled,
    refers; the case's next visit is the referral follow-up."""
    first_day = today - dt.timedelta(days=30)
    first = services.record_followup(
        htn_case, acting_user=users["doctor_sj"], data=visit(first_day, systolic=160, diastolic=85)
    )
    age = htn_case.elder.age_on(first_day)
    assert first.classification == "2" and first.rule == "D" and age >= 65
    assert first.next_visit_date == first_day + dt.timedelta(days=14)
    second = services.record_followup(
        htn_case,
        acting_user=users["doctor_sj"],
        data=visit(first_day + dt.timedelta(days=14), systolic=158, diastolic=92),
    )
    assert (second.rule, second.action) == ("C", "refer")
    htn_case.refresh_from_db()
    assert htn_case.next_visit_due == second.next_visit_date


def test_urgent_referral_names_the_reason(users, htn_case, today):
    fu = services.record_followup(
        htn_case, acting_user=users["doctor_sj"], data=visit(today, systolic=185, diastolic=100)
    )
    assert fu.action == "urgent_referral" and "185" in fu.referral_reason


def test_hypertension_follow_up_needs_blood_pressure(users, htn_case, today):
    with pytest.raises(ServiceError) as exc:
        services.record_followup(htn_case, acting_user=users["doctor_sj"], data=visit(today))
    assert exc.value.field == "systolic"


def test_diabetes_follow_up_controlled_below_7(users, fresh_elder, today):
    case = services.enrol_case(
        fresh_elder(),
        acting_user=users["doctor_sj"],
        disease="diabetes",
        diagnosed_on=today,
        source="screening",
    )
    fu = services.record_followup(
        case,
        acting_user=users["doctor_sj"],
        data=visit(today, fasting_glucose=Decimal("6.9"), systolic=130, diastolic=80),
    )
    assert fu.controlled and fu.classification == "1" and fu.rule == "E"
    assert case.icd10_code == "E11.9"


def test_due_list_shows_overdue_and_this_week(users, htn_case, today):
    cases = queries.scope_cases(users["doctor_sj"])
    assert htn_case in queries.due_followups(cases, today)  # enrolled 100 days ago, never visited
    services.record_followup(
        htn_case, acting_user=users["doctor_sj"], data=visit(today, systolic=130, diastolic=80)
    )
    assert htn_case not in queries.due_followups(cases, today + dt.timedelta(days=7))


def test_each_follow_up_stores_the_date_of_the_next_one_even_when_back_dated(users, htn_case, today):
    """HM-8 reads "the last follow-up in a period" as the one whose next follow-up (superseded_on) is
    empty or after the period: recording 1 March, then 1 May, then a back-dated 1 April re-links them."""
    doctor = users["doctor_sj"]
    year = today.year - 1
    htn_case.enrolled_on = dt.date(year, 1, 1)
    htn_case.save()
    mar, may, apr = (
        services.record_followup(
            htn_case, acting_user=doctor, data=visit(dt.date(year, m, 1), systolic=130, diastolic=80)
        )
        for m in (3, 5, 4)
    )
    for fu in (mar, may, apr):
        fu.refresh_from_db()
    assert (mar.superseded_on, apr.superseded_on, may.superseded_on) == (
        dt.date(year, 4, 1),
        dt.date(year, 5, 1),
        None,
    )


def test_follow_up_links_migration_backfills_existing_rows(users, htn_case, today):
    import importlib

    from django.apps import apps as django_apps

    from yiyang.health.models import ChronicFollowUp

    doctor = users["doctor_sj"]
    days = [today - dt.timedelta(days=n) for n in (30, 20, 20, 10)]
    made = [
        services.record_followup(htn_case, acting_user=doctor, data=visit(d, systolic=130, diastolic=80))
        for d in days
    ]
    ChronicFollowUp.objects.filter(case=htn_case).update(superseded_on=None)
    importlib.import_module("yiyang.health.migrations.0003_followup_superseded_on").backfill(
        django_apps, None
    )
    got = [ChronicFollowUp.objects.get(pk=f.pk).superseded_on for f in made]
    # the two visits on the same day are ordered by entry: the first is followed by the second
    assert got == [days[1], days[2], days[3], None]


@pytest.fixture
def dm_case(users, fresh_elder, today):
    return services.enrol_case(
        fresh_elder(),
        acting_user=users["doctor_sj"],
        disease="diabetes",
        diagnosed_on=today - dt.timedelta(days=400),
        source="screening",
        enrolled_on=today - dt.timedelta(days=100),
    )


def test_an_adverse_reaction_visit_with_bp_on_target_is_not_the_first_of_two_uncontrolled(
    users, htn_case, today
):
    """国家基本公共卫生服务规范（第三版）高血压患者健康管理服务规范 2.(2): "对第一次出现血压控制不满意…或
    出现药物不良反应的患者…2周内随访"; "对连续两次出现血压控制不满意…转诊". Input: the previous visit
    controlled with an adverse reaction, this visit 160/80 at age 70 → the first uncontrolled visit:
    adjust and follow up within 2 weeks, not refer."""
    doctor = users["doctor_sj"]
    first_day = today - dt.timedelta(days=20)
    adr = services.record_followup(
        htn_case,
        acting_user=doctor,
        data=visit(
            first_day, systolic=130, diastolic=80, adverse_reaction=True, adverse_reaction_detail="干咳"
        ),
    )
    assert adr.classification == "3" and adr.controlled
    this_day = first_day + dt.timedelta(days=14)
    assert htn_case.elder.age_on(this_day) >= 65
    fu = services.record_followup(
        htn_case, acting_user=doctor, data=visit(this_day, systolic=160, diastolic=80)
    )
    assert (fu.classification, fu.rule, fu.action) == ("2", "D", "recheck")
    assert fu.next_visit_date == this_day + dt.timedelta(days=14)


def test_diabetes_follow_up_needs_blood_pressure(users, dm_case, today):
    """规范（第三版）2型糖尿病患者健康管理服务规范 2.(1): 血压 ≥180/110 mmHg is a danger sign for urgent
    referral, so every diabetes follow-up measures BP (随访服务记录表 体征: 血压)."""
    with pytest.raises(ServiceError) as exc:
        services.record_followup(
            dm_case, acting_user=users["doctor_sj"], data=visit(today, fasting_glucose=Decimal("6.5"))
        )
    assert exc.value.field == "systolic" and "糖尿病" in exc.value.message


def test_diabetes_measured_heart_rate_above_100_is_a_danger_sign(users, dm_case, today):
    """规范（第三版）2型糖尿病 2.(1): "持续性心动过速（心率超过100次/分钟）" is a danger sign: a measured
    heart rate of 105 refers urgently even when the doctor did not tick the box."""
    fu = services.record_followup(
        dm_case,
        acting_user=users["doctor_sj"],
        data=visit(today, fasting_glucose=Decimal("6.5"), systolic=130, diastolic=80, heart_rate=105),
    )
    assert (fu.rule, fu.action) == ("A", "urgent_referral")
    assert "105" in fu.referral_reason
    ok = services.record_followup(
        dm_case,
        acting_user=users["doctor_sj"],
        data=visit(today, fasting_glucose=Decimal("6.5"), systolic=130, diastolic=80, heart_rate=100),
    )
    assert ok.rule == "E"


def test_diabetes_hypoglycaemia_on_treatment_is_an_adverse_reaction_and_still_urgent(users, dm_case, today):
    """规范（第三版）2型糖尿病 2.(1) and 2.(3): 空腹血糖 ≤3.9 mmol/L is a danger sign (urgent referral);
    on glucose-lowering drugs it is a 药物不良反应 — classified 不良反应, never 控制满意."""
    fu = services.record_followup(
        dm_case,
        acting_user=users["doctor_sj"],
        data=visit(
            today,
            fasting_glucose=Decimal("3.6"),
            systolic=130,
            diastolic=80,
            adherence="1",
            medications=[{"name": "二甲双胍", "dose": "0.5g tid"}],
        ),
    )
    assert fu.classification == "3" and not fu.controlled
    assert fu.action == "urgent_referral"
