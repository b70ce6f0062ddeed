"""The one state-machine helper (core.transitions) and the elder-status machine built on it.

Every move goes through ``StateMachine.apply``: in one transaction it refuses an illegal move with
TRANSITION_NOT_ALLOWED (409, naming the current state), checks the permission (403), sets the state
and writes one history row and one audit row. The API contract (DESIGN §6) is
``POST /api/v1/<records>/{id}/transitions`` ``{"action", "reason", …}``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils import translation

from yiyang.core import services
from yiyang.core.errors import REASON_REQUIRED, REQUIRED, ServiceError
from yiyang.core.models import AuditEvent, Elder, ElderStatus, ElderStatusChange, StateTransition
from yiyang.core.scoping import scope_elders
from yiyang.core.testing.machines import walk
from yiyang.core.transitions import (
    MACHINES,
    Rules,
    StateMachine,
    TransitionNotAllowed,
    history_of,
    machine_for,
)

ELDER_STATUS = services.ELDER_STATUS


def _in_state(elder: Elder):  # type: ignore[no-untyped-def]
    def make(state: str) -> Elder:
        Elder.objects.filter(pk=elder.pk).update(status=state)
        return Elder.objects.get(pk=elder.pk)

    return make


def test_the_elder_status_machine_walks_its_whole_table(users, sj_elder, today):
    """active → deceased / moved_out, moved_out → active; every other pair refused, nothing changed.
    wjj (卫健) sees the elder but may not change it: 403 on every allowed move."""
    report = walk(
        ELDER_STATUS,
        make=_in_state(sj_elder),
        user=users["doctor_sj"],
        outsider=users["wjj"],
        extra={"effective_date": today},
    )
    assert report.allowed == 3
    assert report.refused == 3 * 4 - 3  # three states × (three actions + one unknown) − allowed


def test_the_walk_fails_a_machine_that_breaks_the_rules(users, sj_elder, today):
    """The shared walker can fail: a move that audits the record twice, or an English label."""
    from yiyang.core import audit

    def audit_again(t):  # type: ignore[no-untyped-def]
        audit.record("update", user=t.user, obj=t.obj, changes={"note": [None, "x"]})

    def machine(**rules):  # type: ignore[no-untyped-def]
        return StateMachine(
            Elder,
            table={("active", "move_out"): ("moved_out", "elder.change")},
            states=ElderStatus,
            actions={"move_out": rules.pop("label", "迁出")},
            rules={"move_out": Rules(**rules)},
            register=False,
        )

    kwargs = {"make": _in_state(sj_elder), "user": users["doctor_sj"]}
    with pytest.raises(AssertionError, match="2 audit rows"):
        walk(machine(after_save=audit_again), **kwargs)
    with pytest.raises(AssertionError, match="not Chinese"):
        walk(machine(label="Move out"), **kwargs)


def test_an_illegal_move_names_the_current_state_in_chinese(users, sj_elder, today):
    Elder.objects.filter(pk=sj_elder.pk).update(status=ElderStatus.DECEASED)
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as exc:
        ELDER_STATUS.apply(sj_elder, "move_out", acting_user=users["doctor_sj"], effective_date=today)
    assert exc.value.status == 409 and exc.value.field == "action"
    assert exc.value.message.startswith("当前状态为「死亡」，不能执行「迁出」")
    assert exc.value.as_dict()["state"] == "deceased" and exc.value.as_dict()["allowed_actions"] == []


def test_the_move_writes_history_details_and_the_legacy_status_row(users, sj_elder, today):
    day = today - dt.timedelta(days=2)
    t = ELDER_STATUS.apply(
        sj_elder, "move_out", acting_user=users["doctor_sj"], reason="随子女迁居", effective_date=day
    )
    assert sj_elder.status == "moved_out" and sj_elder.status_date == day  # the caller's copy too
    row = history_of(sj_elder).get()
    assert (row.action, row.from_state, row.to_state, row.reason) == (
        "move_out",
        "active",
        "moved_out",
        "随子女迁居",
    )
    assert row.details == {"effective_date": day.isoformat()}
    legacy = ElderStatusChange.objects.get(elder=sj_elder)
    assert t.results["status_change"] == legacy and legacy.effective_date == day
    event = AuditEvent.objects.filter(object_type="core.elder", object_id=str(sj_elder.pk)).first()
    assert event.changes == {"status": ["active", "moved_out"], "status_date": [None, day.isoformat()]}


def test_a_refusal_in_a_hook_rolls_back_everything(users, sj_elder, today):
    """The check runs before anything changes; a failure after saving undoes the save, the history
    and the audit row (one transaction)."""
    with pytest.raises(ServiceError) as exc:
        ELDER_STATUS.apply(
            sj_elder, "record_death", acting_user=users["doctor_sj"], effective_date=today + dt.timedelta(1)
        )
    assert exc.value.field == "effective_date"

    def boom(t):  # type: ignore[no-untyped-def]
        raise RuntimeError("after the save")

    machine = StateMachine(
        Elder,
        table={("active", "archive"): ("moved_out", "elder.change")},
        states=ElderStatus,
        actions={"archive": "归档"},
        rules={"archive": Rules(after_save=boom)},
        register=False,
    )
    audit_before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        machine.apply(sj_elder, "archive", acting_user=users["doctor_sj"])
    assert Elder.objects.get(pk=sj_elder.pk).status == "active"
    assert not history_of(sj_elder).exists() and AuditEvent.objects.count() == audit_before


def test_reason_and_required_arguments_are_refused_on_their_field(users, sj_elder):
    machine = StateMachine(
        Elder,
        table={("active", "close"): ("moved_out", "elder.change")},
        states=ElderStatus,
        actions={"close": "关闭"},
        rules={"close": Rules(reason_required=True, requires={"effective_date": "生效日期"})},
        register=False,
    )
    doctor = users["doctor_sj"]
    with pytest.raises(ServiceError) as exc:
        machine.apply(sj_elder, "close", acting_user=doctor, reason="  ", effective_date=dt.date(2026, 1, 1))
    assert (exc.value.code, exc.value.field) == (REASON_REQUIRED, "reason")
    with pytest.raises(ServiceError) as exc:
        machine.apply(sj_elder, "close", acting_user=doctor, reason="迁居")
    assert (exc.value.code, exc.value.field) == (REQUIRED, "effective_date")
    assert "生效日期" in exc.value.message
    with pytest.raises(PermissionDenied):
        machine.apply(sj_elder, "close", acting_user=users["wjj"], reason="迁居")
    assert Elder.objects.get(pk=sj_elder.pk).status == "active" and not history_of(sj_elder).exists()


def test_a_table_naming_an_unlabelled_state_or_action_fails_at_import():
    with pytest.raises(ImproperlyConfigured, match="state 'lost'"):
        StateMachine(
            Elder,
            table={("active", "lose"): ("lost", "elder.change")},
            states=ElderStatus,
            actions={"lose": "丢失"},
            register=False,
        )
    with pytest.raises(ImproperlyConfigured, match="action 'lose'"):
        StateMachine(
            Elder,
            table={("active", "lose"): ("deceased", "x.y")},
            states=ElderStatus,
            actions={},
            register=False,
        )
    with pytest.raises(ImproperlyConfigured, match="no state field"):
        StateMachine(Elder, table={}, states=ElderStatus, actions={}, field="phase", register=False)


def test_history_is_append_only(users, sj_elder, today):
    ELDER_STATUS.apply(sj_elder, "move_out", acting_user=users["doctor_sj"], effective_date=today)
    row = history_of(sj_elder).get()
    row.reason = "改写"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        StateTransition.objects.filter(pk=row.pk).update(reason="改写")


def test_machines_are_registered_by_model(sj_elder):
    assert MACHINES["core.elder"] is ELDER_STATUS
    assert machine_for(Elder) is ELDER_STATUS and machine_for(sj_elder) is ELDER_STATUS


# -- the API --------------------------------------------------------------------------------------


def test_api_moves_an_elder_and_answers_state_and_history_row(api_for, sj_elder, today):
    api = api_for("doctor_sj")
    r = api.post(
        f"/api/v1/elders/{sj_elder.pk}/transitions",
        {"action": "move_out", "reason": "随子女迁居", "effective_date": today.isoformat()},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["id"], body["state"], body["state_label"]) == (sj_elder.pk, "moved_out", "迁出")
    assert body["allowed_actions"] == ["move_back"]
    row = body["transition"]
    assert (row["action"], row["from_state"], row["to_state"], row["user"], row["reason"]) == (
        "move_out",
        "active",
        "moved_out",
        "doctor_sj",
        "随子女迁居",
    )
    assert row["action_label"] == "迁出" and row["details"] == {"effective_date": today.isoformat()}
    history = api.get(f"/api/v1/elders/{sj_elder.pk}/transitions").json()
    assert history["state"] == "moved_out" and [h["id"] for h in history["history"]] == [row["id"]]


@pytest.mark.parametrize("action", ["move_back", "fly"])
def test_api_refuses_an_illegal_or_unknown_action_with_409_naming_the_state(api_for, sj_elder, today, action):
    r = api_for("doctor_sj").post(
        f"/api/v1/elders/{sj_elder.pk}/transitions", {"action": action, "effective_date": today.isoformat()}
    )
    assert r.status_code == 409
    error = r.json()["errors"][0]
    assert error["code"] == "TRANSITION_NOT_ALLOWED" and error["field"] == "action"
    assert r.json()["detail"].startswith("当前状态为「在册」，不能执行")
    assert error["state"] == "active" and error["allowed_actions"] == ["record_death", "move_out"]
    assert Elder.objects.get(pk=sj_elder.pk).status == "active" and not history_of(sj_elder).exists()


def test_api_missing_date_is_422_on_its_field(api_for, sj_elder):
    r = api_for("doctor_sj").post(f"/api/v1/elders/{sj_elder.pk}/transitions", {"action": "move_out"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "effective_date"
    r = api_for("doctor_sj").post(f"/api/v1/elders/{sj_elder.pk}/transitions", {"reason": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "action"


def test_api_out_of_scope_is_404_and_without_permission_403(api_for, users, sj_elder, tp_elder, today):
    body = {"action": "move_out", "effective_date": today.isoformat()}
    assert not scope_elders(users["doctor_tp"]).filter(pk=sj_elder.pk).exists()
    assert api_for("doctor_tp").post(f"/api/v1/elders/{sj_elder.pk}/transitions", body).status_code == 404
    assert api_for("doctor_tp").get(f"/api/v1/elders/{sj_elder.pk}/transitions").status_code == 404
    assert api_for("doctor_sj").post("/api/v1/elders/999999999/transitions", body).status_code == 404
    # 卫健 sees every elder of the county but changes none
    assert api_for("wjj").post(f"/api/v1/elders/{sj_elder.pk}/transitions", body).status_code == 403
    assert api_for("wjj").get(f"/api/v1/elders/{sj_elder.pk}/transitions").json()["allowed_actions"] == []
    assert Elder.objects.get(pk=sj_elder.pk).status == "active"


def test_the_status_endpoint_still_names_the_target_status_and_writes_the_same_history(
    api_for, sj_elder, today
):
    """/elders/{id}/status keeps its shape and its refusal (422 INVALID_STATUS_CHANGE on to_status)."""
    api = api_for("doctor_sj")
    day = today.isoformat()
    r = api.post(f"/api/v1/elders/{sj_elder.pk}/status", {"to_status": "moved_out", "effective_date": day})
    assert r.status_code == 200 and r.json()["status"] == "moved_out"
    assert history_of(sj_elder).get().action == "move_out"
    again = api.post(f"/api/v1/elders/{sj_elder.pk}/status", {"to_status": "deceased", "effective_date": day})
    assert again.status_code == 422
    error = again.json()["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID_STATUS_CHANGE", "to_status")
    assert again.json()["detail"] == "状态不能从“迁出”变更为“死亡”。"


def test_earlier_status_changes_are_copied_into_the_history(users, sj_elder, today):
    """Core migration 0005 copies ElderStatusChange rows written before the generic history existed."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("yiyang.core.migrations.0005_state_transition")
    ElderStatusChange.objects.create(
        elder=sj_elder,
        from_status="active",
        to_status="moved_out",
        effective_date=today,
        reason="旧记录",
        changed_by=users["doctor_sj"],
    )
    migration.backfill_elder_status(apps, None)
    row = history_of(sj_elder).get()
    assert (row.action, row.from_state, row.to_state, row.reason, row.user) == (
        "move_out",
        "active",
        "moved_out",
        "旧记录",
        users["doctor_sj"],
    )
    assert row.details == {"effective_date": today.isoformat()}
