"""The only writers of health-management records.

Every function is one transaction, takes the acting user keyword-only, checks the permission and writes
its audit row inside the transaction. Callers have already scoped the elder (``get_elder_for_user``)
or the record (:mod:`yiyang.health.queries`). Rules come from :mod:`yiyang.health.rules`.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.accounts.roles import Role
from yiyang.assessments import services as assessment_services
from yiyang.assessments.models import AssessmentResponse
from yiyang.core import audit, grants
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, Institution, InstitutionKind
from yiyang.core.scoping import has_perm, require_perm

from . import error_codes, formdata, icd, rules
from .models import (
    ChronicCase,
    ChronicFollowUp,
    Contract,
    ContractService,
    ContractStatus,
    Diagnosis,
    DiagnosisStatus,
    Disease,
    EducationActivity,
    FamilyDoctorTeam,
    HealthArchive,
    HealthCheck,
    Medication,
    ServiceDelivery,
    ServicePackage,
    ServicePackageItem,
    TcmRecord,
    TeamMember,
)
from .models.family import MemberRole

if TYPE_CHECKING:
    from yiyang.accounts.models import User

PACKAGES_FILE = Path(__file__).resolve().parent / "data" / "packages.yaml"


def today() -> dt.date:
    """The current local date; a seam for tests."""
    return timezone.localdate()


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def acting_institution(user: User) -> Institution:
    """The institution a record made by ``user`` belongs to: their own (clinician, admin), else their
    family-doctor team's."""
    for a in user.active_assignments:
        if a.role in (Role.CLINICIAN, Role.INSTITUTION_ADMIN) and a.institution is not None:
            return a.institution
    for a in user.active_assignments:
        if a.role == Role.FAMILY_DOCTOR and a.team is not None:
            return a.team.institution
    raise ServiceError(
        error_codes.NO_INSTITUTION, _("Your account is not attached to an institution or team."), status=403
    )


def record_list_view(*, acting_user: User, elders: list[Elder], what: str) -> int:
    """A list that shows records of many elders is an access to each of them (谁查看过): one "view"
    row per distinct elder on the page; ``what`` names the list. Returns the number of rows written."""
    return audit.record_many("view", user=acting_user, objects=elders, reason=str(what))


def _check_date(elder: Elder, day: dt.date | None, field: str, model: type) -> dt.date:
    """The date must be given, not in the future and not before birth; messages name ``model``'s label."""
    if day is None:
        raise ServiceError(
            error_codes.INVALID, _("%(field)s: required.") % {"field": _label(field, model)}, field=field
        )
    if day > today():
        raise ServiceError(
            error_codes.DATE_IN_FUTURE,
            _("%(field)s: the date cannot be in the future.") % {"field": _label(field, model)},
            field=field,
        )
    if day < elder.birth_date:
        raise ServiceError(
            error_codes.DATE_BEFORE_BIRTH,
            _("%(field)s: the date cannot be before the birth date.") % {"field": _label(field, model)},
            field=field,
        )
    return day


def _label(field: str, model: type = HealthCheck) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name)
    except Exception:  # a name that is not a model field (a form-only input)
        return field


def _labels(model: type) -> dict[str, str]:
    return {f.name: str(f.verbose_name) for f in model._meta.get_fields() if hasattr(f, "verbose_name")}


def _refuse(findings: list[rules.Finding]) -> ServiceError:
    return ServiceError(
        error_codes.IMPLAUSIBLE,
        findings[0].message,
        field=findings[0].field,
        errors=[f.as_dict() for f in findings],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


#: column headings of the row tables (formdata.ROW_TABLES), as the pages show them
ROW_COLUMN_LABELS = {
    "kind": gettext_lazy("Kind"),
    "admitted": gettext_lazy("Admitted / bed opened (month)"),
    "discharged": gettext_lazy("Discharged / bed closed (month)"),
    "reason": gettext_lazy("Reason"),
    "institution": gettext_lazy("Institution (full name)"),
    "record_no": gettext_lazy("Medical record number"),
    "name": gettext_lazy("Name"),
    "route": gettext_lazy("Route"),
    "dose": gettext_lazy("Frequency and dose"),
    "duration": gettext_lazy("Time taken"),
    "adherence": gettext_lazy("Adherence"),
    "date": gettext_lazy("Date"),
}
ROW_TEXT_MAX = 100


def clean_rows(elder: Elder, model: type, table: str, rows: Any, *, until: dt.date) -> list[dict[str, str]]:
    """A row table (住院史, 用药, 接种, 手术…) as stored: a list of dicts with the columns of
    ``formdata.ROW_TABLES[table]`` as strings. Blank rows are dropped; a used row needs its required
    columns; dates are real, not after ``until`` and not before the birth date. Each refusal names
    the table, the row number and the column."""
    columns = formdata.ROW_TABLES[table]
    title = _label(table, model)
    if rows in (None, ""):
        return []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ServiceError(error_codes.INVALID, _("%(field)s: wrong format.") % {"field": title}, field=table)
    out: list[dict[str, str]] = []
    for row in rows:
        values = {k: ("" if row.get(k) is None else str(row.get(k)).strip()) for k in columns}
        if not any(values[k] for k, (kind, _req) in columns.items() if kind != "choice"):
            continue  # a blank row (a choice left at its default does not make a row)
        n = len(out) + 1
        unknown = set(row) - set(columns)
        if unknown:
            raise ServiceError(
                error_codes.INVALID,
                _("%(table)s, row %(n)s: unknown column %(column)s.")
                % {"table": title, "n": n, "column": sorted(unknown)[0]},
                field=f"{table}.{n - 1}",
            )
        for key, (kind, required) in columns.items():
            value = values[key]
            where = {"table": title, "n": n, "column": ROW_COLUMN_LABELS[key]}
            field = f"{table}.{n - 1}.{key}"
            if not value:
                if required:
                    raise ServiceError(
                        error_codes.INVALID,
                        _("%(table)s, row %(n)s: %(column)s is required.") % where,
                        field=field,
                    )
                continue
            if kind == "choice" and value not in dict(formdata.ROW_CHOICES[(table, key)]):
                raise ServiceError(
                    error_codes.INVALID,
                    _("%(table)s, row %(n)s: %(column)s is not one of the options.") % where,
                    field=field,
                )
            if kind == "text" and len(value) > ROW_TEXT_MAX:
                raise ServiceError(
                    error_codes.INVALID,
                    _("%(table)s, row %(n)s: %(column)s is too long (at most %(max)s characters).")
                    % (where | {"max": ROW_TEXT_MAX}),
                    field=field,
                )
            if kind in ("month", "date"):
                try:
                    day = dt.date.fromisoformat(value + "-01" if kind == "month" else value)
                    if kind == "month" and len(value) != 7:
                        raise ValueError(value)
                except ValueError:
                    message = (
                        _("%(table)s, row %(n)s: %(column)s must be a year and month (YYYY-MM).")
                        if kind == "month"
                        else _("%(table)s, row %(n)s: %(column)s must be a date (YYYY-MM-DD).")
                    )
                    raise ServiceError(error_codes.INVALID, message % where, field=field) from None
                if (
                    day > until
                    or (kind == "date" and day < elder.birth_date)
                    or (kind == "month" and day < elder.birth_date.replace(day=1))
                ):
                    raise ServiceError(
                        error_codes.INVALID,
                        _("%(table)s, row %(n)s: %(column)s must lie between the birth date and %(until)s.")
                        % (where | {"until": until.isoformat()}),
                        field=field,
                    )
        if table == "hospital_stays" and values["discharged"] and values["discharged"] < values["admitted"]:
            raise ServiceError(
                error_codes.INVALID,
                _("%(table)s, row %(n)s: %(column)s must not be before the admission.")
                % {"table": title, "n": n, "column": ROW_COLUMN_LABELS["discharged"]},
                field=f"{table}.{n - 1}.discharged",
            )
        out.append(values)
    if len(out) > formdata.MAX_ROWS:
        raise ServiceError(
            error_codes.INVALID,
            _("%(field)s: at most %(n)s rows.") % {"field": title, "n": formdata.MAX_ROWS},
            field=table,
        )
    return out


# --------------------------------------------------------------------------------------------------
# Archive
# --------------------------------------------------------------------------------------------------


def _next_serial(village_code: str) -> int:
    top = HealthArchive.objects.filter(number__startswith=village_code).aggregate(m=Max("number"))["m"]
    return int(top[12:]) + 1 if top else 1


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
        established_on=established_on or today(),
        institution=institution,
        established_by=acting_user,
        responsible_doctor=acting_user,
    )
    audit.record("create", user=acting_user, obj=archive, changes={"number": [None, archive.number]})
    return archive


ARCHIVE_FIELDS = [
    "blood_type",
    "drug_allergies",
    "allergy_other",
    "exposures",
    "disabilities",
    "genetic_disease",
    "family_history",
    "surgeries",
    "traumas",
    "transfusions",
]


@transaction.atomic
def update_archive(archive: HealthArchive, *, acting_user: User, data: dict[str, Any]) -> HealthArchive:
    """Change the 个人基本信息表 items of an archive; the audit row holds the field diff."""
    require_perm(acting_user, "health.change")
    archive = HealthArchive.objects.select_for_update().select_related("elder").get(pk=archive.pk)
    before = _snapshot(archive, ARCHIVE_FIELDS)
    values = {name: data[name] for name in ARCHIVE_FIELDS if name in data}
    check_field_values(HealthArchive, values)
    for table in ("surgeries", "traumas", "transfusions"):
        if table in values:
            values[table] = clean_rows(archive.elder, HealthArchive, table, values[table], until=today())
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
    check_field_values(Medication, {k: data.get(k) for k in ("name", "route", "dose", "adherence")})
    if data.get("started_on") is not None:
        _check_date(elder, data["started_on"], "started_on", Medication)
    medication = Medication.objects.create(
        elder=elder,
        name=data["name"].strip(),
        route=data.get("route", ""),
        dose=data.get("dose", ""),
        started_on=data.get("started_on"),
        adherence=data.get("adherence", ""),
        recorded_by=acting_user,
    )
    audit.record("create", user=acting_user, obj=medication, changes={"elder": [None, elder.pk]})
    return medication


@transaction.atomic
def stop_medication(medication: Medication, *, acting_user: User) -> Medication:
    require_perm(acting_user, "health.change")
    if medication.active:
        medication.active = False
        medication.save(update_fields=["active"])
        audit.record("update", user=acting_user, obj=medication, changes={"active": [True, False]})
    return medication


# --------------------------------------------------------------------------------------------------
# Health check (健康体检表)
# --------------------------------------------------------------------------------------------------

CHECK_INPUT_FIELDS = [
    f.name
    for f in HealthCheck._meta.get_fields()
    if getattr(f, "editable", False)
    and f.name
    not in {
        "id",
        "elder",
        "year",
        "institution",
        "doctor",
        "recorded_by",
        "created_at",
        "updated_at",
        "bmi",
        "warnings",
        "part_assessment",
        "part_physical",
        "part_auxiliary",
        "part_guidance",
        "is_complete",
        "selfcare_response",
        "selfcare_score",
    }
]
#: the 体检表's row tables (住院治疗情况, 主要用药情况, 非免疫规划预防接种史)
CHECK_ROW_TABLES = ("hospital_stays", "medications", "vaccinations")
MEASURED_FIELDS = [name for name in CHECK_INPUT_FIELDS if name in rules.PLAUSIBILITY]
#: multi-choice items whose first option ("无症状", "未发现") excludes the others
EXCLUSIVE_FIRST = {"symptoms": formdata.NO_SYMPTOM}


def check_field_values(model: type, values: dict[str, Any]) -> None:
    """Refuse what the columns cannot hold: a code outside a field's options, a negative or too large
    number, too long a text — each named in Chinese (the same refusal for pages and API)."""
    from django.db import models as m

    for name, value in values.items():
        if value in (None, ""):
            continue
        field = model._meta.get_field(name)
        label = str(field.verbose_name)
        problem = None
        if isinstance(field, m.JSONField):
            if not _json_shape_ok(name, field, value):
                problem = _("%(field)s: wrong format.")
            elif (
                model is HealthCheck
                and name in formdata.CHECK_MULTI
                and not set(value) <= {c for c, _l in formdata.CHECK_MULTI[name]}
            ):
                problem = _("%(field)s: “%(value)s” is not one of the options.")
        elif (
            field.choices
            and not isinstance(value, list)
            and str(value) not in {str(c) for c, _l in field.choices}
        ):
            problem = _("%(field)s: “%(value)s” is not one of the options.")
        elif isinstance(field, m.PositiveSmallIntegerField) and not 0 <= int(value) <= 9999:
            problem = _("%(field)s: %(value)s is out of range.")
        elif isinstance(field, m.DecimalField):
            limit = Decimal(10) ** (field.max_digits - field.decimal_places)
            if not -limit < Decimal(str(value)) < limit or Decimal(str(value)) < 0:
                problem = _("%(field)s: %(value)s is out of range.")
        elif isinstance(field, m.CharField) and len(str(value)) > field.max_length:
            problem = _("%(field)s: too long (at most %(n)s characters).")
        elif name in formdata.CHECK_MULTI and model is HealthCheck:
            allowed = {c for c, _l in formdata.CHECK_MULTI[name]}
            if not isinstance(value, list) or not set(map(str, value)) <= allowed:
                problem = _("%(field)s: “%(value)s” is not one of the options.")
        if problem:
            raise ServiceError(
                error_codes.INVALID,
                problem % {"field": label, "value": value, "n": getattr(field, "max_length", "")},
                field=name,
            )


#: JSON fields holding a list of option codes (strings)
STRING_LISTS = frozenset(
    {
        "symptoms",
        "diet",
        "drink_kinds",
        "dentition",
        "guidance",
        "risk_factor_control",
        "abnormalities",
        "danger_signs",
    }
)


def _json_shape_ok(name: str, field: Any, value: Any) -> bool:
    if isinstance(field.get_default(), list):
        if not isinstance(value, list):
            return False
        return name not in STRING_LISTS or all(isinstance(v, str) for v in value)
    return isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
    )


def _clean_check(elder: Elder, data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in CHECK_INPUT_FIELDS if name in data}
    check_field_values(HealthCheck, values)
    for name, only in EXCLUSIVE_FIRST.items():
        codes = values.get(name) or []
        if only in codes and len(codes) > 1:
            raise ServiceError(
                error_codes.INVALID,
                _("%(field)s: “no symptoms” cannot be combined with other symptoms.")
                % {"field": _label(name)},
                field=name,
            )
    unknown_rows = sorted(set(values.get("main_problems") or {}) - set(formdata.MAIN_PROBLEMS))
    if unknown_rows:
        raise ServiceError(
            error_codes.INVALID,
            _("%(field)s: unknown row “%(key)s”.")
            % {"field": _label("main_problems"), "key": unknown_rows[0]},
            field=f"main_problems.{unknown_rows[0]}",
        )
    for key, (title, options) in formdata.MAIN_PROBLEMS.items():
        codes = (values.get("main_problems") or {}).get(key) or []
        if "1" in codes and len(codes) > 1:
            raise ServiceError(
                error_codes.INVALID,
                _("%(field)s: “not found” cannot be combined with a disease.") % {"field": title},
                field=f"main_problems.{key}",
            )
        unknown = set(codes) - {c for c, _l in options}
        if unknown:
            raise ServiceError(
                error_codes.INVALID,
                _("%(field)s: unknown option.") % {"field": title},
                field=f"main_problems.{key}",
            )
    # 填表说明 4: a never-smoker / never-drinker fills in nothing else about it.
    if values.get("smoking_status") == formdata.NEVER_SMOKED:
        for name in ("cigarettes_per_day", "smoking_start_age", "smoking_quit_age"):
            values[name] = None
    if values.get("drinking_frequency") == formdata.NEVER_DRANK:
        for name in ("alcohol_per_day", "drinking_start_age", "drinking_quit_age"):
            values[name] = None
        values["drinking_quit"] = ""
        values["drunk_last_year"] = ""
        values["drink_kinds"] = []
    return values


@transaction.atomic
def record_health_check(
    elder: Elder,
    *,
    acting_user: User,
    data: dict[str, Any],
    confirm_warnings: bool = False,
    check: HealthCheck | None = None,
    selfcare_response: AssessmentResponse | None = None,
) -> HealthCheck:
    """Create (or, with ``check``, change) a 健康体检表.

    Impossible values are refused (every one named, in Chinese); unusual values are refused with
    code CONFIRM_WARNINGS until the caller confirms them, and are then kept on the record. BMI is
    computed, the four parts and completeness are evaluated, and the archive is created if missing.
    """
    require_perm(acting_user, "health.change")
    values = _clean_check(elder, data)
    check_date = _check_date(elder, values.get("check_date"), "check_date", HealthCheck)
    for table in CHECK_ROW_TABLES:
        if table in values:
            values[table] = clean_rows(elder, HealthCheck, table, values[table], until=check_date)
    notice = values.get("notice_date")
    if notice is not None and (notice < check_date or notice > today()):
        raise ServiceError(
            error_codes.INVALID,
            _("Result notified on: must be between the check date and today."),
            field="notice_date",
        )
    labels = _labels(HealthCheck)
    measured = {name: values.get(name) for name in MEASURED_FIELDS if name in values}
    computed_bmi = rules.bmi(values.get("height"), values.get("weight"))
    if computed_bmi is not None:
        measured["bmi"] = computed_bmi
    refusals, warnings = rules.check_plausibility(measured, labels)
    if refusals:
        raise _refuse(refusals)
    if warnings and not confirm_warnings:
        raise ServiceError(
            error_codes.CONFIRM_WARNINGS,
            _("Some values are unusual: confirm them to save."),
            field=warnings[0].field,
            errors=[w.as_dict() for w in warnings],
        )
    if selfcare_response is not None:
        if (
            selfcare_response.elder_id != elder.pk
            or selfcare_response.instrument_code != "selfcare"
            or not selfcare_response.is_final
        ):
            raise ServiceError(
                error_codes.INVALID,
                _("Self-care assessment: choose a finalised self-care assessment of this elder."),
                field="selfcare_response",
            )
        values["selfcare_level"] = selfcare_response.level_code
    creating = check is None
    if creating:
        check = HealthCheck(elder=elder, institution=acting_institution(acting_user), doctor=acting_user)
        before: dict[str, Any] = {}
    else:
        check = HealthCheck.objects.select_for_update().get(pk=check.pk)
        before = _snapshot(check, CHECK_INPUT_FIELDS)
    for name, value in values.items():
        field = HealthCheck._meta.get_field(name)
        if value is None and not field.null:
            value = field.get_default()
        setattr(check, name, value)
    if selfcare_response is not None:
        check.selfcare_response = selfcare_response
        check.selfcare_score = selfcare_response.total
    check.year = check_date.year
    check.bmi = computed_bmi
    check.warnings = [w.as_dict() for w in warnings]
    check.recorded_by = acting_user
    _apply_completeness(check)
    check.notified_in_time = rules.notified_in_time(check_date, check.notice_date)
    check.save()
    ensure_archive(elder, acting_user=acting_user, established_on=check_date)
    changes = audit.diff(before, _snapshot(check, CHECK_INPUT_FIELDS))
    audit.record("create" if creating else "update", user=acting_user, obj=check, changes=changes)
    return check


def check_values(check: HealthCheck) -> dict[str, Any]:
    return {name: getattr(check, name) for name in CHECK_INPUT_FIELDS}


def _apply_completeness(check: HealthCheck) -> None:
    missing = rules.missing_parts(check_values(check))
    check.part_assessment = not missing["assessment"]
    check.part_physical = not missing["physical"]
    check.part_auxiliary = not missing["auxiliary"]
    check.part_guidance = not missing["guidance"]
    check.is_complete = all(not m for m in missing.values())


@transaction.atomic
def record_notice(check: HealthCheck, *, acting_user: User, notice_date: dt.date) -> HealthCheck:
    """体检结果告知: the day the result and guidance were given to the elder (HM-4)."""
    require_perm(acting_user, "health.change")
    check = HealthCheck.objects.select_for_update().get(pk=check.pk)
    if notice_date is None or notice_date < check.check_date or notice_date > today():
        raise ServiceError(
            error_codes.INVALID,
            _("Result notified on: must be between the check date and today."),
            field="notice_date",
        )
    before = check.notice_date
    check.notice_date = notice_date
    check.notified_in_time = rules.notified_in_time(check.check_date, notice_date)
    check.save(update_fields=["notice_date", "notified_in_time", "updated_at"])
    audit.record(
        "update",
        user=acting_user,
        obj=check,
        changes={"notice_date": [_plain(before), notice_date.isoformat()]},
    )
    return check


# --------------------------------------------------------------------------------------------------
# TCM (中医药健康管理)
# --------------------------------------------------------------------------------------------------

#: judgements that call for guidance on that constitution
GUIDED_JUDGEMENTS = ("yes", "tendency", "basically")


def constitutions_needing_guidance(levels: dict[str, str]) -> list[str]:
    return [code for code, judgement in levels.items() if judgement in GUIDED_JUDGEMENTS]


def primary_constitution(levels: dict[str, str], scores: dict[str, int]) -> str:
    """The constitution guidance starts from: a biased type judged 是 with the highest score, else
    倾向是, else 平和质 when it is 是/基本是 (填表说明: 以分数高的为主要体质进行指导)."""
    for wanted in ("yes", "tendency"):
        biased = [c for c, j in levels.items() if c != "balanced" and j == wanted]
        if biased:
            return max(biased, key=lambda c: (scores.get(c, 0), c))
    return "balanced" if levels.get("balanced") in ("yes", "basically") else ""


@transaction.atomic
def record_tcm(
    elder: Elder,
    *,
    acting_user: User,
    answers: dict[str, Any],
    guidance: dict[str, list[str]],
    service_date: dt.date,
    guidance_other: str = "",
) -> TcmRecord:
    """中医体质辨识 (tcm33, scored and stored by the assessments engine) + the 保健指导 given per
    constitution. Every constitution judged 是/倾向是 (平和质: 是/基本是) needs at least one guidance."""
    require_perm(acting_user, "health.change")
    _check_date(elder, service_date, "service_date", TcmRecord)
    at = timezone.make_aware(dt.datetime.combine(service_date, dt.time(9, 0)))
    at = min(at, timezone.now())
    response = assessment_services.start_assessment(
        elder,
        acting_user=acting_user,
        instrument_code="tcm33",
        answers=answers,
        assessed_at=at,
        finalise=True,
    )
    levels = {code: level["code"] for code, level in response.result.get("levels", {}).items()}
    scores = response.result.get("scores", {})
    allowed = {c for c, _l in formdata.TCM_GUIDANCE}
    clean: dict[str, list[str]] = {}
    for code in constitutions_needing_guidance(levels):
        chosen = [g for g in (guidance.get(code) or []) if g in allowed]
        if not chosen:
            name = dict(formdata.TCM_CONSTITUTIONS).get(code, code)
            raise ServiceError(
                error_codes.TCM_GUIDANCE_MISSING,
                _("Guidance for %(constitution)s: choose at least one.") % {"constitution": name},
                field=f"guidance.{code}",
            )
        clean[code] = sorted(set(chosen))
    record = TcmRecord.objects.create(
        elder=elder,
        service_date=service_date,
        response=response,
        constitutions=levels,
        primary_constitution=primary_constitution(levels, scores),
        guidance=clean,
        guidance_other=guidance_other,
        is_complete=bool(levels),
        institution=acting_institution(acting_user),
        doctor=acting_user,
    )
    ensure_archive(elder, acting_user=acting_user, established_on=service_date)
    audit.record(
        "create",
        user=acting_user,
        obj=record,
        changes={"elder": [None, elder.pk], "response": [None, response.pk], "guidance": [None, clean]},
    )
    return record


# --------------------------------------------------------------------------------------------------
# Chronic disease
# --------------------------------------------------------------------------------------------------

DEFAULT_CODES = {Disease.HYPERTENSION: icd.HYPERTENSION_CODE, Disease.DIABETES: icd.DIABETES_CODE}


@transaction.atomic
def enrol_case(
    elder: Elder,
    *,
    acting_user: User,
    disease: str,
    diagnosed_on: dt.date,
    source: str,
    enrolled_on: dt.date | None = None,
) -> ChronicCase:
    """纳入管理: put a confirmed hypertension or type 2 diabetes patient in the registry (once)."""
    require_perm(acting_user, "health.change")
    if disease not in Disease.values:
        raise ServiceError(error_codes.INVALID, _("Disease: unknown value."), field="disease")
    _check_date(elder, diagnosed_on, "diagnosed_on", ChronicCase)
    enrolled_on = _check_date(elder, enrolled_on or today(), "enrolled_on", ChronicCase)
    if ChronicCase.objects.filter(elder=elder, disease=disease, closed_on__isnull=True).exists():
        raise ServiceError(
            error_codes.CASE_ALREADY_OPEN,
            _("This elder is already in %(disease)s management.") % {"disease": Disease(disease).label},
            field="disease",
            status=409,
        )
    case = ChronicCase.objects.create(
        elder=elder,
        disease=disease,
        icd10_code=DEFAULT_CODES[disease],
        diagnosed_on=diagnosed_on,
        source=source,
        enrolled_on=enrolled_on,
        institution=acting_institution(acting_user),
        next_visit_due=enrolled_on,
        created_by=acting_user,
    )
    ensure_archive(elder, acting_user=acting_user, established_on=enrolled_on)
    audit.record(
        "create", user=acting_user, obj=case, changes={"elder": [None, elder.pk], "disease": [None, disease]}
    )
    return case


@transaction.atomic
def close_case(case: ChronicCase, *, acting_user: User, closed_on: dt.date, reason: str) -> ChronicCase:
    require_perm(acting_user, "health.change")
    if not (reason or "").strip():
        raise ServiceError(
            error_codes.REASON_REQUIRED, _("Reason for closing: required."), field="closed_reason"
        )
    case = ChronicCase.objects.select_for_update().get(pk=case.pk)
    if case.closed_on is not None:
        raise ServiceError(error_codes.CASE_CLOSED, _("This case is already closed."), status=409)
    case.closed_on, case.closed_reason = closed_on, reason.strip()
    case.save(update_fields=["closed_on", "closed_reason"])
    audit.record("update", user=acting_user, obj=case, changes={"closed_on": [None, closed_on.isoformat()]})
    return case


FOLLOWUP_INPUT_FIELDS = [
    "visit_date",
    "method",
    "symptoms",
    "danger_signs",
    "systolic",
    "diastolic",
    "weight",
    "weight_target",
    "heart_rate",
    "temperature",
    "fasting_glucose",
    "hba1c",
    "dorsalis_pedis",
    "cigarettes_per_day",
    "alcohol_per_day",
    "exercise_per_week",
    "exercise_minutes",
    "salt_intake",
    "staple_grams",
    "psychological",
    "compliance",
    "adherence",
    "adverse_reaction",
    "adverse_reaction_detail",
    "adverse_reaction_hard_to_control",
    "hypoglycaemia",
    "new_complication",
    "complication_detail",
    "medications",
    "referral_reason",
    "referral_to",
]


def previous_followup(case: ChronicCase, before: dt.date) -> ChronicFollowUp | None:
    return (
        ChronicFollowUp.objects.filter(case=case, visit_date__lte=before)
        .order_by("-visit_date", "-id")
        .first()
    )


def link_followups(case: ChronicCase) -> int:
    """Store on each follow-up of the case the visit date of the next one (by visit date, then entry
    order), or None on the latest, so "the last follow-up in a period was controlled" is a filter (HM-8).
    A back-dated follow-up moves its predecessor's date. Returns the rows changed."""
    rows = list(ChronicFollowUp.objects.filter(case=case).order_by("visit_date", "pk"))
    changed = []
    for i, row in enumerate(rows):
        day = rows[i + 1].visit_date if i + 1 < len(rows) else None
        if row.superseded_on != day:
            row.superseded_on = day
            changed.append(row)
    ChronicFollowUp.objects.bulk_update(changed, ["superseded_on"])
    return len(changed)


@transaction.atomic
def record_followup(case: ChronicCase, *, acting_user: User, data: dict[str, Any]) -> ChronicFollowUp:
    """随访: store one follow-up; classification, action and next visit date come from the decision
    table (rules.decide), using the case's previous follow-up for "连续两次"."""
    require_perm(acting_user, "health.change")
    case = ChronicCase.objects.select_for_update().select_related("elder").get(pk=case.pk)
    if case.closed_on is not None:
        raise ServiceError(error_codes.CASE_CLOSED, _("This case is closed."), status=409)
    elder = case.elder
    values = {name: data.get(name) for name in FOLLOWUP_INPUT_FIELDS if name in data}
    check_field_values(ChronicFollowUp, values)
    visit_date = _check_date(elder, values.get("visit_date"), "visit_date", ChronicFollowUp)
    labels = _labels(ChronicFollowUp)
    if values.get("method") not in dict(formdata.VISIT_METHOD):
        raise ServiceError(
            error_codes.INVALID, _("%(field)s: required.") % {"field": labels["method"]}, field="method"
        )
    if case.disease == Disease.HYPERTENSION and (
        values.get("systolic") is None or values.get("diastolic") is None
    ):
        raise ServiceError(
            error_codes.INVALID,
            _("%(field)s: required at a hypertension follow-up.") % {"field": labels["systolic"]},
            field="systolic",
        )
    if case.disease == Disease.DIABETES and values.get("fasting_glucose") is None:
        raise ServiceError(
            error_codes.INVALID,
            _("%(field)s: required at a diabetes follow-up.") % {"field": labels["fasting_glucose"]},
            field="fasting_glucose",
        )
    signs = dict(rules.table("DANGER_SIGNS")[case.disease])
    unknown = [s for s in values.get("danger_signs") or [] if s not in signs]
    if unknown:
        raise ServiceError(
            error_codes.INVALID,
            _("Danger signs: unknown value %(v)s.") % {"v": unknown[0]},
            field="danger_signs",
        )
    measured = {
        n: values.get(n)
        for n in ("systolic", "diastolic", "heart_rate", "fasting_glucose", "hba1c", "weight", "temperature")
    }
    refusals, _warnings = rules.check_plausibility(measured, labels)
    if refusals:
        raise _refuse(refusals)
    previous = previous_followup(case, visit_date)
    facts = rules.VisitFacts(
        disease=case.disease,
        age=rules.age_on(elder.birth_date, visit_date),
        systolic=values.get("systolic"),
        diastolic=values.get("diastolic"),
        fasting_glucose=values.get("fasting_glucose"),
        temperature=values.get("temperature"),
        danger_signs=list(values.get("danger_signs") or []),
        adverse_reaction=bool(values.get("adverse_reaction")),
        adverse_reaction_hard_to_control=bool(values.get("adverse_reaction_hard_to_control")),
        new_complication=bool(values.get("new_complication")),
        previous_classification=previous.classification if previous else None,
    )
    decision = rules.decide(facts, visit_date)
    followup = ChronicFollowUp(
        case=case, elder=elder, institution=acting_institution(acting_user), doctor=acting_user
    )
    for name, value in values.items():
        field = ChronicFollowUp._meta.get_field(name)
        if value is None and not field.null:
            value = field.get_default()
        setattr(followup, name, value)
    height = (
        HealthCheck.objects.filter(elder=elder, height__isnull=False)
        .order_by("-check_date")
        .values_list("height", flat=True)
        .first()
    )
    followup.bmi = rules.bmi(height, values.get("weight"))
    followup.controlled = decision.controlled
    followup.classification = decision.classification
    followup.action = decision.action
    followup.rule = decision.rule
    followup.next_visit_date = decision.next_visit_date
    if decision.urgent_reasons and not followup.referral_reason:
        followup.referral_reason = "；".join(decision.urgent_reasons)[:200]
    followup.save()
    link_followups(case)
    latest = previous_followup(case, dt.date.max)
    case.next_visit_due = latest.next_visit_date if latest else followup.next_visit_date
    case.save(update_fields=["next_visit_due"])
    audit.record(
        "create",
        user=acting_user,
        obj=followup,
        changes={
            "case": [None, case.pk],
            "classification": [None, decision.classification],
            "rule": [None, decision.rule],
            "next_visit_date": [None, decision.next_visit_date.isoformat()],
        },
    )
    return followup


# --------------------------------------------------------------------------------------------------
# Family doctors
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def sync_packages(*, acting_user: User | None = None, path: Path = PACKAGES_FILE) -> list[ServicePackage]:
    """Load the service packages of the data file (create or update by code; items replaced)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for spec in data["packages"]:
        package, _created = ServicePackage.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "population_group": spec["population_group"],
                "description": spec.get("description", ""),
            },
        )
        wanted = {item["code"] for item in spec["items"]}
        package.items.exclude(code__in=wanted).delete()
        for item in spec["items"]:
            ServicePackageItem.objects.update_or_create(
                package=package,
                code=item["code"],
                defaults={"name": item["name"], "times_per_year": item["times_per_year"]},
            )
        out.append(package)
    audit.record(
        "update",
        user=acting_user,
        object_type="health.servicepackage",
        object_repr=path.name,
        changes={"packages": [None, [p.code for p in out]]},
        username="system",
    )
    return out


#: Institutions that run family-doctor teams (家庭医生签约服务): primary care — township and community
#: health centres, community health stations, village clinics — and the general and TCM hospitals
#: that lead teams where the county has them. Eldercare homes and other kinds do not.
TEAM_INSTITUTION_KINDS = frozenset(
    {
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_STATION,
        InstitutionKind.VILLAGE_CLINIC,
        InstitutionKind.GENERAL_HOSPITAL,
        InstitutionKind.TCM_HOSPITAL,
    }
)


def _administered(user: User) -> list[Institution]:
    if not has_perm(user, "team.manage"):
        return []
    return [
        a.institution
        for a in user.active_assignments
        if a.role == Role.INSTITUTION_ADMIN and a.institution is not None
    ]


def team_institutions(user: User) -> list[Institution]:
    """Institutions whose family-doctor teams ``user`` may manage: those they administer that run
    family-doctor teams (:data:`TEAM_INSTITUTION_KINDS`)."""
    return [i for i in _administered(user) if i.kind in TEAM_INSTITUTION_KINDS]


def _require_team_manager(user: User, institution: Institution) -> None:
    """team.manage, and only for the teams of an institution the user administers, which must be one
    that runs family-doctor teams."""
    require_perm(user, "team.manage")
    if institution.pk not in {i.pk for i in _administered(user)}:
        raise PermissionDenied("team.manage")
    if institution.kind not in TEAM_INSTITUTION_KINDS:
        raise ServiceError(
            error_codes.INVALID,
            _(
                "Institution: family-doctor teams belong to a primary-care institution or a general or "
                "TCM hospital, not to %(name)s."
            )
            % {"name": institution.name},
            field="institution",
            status=403,
        )


def _require_clinical_member(institution: Institution, user: User, field: str) -> None:
    """A team member must already hold a clinical role at the team's institution (clinician there, or
    family doctor of one of its teams): joining a team gives the family_doctor role, which writes
    health records and assessments, so an administrator cannot make themselves or a non-clinical
    account a member."""
    from .queries import team_candidates

    if not team_candidates([institution]).filter(pk=user.pk).exists():
        raise ServiceError(
            error_codes.INVALID,
            _(
                "%(field)s: %(name)s holds no clinical role at %(institution)s; only its doctors, nurses "
                "and family doctors can join its teams."
            )
            % {
                "field": _("Team leader") if field == "leader" else _("Team member"),
                "name": user,
                "institution": institution.name,
            },
            field=field,
        )


def _clean_team(institution: Institution, name: str, villages: list[Any]) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(error_codes.INVALID, _("Name: required."), field="name")
    if len(name) > FamilyDoctorTeam._meta.get_field("name").max_length:
        raise ServiceError(error_codes.INVALID, _("Name: too long (at most 60 characters)."), field="name")
    county = institution.region_id[:6]
    outside = [v for v in villages if v.level != "village" or not v.code.startswith(county)]
    if outside:
        raise ServiceError(
            error_codes.INVALID,
            _("Villages served: %(name)s is not a village of the institution's county.")
            % {"name": outside[0].name},
            field="villages",
        )
    return name


def _clean_role(role: str) -> str:
    if role not in MemberRole.values:
        raise ServiceError(error_codes.INVALID, _("Role in team: choose one of the options."), field="role")
    return role


@transaction.atomic
def create_team(
    *,
    acting_user: User,
    institution: Institution,
    name: str,
    leader: User,
    villages: list[Any],
    members: list[tuple[User, str]],
) -> FamilyDoctorTeam:
    """组建团队: a team with its leader, members (each given the family_doctor role bound to the team)
    and the villages it serves. Only an administrator of the institution may form its teams."""
    _require_team_manager(acting_user, institution)
    name = _clean_team(institution, name, villages)
    _require_clinical_member(institution, leader, "leader")
    for user, role in members:
        _clean_role(role)
        _require_clinical_member(institution, user, "member")
    team = FamilyDoctorTeam.objects.create(name=name, institution=institution, leader=leader)
    team.villages.set(villages)
    everyone = list(members)
    if leader not in [u for u, _r in everyone]:
        everyone.insert(0, (leader, "gp"))
    for user, role in everyone:
        add_team_member(team, acting_user=acting_user, user=user, role=role)
    audit.record(
        "create",
        user=acting_user,
        obj=team,
        changes={"institution": [None, institution.pk], "villages": [None, [v.pk for v in villages]]},
    )
    return team


@transaction.atomic
def update_team(
    team: FamilyDoctorTeam,
    *,
    acting_user: User,
    name: str,
    leader: User,
    villages: list[Any],
    is_active: bool = True,
) -> FamilyDoctorTeam:
    """Change a team's name, leader (who becomes an active member), villages served, or retire it.
    Contracts already signed keep their team; a retired team takes no new contracts."""
    _require_team_manager(acting_user, team.institution)
    team = FamilyDoctorTeam.objects.select_for_update().get(pk=team.pk)
    name = _clean_team(team.institution, name, villages)
    if leader.pk != team.leader_id:
        _require_clinical_member(team.institution, leader, "leader")
    before = {
        "name": team.name,
        "leader": team.leader_id,
        "villages": sorted(team.villages.values_list("code", flat=True)),
        "is_active": team.is_active,
    }
    team.name, team.leader, team.is_active = name, leader, is_active
    team.save(update_fields=["name", "leader", "is_active"])
    team.villages.set(villages)
    if not TeamMember.objects.filter(team=team, user=leader, is_active=True).exists():
        add_team_member(team, acting_user=acting_user, user=leader, role="gp")
    after = {
        "name": name,
        "leader": leader.pk,
        "villages": sorted(v.code for v in villages),
        "is_active": is_active,
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record("update", user=acting_user, obj=team, changes=changes)
    return team


@transaction.atomic
def add_team_member(team: FamilyDoctorTeam, *, acting_user: User, user: User, role: str) -> TeamMember:
    """Put ``user`` in the team with a role; the family_doctor role bound to the team gives them the
    team's contracted elders."""
    from yiyang.accounts.models import RoleAssignment

    _require_team_manager(acting_user, team.institution)
    _clean_role(role)
    _require_clinical_member(team.institution, user, "user")
    member, _created = TeamMember.objects.update_or_create(
        team=team, user=user, defaults={"role": role, "is_active": True}
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.FAMILY_DOCTOR, team=team)
    user._assignments_cache = None  # type: ignore[attr-defined]
    audit.record("update", user=acting_user, obj=team, changes={"member": [None, f"{user.pk}:{role}"]})
    return member


@transaction.atomic
def remove_team_member(member: TeamMember, *, acting_user: User) -> TeamMember:
    """Take a member out of the team: the membership is kept as inactive (contracts name them) and the
    team-bound role is withdrawn, so the team's elders leave their scope. The leader stays."""
    from yiyang.accounts.models import RoleAssignment

    team = member.team
    _require_team_manager(acting_user, team.institution)
    if member.user_id == team.leader_id:
        raise ServiceError(
            error_codes.INVALID,
            _("Team member: the team leader cannot be removed; choose another leader first."),
            field="member",
        )
    if member.is_active:
        member.is_active = False
        member.save(update_fields=["is_active"])
        RoleAssignment.objects.filter(user=member.user, role=Role.FAMILY_DOCTOR, team=team).delete()
        member.user._assignments_cache = None  # type: ignore[attr-defined]
        audit.record(
            "update",
            user=acting_user,
            obj=team,
            changes={"member": [f"{member.user_id}:{member.role}", None]},
        )
    return member


def service_rows(contract: Contract, items: list[ServicePackageItem]) -> list[ContractService]:
    """The services a contract is owed: each package item ``times_per_year`` times per contract year,
    the period split into equal windows, each due by its window's last day (unsaved rows)."""
    days = (contract.end_date - contract.start_date).days + 1
    rows = []
    for item in items:
        count = max(1, math.ceil(item.times_per_year * days / 365 - 1e-9))
        for i in range(count):
            rows.append(
                ContractService(
                    contract=contract,
                    item_code=item.code,
                    name=item.name,
                    sequence=i + 1,
                    window_start=contract.start_date + dt.timedelta(days=math.floor(i * days / count)),
                    due_date=contract.start_date + dt.timedelta(days=math.floor((i + 1) * days / count) - 1),
                )
            )
    return rows


def generate_services(contract: Contract) -> list[ContractService]:
    items = list(
        ServicePackageItem.objects.filter(package__in=contract.packages.all()).order_by("package_id", "code")
    )
    return ContractService.objects.bulk_create(service_rows(contract, items))


def _overlapping(
    elder: Elder, start: dt.date, end: dt.date, exclude: Contract | None = None
) -> Contract | None:
    qs = Contract.objects.filter(elder=elder, start_date__lte=end, end_date__gte=start).exclude(
        ended_on__lt=start
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


@transaction.atomic
def sign_contract(
    elder: Elder,
    *,
    acting_user: User,
    team: FamilyDoctorTeam,
    doctor: User,
    packages: list[ServicePackage],
    signed_on: dt.date,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    signer: str = "self",
    proxy_name: str = "",
    proxy_relation: str = "",
    renewal_of: Contract | None = None,
) -> Contract:
    """签约: one team per elder at a time ("每位居民同期只能选择1名签约家庭医生"); the period defaults to
    CONTRACT_MONTHS; the services due are generated from the packages."""
    require_perm(acting_user, "contract.change")
    _check_date(elder, signed_on, "signed_on", Contract)
    if not team.is_active:
        raise ServiceError(
            error_codes.INVALID,
            _("Team: %(name)s is no longer in use and takes no new contracts.") % {"name": team.name},
            field="team",
        )
    if not TeamMember.objects.filter(team=team, user=doctor, is_active=True).exists():
        raise ServiceError(
            "DOCTOR_NOT_IN_TEAM", _("Family doctor: must be a member of the team."), field="doctor"
        )
    start = start_date or signed_on
    end = end_date or (rules.add_months(start, rules.table("CONTRACT_MONTHS")) - dt.timedelta(days=1))
    if end < start:
        raise ServiceError(
            error_codes.CONTRACT_PERIOD, _("End date: must not be before the start date."), field="end_date"
        )
    if not packages:
        raise ServiceError(
            error_codes.PACKAGE_REQUIRED, _("Service packages: choose at least one."), field="packages"
        )
    if not TeamMember.objects.filter(team=team, user=doctor, is_active=True).exists():
        raise ServiceError(
            error_codes.DOCTOR_NOT_IN_TEAM, _("Family doctor: must be a member of the team."), field="doctor"
        )
    villages = set(team.villages.values_list("code", flat=True))
    if villages and elder.region_id not in villages:
        raise ServiceError(
            error_codes.ELDER_NOT_IN_TEAM_AREA,
            _("Team: this team does not serve the elder's village."),
            field="team",
        )
    if signer == "proxy" and not proxy_name.strip():
        raise ServiceError(
            error_codes.INVALID, _("Proxy name: required when a proxy signs."), field="proxy_name"
        )
    clash = _overlapping(elder, start, end, exclude=renewal_of)
    if clash is not None:
        raise ServiceError(
            error_codes.CONTRACT_OVERLAP,
            _("This elder already has a contract from %(start)s to %(end)s with %(team)s.")
            % {"start": clash.start_date, "end": clash.effective_end, "team": clash.team.name},
            field="start_date",
            status=409,
        )
    contract = Contract.objects.create(
        elder=elder,
        team=team,
        doctor=doctor,
        signed_on=signed_on,
        start_date=start,
        end_date=end,
        signer=signer,
        proxy_name=proxy_name.strip(),
        proxy_relation=proxy_relation.strip(),
        renewal_of=renewal_of,
        created_by=acting_user,
    )
    contract.packages.set(packages)
    services_due = generate_services(contract)
    # The contract opens the elder's record to the team for its period (DESIGN §2: scope is data).
    grants.grant(contract, elder=elder, team=team, valid_from=start, valid_to=end)
    audit.record(
        "create",
        user=acting_user,
        obj=contract,
        changes={
            "elder": [None, elder.pk],
            "team": [None, team.pk],
            "period": [None, f"{start.isoformat()}~{end.isoformat()}"],
            "packages": [None, [p.code for p in packages]],
            "services_due": [None, len(services_due)],
        },
    )
    return contract


@transaction.atomic
def renew_contract(
    contract: Contract,
    *,
    acting_user: User,
    signed_on: dt.date,
    packages: list[ServicePackage] | None = None,
    doctor: User | None = None,
) -> Contract:
    """续约: a new contract with the same team, starting the day after the old one ends."""
    require_perm(acting_user, "contract.change")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED):
        raise ServiceError(
            error_codes.CONTRACT_NOT_ACTIVE,
            _("Only a contract in force or expired can be renewed."),
            status=409,
        )
    new = sign_contract(
        contract.elder,
        acting_user=acting_user,
        team=contract.team,
        doctor=doctor or contract.doctor,
        packages=packages or list(contract.packages.all()),
        signed_on=signed_on,
        start_date=max(contract.end_date + dt.timedelta(days=1), signed_on),
        signer=contract.signer,
        proxy_name=contract.proxy_name,
        proxy_relation=contract.proxy_relation,
        renewal_of=contract,
    )
    contract.status = ContractStatus.RENEWED
    contract.save(update_fields=["status"])
    audit.record(
        "update",
        user=acting_user,
        obj=contract,
        changes={"status": ["active", "renewed"], "renewed_by": [None, new.pk]},
    )
    return new


@transaction.atomic
def end_contract(contract: Contract, *, acting_user: User, ended_on: dt.date, reason: str) -> Contract:
    """解约: end a contract early with a reason; services not yet begun are cancelled. ``ended_on`` is
    the last day the contract is in force."""
    require_perm(acting_user, "contract.change")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(error_codes.REASON_REQUIRED, _("Reason for ending: required."), field="end_reason")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.ACTIVE:
        raise ServiceError(error_codes.CONTRACT_NOT_ACTIVE, _("This contract is not in force."), status=409)
    if not contract.start_date <= ended_on <= contract.end_date:
        raise ServiceError(
            error_codes.CONTRACT_PERIOD,
            _("Ended on: must fall within the contract period."),
            field="ended_on",
        )
    contract.status = ContractStatus.ENDED
    contract.ended_on = ended_on
    contract.end_reason = reason
    contract.save(update_fields=["status", "ended_on", "end_reason"])
    grants.end_grants(contract, last_day=ended_on)  # the team sees the elder up to the last day
    cancelled = ContractService.objects.filter(
        contract=contract, window_start__gt=ended_on, delivery__isnull=True
    ).update(cancelled=True)
    audit.record(
        "update",
        user=acting_user,
        obj=contract,
        changes={
            "status": ["active", "ended"],
            "ended_on": [None, ended_on.isoformat()],
            "cancelled": [None, cancelled],
        },
        reason=reason,
    )
    return contract


@transaction.atomic
def record_delivery(
    contract: Contract,
    *,
    acting_user: User,
    item_code: str,
    delivered_on: dt.date,
    place: str,
    note: str = "",
    service: ContractService | None = None,
) -> ServiceDelivery:
    """履约: a delivered service. Without ``service`` it fulfils the earliest open due service of that
    item whose window has begun; a delivery beyond what is owed is kept as an extra."""
    require_perm(acting_user, "contract.change")
    _check_date(contract.elder, delivered_on, "delivered_on", ServiceDelivery)
    if not contract.is_valid_on(delivered_on):
        raise ServiceError(
            error_codes.CONTRACT_NOT_ACTIVE,
            _("Delivered on: the contract is not in force on that day."),
            field="delivered_on",
        )
    if service is not None:
        if service.contract_id != contract.pk or ServiceDelivery.objects.filter(service=service).exists():
            raise ServiceError(
                error_codes.SERVICE_MISMATCH,
                _("Service: not an open service of this contract."),
                field="service",
            )
        item_code = service.item_code
    else:
        service = (
            # OF self: the delivery__isnull filter is an outer join, which PostgreSQL cannot lock.
            ContractService.objects.select_for_update(of=("self",))
            .filter(
                contract=contract,
                item_code=item_code,
                cancelled=False,
                delivery__isnull=True,
                window_start__lte=delivered_on,
            )
            .order_by("due_date", "sequence")
            .first()
        )
    known = set(ServicePackageItem.objects.filter(package__contracts=contract).values_list("code", flat=True))
    if item_code not in known:
        raise ServiceError(
            error_codes.SERVICE_MISMATCH,
            _("Service: not part of this contract's packages."),
            field="item_code",
        )
    delivery = ServiceDelivery.objects.create(
        contract=contract,
        service=service,
        item_code=item_code,
        delivered_on=delivered_on,
        delivered_by=acting_user,
        place=place,
        note=note,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=delivery,
        changes={
            "contract": [None, contract.pk],
            "item_code": [None, item_code],
            "service": [None, service.pk if service else None],
        },
    )
    return delivery


# --------------------------------------------------------------------------------------------------
# Health education
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def record_education(
    *, acting_user: User, data: dict[str, Any], attendees: list[Elder] | None = None
) -> EducationActivity:
    """健康教育活动; ``attendees`` are elders the caller has scoped. The head-count may exceed them."""
    require_perm(acting_user, "health.change")
    attendees = attendees or []
    held_on = data.get("held_on")
    if held_on is None or held_on > today():
        raise ServiceError(
            error_codes.DATE_IN_FUTURE, _("Date: required, and not in the future."), field="held_on"
        )
    count = data.get("attendee_count") or 0
    if count < len(attendees):
        raise ServiceError(
            error_codes.INVALID,
            _("Number of attendees: at least the %(n)s elders listed.") % {"n": len(attendees)},
            field="attendee_count",
        )
    activity = EducationActivity.objects.create(
        topic=data["topic"],
        title=data["title"],
        format=data["format"],
        held_on=held_on,
        place=data["place"],
        region=data["region"],
        institution=acting_institution(acting_user),
        organiser=acting_user,
        attendee_count=count,
    )
    activity.attendees.set(attendees)
    audit.record(
        "create",
        user=acting_user,
        obj=activity,
        changes={"topic": [None, activity.topic], "attendees": [None, len(attendees)]},
    )
    return activity
