"""建档 and the 个人基本信息表: the archive, its diagnoses and medications."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder
from yiyang.core.scoping import require_perm

from .. import error_codes, formdata, icd, rules
from ..fields import ARCHIVE_FIELDS, ARCHIVE_ROW_TABLES, MEDICATION_FIELDS
from ..models import Diagnosis, DiagnosisStatus, HealthArchive, Medication
from ._common import _check_date, _label, _snapshot, acting_institution, check_field_values, clean_rows

if TYPE_CHECKING:
    from yiyang.accounts.models import User


def _next_serial(village_code: str) -> int:
    prefix = _prefix(village_code)
    top = HealthArchive.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    return int(top[12:]) + 1 if top else 1


def _prefix(village_code: str) -> str:
    try:
        return rules.archive_prefix(village_code)
    except ValueError:
        raise ServiceError(
            error_codes.INVALID,
            _(
                "Archive number: the village code %(code)s has no archive village segment (residents' "
                "committees 001–099, village committees 101–199); ask the county to assign one."
            )
            % {"code": village_code},
            field="region",
        ) from None


@transaction.atomic
def ensure_archive(
    elder: Elder, *, acting_user: User, established_on: dt.date | None = None
) -> HealthArchive:
    """建档: the elder's archive, created with the next 17-digit number of their village if missing."""
    existing = HealthArchive.objects.filter(elder=elder).first()
    if existing is not None:
        return existing
    require_perm(acting_user, "health.change")
    institution = acting_institution(acting_user)
    archive = HealthArchive.objects.create(
        elder=elder,
        number=rules.archive_number(elder.region_id, _next_serial(elder.region_id)),
        established_on=established_on or clock.today(),
        institution=institution,
        established_by=acting_user,
        responsible_doctor=acting_user,
    )
    audit.record("create", user=acting_user, obj=archive, changes={"number": [None, archive.number]})
    return archive


@transaction.atomic
def update_archive(archive: HealthArchive, *, acting_user: User, data: dict[str, Any]) -> HealthArchive:
    """Change the 个人基本信息表 items of an archive; the audit row holds the field diff."""
    require_perm(acting_user, "health.change")
    archive = HealthArchive.objects.select_for_update().select_related("elder").get(pk=archive.pk)
    before = _snapshot(archive, ARCHIVE_FIELDS)
    values = {name: data[name] for name in ARCHIVE_FIELDS if name in data}
    check_field_values(HealthArchive, values)
    for table in ARCHIVE_ROW_TABLES:
        if table in values:
            values[table] = clean_rows(
                archive.elder, HealthArchive, table, values[table], until=clock.today()
            )
    for name, value in values.items():
        setattr(
            archive, name, value if value is not None else HealthArchive._meta.get_field(name).get_default()
        )
    family = archive.family_history or {}
    members = dict(formdata.FAMILY_MEMBERS)
    multi = [(name, _label(name, HealthArchive), getattr(archive, name) or [], options)
             for name, options in formdata.ARCHIVE_MULTI.items()]  # fmt: skip
    for key, codes in family.items():
        if key not in members:
            raise ServiceError(
                error_codes.INVALID,
                _("%(field)s: unknown family member “%(value)s”.")
                % {"field": _label("family_history", HealthArchive), "value": key},
                field="family_history",
            )
        label = f"{_label('family_history', HealthArchive)}（{members[key]}）"
        multi.append((f"family_history.{key}", label, codes, formdata.FAMILY_DISEASES))
    for name, label, codes, options in multi:
        if not set(codes) <= {c for c, _l in options}:
            raise ServiceError(
                error_codes.INVALID, _("%(field)s: unknown option.") % {"field": label}, field=name
            )
        if "1" in codes and len(codes) > 1:
            raise ServiceError(
                error_codes.INVALID,
                _("%(field)s: “none” cannot be combined with other options.") % {"field": label},
                field=name,
            )
    archive.save()
    changes = audit.diff(before, _snapshot(archive, ARCHIVE_FIELDS))
    if changes:
        audit.record("update", user=acting_user, obj=archive, changes=changes)
    return archive


@transaction.atomic
def save_basic_information(elder: Elder, *, acting_user: User, data: dict[str, Any]) -> HealthArchive:
    """个人基本信息表: create the archive if missing and change its items, in one transaction (a
    refused item leaves no new archive behind)."""
    require_perm(acting_user, "health.change")
    archive = ensure_archive(elder, acting_user=acting_user)
    return update_archive(archive, acting_user=acting_user, data=data)


@transaction.atomic
def add_diagnosis(
    elder: Elder,
    *,
    acting_user: User,
    icd10_code: str,
    diagnosed_on: dt.date | None = None,
    source: str = "",
) -> Diagnosis:
    """Add a coded problem to the problem list; the Chinese name comes from the ICD-10 table."""
    require_perm(acting_user, "health.change")
    code = icd.lookup(icd10_code)
    if code is None:
        raise ServiceError(
            error_codes.UNKNOWN_ICD10,
            _("ICD-10 code: “%(code)s” is not in the code table.") % {"code": icd10_code},
            field="icd10_code",
        )
    if diagnosed_on is not None:
        _check_date(elder, diagnosed_on, "diagnosed_on", Diagnosis)
    diagnosis = Diagnosis.objects.create(
        elder=elder,
        icd10_code=code.code,
        name=code.name,
        diagnosed_on=diagnosed_on,
        source=source,
        recorded_by=acting_user,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=diagnosis,
        changes={"elder": [None, elder.pk], "icd10_code": [None, code.code]},
    )
    return diagnosis


@transaction.atomic
def resolve_diagnosis(diagnosis: Diagnosis, *, acting_user: User) -> Diagnosis:
    require_perm(acting_user, "health.change")
    if diagnosis.status != DiagnosisStatus.RESOLVED:
        diagnosis.status = DiagnosisStatus.RESOLVED
        diagnosis.save(update_fields=["status"])
        audit.record("update", user=acting_user, obj=diagnosis, changes={"status": ["active", "resolved"]})
    return diagnosis


@transaction.atomic
def add_medication(elder: Elder, *, acting_user: User, data: dict[str, Any]) -> Medication:
    require_perm(acting_user, "health.change")
    if not (data.get("name") or "").strip():
        raise ServiceError(error_codes.INVALID, _("Drug name: required."), field="name")
    check_field_values(Medication, {k: data.get(k) for k in MEDICATION_FIELDS if k != "started_on"})
    if data.get("started_on") is not None:
        _check_date(elder, data["started_on"], "started_on", Medication)
    long_prescription, weeks, review_on = _long_prescription(data)
    medication = Medication.objects.create(
        elder=elder,
        name=data["name"].strip(),
        route=data.get("route", ""),
        dose=data.get("dose", ""),
        started_on=data.get("started_on"),
        adherence=data.get("adherence", ""),
        long_prescription=long_prescription,
        prescribed_weeks=weeks,
        review_on=review_on,
        recorded_by=acting_user,
    )
    audit.record("create", user=acting_user, obj=medication, changes={"elder": [None, elder.pk]})
    return medication


def _long_prescription(data: dict[str, Any]) -> tuple[bool, int | None, dt.date | None]:
    """慢性病长期处方: 1–12 weeks (rules.LONG_PRESCRIPTION_MAX_WEEKS); the review date is the end of the
    prescription, counted from its start (or today)."""
    if not data.get("long_prescription"):
        return False, None, None
    weeks = data.get("prescribed_weeks")
    limit = rules.table("LONG_PRESCRIPTION_MAX_WEEKS")
    if not isinstance(weeks, int) or isinstance(weeks, bool) or not 1 <= weeks <= limit:
        raise ServiceError(
            error_codes.INVALID,
            _("Weeks prescribed: a long prescription lasts 1 to %(max)s weeks.") % {"max": limit},
            field="prescribed_weeks",
        )
    start = data.get("started_on") or clock.today()
    return True, weeks, start + dt.timedelta(weeks=weeks)


@transaction.atomic
def stop_medication(medication: Medication, *, acting_user: User) -> Medication:
    require_perm(acting_user, "health.change")
    if medication.active:
        medication.active = False
        medication.save(update_fields=["active"])
        audit.record("update", user=acting_user, obj=medication, changes={"active": [True, False]})
    return medication
