"""健康体检表: record, change and notify a health check."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.assessments.models import AssessmentResponse
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder
from yiyang.core.scoping import require_perm

from .. import error_codes, formdata, rules
from ..fields import CHECK_INPUT_FIELDS, CHECK_ROW_TABLES, MEASURED_FIELDS
from ..models import HealthCheck
from . import followthrough
from ._common import (
    _check_date,
    _label,
    _labels,
    _plain,
    _refuse,
    _snapshot,
    acting_institution,
    check_field_values,
    clean_rows,
)
from .archive import ensure_archive

if TYPE_CHECKING:
    from yiyang.accounts.models import User

#: multi-choice items whose first option ("无症状", "未发现") excludes the others
EXCLUSIVE_FIRST = {"symptoms": formdata.NO_SYMPTOM}


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
    if notice is not None and (notice < check_date or notice > clock.today()):
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
    check.influenza_vaccinated = rules.vaccinated(check.vaccinations, check_date, "influenza")
    check.pneumococcal_vaccinated = rules.vaccinated(check.vaccinations, check_date, "pneumococcal")
    check.save()
    ensure_archive(elder, acting_user=acting_user, established_on=check_date)
    followthrough.after_check(check, acting_user=acting_user)
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
    if notice_date is None or notice_date < check.check_date or notice_date > clock.today():
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
