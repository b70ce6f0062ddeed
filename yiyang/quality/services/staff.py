"""Credentials and training of institutions' staff: certificates with their scans, training sessions and
attendance, and the rules IR-12 and the training indicators count by.

Rules (the indicators in ``monitoring/indicators/IR-12.yaml`` and ``TR-*.yaml`` say the same):

- a certificate is valid on a day when it was issued on or before it and ``valid_until`` is empty or
  on or after it — a certificate expiring on the reference date still counts that day;
- a carer is 持证 on a day when they hold a valid 养老护理员职业技能等级证书 on it;
- a carer is in post on a day when hired on or before it (or no hire date) and not left by then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Institution, InstitutionKind, Region
from yiyang.core.reach import Reach
from yiyang.core.scoping import require_perm
from yiyang.core.staff import Staff, StaffPost
from yiyang.core.staff_access import managed_staff_institutions, staff_scope_q

from ..models import Attendance, CarerLevel, Qualification, QualificationKind, TrainingSession, TrainingTopic

if TYPE_CHECKING:
    from yiyang.accounts.models import User

INVALID = "INVALID"
EVIDENCE_INVALID = "EVIDENCE_INVALID"
#: the scan of a certificate: at most this many bytes
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: file types recognised by their first bytes, never by the name
EVIDENCE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
#: certificates ending within this many days are flagged on the lists
EXPIRY_WARNING_DAYS = 60
#: institutions whose carers IR-12 counts (养老机构 and 医养结合机构)
CARER_KINDS = (
    InstitutionKind.ELDERCARE_HOME,
    InstitutionKind.DAY_CARE_CENTRE,
    InstitutionKind.INTEGRATED_CARE,
)


def _error(field: str, message: str, code: str = INVALID, status: int = 422) -> ServiceError:
    return ServiceError(code, message, field=field, status=status)


def _raise_all(problems: list[dict]) -> None:
    if problems:
        first = problems[0]
        raise ServiceError(first["code"], first["message"], field=first["field"], errors=problems)


# -- certificates -----------------------------------------------------------------------------------


def valid_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}issued_on__lte": day}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": day})
    )


def check_evidence(upload: UploadedFile, field: str = "evidence") -> str:
    """The scan's type (``pdf``, ``jpg``, ``png``) from its first bytes, or a 422 naming the field."""
    size = upload.size or 0
    if size <= 0:
        raise _error(field, _("Certificate scan: the file is empty."), EVIDENCE_INVALID)
    if size > EVIDENCE_MAX_BYTES:
        raise _error(
            field,
            _("Certificate scan: the file is larger than %(mb)d MB.") % {"mb": EVIDENCE_MAX_BYTES // 2**20},
            EVIDENCE_INVALID,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in EVIDENCE_SIGNATURES:
        if head.startswith(signature):
            return kind
    raise _error(field, _("Certificate scan: only a PDF, JPEG or PNG file is accepted."), EVIDENCE_INVALID)


@dataclass
class QualificationData:
    kind: str
    number: str
    issued_on: dt.date
    valid_until: dt.date | None = None
    level: str = ""
    issuer: str = ""
    name: str = ""


def clean_qualification(row: dict[str, Any]) -> QualificationData:
    problems: list[dict] = []

    def fail(field: str, message: str) -> None:
        problems.append({"field": field, "code": INVALID, "message": message})

    kind = str(row.get("kind") or "")
    if kind not in QualificationKind.values:
        fail("kind", _("Certificate: choose one of the listed certificates."))
    level = str(row.get("level") or "")
    if level and level not in CarerLevel.values:
        fail("level", _("Skill level: choose one of the listed levels."))
    if kind == QualificationKind.CARER and not level:
        fail("level", _("Skill level: required for an eldercare worker certificate."))
    if kind != QualificationKind.CARER and level:
        fail("level", _("Skill level: only an eldercare worker certificate has a skill level."))
    number = str(row.get("number") or "").strip()
    if not number:
        fail("number", _("Certificate no.: required."))
    elif len(number) > 40:
        fail("number", _("Certificate no.: at most 40 characters."))
    issued, until = row.get("issued_on"), row.get("valid_until")
    if not isinstance(issued, dt.date):
        fail("issued_on", _("Issued on: enter a date such as 2024-03-01."))
    elif issued > clock.today():
        fail("issued_on", _("Issued on: the date is in the future."))
    if until is not None and not isinstance(until, dt.date):
        fail("valid_until", _("Valid until: enter a date such as 2027-03-01."))
    elif isinstance(until, dt.date) and isinstance(issued, dt.date) and until < issued:
        fail("valid_until", _("Valid until: the date is before the issue date."))
    issuer = str(row.get("issuer") or "").strip()
    if len(issuer) > 80:
        fail("issuer", _("Issued by: at most 80 characters."))
    name = str(row.get("name") or "").strip()
    if kind == QualificationKind.OTHER and not name:
        fail("name", _("Certificate name: required for another certificate."))
    _raise_all(problems)
    return QualificationData(
        kind=kind,
        number=number,
        issued_on=cast(dt.date, issued),
        valid_until=until,
        level=level,
        issuer=issuer,
        name=name[:60],
    )


def _require_keeper(user: User, institution: Institution) -> None:
    require_perm(user, "staff.manage")
    if institution.pk not in {i.pk for i in managed_staff_institutions(user)}:
        raise PermissionDenied("staff.manage")


@transaction.atomic
def add_qualification(
    staff: Staff, *, acting_user: User, data: QualificationData, evidence: UploadedFile | None = None
) -> Qualification:
    """Record a certificate of a staff member of the acting user's institution, with its scan."""
    _require_keeper(acting_user, staff.institution)
    q = Qualification(
        staff=staff,
        kind=data.kind,
        name=data.name,
        level=data.level,
        number=data.number,
        issuer=data.issuer,
        issued_on=data.issued_on,
        valid_until=data.valid_until,
        created_by=acting_user,
    )
    if evidence is not None:
        kind = check_evidence(evidence)
        evidence.name = f"certificate.{kind}"
        q.evidence = evidence
    q.save()
    audit.record(
        "create",
        user=acting_user,
        obj=q,
        changes={
            "staff": [None, staff.pk],
            "kind": [None, q.kind],
            "valid_until": [None, str(q.valid_until or "")],
            "evidence": [None, q.evidence.name if q.evidence else ""],
        },
    )
    return q


@transaction.atomic
def remove_qualification(q: Qualification, *, acting_user: User) -> None:
    """Delete a certificate entered in error (the audit row keeps what it was)."""
    _require_keeper(acting_user, q.staff.institution)
    audit.record(
        "delete", user=acting_user, obj=q, changes={"kind": [q.kind, None], "number": [q.number, None]}
    )
    q.delete()


def _holds_valid_certificate(day: dt.date) -> Exists:
    return Exists(
        Qualification.objects.filter(valid_q(day), staff=OuterRef("pk"), kind=QualificationKind.CARER)
    )


def _carers_in_post(staff: QuerySet[Staff], day: dt.date) -> QuerySet[Staff]:
    return staff.active_on(day).filter(  # type: ignore[attr-defined]
        post=StaffPost.CARER, institution__kind__in=CARER_KINDS, institution__is_active=True
    )


def carers(staff: QuerySet[Staff], day: dt.date) -> QuerySet[Staff]:
    """Carers in post on ``day`` at the institutions IR-12 counts, each annotated with ``certified``
    (a valid 养老护理员 certificate on ``day``)."""
    return _carers_in_post(staff, day).annotate(certified=_holds_valid_certificate(day))


def carer_counts(staff: QuerySet[Staff], day: dt.date) -> tuple[int, int]:
    """``(carers in post, of whom certified)`` on ``day`` — IR-12's denominator and numerator."""
    pool = _carers_in_post(staff, day)
    return pool.count(), pool.filter(_holds_valid_certificate(day)).count()


def uncertified(staff: QuerySet[Staff], day: dt.date) -> list[dict[str, Any]]:
    """持证提醒: carers without a valid certificate on ``day``, then certified carers whose certificate
    ends within :data:`EXPIRY_WARNING_DAYS` days — each with the latest certificate and why listed."""
    rows = list(carers(staff, day).select_related("institution").order_by("institution__name", "name"))
    latest: dict[int, Qualification] = {}
    for q in Qualification.objects.filter(
        staff__in=[s.pk for s in rows], kind=QualificationKind.CARER
    ).order_by("staff_id", "issued_on", "pk"):
        current = latest.get(q.staff_id)
        if (
            current is None
            or (q.is_valid_on(day) and not current.is_valid_on(day))
            or (
                q.is_valid_on(day) == current.is_valid_on(day)
                and (q.valid_until or dt.date.max) >= (current.valid_until or dt.date.max)
            )
        ):
            latest[q.staff_id] = q
    horizon = day + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    out: list[dict[str, Any]] = []
    for s in rows:
        cert = latest.get(s.pk)
        if not s.certified:  # type: ignore[attr-defined]
            reason = "expired" if cert is not None and cert.valid_until and cert.valid_until < day else "none"
            out.append({"staff": s, "certificate": cert, "reason": reason, "expiring": False})
        elif cert is not None and cert.valid_until and cert.valid_until <= horizon:
            out.append(
                {
                    "staff": s,
                    "certificate": cert,
                    "reason": "expiring",
                    "expiring": True,
                    "days": (cert.valid_until - day).days,
                }
            )
    return out


# -- training sessions ------------------------------------------------------------------------------


@dataclass
class SessionData:
    topic: str
    title: str
    held_on: dt.date
    hours: Decimal
    place: str = ""
    content: str = ""


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def clean_session(row: dict[str, Any]) -> SessionData:
    problems: list[dict] = []

    def fail(field: str, message: str) -> None:
        problems.append({"field": field, "code": INVALID, "message": message})

    topic = str(row.get("topic") or "")
    if topic not in TrainingTopic.values:
        fail("topic", _("Topic: choose one of the listed topics."))
    title = str(row.get("title") or "").strip()
    if not title:
        fail("title", _("Title: required."))
    elif len(title) > 100:
        fail("title", _("Title: at most 100 characters."))
    held_on = row.get("held_on")
    if not isinstance(held_on, dt.date):
        fail("held_on", _("Date: enter a date such as 2026-05-12."))
    elif held_on > clock.today() + dt.timedelta(days=366):
        fail("held_on", _("Date: more than a year ahead."))
    hours = _decimal(row.get("hours"))
    if hours is None or not (Decimal("0.5") <= hours <= Decimal("80")):
        fail("hours", _("Hours: between 0.5 and 80."))
    place = str(row.get("place") or "").strip()
    if len(place) > 100:
        fail("place", _("Place: at most 100 characters."))
    content = str(row.get("content") or "").strip()
    if len(content) > 2000:
        fail("content", _("Content: at most 2000 characters."))
    _raise_all(problems)
    return SessionData(
        topic=topic,
        title=title,
        held_on=cast(dt.date, held_on),
        hours=(hours or Decimal(0)).quantize(Decimal("0.1")),
        place=place,
        content=content,
    )


def county_regions(user: User) -> list[Region]:
    """The regions an officer organises county sessions for (their own region)."""
    return [
        a.region
        for a in user.active_assignments
        if a.reach in (Reach.REGION, Reach.REGION_ELDERCARE) and a.region is not None
    ]


@transaction.atomic
def create_session(
    *,
    acting_user: User,
    data: SessionData,
    organiser: Institution | None = None,
    region: Region | None = None,
    attendances: Sequence[AttendanceRow] = (),
) -> TrainingSession:
    """A training session of the acting user's institution (``organiser``), or — an officer — of the
    county (``region``, their own region), with its attendance when given (one transaction)."""
    require_perm(acting_user, "training.manage")
    if organiser is not None:
        _require_keeper(acting_user, organiser)
        region = organiser.region
    else:
        mine = {r.pk for r in county_regions(acting_user)}
        if region is None or region.pk not in mine:
            raise _error("organiser", _("Organiser: choose your institution or your county."))
    session = TrainingSession.objects.create(
        topic=data.topic,
        title=data.title,
        held_on=data.held_on,
        hours=data.hours,
        place=data.place,
        content=data.content,
        organiser=organiser,
        region=region,
        created_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=session,
        changes={
            "topic": [None, session.topic],
            "held_on": [None, str(session.held_on)],
            "hours": [None, str(session.hours)],
        },
    )
    if attendances:
        record_attendance(session, acting_user=acting_user, rows=attendances)
    return session


def may_take_attendance(user: User, session: TrainingSession) -> bool:
    if not getattr(user, "is_authenticated", False) or "training.manage" not in user.permissions():
        return False
    if session.organiser_id is not None:
        return session.organiser_id in {i.pk for i in managed_staff_institutions(user)}
    return session.region_id in {r.pk for r in county_regions(user)}


def attendance_candidates(user: User, session: TrainingSession) -> QuerySet[Staff]:
    """The checklist: the organiser's staff in post on the day, or for a county session every staff
    member the officer may see in post that day."""
    if session.organiser_id is not None:
        qs = Staff.objects.filter(institution_id=session.organiser_id)
    else:
        qs = Staff.objects.filter(
            staff_scope_q(user), institution__region__code__startswith=session.region_id[:6]
        )
    return (
        qs.active_on(session.held_on)
        .select_related("institution")
        .order_by("institution__name", "post", "name")
    )  # type: ignore[attr-defined]


@dataclass
class AttendanceRow:
    staff_id: int
    attended: bool = True
    hours: Decimal | None = None
    passed: bool | None = None
    score: int | None = None


@transaction.atomic
def record_attendance(
    session: TrainingSession, *, acting_user: User, rows: Sequence[AttendanceRow], replace: Iterable[int] = ()
) -> int:
    """签到: one row per staff member on the checklist (set again, it replaces the earlier row). Staff
    in ``replace`` without a row are removed from the list (unticked on the checklist). Hours default to
    the session's when attended, 0 when not. Returns the number of attendance rows now recorded."""
    if not may_take_attendance(acting_user, session):
        raise PermissionDenied("training.manage")
    allowed = set(attendance_candidates(acting_user, session).values_list("pk", flat=True))
    problems: list[dict] = []
    for i, row in enumerate(rows):
        if row.staff_id not in allowed:
            problems.append(
                {
                    "field": f"attendances[{i}].staff_id",
                    "code": INVALID,
                    "message": _("Staff member: not on this session's list."),
                }
            )
        if row.hours is not None and not (Decimal(0) <= row.hours <= session.hours):
            problems.append(
                {
                    "field": f"attendances[{i}].hours",
                    "code": INVALID,
                    "message": _("Hours: between 0 and the session's hours."),
                }
            )
        if row.score is not None and not 0 <= row.score <= 100:
            problems.append(
                {
                    "field": f"attendances[{i}].score",
                    "code": INVALID,
                    "message": _("Score: between 0 and 100."),
                }
            )
    _raise_all(problems)
    given = {r.staff_id for r in rows}
    dropped = [pk for pk in replace if pk in allowed and pk not in given]
    if dropped:
        Attendance.objects.filter(session=session, staff_id__in=dropped).delete()
    for row in rows:
        hours = row.hours if row.hours is not None else (session.hours if row.attended else Decimal(0))
        Attendance.objects.update_or_create(
            session=session,
            staff_id=row.staff_id,
            defaults={"attended": row.attended, "hours": hours, "passed": row.passed, "score": row.score},
        )
    audit.record(
        "update",
        user=acting_user,
        obj=session,
        changes={"attendance": [len(dropped), len(rows)]},
        reason=_("Attendance recorded"),
    )
    return Attendance.objects.filter(session=session).count()


def hours_by_institution(institutions: QuerySet[Institution], year: int) -> list[dict[str, Any]]:
    """培训学时: per institution, staff in post at year end (or today), sessions its staff attended,
    person-times, hours, and the share of its staff trained in the year."""
    from django.db.models import Count, Sum

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    day = min(end, clock.today())
    att = (
        Attendance.objects.filter(
            attended=True, session__held_on__range=(start, end), staff__institution__in=institutions
        )
        .values("staff__institution_id")
        .annotate(
            person_times=Count("pk"),
            hours=Sum("hours"),
            sessions=Count("session", distinct=True),
        )
    )
    by_inst = {r["staff__institution_id"]: r for r in att}
    staff_counts = dict(
        Staff.objects.filter(institution__in=institutions)
        .active_on(day)  # type: ignore[attr-defined]
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    # trained = in post on ``day`` and attended in the year (TR-3's rule), so the share never passes 100%
    attended = Attendance.objects.filter(
        staff=OuterRef("pk"), attended=True, session__held_on__range=(start, end)
    )
    trained_counts = dict(
        Staff.objects.filter(institution__in=institutions)
        .active_on(day)  # type: ignore[attr-defined]
        .filter(Exists(attended))
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    out = []
    for inst in institutions.order_by("region_id", "name"):
        r = by_inst.get(inst.pk, {})
        n = staff_counts.get(inst.pk, 0)
        if not n and not r:
            continue
        trained = trained_counts.get(inst.pk, 0)
        out.append(
            {
                "institution": inst,
                "staff": n,
                "sessions": r.get("sessions", 0),
                "person_times": r.get("person_times", 0),
                "hours": r.get("hours") or Decimal(0),
                "trained": trained,
                "share": (Decimal(100) * trained / n).quantize(Decimal("0.1")) if n else None,
            }
        )
    return out
