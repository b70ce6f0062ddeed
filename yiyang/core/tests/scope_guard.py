"""The scope guard: find queries of scoped records in page, API, form and presenter modules.

``@scoped`` on a view only *declares* that it reaches records through the scoping layer; this scanner
checks the declaration. A record is scoped when its model reaches an elder (``core.Elder``) through
foreign keys or one-to-one fields, directly or transitively (a follow-up → its chronic case → the
elder), or reaches one of the non-elder records an app's ``access`` module governs (its
``SCOPED_MODELS``: reports, scorecards, declarations…). In a scanned module, any of

- ``Model.objects…``, ``Model._default_manager``, ``Model._base_manager`` or another of its managers,
- ``apps.get_model("app", "Model")`` / ``apps.get_model("app.Model")``, or ``get_model`` with a name
  the scanner cannot read,

is an unscoped query: those modules must go through ``core.scoping``, an app's ``access`` module or
another scoped helper (which live outside the scanned modules) instead. The scan reads the syntax tree
(``ast``), so strings and comments never count, and import aliases (``from .models import Elder as E``)
are followed.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db.models import Model

#: Module names (a file ``views.py`` or a package ``views/``) whose code answers users directly.
SCANNED_NAMES = frozenset({"views", "api", "forms", "presenters"})
SKIPPED_DIRS = frozenset({"tests", "migrations", "management", "templates", "static", "locale"})
DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})


@dataclass(frozen=True, order=True)
class Finding:
    module: str
    line: int
    model: str
    how: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} {self.how}"


def access_roots() -> set[type[Model]]:
    """``core.Elder`` and every model an app's ``access`` module declares in ``SCOPED_MODELS``."""
    from yiyang.core.models import Elder

    roots: set[type[Model]] = {Elder}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.access")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.access":
                raise
            continue
        roots.update(getattr(module, "SCOPED_MODELS", ()))
    return roots


def scoped_models(roots: Iterable[type[Model]] | None = None) -> dict[str, type[Model]]:
    """Every installed model with a foreign-key / one-to-one path to one of ``roots``, by class name."""
    reached = set(access_roots() if roots is None else roots)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in reached:
                continue
            if any(
                (f.many_to_one or f.one_to_one) and f.concrete and f.related_model in reached
                for f in model._meta.get_fields()
            ):
                reached.add(model)
                changed = True
    return {m.__name__: m for m in reached}


def manager_names(models: Mapping[str, type[Model]]) -> dict[str, frozenset[str]]:
    return {name: DEFAULT_MANAGERS | {m.name for m in model._meta.managers} for name, model in models.items()}


def scanned_modules(root: Path) -> list[Path]:
    """The views, api, forms and presenters modules of every project app — files of those names and
    every file inside packages of those names (``health/views/checks.py``), found by walking each
    app's package, so splitting a module into a package keeps it scanned — and the project package's
    own (``yiyang/api.py``, which authenticates every API call)."""
    import yiyang

    project = Path(yiyang.__file__).resolve().parent
    found = [p for p in sorted(project.glob("*.py")) if p.stem in SCANNED_NAMES]
    for config in apps.get_app_configs():
        app_path = Path(config.path).resolve()
        # The project's own apps only: Django's and third-party apps live in the virtualenv, which in a
        # fresh clone sits inside the checkout too.
        if app_path.is_relative_to(root) and app_path.is_relative_to(project):
            found += modules_in(app_path)
    return found


def modules_in(app_path: Path) -> list[Path]:
    """The scanned modules of one app package (tests and migrations left out)."""
    found = []
    for path in sorted(app_path.rglob("*.py")):
        parts = path.relative_to(app_path).parts
        if SKIPPED_DIRS.intersection(parts[:-1]):
            continue
        if path.stem in SCANNED_NAMES or SCANNED_NAMES.intersection(parts[:-1]):
            found.append(path)
    return found


def _terminal_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _get_model_label(call: ast.Call) -> str | None:
    """``"app.Model"`` from ``get_model("app", "Model")`` or ``get_model("app.Model")``; None if the
    arguments are not plain strings."""
    args = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != len(call.args) or call.keywords:
        return None
    if len(args) == 2:
        return f"{args[0]}.{args[1]}"
    if len(args) == 1 and "." in args[0]:
        return args[0]
    return None


def find_unscoped(source: str, module: str, models: Mapping[str, type[Model]]) -> list[Finding]:
    """The unscoped queries of ``models`` in one module's source."""
    tree = ast.parse(source, filename=module)
    managers = manager_names(models)
    labels = {m._meta.label_lower: name for name, m in models.items()}
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in models and alias.asname:
                    aliases[alias.asname] = alias.name
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = _terminal_name(node.value)
            name = aliases.get(name, name) if name else None
            if name in managers and node.attr in managers[name]:
                findings.append(Finding(module, node.lineno, name, f"{name}.{node.attr}"))
        elif isinstance(node, ast.Call) and _terminal_name(node.func) == "get_model":
            label = _get_model_label(node)
            if label is None:
                findings.append(Finding(module, node.lineno, "?", "get_model(...) with a computed name"))
            elif label.lower() in labels:
                name = labels[label.lower()]
                findings.append(Finding(module, node.lineno, name, f"get_model({label!r})"))
    return sorted(findings)


def scan(root: Path, models: Mapping[str, type[Model]] | None = None) -> list[Finding]:
    """Every unscoped query in the scanned modules under ``root``."""
    models = scoped_models() if models is None else models
    findings: list[Finding] = []
    for path in scanned_modules(root):
        module = path.relative_to(root).as_posix()
        findings += find_unscoped(path.read_text(encoding="utf-8"), module, models)
    return findings
