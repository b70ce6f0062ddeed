"""State machines (DESIGN §3): allowed moves in one table, every move recorded with who, when and why.

A record with a life cycle (an elder's status, a scorecard, an assessment, a contract; later referrals,
agreements, stays, sickbeds, service orders, rectification items, alerts) declares one
:class:`StateMachine`::

    ORDER = StateMachine(
        ServiceOrder,
        table={
            ("requested", "accept"): ("accepted", "order.handle"),
            ("accepted", "close"): ("closed", "order.handle"),
        },
        states=OrderStatus,                       # TextChoices: the labels name states in messages
        actions={"accept": _("Accept"), "close": _("Close")},
        rules={"close": Rules(reason_required=True, after_save=_release_grant)},
    )
    ORDER.apply(order, "close", acting_user=user, reason="服务完成")

:meth:`StateMachine.apply` is the only way a state changes. In one transaction it locks the row, refuses
an illegal move (``TRANSITION_NOT_ALLOWED``, HTTP 409, naming the current state), checks the move's
permission (403, as :func:`yiyang.core.scoping.require_perm`), runs the action's rules, sets the state,
and writes one :class:`~yiyang.core.models.StateTransition` history row and one audit row. Scoping is
the caller's job (a view fetches the record through its scoped getter first, so out of scope is 404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from . import audit
from .actors import is_system
from .errors import REASON_REQUIRED, REQUIRED, TRANSITION_NOT_ALLOWED, ServiceError
from .models import StateTransition
from .scoping import has_perm, require_perm

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from yiyang.accounts.models import User

#: (state, action) → (new state, permission)
Table = Mapping[tuple[str, str], tuple[str, str]]
Hook = Callable[["Transition"], None]

#: the permission of a move only the system actor makes (:mod:`yiyang.core.actors`), e.g. an agreement
#: expiring when its end date has passed: no role holds it, and no person can make the move
SYSTEM_MOVE = "system.move"

#: every machine, by model label ("core.elder"); filled as the modules that declare them are imported
MACHINES: dict[str, StateMachine] = {}


@dataclass(frozen=True)
class Rules:
    """What one action needs besides its row in the table.

    - ``reason_required``: a blank reason is refused (422 on ``reason``), e.g. returning or ending.
    - ``requires``: extra arguments that must be given, ``{name: label}`` (422 on ``name``).
    - ``check``: runs before anything changes; refuses with :class:`ServiceError` or ``PermissionDenied``
      (a completeness rule, a date rule, four eyes).
    - ``before_save``: runs after the state is set on the locked row, before it is saved; sets the
      fields that move with the state (submitted_at, ended_on …) and notes them with ``t.change``.
    - ``after_save``: runs after the row is saved; writes other rows (cancelled services, a renewal,
      a grant) and may put what it made into ``t.results``.
    - ``may``: ``(user, record) -> bool``, a rule about this user and this record beyond the permission
      (four eyes: not the preparer), so buttons and ``allowed_actions`` leave the action out; ``check``
      must still refuse it with a message.
    """

    reason_required: bool = False
    requires: Mapping[str, StrOrPromise] = field(default_factory=dict)
    check: Hook | None = None
    before_save: Hook | None = None
    after_save: Hook | None = None
    may: Callable[[Any, Any], bool] | None = None


@dataclass
class Transition:
    """One move under way, handed to the action's hooks; :meth:`StateMachine.apply` returns it done."""

    machine: StateMachine
    obj: Any
    action: str
    from_state: str
    to_state: str
    user: User
    reason: str
    extra: dict[str, Any]
    #: audited field changes besides the state, {field: [old, new]} (``change`` fills it)
    changes: dict[str, list[Any]] = field(default_factory=dict)
    #: what hooks made that the caller may want (a renewal contract, a legacy history row)
    results: dict[str, Any] = field(default_factory=dict)
    #: stored on the history row: the arguments (JSON-plain), plus what hooks add (a renewal's id)
    details: dict[str, Any] = field(default_factory=dict)
    history: StateTransition | None = None

    def change(self, name: str, old: Any, new: Any) -> None:
        """Record a field that moved with the state, for the audit row (values made JSON-plain)."""
        if old != new:
            self.changes[name] = [_plain(old), _plain(new)]


class TransitionNotAllowed(ServiceError):
    """An illegal move (or an action the machine does not know): 409 naming the current state."""

    def __init__(self, machine: StateMachine, state: str, action: str) -> None:
        allowed = machine.actions_from(state)
        message = _("The current state is “%(state)s”: “%(action)s” cannot be done.") % {
            "state": machine.state_label(state),
            "action": machine.action_label(action),
        }
        if allowed:
            message += _(" Possible now: %(actions)s.") % {
                "actions": "、".join(machine.action_label(a) for a in allowed)
            }
        else:
            message += _(" Nothing more can be done in this state.")
        super().__init__(
            TRANSITION_NOT_ALLOWED,
            message,
            field="action",
            status=409,
            extra={"state": state, "allowed_actions": allowed},
        )
        self.state = state
        self.action = action


class StateMachine:
    """One record type's life cycle: the table, the labels, the per-action rules, and ``apply``."""

    def __init__(
        self,
        model: type[models.Model],
        *,
        table: Table,
        states: type[models.TextChoices] | Mapping[str, StrOrPromise],
        actions: Mapping[str, StrOrPromise],
        field: str = "status",
        rules: Mapping[str, Rules] | None = None,
        select_related: Iterable[str] = (),
        register: bool = True,
    ) -> None:
        self.model = model
        self.table: dict[tuple[str, str], tuple[str, str]] = dict(table)
        self.state_labels: dict[str, StrOrPromise] = (
            dict(states.choices) if isinstance(states, type) else dict(states)
        )
        self.action_labels: dict[str, StrOrPromise] = dict(actions)
        self.field = field
        self.rules: dict[str, Rules] = dict(rules or {})
        self.select_related = tuple(select_related)
        self._validate()
        if register:
            MACHINES[self.label] = self

    def _validate(self) -> None:
        """A table that names an unknown state, action or field fails at import, not in a request."""
        name = self.model._meta.label
        try:
            self.model._meta.get_field(self.field)
        except Exception as exc:
            raise ImproperlyConfigured(f"{name}: no state field {self.field!r}") from exc
        for (state, action), (new, perm) in self.table.items():
            for s in (state, new):
                if s not in self.state_labels:
                    raise ImproperlyConfigured(f"{name}: state {s!r} has no label")
            if action not in self.action_labels:
                raise ImproperlyConfigured(f"{name}: action {action!r} has no label")
            if not perm:
                raise ImproperlyConfigured(f"{name}: ({state!r}, {action!r}) names no permission")
        unknown = set(self.rules) - set(self.action_labels)
        if unknown:
            raise ImproperlyConfigured(f"{name}: rules for unknown actions {sorted(unknown)}")

    # -- reading the table ----------------------------------------------------------------------

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def states(self) -> list[str]:
        return list(self.state_labels)

    @property
    def actions(self) -> list[str]:
        return list(self.action_labels)

    def state_label(self, state: str) -> str:
        return str(self.state_labels.get(state, state))

    def action_label(self, action: str) -> str:
        return str(self.action_labels.get(action, action))

    def actions_from(self, state: str) -> list[str]:
        """Actions the table allows from ``state``, in the order the actions were declared."""
        return [a for a in self.action_labels if (state, a) in self.table]

    def action_between(self, from_state: str, to_state: str) -> str | None:
        """The action that moves ``from_state`` to ``to_state`` (for callers that name the target)."""
        for (state, action), (new, _perm) in self.table.items():
            if state == from_state and new == to_state:
                return action
        return None

    def can(self, user: User | AnonymousUser, obj: models.Model, action: str) -> bool:
        """Whether the table allows ``action`` now and ``user`` holds its permission (for buttons;
        an action's ``check`` may still refuse)."""
        move = self.table.get((getattr(obj, self.field), action))
        if move is None or not _permitted(user, move[1]):
            return False
        may = self.rules.get(action, Rules()).may
        return may is None or may(user, obj)

    def available(self, user: User | AnonymousUser, obj: models.Model) -> list[str]:
        return [a for a in self.actions_from(getattr(obj, self.field)) if self.can(user, obj, a)]

    # -- moving ---------------------------------------------------------------------------------

    def lock(self, obj: models.Model) -> Any:
        """The record's row, locked until the transaction ends (``of=self`` so a nullable related
        row joined for reading is not locked, which PostgreSQL refuses)."""
        qs = self.model._default_manager.select_related(*self.select_related)
        if self.select_related:
            return qs.select_for_update(of=("self",)).get(pk=obj.pk)
        return qs.select_for_update().get(pk=obj.pk)

    def apply(
        self,
        obj: models.Model,
        action: str,
        *,
        acting_user: User | AnonymousUser,
        reason: str = "",
        **extra: Any,
    ) -> Transition:
        """Move ``obj`` by ``action``, or refuse and change nothing.

        One transaction: lock the row; refuse an illegal move (409); check the permission (403); check
        the action's reason, required arguments and ``check`` hook (422 or the hook's own refusal);
        set the state, run ``before_save``, save, run ``after_save``; write the history row and the
        audit row. The caller's ``obj`` is refreshed in place, so it shows the new state. (An anonymous
        ``acting_user`` holds no permission, so it is refused with 403 like any user without it.)
        """
        with transaction.atomic():
            row = self.lock(obj)
            from_state = getattr(row, self.field)
            move = self.table.get((from_state, action))
            if move is None:
                raise TransitionNotAllowed(self, from_state, action)
            to_state, perm = move
            if perm == SYSTEM_MOVE:
                if not is_system(acting_user):
                    raise PermissionDenied(perm)
            else:
                require_perm(acting_user, perm)
            user = cast("User", acting_user)
            rules = self.rules.get(action, Rules())
            reason = (reason or "").strip()
            if rules.reason_required and not reason:
                raise ServiceError(REASON_REQUIRED, _("Reason: required for this step."), field="reason")
            for name, label in rules.requires.items():
                if extra.get(name) in (None, "", [], {}):
                    raise ServiceError(REQUIRED, _("%(field)s: required.") % {"field": label}, field=name)
            t = Transition(
                machine=self,
                obj=row,
                action=action,
                from_state=from_state,
                to_state=to_state,
                user=user,
                reason=reason,
                extra=extra,
                details={k: _plain(v) for k, v in extra.items() if v is not None},
            )
            if rules.check:
                rules.check(t)
            setattr(row, self.field, to_state)
            if rules.before_save:
                rules.before_save(t)
            row.save()
            if rules.after_save:
                rules.after_save(t)
            t.history = StateTransition.objects.create(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=row.pk,
                from_state=from_state,
                to_state=to_state,
                action=action,
                user=user,
                reason=reason[:200],
                details=t.details,
            )
            audit.record(
                "update",
                user=user,
                obj=row,
                changes={self.field: [from_state, to_state], **t.changes},
                reason=reason,
            )
        _refresh(obj, row)
        return t

    def history(self, obj: models.Model) -> models.QuerySet[StateTransition]:
        return history_of(obj)


def _permitted(user: User | AnonymousUser, perm: str) -> bool:
    return is_system(user) if perm == SYSTEM_MOVE else has_perm(user, perm)


def history_of(obj: models.Model) -> models.QuerySet[StateTransition]:
    """The record's moves, oldest first. Callers must have scoped the record first."""
    return StateTransition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("user")


def machine_for(model: type[models.Model] | models.Model) -> StateMachine:
    return MACHINES[model._meta.label_lower]


def _refresh(target: models.Model, source: models.Model) -> None:
    """Give the caller's instance the saved row's values (and the model's own markers, such as a
    sealed assessment's loaded status), so code holding it sees the move."""
    if target is source:
        return
    for key, value in source.__dict__.items():
        if key not in ("_state", "_prefetched_objects_cache"):
            target.__dict__[key] = value


def _plain(value: Any) -> Any:
    """A JSON-safe copy: dates as ISO text, records as their primary keys."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


# -- what the API answers -----------------------------------------------------------------------------


def history_row(machine: StateMachine, row: StateTransition) -> dict[str, Any]:
    return {
        "id": row.pk,
        "action": row.action,
        "action_label": machine.action_label(row.action),
        "from_state": row.from_state,
        "from_label": machine.state_label(row.from_state),
        "to_state": row.to_state,
        "to_label": machine.state_label(row.to_state),
        "user": row.user.get_username() if row.user_id else "",
        "at": row.at,
        "reason": row.reason,
        "details": row.details,
    }


def transition_out(t: Transition) -> dict[str, Any]:
    """The answer to ``POST …/{id}/transitions``: the record's state now and the history row."""
    assert t.history is not None
    state = getattr(t.obj, t.machine.field)
    return {
        "id": t.obj.pk,
        "state": state,
        "state_label": t.machine.state_label(state),
        "allowed_actions": t.machine.available(t.user, t.obj),
        "transition": history_row(t.machine, t.history),
    }


def history_out(machine: StateMachine, obj: models.Model, user: User | AnonymousUser) -> dict[str, Any]:
    """The answer to ``GET …/{id}/transitions``: the state now, what the user may do, every move."""
    state = getattr(obj, machine.field)
    return {
        "id": obj.pk,
        "state": state,
        "state_label": machine.state_label(state),
        "allowed_actions": machine.available(user, obj),
        "history": [history_row(machine, r) for r in history_of(obj)],
    }
