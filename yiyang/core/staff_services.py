"""The only writers of staff records (工作人员). Each is one transaction with its audit row.

:func:`clean_staff_row` validates one row of staff data — a form's, the API's, or a spreadsheet row of
a later import — and returns :class:`StaffData` or raises one :class:`ServiceError` carrying every field
error at once. :func:`create_staff` and :func:`update_staff` take that data for an institution the acting
user keeps (``staff.manage`` at that institution). The phone is stored encrypted with a masked copy;
:func:`reveal_phone` returns it in clear and writes the audit row (who, when, why).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, clock, crypto, errors
from .identity import mask_phone
from .models import Institution, Sex
from .scoping import require_perm
from .staff import POST_NAMES_ZH, Staff, StaffPost
from .staff_access import managed_staff_institutions

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"
#: a phone: a mobile (11 digits from 1) or a fixed line with an optional area code and extension
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")


@dataclass
class StaffData:
    """Cleaned staff data (:func:`clean_staff_row`)."""

    name: str
    sex: str
    post: str
    phone: str = ""
    hired_on: dt.date | None = None
    left_on: dt.date | None = None
    user: Any = None


def _choice(value: Any, choices: Any) -> str | None:
    """A choice given by its value (``carer``) or its Chinese or English label (护理员)."""
    text = str(value or "").strip()
    if not text:
        return None
    for key, label in choices:
        if text in (key, str(label)):
            return key
    return None


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip().replace("/", "-"))


def clean_staff_row(row: Mapping[str, Any]) -> StaffData:
    """One staff row checked field by field: ``name``, ``sex`` (M/F or 男/女), ``post`` (value or
    label), ``phone``, ``hired_on``, ``left_on`` (dates or ISO text), ``user`` (an account or None).
    Every problem is reported, each naming its field."""
    problems: list[dict] = []

    def fail(field: str, message: str, code: str = INVALID) -> None:
        problems.append({"field": field, "code": code, "message": message})

    name = str(row.get("name") or "").strip()
    if not name:
        fail("name", _("Name: required."), errors.REQUIRED)
    elif len(name) > 40:
        fail("name", _("Name: at most 40 characters."))
    sex = _choice(row.get("sex"), [*Sex.choices, ("M", "男"), ("F", "女")])
    if sex is None:
        fail("sex", _("Sex: choose male or female."), errors.REQUIRED)
    post = _choice(row.get("post"), [*StaffPost.choices, *((v, k) for k, v in POST_NAMES_ZH.items())])
    if post is None:
        fail("post", _("Post: choose one of the listed posts."), errors.REQUIRED)
    phone = re.sub(r"\s+", "", str(row.get("phone") or ""))
    if phone and not PHONE_RE.match(phone):
        fail("phone", _("Phone: enter a mobile number of 11 digits or a fixed line such as 0856-6622120."))
    dates: dict[str, dt.date | None] = {}
    for key, label in (("hired_on", _("Hired on")), ("left_on", _("Left on"))):
        try:
            dates[key] = _date(row.get(key))
        except (TypeError, ValueError):
            dates[key] = None
            fail(key, _("%(field)s: enter a date such as 2024-03-01.") % {"field": label})
    hired, left = dates["hired_on"], dates["left_on"]
    if hired and hired > clock.today():
        fail("hired_on", _("Hired on: the date is in the future."))
    if hired and left and left < hired:
        fail("left_on", _("Left on: the date is before the hire date."))
    if problems:
        first = problems[0]
        raise errors.ServiceError(first["code"], first["message"], field=first["field"], errors=problems)
    return StaffData(
        name=name,
        sex=sex or "",
        post=post or "",
        phone=phone,
        hired_on=hired,
        left_on=left,
        user=row.get("user"),
    )


def _require_keeper(user: User, institution: Institution) -> None:
    require_perm(user, "staff.manage")
    if institution.pk not in {i.pk for i in managed_staff_institutions(user)}:
        raise PermissionDenied("staff.manage")


def _check_account(institution: Institution, data: StaffData, staff: Staff | None = None) -> None:
    account = data.user
    if account is None:
        return
    works_here = any(a.institution_id == institution.pk for a in account.active_assignments)
    if not works_here:
        raise errors.ServiceError(
            INVALID, _("User account: this account does not work at this institution."), field="user"
        )
    taken = Staff.objects.filter(institution=institution, user=account)
    if staff is not None:
        taken = taken.exclude(pk=staff.pk)
    if taken.exists():
        raise errors.ServiceError(
            INVALID,
            _("User account: already linked to another staff member of this institution."),
            field="user",
        )


def _snapshot(staff: Staff) -> dict[str, Any]:
    return {
        "name": staff.name,
        "sex": staff.sex,
        "post": staff.post,
        "phone": staff.phone_encrypted and crypto.decrypt(staff.phone_encrypted),
        "hired_on": staff.hired_on,
        "left_on": staff.left_on,
        "user": staff.user_id,
    }


def _apply(staff: Staff, data: StaffData) -> None:
    staff.name = data.name
    staff.sex = data.sex
    staff.post = data.post
    staff.phone_encrypted = crypto.encrypt(data.phone)
    staff.phone_masked = mask_phone(data.phone) if data.phone else ""
    staff.hired_on = data.hired_on
    staff.left_on = data.left_on
    staff.user = data.user


@transaction.atomic
def create_staff(*, acting_user: User, institution: Institution, data: StaffData) -> Staff:
    """A new staff member of ``institution`` (kept by the acting user)."""
    _require_keeper(acting_user, institution)
    _check_account(institution, data)
    staff = Staff(institution=institution)
    _apply(staff, data)
    staff.save()
    audit.record(
        "create",
        user=acting_user,
        obj=staff,
        changes=audit.diff({}, _snapshot(staff), protected=frozenset({"phone"})),
    )
    return staff


@transaction.atomic
def update_staff(staff: Staff, *, acting_user: User, data: StaffData, keep_phone: bool = False) -> Staff:
    """Change a staff record; ``keep_phone`` leaves the stored phone as it is (a form that shows only
    the masked number and was submitted without a new one)."""
    _require_keeper(acting_user, staff.institution)
    _check_account(staff.institution, data, staff)
    before = _snapshot(staff)
    if keep_phone:
        data.phone = before["phone"] or ""
    _apply(staff, data)
    staff.save()
    changes = audit.diff(before, _snapshot(staff), protected=frozenset({"phone"}))
    if changes:
        audit.record("update", user=acting_user, obj=staff, changes=changes)
    return staff


@transaction.atomic
def mark_left(staff: Staff, *, acting_user: User, left_on: dt.date, reason: str = "") -> Staff:
    """离职: the staff member is no longer in post from ``left_on``; the record is kept."""
    _require_keeper(acting_user, staff.institution)
    if staff.hired_on and left_on < staff.hired_on:
        raise errors.ServiceError(INVALID, _("Left on: the date is before the hire date."), field="left_on")
    if left_on > clock.today() + dt.timedelta(days=366):
        raise errors.ServiceError(INVALID, _("Left on: the date is more than a year ahead."), field="left_on")
    before = _snapshot(staff)
    staff.left_on = left_on
    staff.leave_reason = (reason or "").strip()[:200]
    staff.save(update_fields=["left_on", "leave_reason", "updated_at"])
    audit.record(
        "update",
        user=acting_user,
        obj=staff,
        changes=audit.diff(before, _snapshot(staff)),
        reason=staff.leave_reason,
    )
    return staff


@transaction.atomic
def reveal_phone(staff: Staff, *, acting_user: User, reason: str) -> str:
    """查看 a staff member's phone in clear; the audit row says who, when and why. The caller has
    scoped ``staff`` (:func:`yiyang.core.staff_access.get_staff_for_user`)."""
    require_perm(acting_user, "staff.reveal")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise errors.ServiceError(
            errors.REASON_REQUIRED, _("Give the reason for viewing (at least 2 characters)."), field="reason"
        )
    value = crypto.decrypt(staff.phone_encrypted)
    audit.record("reveal", user=acting_user, obj=staff, field="phone", reason=reason)
    return value
