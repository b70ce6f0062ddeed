"""Loads indicator definition files (``indicators/<ID>.yaml``) and hands them out by code.

Files are parsed once per process; a file that does not follow :mod:`yiyang.monitoring.schema` raises
:class:`DefinitionError` naming the file and the field, and ``manage.py check`` reports it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.apps import apps

from yiyang.core.definitions import parse_yaml_model

from .schema import Indicator

INDICATORS_DIR = Path(__file__).resolve().parent / "indicators"


class DefinitionError(Exception):
    """A definition file cannot be read or does not follow the schema; the message says where."""


class UnknownIndicator(LookupError):
    pass


def parse_definition(text: str, *, origin: str = "<string>") -> Indicator:
    """Parse and validate one definition (YAML text); raises :class:`DefinitionError`."""
    return parse_yaml_model(text, Indicator, origin=origin, error=DefinitionError)


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
