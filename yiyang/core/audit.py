"""Writing and reading the audit trail (审计日志).

``record`` is the only writer. Services call it inside their transaction, so a refused or failed
write leaves no audit row claiming it happened. Personal values never enter the trail: changes to
encrypted fields are recorded as "changed" without old or new values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model, QuerySet

from . import clock
from .middleware import current_context
from .models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from yiyang.accounts.models import User

PROTECTED_MARK = "•••"


def object_type_of(obj: Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    action: str,
    *,
    user: User | None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    field: str = "",
    reason: str = "",
    username: str = "",
    channel: str = "",
) -> AuditEvent:
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:120]
    ctx = current_context()
    return AuditEvent.objects.create(
        user=user if user is not None and user.pk else None,
        username=(user.get_username() if user is not None and user.pk else username)[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:120],
        field=field,
        changes=changes or {},
        reason=reason[:200],
        ip=ctx.ip if ctx else None,
        channel=channel or (ctx.channel if ctx else "task"),
    )


def record_many(
    action: str, *, user: User, objects: list[Model], reason: str = "", changes: dict[str, Any] | None = None
) -> int:
    """One row per distinct object, in one INSERT (a list page that shows many elders' records, an
    export): the same fields ``record`` writes. Returns the number of rows written."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    unique = list({(object_type_of(o), o.pk): o for o in objects}.values())
    if not unique:
        return 0
    ctx = current_context()
    now = clock.now()
    rows = [
        AuditEvent(
            at=now,
            user=user if user.pk else None,
            username=user.get_username()[:150] if user.pk else "",
            action=action,
            object_type=object_type_of(o),
            object_id=str(o.pk),
            object_repr=str(o)[:120],
            reason=reason[:200],
            changes=changes or {},
            ip=ctx.ip if ctx else None,
            channel=ctx.channel if ctx else "task",
        )
        for o in unique
    ]
    with transaction.atomic():
        AuditEvent.objects.bulk_create(rows)
    return len(rows)


def diff(before: dict[str, Any], after: dict[str, Any], *, protected: frozenset[str] = frozenset()) -> dict:
    """Field-by-field ``{"field": [old, new]}``; protected fields show only that they changed."""
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [PROTECTED_MARK, PROTECTED_MARK] if key in protected else [_plain(old), _plain(new)]
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def events_for_object(object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    """Audit rows about one object. Callers must have scoped the object first."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
