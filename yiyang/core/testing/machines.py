"""Walk a state machine's whole table: every (state, action) pair, allowed or not.

Any app's tests use it for their machine::

    from yiyang.core.testing.machines import walk

    def test_the_order_machine(users):
        report = walk(
            ORDER,
            make=lambda state: make_order(status=state),   # a fresh record in that state
            user=users["nurse_sj"],                        # or (state, action) -> user
            outsider=users["mzj"],                         # lacks every permission: 403, nothing moves
        )
        assert report.allowed == len(ORDER.table)

For each state and each action of the machine (and one action it does not know):

- an allowed move succeeds, leaves the record in the table's new state, and writes exactly one history
  row (from, to, action, user, reason) and exactly one audit row about the record (the state change,
  the reason, the user);
- a refused move raises ``TRANSITION_NOT_ALLOWED`` (409) whose message names the current state, and
  changes nothing: the state, the history and the audit trail of the record are as before;
- with ``outsider``, an allowed move by a user without its permission raises ``PermissionDenied`` and
  changes nothing either.

It also checks that every state and action label reads in Chinese (a label left untranslated would
show English in a refusal).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import translation

from yiyang.core.audit import object_type_of
from yiyang.core.errors import TRANSITION_NOT_ALLOWED, ServiceError
from yiyang.core.models import AuditEvent
from yiyang.core.transitions import StateMachine, history_of

UNKNOWN_ACTION = "no_such_action"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
REASON = "按流程测试"

UserFor = Any  # a user, or (state, action) -> user


@dataclass
class WalkReport:
    allowed: int = 0
    refused: int = 0
    pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (state, action, "ok"/"refused")


def _call(value: Any, state: str, action: str) -> Any:
    return value(state, action) if callable(value) else value


def _snapshot(machine: StateMachine, obj: models.Model) -> tuple[str, list[int], list[int]]:
    row = type(obj)._default_manager.get(pk=obj.pk)
    history = list(history_of(obj).values_list("pk", flat=True))
    audit = list(
        AuditEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).values_list(
            "pk", flat=True
        )
    )
    return getattr(row, machine.field), history, audit


def walk(
    machine: StateMachine,
    *,
    make: Callable[[str], models.Model],
    user: UserFor,
    extra: Callable[[str, str], dict[str, Any]] | dict[str, Any] | None = None,
    outsider: UserFor | None = None,
    reason: str = REASON,
) -> WalkReport:
    """Try every action from every state on a fresh record from ``make``; assert the rules above."""
    with translation.override("zh-hans"):
        for name, label in [*machine.state_labels.items(), *machine.action_labels.items()]:
            assert CHINESE.search(str(label)), f"{machine.label}: label of {name!r} is not Chinese: {label}"
    report = WalkReport()
    for state in machine.states:
        for action in [*machine.actions, UNKNOWN_ACTION]:
            obj = make(state)
            assert getattr(obj, machine.field) == state, f"make({state!r}) gave a record in another state"
            kwargs = dict(_call(extra, state, action) or {})
            before = _snapshot(machine, obj)
            move = machine.table.get((state, action))
            where = f"{machine.label}: {state} --{action}-->"
            if move is None:
                with pytest.raises(ServiceError) as refused:
                    machine.apply(
                        obj, action, acting_user=_call(user, state, action), reason=reason, **kwargs
                    )
                exc = refused.value
                assert exc.code == TRANSITION_NOT_ALLOWED and exc.status == 409, f"{where} {exc.code}"
                assert machine.state_label(state) in exc.message, f"{where} message names no state"
                assert _snapshot(machine, obj) == before, f"{where} a refused move changed something"
                report.refused += 1
                report.pairs.append((state, action, "refused"))
                continue
            new_state, _perm = move
            stranger = _call(outsider, state, action) if outsider is not None else None
            if stranger is not None:
                with pytest.raises(PermissionDenied):
                    machine.apply(obj, action, acting_user=stranger, reason=reason, **kwargs)
                assert _snapshot(machine, obj) == before, f"{where} a forbidden move changed something"
            actor = _call(user, state, action)
            t = machine.apply(obj, action, acting_user=actor, reason=reason, **kwargs)
            now, history, audit = _snapshot(machine, obj)
            assert now == new_state == getattr(obj, machine.field), f"{where} ended in {now}"
            added = [pk for pk in history if pk not in before[1]]
            assert len(added) == 1, f"{where} wrote {len(added)} history rows"
            row = history_of(obj).get(pk=added[0])
            assert (row.from_state, row.to_state, row.action, row.user_id, row.reason) == (
                state,
                new_state,
                action,
                actor.pk,
                reason,
            ), where
            assert t.history is not None and t.history.pk == row.pk
            audited = [pk for pk in audit if pk not in before[2]]
            assert len(audited) == 1, f"{where} wrote {len(audited)} audit rows about the record"
            event = AuditEvent.objects.get(pk=audited[0])
            assert event.action == "update" and event.user_id == actor.pk and event.reason == reason, where
            assert event.changes[machine.field] == [state, new_state], where
            report.allowed += 1
            report.pairs.append((state, action, "ok"))
    assert report.allowed == len(machine.table), "the walk missed a row of the table"
    return report
