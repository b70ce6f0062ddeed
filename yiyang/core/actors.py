"""Named actors for work no person does.

A drain of the indicator outbox, a device-reading ingestion or an import run by a task still writes
records and audit rows, and every such row names who did it. Rather than ``acting_user=None`` (which
reads as "nobody" in the audit trail and invites permission checks to be skipped ad hoc), services take
the **system actor**: one user named ``system``, created by the accounts data migration
``0004_system_actor``, with an unusable password, inactive (so no login, session or API token ever
authenticates as it, see :mod:`yiyang.accounts.backends`) and without role assignments (so it can read
nothing through the scoping layer). Work it does is authorised by the code path that runs it, not by
a role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

if TYPE_CHECKING:
    from yiyang.accounts.models import User

SYSTEM_USERNAME = "system"
SYSTEM_DISPLAY_NAME = "系统"


def system_defaults() -> dict[str, Any]:
    """The fields the system actor is created with (also used by the data migration)."""
    return {
        "display_name": SYSTEM_DISPLAY_NAME,
        "is_active": False,
        "is_staff": False,
        "is_superuser": False,
        "password": make_password(None),  # unusable: "!" + random
    }


def system_user() -> User:
    """The system actor. Created by migration; recreated here if a test's flush removed it."""
    user, _created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults=system_defaults()
    )
    return user


def is_system(user: Any) -> bool:
    """Whether ``user`` is the system actor (by name: the row may have been recreated)."""
    return getattr(user, "username", None) == SYSTEM_USERNAME
