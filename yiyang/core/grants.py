"""Writing access grants (DESIGN §2: scope is data).

A relationship that opens an elder's record to someone — a family-doctor contract today; an agreement,
an open referral, a sickbed or a service order next — writes an :class:`~yiyang.core.models.AccessGrant`
from the service that creates the relationship, and ends it from the service that ends the
relationship. These functions run inside the caller's transaction (they refuse to run outside one), so
the relationship and its grant are written or refused together; the caller's audit row covers both.

A grant names its source record (``health.contract`` / ``123``): the source, the grantee and the elder
identify a grant, so granting again for the same source moves its window instead of adding a row.
Windows are inclusive at both ends (``valid_from <= day <= valid_to``); no ``valid_to`` means open.
:mod:`yiyang.core.scoping` reads grants; nothing else decides who sees an elder.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models, transaction

from . import clock
from .models import AccessGrant, CareTeam, Elder, Institution

if TYPE_CHECKING:
    from yiyang.accounts.models import User


def source_of(record: models.Model) -> tuple[str, str]:
    """``("health.contract", "123")`` for a saved record: how a grant names its source."""
    if record.pk is None:
        raise ValueError("a grant's source must be saved first")
    return f"{record._meta.app_label}.{record._meta.model_name}", str(record.pk)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("access grants are written inside the transaction of the relationship's service")


def grant(
    source: models.Model,
    *,
    elder: Elder,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    user: User | None = None,
    team: CareTeam | None = None,
    institution: Institution | None = None,
) -> AccessGrant:
    """Open ``elder`` to exactly one grantee from ``valid_from`` to ``valid_to`` (inclusive) because of
    ``source``. Granting again for the same source, grantee and elder sets the window of that grant."""
    _require_transaction()
    grantees = {"user": user, "team": team, "institution": institution}
    given = {k: v for k, v in grantees.items() if v is not None}
    if len(given) != 1:
        raise ValueError("a grant has exactly one grantee: a user, a team or an institution")
    if valid_to is not None and valid_to < valid_from:
        raise ValueError("a grant's window ends before it begins")
    source_type, source_id = source_of(source)
    existing = (
        AccessGrant.objects.select_for_update()
        .filter(source_type=source_type, source_id=source_id, elder=elder, **given)
        .first()
    )
    if existing is None:
        return AccessGrant.objects.create(
            elder=elder,
            valid_from=valid_from,
            valid_to=valid_to,
            source_type=source_type,
            source_id=source_id,
            **given,
        )
    if (existing.valid_from, existing.valid_to) != (valid_from, valid_to):
        existing.valid_from, existing.valid_to = valid_from, valid_to
        existing.save(update_fields=["valid_from", "valid_to", "updated_at"])
    return existing


def new_grant(
    source: models.Model,
    *,
    elder_id: int,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    user_id: int | None = None,
    team_id: int | None = None,
    institution_id: int | None = None,
) -> AccessGrant:
    """An unsaved grant for ``source``, for loaders that bulk-create records without their services
    (the demo, benchmarks). Services call :func:`grant`."""
    source_type, source_id = source_of(source)
    return AccessGrant(
        elder_id=elder_id,
        user_id=user_id,
        team_id=team_id,
        institution_id=institution_id,
        valid_from=valid_from,
        valid_to=valid_to,
        source_type=source_type,
        source_id=source_id,
    )


def grants_from(source: models.Model) -> models.QuerySet[AccessGrant]:
    """Every grant ``source`` wrote."""
    source_type, source_id = source_of(source)
    return AccessGrant.objects.filter(source_type=source_type, source_id=source_id)


def end_grants(source: models.Model, *, last_day: dt.date, elder: Elder | None = None) -> int:
    """The relationship ends: ``source``'s grants stop after ``last_day`` (inclusive). A grant already
    ending earlier keeps its end; one that would only have begun after ``last_day`` never opened the
    record and is removed. With ``elder``, only that elder's grants end (a resident leaving a home
    whose agreement goes on). Returns the number of grants changed or removed."""
    _require_transaction()
    grants = grants_from(source)
    if elder is not None:
        grants = grants.filter(elder=elder)
    removed, _ = grants.filter(valid_from__gt=last_day).delete()
    ended = grants.filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=last_day)).update(
        valid_to=last_day, updated_at=clock.now()
    )
    return removed + ended


def revoke_grants(source: models.Model) -> int:
    """The relationship is undone as if it never was (a record entered in error): remove ``source``'s
    grants. A relationship that ended keeps its grants with their end date — use :func:`end_grants`."""
    _require_transaction()
    removed, _ = grants_from(source).delete()
    return removed
