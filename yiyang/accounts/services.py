"""Role changes (三权分立, issue 15): the only way a role is given or taken, always audited.

Only a holder of ``role.manage`` (安全管理员) changes roles; nobody changes their own; an account holds
administrators' roles or data roles, never both, so no administrator can read records by granting
itself (or a second account it controls) a county officer's role. Every change writes the append-only
audit trail in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.core import audit
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import has_perm

from .models import RoleAssignment, User
from .roles import ADMIN_ROLES, ROLE_SPECS

ROLE_CHANGE_REFUSED = "ROLE_CHANGE_REFUSED"


def _check_actor(acting_user: User, user: User) -> None:
    if not has_perm(acting_user, "role.manage"):
        raise ServiceError(
            ROLE_CHANGE_REFUSED, _("Only the security administrator gives or takes roles."), status=403
        )
    if acting_user.pk == user.pk:
        raise ServiceError(
            ROLE_CHANGE_REFUSED, _("Nobody may give or take their own roles."), field="user", status=403
        )


def check_assignment(acting_user: User, user: User, role: str) -> None:
    """Refuse (ServiceError) a role change the rules above forbid; nothing is written."""
    _check_actor(acting_user, user)
    if role not in ROLE_SPECS:
        raise ServiceError(ROLE_CHANGE_REFUSED, _("role: unknown role."), field="role")
    held = set(user.role_assignments.values_list("role", flat=True))
    if (role in ADMIN_ROLES and held - ADMIN_ROLES) or (role not in ADMIN_ROLES and held & ADMIN_ROLES):
        raise ServiceError(
            ROLE_CHANGE_REFUSED,
            _(
                "role: an administrator's account holds no data role, and a data role's account no "
                "administrator's role (三权分立)."
            ),
            field="role",
        )


def assign_role(acting_user: User, user: User, role: str, **binding: Any) -> RoleAssignment:
    """Give ``user`` the ``role`` bound to ``region``/``institution``/``team`` (as the role requires)."""
    check_assignment(acting_user, user, role)
    assignment = RoleAssignment(user=user, role=role, **binding)
    try:
        assignment.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ServiceError(ROLE_CHANGE_REFUSED, f"{field}：{messages[0]}", field=field) from None
    with transaction.atomic():
        assignment.save()
        audit.record(
            "create",
            user=acting_user,
            obj=assignment,
            changes={"role": [None, role], "user": [None, user.pk]},
        )
    return assignment


def end_role(acting_user: User, assignment: RoleAssignment) -> None:
    """Take a role away; the audit keeps who had it and who took it."""
    _check_actor(acting_user, assignment.user)
    with transaction.atomic():
        audit.record(
            "delete",
            user=acting_user,
            obj=assignment,
            changes={"role": [assignment.role, None], "user": [assignment.user_id, None]},
        )
        assignment.delete()
