"""System check: every indicator definition file parses, passes the schema and fits the models it names
(``manage.py check``). A broken definition must stop a deployment, not show a wrong value.

A definition marked ``pending_source`` was written before its source app landed: while the app is not
installed it is silent (the indicator shows 无数据源); once installed, a query that does not fit the
models is a warning (``monitoring.W001``) and the indicator keeps showing 无数据源 until it is fixed.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import registry
from .registry import DefinitionError, load_file

E001 = "monitoring.E001"
E002 = "monitoring.E002"
W001 = "monitoring.W001"


@checks.register(checks.Tags.compatibility)
def check_indicator_definitions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .engine import source_problem

    messages: list[checks.CheckMessage] = []
    for path in registry.definition_files():
        try:
            indicator = load_file(path)
        except DefinitionError as exc:
            messages.append(
                checks.Error(
                    f"Indicator definition {path.name} is invalid.", hint=str(exc), obj=str(path), id=E001
                )
            )
            continue
        missing = [m for m in indicator.models() if not registry.model_available(m)]
        if missing:
            if not indicator.pending_source:
                messages.append(
                    checks.Error(
                        f"{path.name} names models that are not installed: {', '.join(missing)}.",
                        hint="Install the app, or mark the definition pending_source: true.",
                        obj=str(path),
                        id=E002,
                    )
                )
            continue
        try:
            problem = source_problem(indicator.code)
        except registry.UnknownIndicator:
            problem = None
        if problem is not None:
            cls = checks.Warning if indicator.pending_source else checks.Error
            messages.append(
                cls(
                    f"{path.name} does not fit the models it names: {problem}",
                    hint="Correct the field names; until then the indicator shows 无数据源.",
                    obj=str(path),
                    id=W001 if indicator.pending_source else E002,
                )
            )
    return messages


E003 = "monitoring.E003"


@checks.register(checks.Tags.compatibility)
def check_scorecard_definitions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every scorecard file parses and names only indicators that exist."""
    from . import scorecards

    messages: list[checks.CheckMessage] = []
    for path in sorted(scorecards.SCORECARDS_DIR.glob("*.yaml")):
        try:
            scorecards.load_file(path)
        except (scorecards.ScorecardDefinitionError, registry.UnknownIndicator) as exc:
            messages.append(
                checks.Error(f"Scorecard {path.name} is invalid.", hint=str(exc), obj=str(path), id=E003)
            )
    return messages
