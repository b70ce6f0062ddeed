"""An elder's return (moved out → active) makes the ability reassessment due at once. The trigger is
the system's consequence of a status change the institution administrator may record: it must not
require the administrator's own assessment.fill (they have none), and it names who caused it."""

import datetime as dt

from yiyang.accounts.models import User
from yiyang.assessments import services
from yiyang.assessments.models import ReassessmentTrigger
from yiyang.assessments.queries import due_list
from yiyang.core.models import Elder, ElderStatusChange
from yiyang.core.scoping import has_perm


def _resident():
    admin = User.objects.get(username="yly_admin")
    home = next(a.institution for a in admin.active_assignments if a.institution)
    return Elder.objects.filter(residence_institution=home, status="active").order_by("pk").first()


def test_an_institution_admin_records_a_return_and_a_reassessment_becomes_due(api_for, today):
    """Given a resident of 社会福利院 who moved out, and yly_admin (elder.change, no assessment.fill),
    when yly_admin records the return through the API,
    then it succeeds, the elder is active again, and an open GB/T 42195 trigger raised by yly_admin
    puts the elder on the due list."""
    elder = _resident()
    admin = User.objects.get(username="yly_admin")
    assert not has_perm(admin, "assessment.fill")
    api = api_for("yly_admin")
    out = api.post(
        f"/api/v1/elders/{elder.pk}/status",
        {"to_status": "moved_out", "effective_date": str(today - dt.timedelta(days=30)), "reason": "迁出"},
    )
    assert out.status_code == 200, out.content
    back = api.post(
        f"/api/v1/elders/{elder.pk}/status",
        {"to_status": "active", "effective_date": str(today), "reason": "返回入住"},
    )
    assert back.status_code == 200, back.content
    elder.refresh_from_db()
    assert elder.status == "active"
    assert ElderStatusChange.objects.filter(elder=elder, to_status="active").count() == 1
    trigger = ReassessmentTrigger.objects.get(elder=elder, resolved_by__isnull=True)
    assert trigger.instrument_code == services.ABILITY_INSTRUMENT
    assert trigger.raised_by == admin and "返回入住" in trigger.reason
    assert elder.pk in [e.elder.pk for e in due_list(admin)]


def test_asking_for_a_reassessment_in_person_still_needs_assessment_fill(api_for):
    """The API's 即时评估 request is a person's act: yly_admin is refused, nothing written."""
    elder = _resident()
    r = api_for("yly_admin").post(
        f"/api/v1/elders/{elder.pk}/assessments/reassessment", {"reason": "病情变化"}
    )
    assert r.status_code == 403
    assert not ReassessmentTrigger.objects.filter(elder=elder).exists()
