"""健康体检表: plausibility (refuse vs warn), completeness (HM-1's four parts), notice (HM-4), archive."""

import datetime as dt
from decimal import Decimal

import pytest

from yiyang.core.errors import ServiceError
from yiyang.core.models import AuditEvent
from yiyang.health import queries, rules, services
from yiyang.health.models import HealthArchive, HealthCheck


@pytest.fixture
def day(today):
    return today - dt.timedelta(days=40)


def test_complete_check_sets_four_parts_and_creates_the_archive(users, fresh_elder, check_data, day):
    """Given doctor_sj and a 双江 elder, when a full check is saved, then it is complete, BMI is computed,
    the archive exists with a 17-digit number of the elder's village, and an audit row is written."""
    elder = fresh_elder()
    check = services.record_health_check(elder, acting_user=users["doctor_sj"], data=check_data(day))
    assert check.is_complete and check.part_auxiliary and check.year == day.year
    assert check.bmi == Decimal("23.4")
    archive = HealthArchive.objects.get(elder=elder)
    assert archive.number.startswith(rules.archive_prefix(elder.region_id)) and len(archive.number) == 17
    assert rules.check_archive_number(archive.number)[0] == []
    assert AuditEvent.objects.filter(
        object_type="health.healthcheck", object_id=str(check.pk), action="create"
    ).exists()


def test_archive_serials_count_up_per_village(users, fresh_elder, check_data):
    """Given two new elders of the same village, their archives take consecutive serials of that
    village; asking again returns the existing archive."""
    first = fresh_elder()
    second = fresh_elder(exclude=(first.pk,))
    assert first.region_id == second.region_id  # fresh_elder registers in the township's first village
    a = services.ensure_archive(first, acting_user=users["doctor_sj"])
    b = services.ensure_archive(second, acting_user=users["doctor_sj"])
    assert a.number[:12] == b.number[:12] == rules.archive_prefix(first.region_id)
    assert int(b.number[12:]) == int(a.number[12:]) + 1
    assert services.ensure_archive(first, acting_user=users["doctor_sj"]) == a


def test_missing_auxiliary_test_leaves_the_check_incomplete(users, fresh_elder, check_data, day):
    data = check_data(day)
    del data["ldl"]
    check = services.record_health_check(fresh_elder(), acting_user=users["doctor_sj"], data=data)
    assert check.part_assessment and check.part_physical and check.part_guidance
    assert not check.part_auxiliary and not check.is_complete


@pytest.mark.parametrize(
    "rows",
    [
        ("lips", "dentition", "pharynx"),  # 口腔
        ("vision_left",),  # 视力
        ("abdominal_tenderness", "abdominal_mass", "hepatomegaly", "splenomegaly", "shifting_dullness"),
    ],
    ids=["oral", "vision", "abdomen"],
)
def test_a_check_without_the_oral_vision_or_abdomen_rows_is_not_complete(
    users, fresh_elder, check_data, day, rows
):
    """国家基本公共卫生服务规范（第三版）老年人健康管理服务规范 二.(二) 体格检查: "包括…腹部等常规体格检查，
    并对口腔、视力、听力和运动功能等进行粗测判断". Input: a full 健康体检表 without the 口腔 (or 视力, or
    腹部) rows → the physical part and the check are incomplete, so HM-1 (is_complete) does not count it."""
    data = check_data(day)
    for name in rows:
        data.pop(name)
    check = services.record_health_check(fresh_elder(), acting_user=users["doctor_sj"], data=data)
    assert not check.part_physical and not check.is_complete
    assert set(rows) & set(rules.missing_parts(services.check_values(check))["physical"])


def test_systolic_30_is_refused_and_nothing_is_written(users, fresh_elder, check_data, day):
    elder = fresh_elder()
    data = check_data(day) | {"bp_left_systolic": 30, "bp_left_diastolic": 20}
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as exc:
        services.record_health_check(elder, acting_user=users["doctor_sj"], data=data)
    assert exc.value.code == "IMPLAUSIBLE" and exc.value.field == "bp_left_systolic"
    assert not HealthCheck.objects.filter(elder=elder).exists()
    assert AuditEvent.objects.count() == before


def test_systolic_250_is_warned_and_kept_once_confirmed(users, fresh_elder, check_data, day):
    elder = fresh_elder()
    data = check_data(day) | {"bp_left_systolic": 250, "bp_left_diastolic": 100}
    with pytest.raises(ServiceError) as exc:
        services.record_health_check(elder, acting_user=users["doctor_sj"], data=data)
    assert exc.value.code == "CONFIRM_WARNINGS" and exc.value.as_list()[0]["field"] == "bp_left_systolic"
    check = services.record_health_check(
        elder, acting_user=users["doctor_sj"], data=data, confirm_warnings=True
    )
    assert check.warnings[0]["field"] == "bp_left_systolic"


def test_no_symptoms_excludes_other_symptoms(users, fresh_elder, check_data, day):
    with pytest.raises(ServiceError) as exc:
        services.record_health_check(
            fresh_elder(), acting_user=users["doctor_sj"], data=check_data(day) | {"symptoms": ["1", "2"]}
        )
    assert exc.value.field == "symptoms"


def test_never_smoker_has_no_smoking_details(users, fresh_elder, check_data, day):
    data = check_data(day) | {"smoking_status": "1", "cigarettes_per_day": 10}
    check = services.record_health_check(fresh_elder(), acting_user=users["doctor_sj"], data=data)
    assert check.cigarettes_per_day is None


def test_check_date_in_the_future_is_refused(users, fresh_elder, check_data, today):
    with pytest.raises(ServiceError) as exc:
        services.record_health_check(
            fresh_elder(), acting_user=users["doctor_sj"], data=check_data(today + dt.timedelta(days=1))
        )
    assert exc.value.code == "DATE_IN_FUTURE"


def test_officer_cannot_record_a_check(users, fresh_elder, check_data, day):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.record_health_check(fresh_elder(), acting_user=users["wjj"], data=check_data(day))


def test_overdue_notice_list_and_notice_in_time(users, fresh_elder, check_data, today, day):
    """HM-4: a check 40 days ago without notice is overdue; once notified within a month it counts."""
    elder = fresh_elder()
    check = services.record_health_check(elder, acting_user=users["doctor_sj"], data=check_data(day))
    overdue = queries.overdue_notices(queries.scope_checks(users["doctor_sj"]), today)
    assert check in overdue
    services.record_notice(check, acting_user=users["doctor_sj"], notice_date=day + dt.timedelta(days=20))
    check.refresh_from_db()
    assert rules.notified_in_time(check.check_date, check.notice_date)
    assert check not in queries.overdue_notices(queries.scope_checks(users["doctor_sj"]), today)


def test_notice_before_the_check_is_refused(users, fresh_elder, check_data, day):
    check = services.record_health_check(fresh_elder(), acting_user=users["doctor_sj"], data=check_data(day))
    with pytest.raises(ServiceError):
        services.record_notice(check, acting_user=users["doctor_sj"], notice_date=day - dt.timedelta(days=1))


def test_no_check_this_year_list_drops_the_elder_once_checked(users, fresh_elder, check_data, today):
    elder = fresh_elder()
    elders = queries.health_elders(users["doctor_sj"])
    assert queries.without_check(elders, today.year).filter(pk=elder.pk).exists()
    services.record_health_check(elder, acting_user=users["doctor_sj"], data=check_data(today))
    assert not queries.without_check(elders, today.year).filter(pk=elder.pk).exists()


def test_service_population_is_65_on_31_december(users, fresh_elder):
    """An elder turning 65 on 31 December is in that year's population; one turning 65 on 1 January
    of the next year is not."""
    from yiyang.core.models import Elder

    elder = fresh_elder()
    year = 2030
    Elder.objects.filter(pk=elder.pk).update(birth_date=dt.date(year - 65, 12, 31))
    pop = queries.service_population(Elder.objects.filter(pk=elder.pk), year)
    assert pop.exists()
    Elder.objects.filter(pk=elder.pk).update(birth_date=dt.date(year - 64, 1, 1))
    assert not queries.service_population(Elder.objects.filter(pk=elder.pk), year).exists()


def test_positive_cognitive_and_mood_screens_make_mmse_and_gds15_due(users, fresh_elder, check_data, day):
    """国家基本公共卫生服务规范（第三版）健康体检表 填表说明: 老年人认知功能 "粗筛阳性，需进一步行简易智力状态
    检查"; 老年人情感状态 "粗筛阳性，需进一步行老年抑郁评分检查". Input: a check with both screens 粗筛阳性
    and no totals → an MMSE item and a GDS-15 item due, on the elder's archive and the doctor's work list;
    a later check recording the MMSE total closes the MMSE item."""
    from yiyang.health.models import FollowThroughItem

    elder = fresh_elder()
    doctor = users["doctor_sj"]
    data = check_data(day) | {"cognitive_screen": "2", "emotional_screen": "2"}
    services.record_health_check(elder, acting_user=doctor, data=data)
    items = {i.kind: i for i in queries.archive_parts(elder).items}
    assert set(items) == {"mmse", "gds15"} and items["mmse"].due_on > day
    listed = queries.work_list(doctor, day, day + dt.timedelta(days=6))["items"]
    assert {(i.elder_id, i.kind) for i in listed} >= {(elder.pk, "mmse"), (elder.pk, "gds15")}
    later = check_data(day + dt.timedelta(days=7)) | {"cognitive_screen": "2", "cognitive_score": 26}
    services.record_health_check(elder, acting_user=doctor, data=later)
    assert {i.kind for i in queries.archive_parts(elder).items} == {"gds15"}
    assert FollowThroughItem.objects.get(elder=elder, kind="mmse").done_on == later["check_date"]


def test_high_bp_or_glucose_at_a_check_of_an_unmanaged_elder_is_suspected(
    users, fresh_elder, check_data, day
):
    """规范（第三版）高血压患者健康管理服务规范 一.(一) 筛查: 血压 ≥140/90 mmHg (not under management) →
    复查/转诊确诊; 2型糖尿病 空腹血糖 ≥7.0 mmol/L. Input: BP 146/88 and FBG 7.3 at a check of an elder in
    no management → 疑似高血压 and 疑似糖尿病 items; enrolment in hypertension management closes that one
    and puts I10 on the problem list."""
    elder = fresh_elder()
    doctor = users["doctor_sj"]
    data = check_data(day) | {
        "bp_left_systolic": 146,
        "bp_left_diastolic": 88,
        "fasting_glucose": Decimal("7.3"),
    }
    services.record_health_check(elder, acting_user=doctor, data=data)
    assert {i.kind for i in queries.archive_parts(elder).items} == {"suspected_htn", "suspected_dm"}
    services.enrol_case(
        elder,
        acting_user=doctor,
        disease="hypertension",
        diagnosed_on=day,
        source="health_check",
        enrolled_on=day,
    )
    assert {i.kind for i in queries.archive_parts(elder).items} == {"suspected_dm"}
    assert [d.icd10_code for d in queries.archive_parts(elder).diagnoses] == ["I10"]
    managed = fresh_elder(exclude=(elder.pk,))
    services.enrol_case(
        managed,
        acting_user=doctor,
        disease="hypertension",
        diagnosed_on=day,
        source="outpatient",
        enrolled_on=day,
    )
    services.record_health_check(managed, acting_user=doctor, data=data)
    assert {i.kind for i in queries.archive_parts(managed).items} == {"suspected_dm"}


def test_a_medication_recorded_on_a_check_reaches_the_current_medication_list(
    users, fresh_elder, check_data, day
):
    """规范（第三版）健康体检表 主要用药情况 feeds 个人基本信息/当前用药 (one archive, 连续性). Input: a check
    listing 氨氯地平 5mg qd → 氨氯地平 is on the current-medication list, once even when the next check lists
    it again."""
    elder = fresh_elder()
    doctor = users["doctor_sj"]
    row = {"name": "氨氯地平", "route": "口服", "dose": "5mg qd", "adherence": "1"}
    services.record_health_check(elder, acting_user=doctor, data=check_data(day) | {"medications": [row]})
    services.record_health_check(
        elder, acting_user=doctor, data=check_data(day + dt.timedelta(days=3)) | {"medications": [row]}
    )
    meds = list(queries.archive_parts(elder).medications)
    assert [(m.name, m.dose) for m in meds] == [("氨氯地平", "5mg qd")]


def test_the_self_care_level_of_the_yearly_check_sets_the_ability_category_by_the_mapping_data(
    users, fresh_elder, check_data, day, settings
):
    """国家基本公共卫生服务规范（第三版）老年人生活自理能力评估表 (可自理 0–3, 轻度依赖 4–8, 中度依赖 9–18,
    不能自理 ≥19) and GB/T 42195-2022 附录C grade ability, not 失能/半失能: the mapping is data
    (assessments/data/ability_categories.yaml, or settings.ABILITY_CATEGORIES). Input: a check with
    自理 level 不能自理 → 失能; with a county mapping where 轻度依赖 is 半失能, a 轻度依赖 check → 半失能."""
    from yiyang.core.models import ElderCategory

    elder = fresh_elder()
    services.record_health_check(
        elder, acting_user=users["doctor_sj"], data=check_data(day) | {"selfcare_level": "4"}
    )
    assert list(ElderCategory.objects.filter(elder=elder).values_list("category", flat=True)) == ["disabled"]
    settings.ABILITY_CATEGORIES = {"selfcare": {"2": "semi_disabled"}, "gbt42195": {}}
    other = fresh_elder(exclude=(elder.pk,))
    services.record_health_check(
        other, acting_user=users["doctor_sj"], data=check_data(day) | {"selfcare_level": "2"}
    )
    assert list(ElderCategory.objects.filter(elder=other).values_list("category", flat=True)) == [
        "semi_disabled"
    ]


def test_vaccination_rows_of_the_check_feed_the_65_plus_vaccination_rates(
    users, fresh_elder, check_data, day
):
    """国家基本公共卫生服务规范（第三版）健康体检表 非免疫规划预防接种史
    (名称、接种日期、接种机构). Input: a check
    listing 流感疫苗 two months before and 23价肺炎球菌多糖疫苗 three years before → influenza counted, the
    pneumococcal dose is too old; VA-1 counts the elder in its numerator."""
    from yiyang.monitoring import engine
    from yiyang.monitoring.periods import parse_period
    from yiyang.monitoring.registry import get_indicator

    elder = fresh_elder()
    rows = [
        {"name": "流感疫苗", "date": (day - dt.timedelta(days=60)).isoformat(), "institution": "双江卫生院"},
        {"name": "23价肺炎球菌多糖疫苗", "date": (day - dt.timedelta(days=1100)).isoformat()},
    ]
    check = services.record_health_check(
        elder, acting_user=users["doctor_sj"], data=check_data(day) | {"vaccinations": rows}
    )
    assert check.influenza_vaccinated and not check.pneumococcal_vaccinated
    rows = engine.numerator_rows(get_indicator("VA-1"), parse_period(str(day.year)), elder.region_id)
    assert rows.filter(pk=elder.pk).exists()


def test_every_demo_archive_number_passes_the_products_own_check(demo_db):
    """规范 §5.3: the demo county's archive numbers use the archive village segment (001–099, 101–199), so
    the product's own check neither refuses nor warns on any of them."""
    numbers = list(HealthArchive.objects.values_list("number", flat=True))
    assert numbers
    bad = [n for n in numbers if rules.check_archive_number(n) != ([], [])]
    assert bad == []


def test_a_long_prescription_lasts_up_to_12_weeks_and_reaches_the_family_doctors_review_list(
    users, fresh_elder, today
):
    """《长期处方管理规范（试行）》(国卫办医发〔2021〕17号): 慢性病长期处方 "最长不超过12周", reviewed by the
    family doctor. Input: 氨氯地平 for 12 weeks from today → review date in 12 weeks, on the doctor's work
    list for that week; 13 weeks → refused naming the field."""
    elder = fresh_elder()
    doctor = users["doctor_sj"]
    data = {"name": "氨氯地平片", "dose": "5mg qd", "started_on": today, "long_prescription": True}
    with pytest.raises(ServiceError) as exc:
        services.add_medication(elder, acting_user=doctor, data=data | {"prescribed_weeks": 13})
    assert exc.value.field == "prescribed_weeks"
    med = services.add_medication(elder, acting_user=doctor, data=data | {"prescribed_weeks": 12})
    assert med.review_on == today + dt.timedelta(weeks=12)
    week = queries.work_list(doctor, med.review_on, med.review_on + dt.timedelta(days=6))
    assert med in week["prescriptions"]
    assert med not in queries.work_list(doctor, today, today + dt.timedelta(days=6))["prescriptions"]
