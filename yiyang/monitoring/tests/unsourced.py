"""An indicator whose source app is not installed, beside the real definitions: how the engine, the
API, the pages, the CLI and the reports show 无数据源. (The real definitions all have a source once the
care app computes IR-5 and IR-6, so the tests write this one into a temporary definitions directory.)"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from yiyang.monitoring import engine, registry, signals

CODE = "XX-9"
TEXT = """
code: XX-9
version: "1"
name: 待接入数据源的测试指标
short_name: 待接入指标
unit: "%"
factor: 100
domain: eldercare
pending_source: true
requires: [nowhere.Thing]
source: {document: test}
drill: {kind: institution}
denominator:
  type: count
  model: core.Institution
  region: region
  where: [{type: field, field: kind, value: eldercare_home}]
numerator:
  type: subset
  where: [{type: field, field: is_active, value: true}]
"""


def _clear() -> None:
    registry.clear_cache()
    engine.source_problem.cache_clear()
    signals.watched.cache_clear()
    signals.codes_by_source.cache_clear()


@pytest.fixture
def unsourced_indicator(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Every real definition plus XX-9, which requires a model no app defines; yields its code."""
    tmp_path = tmp_path_factory.mktemp("indicators")
    for path in registry.definition_files():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / f"{CODE}.yaml").write_text(TEXT, encoding="utf-8")
    monkeypatch.setattr(registry, "INDICATORS_DIR", tmp_path)
    _clear()
    yield CODE
    monkeypatch.undo()
    _clear()
