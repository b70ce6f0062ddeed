"""The only writers of registry records. Each is one transaction, takes the acting user
keyword-only and writes its audit row inside that transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, clock, crypto, errors
from .identity import mask_id_number, mask_phone, parse_id_number
from .models import (
    Elder,
    ElderCategory,
    ElderSearchKey,
    ElderStatus,
    ElderStatusChange,
    EmergencyContact,
    Institution,
    LivingSituation,
    Region,
)
from .regions import RegionLevel
from .scoping import elder_in_scope, require_perm
from .search import id_number_index, search_keys_for
from .transitions import Rules, StateMachine, Transition, TransitionNotAllowed

if TYPE_CHECKING:
    from yiyang.accounts.models import User

#: fields whose values are personal and never enter the audit trail in clear
PROTECTED_FIELDS = frozenset({"id_number", "phone", "address", "emergency_contacts"})
REVEALABLE_FIELDS = {
    "id_number": "id_number_encrypted",
    "phone": "phone_encrypted",
    "address": "address_encrypted",
}


@dataclass
class ContactData:
    name: str
    relation: str
    phone: str


@dataclass
class ElderData:
    """Cleaned input for an elder (from ElderForm, whichever channel it came through)."""

    name: str
    id_number: str
    region: Region
    living_situation: str
    residence_status: str
    phone: str = ""
    address: str = ""
    ethnicity: str = ""
    managing_institution: Institution | None = None
    residence_institution: Institution | None = None
    categories: list[str] = field(default_factory=list)
    emergency_contacts: list[ContactData] | None = None


def _snapshot(elder: Elder) -> dict[str, Any]:
    return {
        "name": elder.name,
        "id_number": elder.id_number_index,
        "phone": elder.phone_encrypted and crypto.decrypt(elder.phone_encrypted),
        "address": elder.address_encrypted and crypto.decrypt(elder.address_encrypted),
        "ethnicity": elder.ethnicity,
        "region": elder.region_id,
        "living_situation": elder.living_situation,
        "residence_status": elder.residence_status,
        "managing_institution": elder.managing_institution_id,
        "residence_institution": elder.residence_institution_id,
        "categories": sorted(elder.categories.values_list("category", flat=True)) if elder.pk else [],
        "emergency_contacts": [
            (c.name, c.relation, crypto.decrypt(c.phone_encrypted)) for c in elder.emergency_contacts.all()
        ]
        if elder.pk
        else [],
    }


def _duplicate_error(user: User, existing_id: int) -> errors.ServiceError:
    extra: dict[str, Any] = {"existing_id": None}
    message = _("This ID number is already registered (held by another institution; ask your administrator).")
    if elder_in_scope(user, existing_id):
        extra = {"existing_id": existing_id, "existing_url": reverse("core:elder-detail", args=[existing_id])}
        message = _("This ID number is already registered: open the existing record instead.")
    return errors.ServiceError(
        errors.DUPLICATE_ID_NUMBER, message, field="id_number", extra=extra, status=409
    )


def _check_region(region: Region) -> None:
    if region.level != RegionLevel.VILLAGE:
        raise errors.ServiceError(
            errors.REGION_NOT_VILLAGE, _("Choose a village or community, not a higher level."), field="region"
        )


def _apply(elder: Elder, data: ElderData) -> None:
    facts = parse_id_number(data.id_number)
    elder.name = data.name.strip()
    elder.id_number_encrypted = crypto.encrypt(facts.number)
    elder.id_number_index = id_number_index(facts.number)
    elder.id_number_masked = mask_id_number(facts.number)
    elder.sex = facts.sex
    elder.birth_date = facts.birth_date
    elder.phone_encrypted = crypto.encrypt(data.phone.strip())
    elder.phone_masked = mask_phone(data.phone) if data.phone else ""
    elder.address_encrypted = crypto.encrypt(data.address.strip())
    elder.ethnicity = data.ethnicity
    elder.region = data.region
    elder.living_situation = data.living_situation
    elder.residence_status = data.residence_status
    elder.managing_institution = data.managing_institution
    elder.residence_institution = data.residence_institution
    if data.residence_institution is not None:
        elder.living_situation = LivingSituation.IN_INSTITUTION


def _write_children(elder: Elder, data: ElderData) -> None:
    keys = search_keys_for(elder.name)
    ElderSearchKey.objects.filter(elder=elder).exclude(key__in=keys).delete()
    existing = set(ElderSearchKey.objects.filter(elder=elder).values_list("key", flat=True))
    ElderSearchKey.objects.bulk_create([ElderSearchKey(elder=elder, key=k) for k in sorted(keys - existing)])

    wanted = set(data.categories)
    ElderCategory.objects.filter(elder=elder).exclude(category__in=wanted).delete()
    have = set(ElderCategory.objects.filter(elder=elder).values_list("category", flat=True))
    ElderCategory.objects.bulk_create(
        [
            ElderCategory(elder=elder, category=c, since=clock.today(), source=_("entered"))
            for c in sorted(wanted - have)
        ]
    )
    if data.emergency_contacts is not None:
        EmergencyContact.objects.filter(elder=elder).delete()
        EmergencyContact.objects.bulk_create(
            [
                EmergencyContact(
                    elder=elder,
                    name=c.name,
                    relation=c.relation,
                    phone_encrypted=crypto.encrypt(c.phone),
                    phone_masked=mask_phone(c.phone),
                )
                for c in data.emergency_contacts
            ]
        )


@transaction.atomic
def register_elder(*, acting_user: User, data: ElderData) -> Elder:
    """建档: register an elder. A duplicate ID number is refused, naming the existing record if in scope."""
    require_perm(acting_user, "elder.add")
    _check_region(data.region)
    facts = parse_id_number(data.id_number)
    existing = (
        Elder.objects.filter(id_number_index=id_number_index(facts.number))
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise _duplicate_error(acting_user, existing)
    elder = Elder(created_by=acting_user)
    _apply(elder, data)
    try:
        with transaction.atomic():
            elder.save()
    except IntegrityError:  # a concurrent registration of the same number won the race
        existing = Elder.objects.get(id_number_index=elder.id_number_index).pk
        raise _duplicate_error(acting_user, existing) from None
    _write_children(elder, data)
    if not elder_in_scope(acting_user, elder.pk):
        raise errors.ServiceError(
            errors.INSTITUTION_OUT_OF_SCOPE,
            _(
                "You could not see this elder after saving: choose your own institution as managing "
                "institution."
            ),
            field="managing_institution",
        )
    after = _snapshot(elder)
    audit.record(
        "create",
        user=acting_user,
        obj=elder,
        changes=audit.diff({}, after, protected=PROTECTED_FIELDS),
    )
    return elder


@transaction.atomic
def update_elder(elder: Elder, *, acting_user: User, data: ElderData) -> Elder:
    """Change an elder's record; the audit row holds the field diff (personal values masked)."""
    require_perm(acting_user, "elder.change")
    _check_region(data.region)
    elder = Elder.objects.select_for_update().get(pk=elder.pk)
    before = _snapshot(elder)
    facts = parse_id_number(data.id_number)
    clash = (
        Elder.objects.filter(id_number_index=id_number_index(facts.number))
        .exclude(pk=elder.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash is not None:
        raise _duplicate_error(acting_user, clash)
    _apply(elder, data)
    elder.save()
    _write_children(elder, data)
    if not elder_in_scope(acting_user, elder.pk):
        raise errors.ServiceError(
            errors.INSTITUTION_OUT_OF_SCOPE,
            _(
                "After this change the elder would leave your area: keep your institution as managing "
                "or residence institution."
            ),
            field="managing_institution",
        )
    changes = audit.diff(before, _snapshot(elder), protected=PROTECTED_FIELDS)
    if changes:
        audit.record("update", user=acting_user, obj=elder, changes=changes)
    return elder


def current_data(elder: Elder) -> ElderData:
    """The elder's record as input data, decrypted: the starting point for an edit."""
    return ElderData(
        name=elder.name,
        id_number=crypto.decrypt(elder.id_number_encrypted),
        phone=crypto.decrypt(elder.phone_encrypted),
        address=crypto.decrypt(elder.address_encrypted),
        ethnicity=elder.ethnicity,
        region=elder.region,
        living_situation=elder.living_situation,
        residence_status=elder.residence_status,
        managing_institution=elder.managing_institution,
        residence_institution=elder.residence_institution,
        categories=list(elder.categories.values_list("category", flat=True)),
        emergency_contacts=None,
    )


@transaction.atomic
def reveal(elder: Elder, field_name: str, *, acting_user: User, reason: str) -> str:
    """查看: return one personal value in clear and write the audit row that says who, when and why."""
    require_perm(acting_user, "elder.reveal")
    if field_name not in REVEALABLE_FIELDS:
        raise errors.ServiceError(errors.NOT_REVEALABLE, _("This field cannot be revealed."), field="field")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise errors.ServiceError(
            errors.REASON_REQUIRED, _("Give the reason for viewing (at least 2 characters)."), field="reason"
        )
    value = crypto.decrypt(getattr(elder, REVEALABLE_FIELDS[field_name]))
    audit.record("reveal", user=acting_user, obj=elder, field=field_name, reason=reason)
    return value


def _check_status_date(t: Transition) -> None:
    day = t.extra["effective_date"]
    if not isinstance(day, dt.date):
        raise errors.ServiceError(
            errors.INVALID_STATUS_CHANGE, _("Give the date as YYYY-MM-DD."), field="effective_date"
        )
    if day > clock.today():
        raise errors.ServiceError(
            errors.INVALID_STATUS_CHANGE, _("The date cannot be in the future."), field="effective_date"
        )
    if day < t.obj.birth_date:
        raise errors.ServiceError(
            errors.INVALID_STATUS_CHANGE,
            _("The date cannot be before the birth date."),
            field="effective_date",
        )


def _set_status_date(t: Transition) -> None:
    t.change("status_date", t.obj.status_date, t.extra["effective_date"])
    t.obj.status_date = t.extra["effective_date"]


def _write_status_change(t: Transition) -> None:
    """The elder page's history and the assessments app (a return makes the reassessment due) read
    ElderStatusChange, which carries the effective date; it is written beside the generic history."""
    t.results["status_change"] = ElderStatusChange.objects.create(
        elder=t.obj,
        from_status=t.from_state,
        to_status=t.to_state,
        effective_date=t.extra["effective_date"],
        reason=t.reason,
        changed_by=t.user,
    )


_STATUS_RULES = Rules(
    requires={"effective_date": gettext_lazy("Effective date")},
    check=_check_status_date,
    before_save=_set_status_date,
    after_save=_write_status_change,
)

#: Elder status (在册 / 死亡 / 迁出): the record stays; each change is history with its effective date.
ELDER_STATUS = StateMachine(
    Elder,
    table={
        (ElderStatus.ACTIVE, "record_death"): (ElderStatus.DECEASED, "elder.change"),
        (ElderStatus.ACTIVE, "move_out"): (ElderStatus.MOVED_OUT, "elder.change"),
        (ElderStatus.MOVED_OUT, "move_back"): (ElderStatus.ACTIVE, "elder.change"),
    },
    states=ElderStatus,
    actions={
        "record_death": gettext_lazy("Record death"),
        "move_out": gettext_lazy("Move out"),
        "move_back": gettext_lazy("Move back"),
    },
    rules={"record_death": _STATUS_RULES, "move_out": _STATUS_RULES, "move_back": _STATUS_RULES},
)


def change_status(
    elder: Elder, *, acting_user: User, to_status: str, effective_date: dt.date, reason: str = ""
) -> ElderStatusChange:
    """Record a death, a move out or a return by naming the new status (the page's form and
    ``POST /elders/{id}/status``; ``…/transitions`` names the action instead). Refusals keep this
    entry point's own code, INVALID_STATUS_CHANGE (422 on ``to_status``)."""
    require_perm(acting_user, "elder.change")
    if to_status not in ElderStatus.values:
        raise errors.ServiceError(
            errors.INVALID_STATUS_CHANGE, _("Choose a valid status."), field="to_status"
        )
    current = Elder.objects.values_list("status", flat=True).get(pk=elder.pk)
    action = ELDER_STATUS.action_between(current, to_status)
    try:
        if action is None:
            raise TransitionNotAllowed(ELDER_STATUS, current, to_status)
        t = ELDER_STATUS.apply(
            elder, action, acting_user=acting_user, reason=reason, effective_date=effective_date
        )
    except TransitionNotAllowed as exc:
        raise errors.ServiceError(
            errors.INVALID_STATUS_CHANGE,
            _("Cannot change status from %(a)s to %(b)s.")
            % {"a": ElderStatus(exc.state).label, "b": ElderStatus(to_status).label},
            field="to_status",
        ) from None
    return t.results["status_change"]


def record_view(elder: Elder, *, acting_user: User, what: str = "") -> None:
    """Opening an elder's record is itself an access worth knowing about (谁查看过). ``what`` names
    the record that was read when it is not the registry record itself (e.g. 健康体检 2026-05-06)."""
    audit.record("view", user=acting_user, obj=elder, reason=what)


@transaction.atomic
def record_export(*, acting_user: User, what: str, elders: list[Elder], filters: dict[str, Any]) -> None:
    """An export writes one row per exported elder, so each elder's 谁查看过 page shows it."""
    require_perm(acting_user, "elder.export")
    audit.record_many(
        "export", user=acting_user, objects=elders, reason=str(what), changes={"filters": filters}
    )
