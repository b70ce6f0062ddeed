"""System check: every instrument definition file parses and passes the schema (``manage.py check``).

A broken definition must stop a deployment, not surface as an error in the middle of an assessment.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import registry
from .registry import DefinitionError, load_file

E001 = "assessments.E001"
E002 = "assessments.E002"


@checks.register(checks.Tags.compatibility)
def check_instrument_definitions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    paths = registry.definition_files() + registry.archive_files()
    seen: dict[tuple[str, str], str] = {}
    for path in paths:
        try:
            instrument = load_file(path)
        except DefinitionError as exc:
            errors.append(
                checks.Error(
                    f"Instrument definition {path.name} is invalid.",
                    hint=str(exc),
                    obj=str(path),
                    id=E001,
                )
            )
            continue
        key = (instrument.code, instrument.version)
        if key in seen:
            errors.append(
                checks.Error(
                    f"{path.name} and {seen[key]} both define {instrument.code} "
                    f"version {instrument.version}.",
                    hint="Give the changed definition a new version.",
                    obj=str(path),
                    id=E002,
                )
            )
        seen[key] = path.name
    return errors
