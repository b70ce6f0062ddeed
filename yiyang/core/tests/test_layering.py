"""The layers hold (issue 9, "Done when"): the registry and the user app know no domain app, health never
imports monitoring, and no two apps import each other, directly or round a longer loop.

Read from the source with ``ast``, so a lazy import inside a function or a model named by a string
counts as much as an import at the top. Tests (``tests/`` packages and ``test_*.py``) are left out: a
test may set up records of any app.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]  # yiyang/
APPS = sorted(p.name for p in ROOT.iterdir() if (p / "apps.py").exists())
FOUNDATION = ("core", "accounts")
DOMAIN = ("health", "monitoring", "assessments")
#: calls that look an app or a model up by name
LOOKUPS = {"get_model", "get_app_config", "get_models", "is_installed", "import_module", "import_string"}


def _modules(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        rel = path.relative_to(ROOT / app)
        if "tests" in rel.parts or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (imports for annotations only, never run)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    inside |= {id(n) for n in ast.walk(child)}
    return inside


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, runtime?) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = _type_checking_nodes(tree)
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        runtime = id(node) not in type_only
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, runtime
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, node.lineno, runtime
            for alias in node.names:  # ``from yiyang import health``
                yield f"{module}.{alias.name}", node.lineno, runtime


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "yiyang" and parts[1] in APPS:
        return parts[1]
    return None


def _model_labels(app_labels: tuple[str, ...]) -> set[str]:
    return {
        f"{label}.{name}".lower()
        for label in app_labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        for name in (model._meta.model_name, model.__name__)
    }


def _foundation_findings() -> list[str]:
    models = _model_labels(DOMAIN)
    domain_modules = tuple(f"yiyang.{a}" for a in DOMAIN)
    findings = []
    for app in FOUNDATION:
        for path in _modules(app):
            where = path.relative_to(ROOT.parent)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = _docstrings(tree)
            for module, line, _runtime in _imports(path):
                if _app_of(module) in DOMAIN:
                    findings.append(f"{where}:{line} imports {module}")
            for node in ast.walk(tree):
                literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
                if literal and id(node) not in docstrings:
                    text = node.value.strip().lower()
                    if text in models:
                        findings.append(f"{where}:{node.lineno} names the model {node.value!r}")
                    elif text.startswith(domain_modules):
                        findings.append(f"{where}:{node.lineno} names the module {node.value!r}")
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    first = node.args[0] if node.args else None
                    if (
                        name in LOOKUPS
                        and isinstance(first, ast.Constant)
                        and isinstance(first.value, str)
                        and first.value.split(".")[0] in DOMAIN
                    ):
                        findings.append(f"{where}:{node.lineno} looks up {first.value!r} by name")
    return findings


def app_graph() -> dict[str, dict[str, list[str]]]:
    """``{app: {imported app: [where, …]}}`` from the runtime imports of every non-test module."""
    graph: dict[str, dict[str, list[str]]] = {a: {} for a in APPS}
    for app in APPS:
        for path in _modules(app):
            for module, line, runtime in _imports(path):
                other = _app_of(module)
                if runtime and other and other != app:
                    graph[app].setdefault(other, []).append(f"{path.relative_to(ROOT.parent)}:{line}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Every elementary cycle of the app graph, each listed once from its smallest app."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                found.append([*path, start])
            elif nxt > start and nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return found


def test_the_registry_and_the_user_app_know_no_domain_app():
    """No module of core or accounts (migrations included) imports health, monitoring or assessments,
    points a foreign key at one of their models, or looks one of them up by name."""
    assert _foundation_findings() == []


def test_health_never_imports_monitoring():
    assert "monitoring" not in app_graph()["health"], app_graph()["health"].get("monitoring")


def test_no_import_cycle_between_apps():
    """Imports for annotations only (under ``if TYPE_CHECKING:``) never run and are left out."""
    graph = app_graph()
    found = cycles(graph)
    detail = [
        " → ".join(cycle) + ": " + "; ".join(graph[a][b][0] for a, b in itertools.pairwise(cycle))
        for cycle in found
    ]
    assert found == [], "\n".join(detail)


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a loop of three apps is reported once."""
    graph = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize("app", FOUNDATION)
def test_foundation_migrations_depend_on_no_domain_migration(app):
    """Migrating the registry or the user app never needs a domain app's migration first."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = [key for key in loader.graph.leaf_nodes() if key[0] == app]
    needed = {key for leaf in leaves for key in loader.graph.forwards_plan(leaf)}
    assert sorted(key for key in needed if key[0] in DOMAIN) == []
