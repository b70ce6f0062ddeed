"""医养签约协议: drafting, signing, renewing, terminating and expiring agreements, their signed document,
the access grants they write and the expiry warnings.

The life cycle is one table (:data:`AGREEMENT`)::

    draft --sign--> active --renew--> renewed   (a successor agreement, ``previous`` = this one)
                           --terminate--> terminated (reason, last day in force)
                           --expire--> expired  (the system actor, once the end date has passed)
    expired --renew--> renewed

Grants (DESIGN §2, scope is data): an agreement in force opens the home's residents to its
**responsible doctor and nurse** (user grants), not to the whole medical institution: they are the
people who come on rounds and receive the residents' referrals, and the minimum-necessary reading of
"the agreement's medical team". The grant runs from the agreement's start (or the day a resident moves
in) to its last day in force; a resident who leaves the home loses it the day before. Residents who
move in after signing are covered by :func:`sync_elder` (called when an elder is saved) and by the
daily :func:`run_daily` (which also catches bulk moves that send no signal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock, grants
from yiyang.core.actors import system_user
from yiyang.core.errors import ServiceError
from yiyang.core.models import ELDERCARE_KINDS, MEDICAL_KINDS, AccessGrant, Elder, ElderStatus, Institution
from yiyang.core.scoping import require_perm
from yiyang.core.transitions import SYSTEM_MOVE, Rules, StateMachine, Transition

from ..models import Agreement, AgreementService, AgreementStatus, RoundFrequency

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"
AGREEMENT_OVERLAP = "AGREEMENT_OVERLAP"
DOCUMENT_INVALID = "DOCUMENT_INVALID"

#: the signed document: at most this many bytes
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
#: the file types a signed document may be, recognised by their first bytes (not by the name)
DOCUMENT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
#: warnings are listed this many days before an agreement ends (the nearer one is the urgent one)
WARNING_DAYS = (60, 30)
#: states in which an agreement was signed into force (in force on a day of its window)
SIGNED_STATES = (AgreementStatus.ACTIVE, AgreementStatus.RENEWED)
SOURCE_TYPE = "care.agreement"


def _error(field: str, message: str, code: str = INVALID, status: int = 422) -> ServiceError:
    return ServiceError(code, message, field=field, status=status)


# -- the parties ------------------------------------------------------------------------------------


def administered(user: User) -> list[Institution]:
    """Institutions the user administers (the parties they may sign for)."""
    return [
        a.institution
        for a in user.active_assignments
        if a.role == Role.INSTITUTION_ADMIN and a.institution is not None
    ]


def may_manage(user: Any, agreement: Agreement) -> bool:
    """Whether the user administers one of the agreement's two parties."""
    if not getattr(user, "is_authenticated", False):
        return False
    mine = {i.pk for i in administered(user)}
    return agreement.eldercare_institution_id in mine or agreement.medical_institution_id in mine


def _require_party(user: User, home: Institution, medical: Institution) -> None:
    require_perm(user, "agreement.manage")
    mine = {i.pk for i in administered(user)}
    if home.pk not in mine and medical.pk not in mine:
        raise PermissionDenied("agreement.manage")


def _clinical_staff_of(user: User | None, institution: Institution) -> bool:
    if user is None:
        return False
    return any(
        a.role == Role.CLINICIAN and a.institution_id == institution.pk for a in user.active_assignments
    )


# -- the signed document ----------------------------------------------------------------------------


def check_document(upload: UploadedFile, field: str = "document") -> str:
    """The document's type (``pdf``, ``jpg``, ``png``) read from its first bytes, or a 422 naming the
    field: empty, too large, or not a PDF, JPEG or PNG whatever its name says."""
    size = upload.size or 0
    if size <= 0:
        raise _error(field, _("Signed document: the file is empty."), DOCUMENT_INVALID)
    if size > DOCUMENT_MAX_BYTES:
        raise _error(
            field,
            _("Signed document: the file is larger than %(mb)d MB.") % {"mb": DOCUMENT_MAX_BYTES // 2**20},
            DOCUMENT_INVALID,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in DOCUMENT_SIGNATURES:
        if head.startswith(signature):
            return kind
    raise _error(field, _("Signed document: only a PDF, JPEG or PNG file is accepted."), DOCUMENT_INVALID)


def _store_document(agreement: Agreement, upload: UploadedFile) -> None:
    kind = check_document(upload)
    upload.name = f"agreement.{kind}"
    agreement.document = upload


@transaction.atomic
def attach_document(agreement: Agreement, *, acting_user: User, upload: UploadedFile) -> Agreement:
    """Upload (or replace) the signed document of a draft or an agreement in force."""
    _require_party(acting_user, agreement.eldercare_institution, agreement.medical_institution)
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        raise _error("document", _("Signed document: this agreement is closed."), status=409)
    old = agreement.document.name if agreement.document else ""
    _store_document(agreement, upload)
    agreement.save(update_fields=["document", "updated_at"])
    audit.record(
        "update", user=acting_user, obj=agreement, changes={"document": [old, agreement.document.name]}
    )
    return agreement


# -- drafting ---------------------------------------------------------------------------------------


@dataclass
class Terms:
    """What an agreement says (validated by :func:`clean_terms`)."""

    services: list[str]
    round_frequency: str
    responsible_doctor: User | None
    responsible_nurse: User | None
    start_date: dt.date
    end_date: dt.date
    green_accept_minutes: int | None = None
    green_arrive_minutes: int | None = None
    number: str = ""
    note: str = ""


def clean_terms(home: Institution, medical: Institution, terms: Terms) -> Terms:
    if home.kind not in ELDERCARE_KINDS:
        raise _error("eldercare_institution", _("Eldercare institution: choose an eldercare institution."))
    if medical.kind not in MEDICAL_KINDS or medical.pk == home.pk:
        raise _error("medical_institution", _("Medical institution: choose a medical institution."))
    services = list(dict.fromkeys(terms.services or []))
    if not services:
        raise _error("services", _("Services covered: choose at least one."))
    unknown = [s for s in services if s not in AgreementService.values]
    if unknown:
        raise _error("services", _("Services covered: unknown service “%(code)s”.") % {"code": unknown[0]})
    terms.services = services
    if AgreementService.ROUNDS in services:
        if terms.round_frequency not in RoundFrequency.values:
            raise _error("round_frequency", _("Round frequency: required when the agreement covers rounds."))
    elif terms.round_frequency and terms.round_frequency not in RoundFrequency.values:
        raise _error("round_frequency", _("Round frequency: choose one of the options."))
    if AgreementService.GREEN_CHANNEL in services:
        for name, value in (
            ("green_accept_minutes", terms.green_accept_minutes),
            ("green_arrive_minutes", terms.green_arrive_minutes),
        ):
            if value is None or not 1 <= value <= 1440:
                raise _error(
                    name,
                    _("Green channel: the promised minutes to accept and to receive are required (1–1440)."),
                )
        if terms.green_arrive_minutes < terms.green_accept_minutes:  # type: ignore[operator]
            raise _error(
                "green_arrive_minutes",
                _("Green channel: receiving cannot be promised sooner than accepting."),
            )
    if not _clinical_staff_of(terms.responsible_doctor, medical):
        raise _error(
            "responsible_doctor_id",
            _("Responsible doctor: required, a clinician of %(name)s.") % {"name": medical.name},
        )
    if terms.responsible_nurse is not None and not _clinical_staff_of(terms.responsible_nurse, medical):
        raise _error(
            "responsible_nurse_id",
            _("Responsible nurse: must be a clinician of %(name)s.") % {"name": medical.name},
        )
    if terms.end_date < terms.start_date:
        raise _error("end_date", _("End date: must not be before the start date."))
    if (terms.end_date - terms.start_date).days > 366 * 5:
        raise _error("end_date", _("End date: an agreement runs at most five years."))
    terms.number = (terms.number or "").strip()[:40]
    terms.note = (terms.note or "").strip()[:200]
    return terms


@transaction.atomic
def create_agreement(
    *,
    acting_user: User,
    eldercare_institution: Institution,
    medical_institution: Institution,
    terms: Terms,
    document: UploadedFile | None = None,
) -> Agreement:
    """A draft agreement (拟签): the terms, and the signed document if it is at hand."""
    _require_party(acting_user, eldercare_institution, medical_institution)
    terms = clean_terms(eldercare_institution, medical_institution, terms)
    agreement = Agreement(
        eldercare_institution=eldercare_institution,
        medical_institution=medical_institution,
        created_by=acting_user,
        **_term_fields(terms),
    )
    if document is not None:
        _store_document(agreement, document)
    agreement.save()
    audit.record(
        "create",
        user=acting_user,
        obj=agreement,
        changes={
            "eldercare_institution": [None, eldercare_institution.pk],
            "medical_institution": [None, medical_institution.pk],
            "period": [None, f"{terms.start_date}~{terms.end_date}"],
            "services": [None, terms.services],
        },
    )
    return agreement


def _term_fields(terms: Terms) -> dict[str, Any]:
    return {
        "services": terms.services,
        "round_frequency": terms.round_frequency or "",
        "responsible_doctor": terms.responsible_doctor,
        "responsible_nurse": terms.responsible_nurse,
        "start_date": terms.start_date,
        "end_date": terms.end_date,
        "green_accept_minutes": terms.green_accept_minutes,
        "green_arrive_minutes": terms.green_arrive_minutes,
        "number": terms.number,
        "note": terms.note,
    }


def _overlap(agreement: Agreement, start: dt.date, end: dt.date) -> Agreement | None:
    """A signed agreement between the same two parties whose window meets ``start``–``end``."""
    qs = Agreement.objects.filter(
        eldercare_institution_id=agreement.eldercare_institution_id,
        medical_institution_id=agreement.medical_institution_id,
        status__in=SIGNED_STATES,
        start_date__lte=end,
        end_date__gte=start,
    ).exclude(pk=agreement.pk)
    return qs.first()


# -- the machine ------------------------------------------------------------------------------------


def _may(user: Any, agreement: Agreement) -> bool:
    return may_manage(user, agreement)


def _check_party(t: Transition) -> None:
    a = t.obj
    _require_party(t.user, a.eldercare_institution, a.medical_institution)


def _check_sign(t: Transition) -> None:
    _check_party(t)
    a = t.obj
    signed_on = t.extra.get("signed_on") or clock.today()
    if signed_on > clock.today():
        raise _error("signed_on", _("Signed on: cannot be in the future."))
    if not a.document:
        raise _error("document", _("Signed document: upload the signed agreement before signing."))
    if a.end_date < clock.today():
        raise _error("end_date", _("End date: has already passed; correct the period first."))
    clash = _overlap(a, a.start_date, a.end_date)
    if clash is not None:
        raise _error(
            "start_date",
            _("These two institutions already have an agreement from %(start)s to %(end)s.")
            % {"start": clash.start_date, "end": clash.end_date},
            AGREEMENT_OVERLAP,
            status=409,
        )
    t.extra["signed_on"] = signed_on


def _sign(t: Transition) -> None:
    t.change("signed_on", t.obj.signed_on, t.extra["signed_on"])
    t.obj.signed_on = t.extra["signed_on"]


def _after_sign(t: Transition) -> None:
    from .rounds import plan_rounds

    planned = plan_rounds(t.obj)
    granted = sync_grants(t.obj)
    t.changes["planned_rounds"] = [None, len(planned)]
    t.changes["grants"] = [None, granted]


def _check_renew(t: Transition) -> None:
    _check_party(t)
    old = t.obj
    end = t.extra.get("end_date")
    if end is None:
        raise _error("end_date", _("End date: required."))
    signed_on = t.extra.get("signed_on") or clock.today()
    if signed_on > clock.today():
        raise _error("signed_on", _("Signed on: cannot be in the future."))
    start = max(old.end_date + dt.timedelta(days=1), signed_on)
    if end < start:
        raise _error(
            "end_date",
            _("End date: the renewal starts on %(start)s and cannot end before.") % {"start": start},
        )
    if (end - start).days > 366 * 5:
        raise _error("end_date", _("End date: an agreement runs at most five years."))
    document = t.extra.get("document")
    if document is not None:
        check_document(document)
    t.extra["signed_on"], t.extra["start_date"] = signed_on, start


def _renew(t: Transition) -> None:
    """The successor: the same terms for the new period, in force at once (signed when renewed)."""
    from .rounds import plan_rounds

    old = t.obj
    new = Agreement(
        eldercare_institution=old.eldercare_institution,
        medical_institution=old.medical_institution,
        services=list(old.services),
        round_frequency=old.round_frequency,
        green_accept_minutes=old.green_accept_minutes,
        green_arrive_minutes=old.green_arrive_minutes,
        responsible_doctor=old.responsible_doctor,
        responsible_nurse=old.responsible_nurse,
        number=old.number,
        note=old.note,
        signed_on=t.extra["signed_on"],
        start_date=t.extra["start_date"],
        end_date=t.extra["end_date"],
        status=AgreementStatus.ACTIVE,
        previous=old,
        created_by=t.user,
        document=old.document.name if old.document else "",
    )
    if t.extra.get("document") is not None:
        _store_document(new, t.extra["document"])
    new.save()
    plan_rounds(new)
    sync_grants(new)
    audit.record(
        "create",
        user=t.user,
        obj=new,
        changes={"previous": [None, old.pk], "period": [None, f"{new.start_date}~{new.end_date}"]},
    )
    t.results["renewal"] = new
    t.changes["renewed_by"] = [None, new.pk]
    t.details["renewed_by"] = new.pk
    t.details.pop("document", None)


def _check_terminate(t: Transition) -> None:
    _check_party(t)
    a = t.obj
    last = t.extra.get("terminated_on") or clock.today()
    if not a.start_date <= last <= a.end_date:
        raise _error("terminated_on", _("Terminated on: must fall within the agreement's period."))
    if last < clock.today() - dt.timedelta(days=31):
        raise _error("terminated_on", _("Terminated on: at most a month back."))
    t.extra["terminated_on"] = last


def _terminate(t: Transition) -> None:
    t.change("terminated_on", t.obj.terminated_on, t.extra["terminated_on"])
    t.obj.terminated_on = t.extra["terminated_on"]
    t.obj.end_reason = t.reason[:200]


def _after_close(t: Transition) -> None:
    """The grants end on the last day in force; planned rounds after it are cancelled."""
    from .rounds import cancel_rounds_after

    last = t.obj.effective_end
    t.changes["grants_ended"] = [None, grants.end_grants(t.obj, last_day=last)]
    t.changes["rounds_cancelled"] = [None, cancel_rounds_after(t.obj, last)]


def _check_expire(t: Transition) -> None:
    if t.obj.end_date >= clock.today():
        raise _error(
            "end_date", _("The agreement is still in force until %(end)s.") % {"end": t.obj.end_date}
        )


AGREEMENT = StateMachine(
    Agreement,
    table={
        (AgreementStatus.DRAFT, "sign"): (AgreementStatus.ACTIVE, "agreement.manage"),
        (AgreementStatus.ACTIVE, "renew"): (AgreementStatus.RENEWED, "agreement.manage"),
        (AgreementStatus.ACTIVE, "terminate"): (AgreementStatus.TERMINATED, "agreement.manage"),
        (AgreementStatus.ACTIVE, "expire"): (AgreementStatus.EXPIRED, SYSTEM_MOVE),
        (AgreementStatus.EXPIRED, "renew"): (AgreementStatus.RENEWED, "agreement.manage"),
    },
    states=AgreementStatus,
    actions={
        "sign": pgettext_lazy("agreement", "Sign"),
        "renew": pgettext_lazy("agreement", "Renew"),
        "terminate": pgettext_lazy("agreement", "Terminate"),
        "expire": pgettext_lazy("agreement", "Expire"),
    },
    rules={
        "sign": Rules(check=_check_sign, before_save=_sign, after_save=_after_sign, may=_may),
        "renew": Rules(check=_check_renew, after_save=_renew, may=_may),
        "terminate": Rules(
            reason_required=True,
            check=_check_terminate,
            before_save=_terminate,
            after_save=_after_close,
            may=_may,
        ),
        "expire": Rules(check=_check_expire, after_save=_after_close),
    },
)


# -- grants -----------------------------------------------------------------------------------------


def grantees(agreement: Agreement) -> list[User]:
    return [u for u in (agreement.responsible_doctor, agreement.responsible_nurse) if u is not None]


def _residents(home_id: int) -> QuerySet[Elder]:
    return Elder.objects.filter(residence_institution_id=home_id, status=ElderStatus.ACTIVE)


def sync_grants(agreement: Agreement, *, today: dt.date | None = None) -> int:
    """Make the agreement's grants match the home's residents today: each resident is open to the
    responsible doctor and nurse up to the last day in force (from the start, or from today for a
    resident whose grant is new after the start); a former resident's grant ends yesterday. Runs in
    the caller's transaction. Returns the number of grants written or ended."""
    today = today or clock.today()
    if agreement.status not in SIGNED_STATES or agreement.end_date < today:
        return 0
    source_type, source_id = grants.source_of(agreement)
    existing = AccessGrant.objects.filter(source_type=source_type, source_id=source_id)
    have = {(g.elder_id, g.user_id) for g in existing}
    residents = list(_residents(agreement.eldercare_institution_id).only("pk"))
    written = 0
    new_from = max(agreement.start_date, today) if agreement.start_date < today else agreement.start_date
    for elder in residents:
        for user in grantees(agreement):
            if (elder.pk, user.pk) in have:
                continue
            grants.grant(
                agreement,
                elder=elder,
                user=user,
                valid_from=agreement.start_date if not have else new_from,
                valid_to=agreement.end_date,
            )
            written += 1
    current = {e.pk for e in residents}
    left = {elder_id for elder_id, _u in have if elder_id not in current}
    for elder in Elder.objects.filter(pk__in=left):
        written += grants.end_grants(agreement, last_day=today - dt.timedelta(days=1), elder=elder)
    return written


def in_force_q(day: dt.date, prefix: str = "") -> Q:
    """Agreements in force on ``day``: signed, ``day`` in the window, up to ``terminated_on`` when
    terminated (the query form of :meth:`Agreement.is_in_force_on`)."""
    p = prefix
    signed = Q(**{f"{p}status__in": [*SIGNED_STATES, AgreementStatus.EXPIRED]}) & Q(
        **{f"{p}start_date__lte": day, f"{p}end_date__gte": day}
    )
    ended = Q(**{f"{p}status": AgreementStatus.TERMINATED}) & Q(
        **{f"{p}start_date__lte": day, f"{p}terminated_on__gte": day}
    )
    return signed | ended


@transaction.atomic
def sync_elder(elder: Elder, *, today: dt.date | None = None) -> int:
    """An elder was saved (moved into or out of a home, died, moved away): open them to the medical
    team of each agreement of their home that is signed and not over, and end the grants of
    agreements of any other home. Returns the number of grants written or ended."""
    today = today or clock.today()
    written = 0
    home_id = elder.residence_institution_id if elder.status == ElderStatus.ACTIVE else None
    keep: set[str] = set()
    if home_id is not None:
        for agreement in Agreement.objects.filter(
            eldercare_institution_id=home_id, status__in=SIGNED_STATES, end_date__gte=today
        ).select_related("responsible_doctor", "responsible_nurse"):
            keep.add(str(agreement.pk))
            for user in grantees(agreement):
                if not grants.grants_from(agreement).filter(elder=elder, user=user).exists():
                    grants.grant(
                        agreement,
                        elder=elder,
                        user=user,
                        valid_from=max(agreement.start_date, today),
                        valid_to=agreement.end_date,
                    )
                    written += 1
    stale = (
        AccessGrant.objects.filter(elder=elder, source_type=SOURCE_TYPE)
        .exclude(source_id__in=keep)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("source_id", flat=True)
        .distinct()
    )
    for agreement in Agreement.objects.filter(pk__in=[int(s) for s in stale]):
        written += grants.end_grants(agreement, last_day=today - dt.timedelta(days=1), elder=elder)
    return written


# -- the daily run ----------------------------------------------------------------------------------


def expire_due(*, today: dt.date | None = None) -> list[Agreement]:
    """Agreements in force whose end date has passed become 已到期, moved by the system actor."""
    today = today or clock.today()
    actor = system_user()
    done = []
    for agreement in Agreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__lt=today):
        AGREEMENT.apply(agreement, "expire", acting_user=actor, reason=_("The end date has passed."))
        done.append(agreement)
    return done


def run_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job (Celery beat ``care.daily``, ``manage.py care_daily``): expire agreements past
    their end, then bring every signed agreement's grants in line with its home's residents."""
    today = today or clock.today()
    expired = expire_due(today=today)
    synced = 0
    for agreement in Agreement.objects.filter(status__in=SIGNED_STATES, end_date__gte=today).select_related(
        "responsible_doctor", "responsible_nurse"
    ):
        with transaction.atomic():
            synced += sync_grants(agreement, today=today)
    return {"expired": len(expired), "grants": synced}


# -- warnings ---------------------------------------------------------------------------------------


@dataclass
class ExpiryWarning:
    agreement: Agreement
    days_left: int

    @property
    def urgent(self) -> bool:
        return self.days_left <= min(WARNING_DAYS)


def expiry_warnings(agreements: QuerySet[Agreement], *, today: dt.date | None = None) -> list[ExpiryWarning]:
    """Agreements in force, not yet renewed, ending within 60 days (urgent within 30), soonest first.
    ``agreements`` is an already scoped queryset."""
    today = today or clock.today()
    rows = agreements.filter(
        status=AgreementStatus.ACTIVE,
        end_date__gte=today,
        end_date__lte=today + dt.timedelta(days=max(WARNING_DAYS)),
    ).order_by("end_date", "pk")
    return [ExpiryWarning(a, (a.end_date - today).days) for a in rows]


def apply(
    agreement: Agreement, action: str, *, acting_user: User, reason: str = "", **extra: Any
) -> Transition:
    """``AGREEMENT.apply`` with the arguments the API and the pages pass."""
    return AGREEMENT.apply(agreement, action, acting_user=acting_user, reason=reason, **extra)


def services_label(codes: Iterable[str]) -> str:
    labels = dict(AgreementService.choices)
    return "、".join(str(labels.get(c, c)) for c in codes)
