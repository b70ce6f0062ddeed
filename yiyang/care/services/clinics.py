"""内设医务室/护理站: registering and closing an eldercare institution's in-house clinic.

The records are the source of truth for IR-5/IR-6. ``core.Institution.has_inhouse_clinic`` stays as a
copy for the registry's own page and API (core may not read care); :func:`refresh_flag` keeps it equal
to "has a clinic valid today" after every write, and the daily job refreshes it as validity lapses.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import ELDERCARE_KINDS, Institution
from yiyang.core.reach import Reach
from yiyang.core.regions import subtree_prefix
from yiyang.core.scoping import require_perm

from ..models import ClinicKind, InHouseClinic

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"


def _error(field: str, message: str) -> ServiceError:
    return ServiceError(INVALID, message, field=field)


def may_manage(user: User, home: Institution) -> bool:
    """The home's own administrator, or a health officer of its region (卫健 issues the licences)."""
    from yiyang.core.scoping import has_perm

    if not has_perm(user, "clinic.manage"):
        return False
    for a in user.active_assignments:
        if a.institution_id == home.pk:
            return True
        if a.reach == Reach.REGION and a.region_id and home.region_id.startswith(subtree_prefix(a.region_id)):
            return True
    return False


def valid_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def refresh_flag(home: Institution, *, today: dt.date | None = None) -> bool:
    """Set the registry's copy (``has_inhouse_clinic``) to whether a clinic is valid today."""
    today = today or clock.today()
    has = InHouseClinic.objects.filter(valid_q(today), eldercare_institution=home).exists()
    if home.has_inhouse_clinic != has:
        Institution.objects.filter(pk=home.pk).update(has_inhouse_clinic=has)
        home.has_inhouse_clinic = has
    return has


@transaction.atomic
def register_clinic(
    home: Institution,
    *,
    acting_user: User,
    kind: str,
    licence_no: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    name: str = "",
) -> InHouseClinic:
    """登记内设医务室/护理站 with its licence (or filing) number and validity."""
    require_perm(acting_user, "clinic.manage")
    if not may_manage(acting_user, home):
        raise PermissionDenied("clinic.manage")
    if home.kind not in ELDERCARE_KINDS:
        raise _error("eldercare_institution", _("Eldercare institution: choose an eldercare institution."))
    if kind not in ClinicKind.values:
        raise _error("kind", _("Type: choose one of the options."))
    licence_no = (licence_no or "").strip()
    if not licence_no:
        raise _error("licence_no", _("Licence or filing no.: required."))
    if len(licence_no) > 40:
        raise _error("licence_no", _("Licence or filing no.: at most 40 characters."))
    if valid_to is not None and valid_to < valid_from:
        raise _error("valid_to", _("Valid to: must not be before valid from."))
    clinic = InHouseClinic.objects.create(
        eldercare_institution=home,
        kind=kind,
        name=(name or "").strip()[:100],
        licence_no=licence_no,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=acting_user,
    )
    refresh_flag(home)
    audit.record(
        "create",
        user=acting_user,
        obj=clinic,
        changes={
            "kind": [None, kind],
            "licence_no": [None, licence_no],
            "valid_from": [None, str(valid_from)],
        },
    )
    return clinic


@transaction.atomic
def close_clinic(
    clinic: InHouseClinic, *, acting_user: User, last_day: dt.date, reason: str
) -> InHouseClinic:
    """The clinic closes (or its licence lapses): valid up to ``last_day``."""
    require_perm(acting_user, "clinic.manage")
    if not may_manage(acting_user, clinic.eldercare_institution):
        raise PermissionDenied("clinic.manage")
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", _("Reason for closing: required."))
    if last_day < clinic.valid_from or (clinic.valid_to is not None and last_day > clinic.valid_to):
        raise _error("last_day", _("Last day: must fall within the clinic's validity."))
    old = clinic.valid_to
    clinic.valid_to, clinic.closed_reason = last_day, reason[:200]
    clinic.save(update_fields=["valid_to", "closed_reason", "updated_at"])
    refresh_flag(clinic.eldercare_institution)
    audit.record(
        "update",
        user=acting_user,
        obj=clinic,
        changes={"valid_to": [str(old) if old else None, str(last_day)]},
        reason=reason,
    )
    return clinic


def refresh_all_flags(*, today: dt.date | None = None) -> int:
    """The daily job: refresh every eldercare institution's copy as clinics' validity lapses."""
    changed = 0
    for home in Institution.objects.filter(kind__in=ELDERCARE_KINDS):
        before = home.has_inhouse_clinic
        if refresh_flag(home, today=today) != before:
            changed += 1
    return changed
