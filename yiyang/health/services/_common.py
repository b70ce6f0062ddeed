"""Helpers every health service shares: the acting institution, date and row-table
checks, field-value refusals and the audit snapshot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from yiyang.accounts.roles import Role
from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, Institution

from .. import error_codes, formdata, rules
from ..fields import ROW_COLUMN_LABELS, ROW_TEXT_MAX, STRING_LISTS
from ..models import HealthCheck

if TYPE_CHECKING:
    from yiyang.accounts.models import User


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
    if day > clock.today():
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


def _json_shape_ok(name: str, field: Any, value: Any) -> bool:
    if isinstance(field.get_default(), list):
        if not isinstance(value, list):
            return False
        return name not in STRING_LISTS or all(isinstance(v, str) for v in value)
    return isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
    )
