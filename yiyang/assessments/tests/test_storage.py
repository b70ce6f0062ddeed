"""Stored assessments: drafts, finalising with a content hash, corrections, the elder's ability category
and the reassessment due list — through the services, as the demo personas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yiyang.assessments import services
from yiyang.assessments.models import AssessmentResponse, ReassessmentTrigger
from yiyang.assessments.queries import changes_since, due_list, previous_of
from yiyang.core import services as core_services
from yiyang.core.errors import ServiceError
from yiyang.core.models import AuditEvent, ElderCategory, ElderStatus

from .helpers import with_total

BARTHEL_FULL = {"1": 10, "2": 5, "3": 5, "4": 10, "5": 10, "6": 10, "7": 10, "8": 15, "9": 15, "10": 10}


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day} 10:00"))


def gbt(elder, user, total: int, *, when: str | None = None, **extra):
    return services.start_assessment(
        elder,
        acting_user=user,
        instrument_code="gbt42195",
        answers=with_total("gbt42195", total, **extra),
        assessed_at=at(when) if when else None,
        finalise=True,
    )


def ability_categories(elder) -> dict[str, str]:
    return dict(
        ElderCategory.objects.filter(elder=elder, category__in=["disabled", "semi_disabled"]).values_list(
            "category", "source_ref"
        )
    )


def test_draft_then_finalise_records_version_assessor_time_and_hash(users, sj_elder):
    """A draft keeps partial answers and running sub-totals; finalising scores, seals and audits."""
    doctor = users["doctor_sj"]
    draft = services.start_assessment(
        sj_elder, acting_user=doctor, instrument_code="barthel", answers={"1": 10, "2": 5}
    )
    assert draft.status == "draft" and draft.total == 15 and draft.level_code == ""
    draft = services.update_draft(draft, acting_user=doctor, answers=BARTHEL_FULL)
    final = services.finalise_response(draft, acting_user=doctor)
    final.refresh_from_db()
    assert final.status == "final"
    assert (final.instrument_code, final.instrument_version) == ("barthel", "2013.1")
    assert final.assessor == doctor and final.elder == sj_elder
    assert final.total == 100 and final.level_name == "无需依赖"
    assert len(final.content_hash) == 64 and services.hash_matches(final)
    actions = list(
        AuditEvent.objects.filter(object_type="assessments.assessmentresponse", object_id=str(final.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update"]


def test_content_hash_detects_a_changed_answer(users, sj_elder):
    """The hash covers answers, scores, level, assessor, elder, time and version."""
    response = services.start_assessment(
        sj_elder,
        acting_user=users["doctor_sj"],
        instrument_code="barthel",
        answers=BARTHEL_FULL,
        finalise=True,
    )
    response.answers = {**response.answers, "1": "5"}
    assert not services.hash_matches(response)


def test_finalised_response_is_never_edited(users, sj_elder):
    """No edit path for a final response: the service (409), the model and bulk updates all refuse."""
    doctor = users["doctor_sj"]
    final = services.start_assessment(
        sj_elder, acting_user=doctor, instrument_code="barthel", answers=BARTHEL_FULL, finalise=True
    )
    with pytest.raises(ServiceError) as exc:
        services.update_draft(final, acting_user=doctor, answers=BARTHEL_FULL | {"1": 5})
    assert exc.value.code == "RESPONSE_FINAL" and exc.value.status == 409
    reloaded = AssessmentResponse.objects.get(pk=final.pk)
    reloaded.note = "changed"
    with pytest.raises(PermissionError):
        reloaded.save()
    with pytest.raises(PermissionError):
        AssessmentResponse.objects.filter(pk=final.pk).update(total=0)
    with pytest.raises(PermissionError):
        AssessmentResponse.objects.filter(pk=final.pk).delete()
    assert AssessmentResponse.objects.get(pk=final.pk).total == 100


def test_correction_supersedes_the_original_and_both_are_kept(users, sj_elder):
    """A correction is a new final response pointing at the original; only the correction is current."""
    doctor = users["doctor_sj"]
    original = services.start_assessment(
        sj_elder, acting_user=doctor, instrument_code="barthel", answers=BARTHEL_FULL, finalise=True
    )
    correction = services.start_assessment(
        sj_elder,
        acting_user=doctor,
        instrument_code="barthel",
        answers=BARTHEL_FULL | {"8": 5},
        supersedes=original,
        finalise=True,
    )
    assert correction.supersedes == original
    assert AssessmentResponse.objects.filter(pk__in=[original.pk, correction.pk]).count() == 2
    assert list(AssessmentResponse.objects.current().filter(elder=sj_elder, instrument_code="barthel")) == [
        correction
    ]
    assert AssessmentResponse.objects.get(pk=original.pk).total == 100
    with pytest.raises(ServiceError) as exc:
        services.start_assessment(
            sj_elder, acting_user=doctor, instrument_code="barthel", answers=BARTHEL_FULL, supersedes=original
        )
    assert exc.value.code == "SUPERSEDE_MISMATCH"


def test_correction_of_another_instrument_is_refused(users, sj_elder):
    doctor = users["doctor_sj"]
    original = services.start_assessment(
        sj_elder, acting_user=doctor, instrument_code="barthel", answers=BARTHEL_FULL, finalise=True
    )
    with pytest.raises(ServiceError) as exc:
        services.start_assessment(
            sj_elder, acting_user=doctor, instrument_code="minicog", answers={}, supersedes=original
        )
    assert exc.value.field == "supersedes"


def test_finalising_incomplete_answers_is_refused_naming_each_item(users, sj_elder):
    """Finalise needs every required item; the refusal lists the unanswered ones and writes nothing."""
    doctor = users["doctor_sj"]
    draft = services.start_assessment(
        sj_elder, acting_user=doctor, instrument_code="barthel", answers={"1": 10}
    )
    with pytest.raises(ServiceError) as exc:
        services.finalise_response(draft, acting_user=doctor)
    assert [e["field"] for e in exc.value.errors] == [str(n) for n in range(2, 11)]
    assert "2 洗澡：未作答" in exc.value.errors[0]["message"]
    assert AssessmentResponse.objects.get(pk=draft.pk).status == "draft"


def test_officer_cannot_record_an_assessment(users, sj_elder):
    """卫健委 officers read; only roles named in the instrument's required_roles may assess."""
    before = AssessmentResponse.objects.count()
    with pytest.raises(PermissionDenied):
        services.start_assessment(sj_elder, acting_user=users["wjj"], instrument_code="barthel", answers={})
    assert AssessmentResponse.objects.count() == before


@pytest.mark.parametrize(
    ("total", "category"),
    [(90, None), (89, "semi_disabled"), (46, "semi_disabled"), (45, "disabled"), (20, "disabled")],
)
def test_final_ability_level_sets_the_elders_category_with_the_source(users, sj_elder, total, category):
    """GB/T 42195 final level → 完好: none; 轻度/中度: 半失能; 重度/完全: 失能 — linked to the response."""
    response = gbt(sj_elder, users["doctor_sj"], total)
    expected = {category: f"assessments.response:{response.pk}"} if category else {}
    assert ability_categories(sj_elder) == expected


def test_new_level_replaces_the_old_category_and_is_audited(users, sj_elder):
    """半失能 then a 重度 assessment: 半失能 is removed, 失能 set, and the elder's audit says so."""
    doctor = users["doctor_sj"]
    gbt(sj_elder, doctor, 70, when="2025-01-10")
    second = gbt(sj_elder, doctor, 40, when="2025-02-10")
    assert ability_categories(sj_elder) == {"disabled": f"assessments.response:{second.pk}"}
    event = (
        AuditEvent.objects.filter(object_type="core.elder", object_id=str(sj_elder.pk))
        .order_by("-id")
        .first()
    )
    assert event.changes == {"categories": [["semi_disabled"], ["disabled"]]}


def test_an_older_assessment_finalised_later_does_not_override_the_category(users, sj_elder):
    """Only the most recent assessment (by assessment time) decides the category."""
    doctor = users["doctor_sj"]
    newer = gbt(sj_elder, doctor, 40, when="2025-03-01")
    gbt(sj_elder, doctor, 80, when="2025-01-01")
    assert ability_categories(sj_elder) == {"disabled": f"assessments.response:{newer.pk}"}


def test_dementia_level_change_reaches_the_category(users, sj_elder):
    """The category follows the final level (after C.4), not the preliminary one: 66 + dementia → 中度."""
    response = gbt(sj_elder, users["doctor_sj"], 66, **{"A.4.1": ["dementia"]})
    assert response.level_code == "2"
    assert "semi_disabled" in ability_categories(sj_elder)


def test_reassessment_is_due_12_months_after_the_assessment(users, sj_elder):
    """GB/T 42195 validity 12 months: not due the day before, due on the date."""
    response = gbt(sj_elder, users["doctor_sj"], 70, when="2025-03-10")
    assert response.reassessment_due == dt.date(2026, 3, 10)
    doctor = users["doctor_sj"]
    assert sj_elder.pk not in {e.elder.pk for e in due_list(doctor, on=dt.date(2026, 3, 9))}
    due = {e.elder.pk: e for e in due_list(doctor, on=dt.date(2026, 3, 10))}
    assert due[sj_elder.pk].reasons == ["due"]
    assert due[sj_elder.pk].last_response_id == response.pk


def test_return_after_moving_out_makes_reassessment_due_at_once(users, sj_elder, today):
    """即时评估: a status change back to active raises a trigger; the next final assessment resolves it."""
    doctor = users["doctor_sj"]
    gbt(sj_elder, doctor, 70, when="2025-03-10")
    core_services.change_status(
        sj_elder, acting_user=doctor, to_status=ElderStatus.MOVED_OUT, effective_date=today, reason="外出"
    )
    core_services.change_status(
        sj_elder, acting_user=doctor, to_status=ElderStatus.ACTIVE, effective_date=today, reason="返回居住"
    )
    due = {e.elder.pk: e for e in due_list(doctor, on=dt.date(2025, 4, 1))}
    assert "返回居住" in due[sj_elder.pk].reasons[0]
    resolving = gbt(sj_elder, doctor, 70)
    assert ReassessmentTrigger.objects.get(elder=sj_elder).resolved_by == resolving
    assert sj_elder.pk not in {e.elder.pk for e in due_list(doctor, on=dt.date(2025, 4, 1))}


def test_due_list_is_scoped_to_the_users_elders(users, sj_elder):
    """太平 doctor does not see 双江's elder in the due list; the county officer does."""
    gbt(sj_elder, users["doctor_sj"], 70, when="2024-01-05")
    on = dt.date(2025, 6, 1)
    assert sj_elder.pk not in {e.elder.pk for e in due_list(users["doctor_tp"], on=on)}
    assert sj_elder.pk in {e.elder.pk for e in due_list(users["wjj"], on=on)}


def test_result_shows_what_changed_since_the_previous_assessment(users, sj_elder):
    """Total, sub-totals and level compared with the previous current assessment of the instrument."""
    doctor = users["doctor_sj"]
    gbt(sj_elder, doctor, 70, when="2025-01-10")
    second = gbt(sj_elder, doctor, 40, when="2025-02-10")
    changes = {c.key: (c.before, c.after) for c in changes_since(second, previous_of(second))}
    assert changes["total"] == (70, 40)
    assert changes["level"] == ("能力轻度受损（轻度失能）", "能力重度受损（重度失能）")
