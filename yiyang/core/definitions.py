"""Reading definition files (instruments, indicators…): YAML validated by a pydantic model, with
errors that name the file and the path inside it, so a bad file fails ``manage.py check`` readably."""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse_yaml_model(
    text: str, model: type[M], *, origin: str, error: type[Exception], drop_prefix: str | None = None
) -> M:
    """Parse one YAML mapping into ``model``; raise ``error`` with every problem listed.

    ``drop_prefix`` removes top-level keys that only carry YAML anchors (e.g. ``x-`` keys)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{origin}: the file must hold one mapping")
    if drop_prefix:
        data = {k: v for k, v in data.items() if not str(k).startswith(drop_prefix)}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()]
        raise error(f"{origin}:\n  " + "\n  ".join(lines)) from exc
