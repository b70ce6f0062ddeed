"""Loads indicator definition files (``indicators/<ID>.yaml``) and hands them out by code.

Files are parsed once per process; a file that does not follow :mod:`yiyang.monitoring.schema` raises
:class:`DefinitionError` naming the file and the field, and ``manage.py check`` reports it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from django.apps import apps
from pydantic import ValidationError

from .schema import Indicator

INDICATORS_DIR = Path(__file__).resolve().parent / "indicators"


class DefinitionError(Exception):
    """A definition file cannot be read or does not follow the schema; the message says where."""


class UnknownIndicator(LookupError):
    pass


def parse_definition(text: str, *, origin: str = "<string>") -> Indicator:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError(f"{origin}: the file must hold one mapping")
    try:
        return Indicator.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            lines.append(f"{where}: {err['msg']}")
        raise DefinitionError(f"{origin}:\n  " + "\n  ".join(lines)) from exc


def load_file(path: Path) -> Indicator:
    indicator = parse_definition(path.read_text(encoding="utf-8"), origin=path.name)
    if indicator.code != path.stem:
        raise DefinitionError(f"{path.name}: code {indicator.code!r} does not match the file name")
    return indicator


def definition_files() -> list[Path]:
    return sorted(INDICATORS_DIR.glob("*.yaml"))


def _sort_key(ind: Indicator) -> tuple:
    group, _, num = ind.code.partition("-")
    order = {"POP": 0, "HM": 1, "IR": 2, "QS": 3, "SA": 4}
    digits = "".join(c for c in num if c.isdigit())
    return (order.get(group, 9), int(digits or 0), num)


@functools.cache
def _all() -> dict[str, Indicator]:
    found = [load_file(p) for p in definition_files()]
    return {i.code: i for i in sorted(found, key=_sort_key)}


def all_indicators() -> list[Indicator]:
    return list(_all().values())


def get_indicator(code: str) -> Indicator:
    try:
        return _all()[code]
    except KeyError:
        raise UnknownIndicator(code) from None


def clear_cache() -> None:
    _all.cache_clear()


def model_available(label: str) -> bool:
    """Whether the app that owns ``label`` (``app.Model``) is installed and defines the model."""
    try:
        apps.get_model(label)
    except (LookupError, ValueError):
        return False
    return True
