"""床位与入住: creating beds, admitting an elder, moving a stay (transfer, leave and return, 住院 ↔ 休养,
discharge, death) and daily care notes. The only writers of :mod:`yiyang.care.models.stays`.

Two rules must hold under concurrent requests, so the database holds them and the services take the
locks before they check: one active stay per elder and one active stay per bed (partial unique
constraints ``care_stay_one_per_elder`` / ``care_stay_one_per_bed``). Admission locks the elder's row
and then the bed's row (always in that order), re-reads the bed's status under the lock and refuses an
occupied bed with 409; a race the locks cannot see (a bed row created meanwhile) ends on the constraint,
which is turned into the same 409. Nothing is half-written: each service is one transaction.

A stay opens the elder's record to the institution's staff: admission writes an access grant for the
institution from the admission date (``core.grants``); discharge and death end it on their date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.assessments.models import AssessmentResponse
from yiyang.core import audit, clock, crypto, grants
from yiyang.core.errors import ServiceError
from yiyang.core.identity import mask_phone
from yiyang.core.models import ELDERCARE_KINDS, Elder, ElderStatus, Institution
from yiyang.core.reach import Reach
from yiyang.core.scoping import require_perm
from yiyang.core.signals import records_changed
from yiyang.core.transitions import Rules, StateMachine, Transition
from yiyang.health.models import Contract

from ..models.stays import (
    ACTIVE_STAY_STATUSES,
    AdmissionSource,
    Bed,
    BedKind,
    BedStatus,
    CareNote,
    CareNoteKind,
    DischargeDestination,
    Stay,
    StayMode,
    StayStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

ABILITY_INSTRUMENT = "gbt42195"

# Stable refusal codes (clients branch on these, never on messages).
INVALID = "INVALID"
BED_EXISTS = "BED_EXISTS"
#: the bed is occupied, reserved or out of service (409)
BED_NOT_FREE = "BED_NOT_FREE"
#: the elder already has an active stay (409)
STAY_ACTIVE = "STAY_ACTIVE"
#: 住院 ↔ 休养 asked of an institution that offers only one of them (409)
NO_SWITCH = "NO_SWITCH"
#: most beds one request may create (one room, or a floor of rooms, at a time)
MAX_BEDS_PER_REQUEST = 60


# -- who works where ---------------------------------------------------------------------------------


def staff_institution_ids(user: User | AnonymousUser) -> list[int]:
    """Institutions the user works at (an institution-bound role): the ones whose beds and stays they
    keep."""
    if not user.is_authenticated:
        return []
    return sorted(
        {
            a.institution_id
            for a in user.active_assignments
            if a.reach == Reach.INSTITUTION and a.institution_id
        }
    )


def _require_staff(user: User | AnonymousUser, institution: Institution, perm: str) -> User:
    require_perm(user, perm)
    if institution.pk not in staff_institution_ids(user):
        raise PermissionDenied(perm)
    return user  # type: ignore[return-value]


def offers_care(institution: Institution) -> bool:
    """休养 stays: an eldercare home, a day-care centre's residents, an integrated institution."""
    return institution.kind in ELDERCARE_KINDS


def offers_medical(institution: Institution) -> bool:
    """住院 stays: a medical institution, or an eldercare institution with its own clinic."""
    return institution.is_medical or institution.has_inhouse_clinic


def offers_switch(institution: Institution) -> bool:
    """Both modes under one roof (医养结合): the stay may move between 住院 and 休养."""
    return offers_care(institution) and offers_medical(institution)


# -- beds ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_room_beds(
    *,
    acting_user: User | AnonymousUser,
    institution: Institution,
    room: str,
    kind: str,
    count: int,
    building: str = "",
    floor: str = "",
    first_number: int = 1,
) -> list[Bed]:
    """Beds ``first_number`` … of one room (床位 1, 2, 3 …), all of one kind; a bed already recorded in
    that room is refused and nothing is written."""
    user = _require_staff(acting_user, institution, "bed.manage")
    room, building, floor = room.strip(), building.strip(), floor.strip()
    if not room:
        raise ServiceError(INVALID, _("Room: required."), field="room")
    if kind not in BedKind.values:
        raise ServiceError(INVALID, _("Bed type: choose one of the list."), field="kind")
    if not 1 <= count <= MAX_BEDS_PER_REQUEST:
        raise ServiceError(
            INVALID,
            _("Number of beds: between 1 and %(n)s.") % {"n": MAX_BEDS_PER_REQUEST},
            field="count",
        )
    if not 1 <= first_number <= 999:
        raise ServiceError(INVALID, _("First bed number: between 1 and 999."), field="first_number")
    numbers = [str(n) for n in range(first_number, first_number + count)]
    taken = set(
        Bed.objects.filter(
            institution=institution, building=building, room=room, number__in=numbers
        ).values_list("number", flat=True)
    )
    if taken:
        raise ServiceError(
            BED_EXISTS,
            _("Bed number: room %(room)s already has bed(s) %(numbers)s.")
            % {"room": room, "numbers": "、".join(sorted(taken, key=int))},
            field="first_number",
            status=409,
        )
    now = clock.now()
    beds = Bed.objects.bulk_create(
        [
            Bed(
                institution=institution,
                building=building,
                floor=floor,
                room=room,
                number=n,
                kind=kind,
                created_at=now,
            )
            for n in numbers
        ]
    )
    records_changed.send(sender=Bed, instances=beds)
    audit.record(
        "create",
        user=user,
        object_type="care.bed",
        object_repr=f"{institution.name} {building} {room}",
        changes={"beds": [None, [b.pk for b in beds]], "kind": [None, kind]},
    )
    return beds


@transaction.atomic
def set_bed_in_service(
    bed: Bed, *, acting_user: User | AnonymousUser, in_service: bool, reason: str = ""
) -> Bed:
    """Take a free bed out of service (repairs, isolation) or put it back. An occupied bed cannot go."""
    user = _require_staff(acting_user, bed.institution, "bed.manage")
    row = Bed.objects.select_for_update().get(pk=bed.pk)
    old = row.status
    if in_service:
        if row.status != BedStatus.OUT_OF_SERVICE:
            return row
        row.status = BedStatus.FREE
    else:
        if row.status != BedStatus.FREE:
            raise ServiceError(
                BED_NOT_FREE,
                _("Bed %(bed)s is “%(status)s”: only a free bed can be taken out of service.")
                % {"bed": row.label, "status": row.get_status_display()},
                field="bed_id",
                status=409,
            )
        row.status = BedStatus.OUT_OF_SERVICE
    row.save(update_fields=["status"])
    audit.record("update", user=user, obj=row, changes={"status": [old, row.status]}, reason=reason)
    return row


def _lock_free_bed(institution: Institution, bed_id: Any, *, field: str = "bed_id") -> Bed:
    """The bed, locked, if it belongs to ``institution`` and is free; else a refusal naming why."""
    try:
        pk = int(bed_id)
    except (TypeError, ValueError):
        raise ServiceError(INVALID, _("Bed: choose a bed."), field=field) from None
    bed = Bed.objects.select_for_update().filter(pk=pk, institution=institution).first()
    if bed is None:
        raise ServiceError(INVALID, _("Bed: not a bed of this institution."), field=field)
    if bed.status != BedStatus.FREE:
        raise ServiceError(
            BED_NOT_FREE,
            _("Bed %(bed)s is “%(status)s”: choose a free bed.")
            % {"bed": bed.label, "status": bed.get_status_display()},
            field=field,
            status=409,
        )
    if bed.kind == BedKind.DAY_CARE:
        raise ServiceError(INVALID, _("Bed: a day-care place is not a bed to stay in."), field=field)
    return bed


def _set_bed(bed: Bed | None, status: str) -> None:
    if bed is not None and bed.status != status:
        bed.status = status
        bed.save(update_fields=["status"])


# -- admission ---------------------------------------------------------------------------------------


def latest_ability(elder: Elder) -> AssessmentResponse | None:
    """The elder's latest final GB/T 42195 ability assessment (not superseded)."""
    return (
        AssessmentResponse.objects.current()
        .filter(elder=elder, instrument_code=ABILITY_INSTRUMENT)
        .order_by("-assessed_at", "-id")
        .first()
    )


def _check_day(day: Any, *, field: str, not_before: dt.date | None = None) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ServiceError(INVALID, _("Date: give a date (YYYY-MM-DD)."), field=field)
    if day > clock.today():
        raise ServiceError(INVALID, _("Date: cannot be in the future."), field=field)
    if not_before is not None and day < not_before:
        raise ServiceError(
            INVALID,
            _("Date: cannot be before %(day)s.") % {"day": not_before.isoformat()},
            field=field,
        )
    return day


def _guardian_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        raise ServiceError(INVALID, _("Guardian phone: 7 to 15 digits."), field="guardian_phone")
    return phone


def _refuse_active(elder: Elder) -> None:
    current = (
        Stay.objects.filter(elder=elder, status__in=ACTIVE_STAY_STATUSES)
        .select_related("institution")
        .first()
    )
    if current is not None:
        raise ServiceError(
            STAY_ACTIVE,
            _("%(name)s already stays at %(institution)s (since %(day)s): discharge that stay first.")
            % {"name": elder.name, "institution": current.institution.name, "day": current.admitted_on},
            field="elder_id",
            status=409,
        )


def admit(
    *,
    acting_user: User | AnonymousUser,
    elder: Elder,
    institution: Institution,
    bed_id: Any,
    mode: str = StayMode.CARE,
    admitted_on: dt.date | None = None,
    source: str = AdmissionSource.HOME,
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_phone: str = "",
    note: str = "",
) -> Stay:
    """入住: the elder takes a free bed of the institution, in 休养 (``care``) or 住院 (``medical``) mode.

    Refused (409, nothing written) when the elder already has an active stay or the bed is not free —
    also when several requests race for the same bed: exactly one wins."""
    user = _require_staff(acting_user, institution, "stay.change")
    if mode not in StayMode.values:
        raise ServiceError(INVALID, _("Mode: care or medical."), field="mode")
    if mode == StayMode.CARE and not offers_care(institution):
        raise ServiceError(
            INVALID, _("Mode: %(name)s takes no eldercare stays.") % {"name": institution.name}, field="mode"
        )
    if mode == StayMode.MEDICAL and not offers_medical(institution):
        raise ServiceError(
            INVALID, _("Mode: %(name)s takes no medical stays.") % {"name": institution.name}, field="mode"
        )
    if source not in AdmissionSource.values:
        raise ServiceError(INVALID, _("Admitted from: choose one of the list."), field="source")
    day = _check_day(admitted_on or clock.today(), field="admitted_on", not_before=elder.birth_date)
    phone = _guardian_phone(guardian_phone)
    try:
        with transaction.atomic():
            locked = Elder.objects.select_for_update().get(pk=elder.pk)
            if locked.status != ElderStatus.ACTIVE:
                raise ServiceError(
                    INVALID,
                    _("%(name)s is “%(status)s”: only an active elder can be admitted.")
                    % {"name": locked.name, "status": locked.get_status_display()},
                    field="elder_id",
                )
            _refuse_active(locked)
            bed = _lock_free_bed(institution, bed_id)
            ability = latest_ability(locked)
            contract = Contract.objects.valid_on(day).filter(elder=locked).order_by("-start_date").first()
            stay = Stay.objects.create(
                elder=locked,
                institution=institution,
                bed=bed,
                status=StayStatus.MEDICAL if mode == StayMode.MEDICAL else StayStatus.CARE,
                admitted_on=day,
                source=source,
                care_level_code=ability.level_code if ability else "",
                care_level=ability.level_name if ability else "",
                assessment=ability,
                contract=contract,
                guardian_name=guardian_name.strip()[:40],
                guardian_relation=guardian_relation.strip()[:20],
                guardian_phone_encrypted=crypto.encrypt(phone) if phone else "",
                guardian_phone_masked=mask_phone(phone) if phone else "",
                note=note.strip()[:200],
                created_by=user,
            )
            _set_bed(bed, BedStatus.OCCUPIED)
            if locked.residence_institution_id != institution.pk:
                locked.residence_institution = institution
                locked.save(update_fields=["residence_institution", "updated_at"])
            grants.grant(stay, elder=locked, valid_from=day, institution=institution)
            audit.record(
                "create",
                user=user,
                obj=stay,
                changes={
                    "elder": [None, locked.pk],
                    "bed": [None, bed.pk],
                    "status": [None, stay.status],
                    "admitted_on": [None, day.isoformat()],
                },
            )
    except IntegrityError:
        # Another request took the bed (or admitted the elder) between our check and our write.
        raise ServiceError(
            BED_NOT_FREE,
            _("The bed or the elder was just taken by another admission: reload and choose again."),
            field="bed_id",
            status=409,
        ) from None
    elder.residence_institution = institution
    return stay


# -- the stay's state machine ------------------------------------------------------------------------


def _day_of(t: Transition) -> dt.date:
    day = t.extra.get("date") or clock.today()
    stay: Stay = t.obj
    not_before = (
        stay.leave_since if stay.status == StayStatus.ON_LEAVE and stay.leave_since else stay.admitted_on
    )
    day = _check_day(day, field="date", not_before=not_before)
    t.extra["date"] = day
    t.details["date"] = day.isoformat()
    return day


def _new_bed(t: Transition, *, required: bool) -> Bed | None:
    bed_id = t.extra.get("bed_id")
    if bed_id in (None, ""):
        if required:
            raise ServiceError(INVALID, _("Bed: choose the bed to move to."), field="bed_id")
        return None
    stay: Stay = t.obj
    if stay.bed_id is not None and str(bed_id) == str(stay.bed_id):
        raise ServiceError(INVALID, _("Bed: this is the current bed."), field="bed_id")
    return _lock_free_bed(stay.institution, bed_id)


def _move_bed(t: Transition, new: Bed | None) -> None:
    if new is None:
        return
    stay: Stay = t.obj
    old = stay.bed
    _set_bed(old, BedStatus.FREE)
    stay.bed = new
    _set_bed(new, BedStatus.OCCUPIED)
    t.change("bed", old.pk if old else None, new.pk)
    t.details["from_bed"] = old.label if old else ""
    t.details["to_bed"] = new.label


def _check_transfer(t: Transition) -> None:
    _day_of(t)
    t.results["bed"] = _new_bed(t, required=True)


def _check_switch(t: Transition) -> None:
    stay: Stay = t.obj
    if not offers_switch(stay.institution):
        raise ServiceError(
            NO_SWITCH,
            _("%(name)s does not offer both medical and eldercare stays: discharge and refer instead.")
            % {"name": stay.institution.name},
            field="action",
            status=409,
        )
    _day_of(t)
    t.results["bed"] = _new_bed(t, required=False)


def _take_new_bed(t: Transition) -> None:
    _move_bed(t, t.results.get("bed"))


def _check_date(t: Transition) -> None:
    _day_of(t)


def _start_leave(t: Transition) -> None:
    stay: Stay = t.obj
    t.change("leave_since", stay.leave_since, t.extra["date"])
    stay.leave_since = t.extra["date"]
    _set_bed(stay.bed, BedStatus.RESERVED)


def _end_leave(t: Transition) -> None:
    stay: Stay = t.obj
    t.change("leave_since", stay.leave_since, None)
    stay.leave_since = None
    _set_bed(stay.bed, BedStatus.OCCUPIED)


def _check_discharge(t: Transition) -> None:
    _day_of(t)
    destination = t.extra.get("destination") or DischargeDestination.HOME
    if destination not in DischargeDestination.values:
        raise ServiceError(INVALID, _("Discharged to: choose one of the list."), field="destination")
    t.extra["destination"] = destination
    t.details["destination"] = destination


def _end_stay(t: Transition) -> None:
    stay: Stay = t.obj
    day = t.extra["date"]
    t.change("ended_on", stay.ended_on, day)
    stay.ended_on = day
    stay.leave_since = None
    if t.action == "discharge":
        stay.destination = t.extra["destination"]
    _set_bed(stay.bed, BedStatus.FREE)


def _release_elder(t: Transition) -> None:
    """The institution's grant ends on the last day; a discharged elder no longer lives there."""
    stay: Stay = t.obj
    grants.end_grants(stay, last_day=t.extra["date"])
    if t.action == "discharge":
        Elder.objects.filter(pk=stay.elder_id, residence_institution_id=stay.institution_id).update(
            residence_institution=None, updated_at=clock.now()
        )


def _record_death(t: Transition) -> None:
    """The stay ends in death: the elder's own status moves through the registry's machine."""
    from yiyang.core.services import ELDER_STATUS

    _release_elder(t)
    stay: Stay = t.obj
    elder = Elder.objects.get(pk=stay.elder_id)
    if elder.status == ElderStatus.ACTIVE:
        ELDER_STATUS.apply(
            elder,
            "record_death",
            acting_user=t.user,
            reason=t.reason or _("Died during the stay at %(name)s") % {"name": stay.institution.name},
            effective_date=t.extra["date"],
        )


_TRANSFER = Rules(requires={"bed_id": gettext_lazy("Bed")}, check=_check_transfer, before_save=_take_new_bed)
_SWITCH = Rules(check=_check_switch, before_save=_take_new_bed)
_DISCHARGE = Rules(check=_check_discharge, before_save=_end_stay, after_save=_release_elder)
_DEATH = Rules(check=_check_date, before_save=_end_stay, after_save=_record_death)

#: 入住 → (转床, 请假/销假, 住院 ↔ 休养) → 出院 or 死亡. A leave is an eldercare leave: from 住院 the
#: resident first returns to 休养.
STAY = StateMachine(
    Stay,
    table={
        (StayStatus.CARE, "transfer"): (StayStatus.CARE, "stay.change"),
        (StayStatus.MEDICAL, "transfer"): (StayStatus.MEDICAL, "stay.change"),
        (StayStatus.CARE, "leave"): (StayStatus.ON_LEAVE, "stay.change"),
        (StayStatus.ON_LEAVE, "return"): (StayStatus.CARE, "stay.change"),
        (StayStatus.CARE, "to_medical"): (StayStatus.MEDICAL, "stay.change"),
        (StayStatus.MEDICAL, "to_care"): (StayStatus.CARE, "stay.change"),
        (StayStatus.CARE, "discharge"): (StayStatus.DISCHARGED, "stay.change"),
        (StayStatus.MEDICAL, "discharge"): (StayStatus.DISCHARGED, "stay.change"),
        (StayStatus.ON_LEAVE, "discharge"): (StayStatus.DISCHARGED, "stay.change"),
        (StayStatus.CARE, "death"): (StayStatus.DECEASED, "stay.change"),
        (StayStatus.MEDICAL, "death"): (StayStatus.DECEASED, "stay.change"),
        (StayStatus.ON_LEAVE, "death"): (StayStatus.DECEASED, "stay.change"),
    },
    states=StayStatus,
    actions={
        "transfer": gettext_lazy("Transfer to another bed"),
        "leave": gettext_lazy("Go on leave"),
        "return": gettext_lazy("Return from leave"),
        "to_medical": gettext_lazy("Switch to medical (hospital)"),
        "to_care": gettext_lazy("Switch to eldercare"),
        "discharge": gettext_lazy("Discharge"),
        "death": gettext_lazy("Record death"),
    },
    rules={
        "transfer": _TRANSFER,
        "leave": Rules(check=_check_date, before_save=_start_leave),
        "return": Rules(check=_check_date, before_save=_end_leave),
        "to_medical": _SWITCH,
        "to_care": _SWITCH,
        "discharge": _DISCHARGE,
        "death": _DEATH,
    },
    select_related=("institution", "bed"),
)


def move(
    stay: Stay,
    action: str,
    *,
    acting_user: User | AnonymousUser,
    reason: str = "",
    bed_id: Any = None,
    date: dt.date | None = None,
    destination: str = "",
) -> Transition:
    """Apply ``action`` to the stay (the one entry point for pages and the API). A bed another request
    took meanwhile is refused with 409 like any occupied bed."""
    extra: dict[str, Any] = {}
    if bed_id not in (None, ""):
        extra["bed_id"] = bed_id
    if date is not None:
        extra["date"] = date
    if destination:
        extra["destination"] = destination
    try:
        return STAY.apply(stay, action, acting_user=acting_user, reason=reason, **extra)
    except IntegrityError:
        raise ServiceError(
            BED_NOT_FREE,
            _("The bed was just taken by another request: reload and choose again."),
            field="bed_id",
            status=409,
        ) from None


# -- care notes ----------------------------------------------------------------------------------------


@transaction.atomic
def add_care_note(
    stay: Stay,
    *,
    acting_user: User | AnonymousUser,
    kind: str,
    content: str,
    done_at: dt.datetime | None = None,
) -> CareNote:
    """照护记录: what was done for a resident, by the acting user, when (default now)."""
    user = _require_staff(acting_user, stay.institution, "carenote.add")
    if not stay.is_active:
        raise ServiceError(
            INVALID,
            _("The stay is “%(status)s”: care notes are kept for residents only.")
            % {"status": stay.get_status_display()},
            field="stay",
            status=409,
        )
    if kind not in CareNoteKind.values:
        raise ServiceError(INVALID, _("Type of care: choose one of the list."), field="kind")
    content = (content or "").strip()
    if not content:
        raise ServiceError(INVALID, _("What was done: required."), field="content")
    if len(content) > 1000:
        raise ServiceError(INVALID, _("What was done: at most 1000 characters."), field="content")
    when = done_at or clock.now()
    if when > clock.now() or clock.local_date(when) < stay.admitted_on:
        raise ServiceError(INVALID, _("Done at: between the admission and now."), field="done_at")
    note = CareNote.objects.create(
        stay=stay, elder_id=stay.elder_id, kind=kind, content=content, done_at=when, done_by=user
    )
    audit.record("create", user=user, obj=note, changes={"kind": [None, kind]})
    return note
