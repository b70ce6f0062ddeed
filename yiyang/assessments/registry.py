"""Loads instrument definition files and hands them out by code (and version).

The current version of each instrument is ``instruments/<code>.yaml``. When a definition changes in a
way that changes scores, the old file moves to ``instruments/archive/<code>@<version>.yaml`` and keeps
being loadable, so a stored response can always be re-scored against the version it was made with.
Files are parsed once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

from yiyang.core.definitions import parse_yaml_model

from .schema import Instrument

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
ARCHIVE_DIR = INSTRUMENTS_DIR / "archive"


class DefinitionError(Exception):
    """A definition file cannot be read or does not follow the schema; the message says where."""


class UnknownInstrument(LookupError):
    def __init__(self, code: str, version: str | None = None) -> None:
        self.code = code
        self.version = version
        super().__init__(code if version is None else f"{code}@{version}")


def parse_definition(text: str, *, origin: str = "<string>") -> Instrument:
    """Parse and validate one definition (YAML text); raises :class:`DefinitionError`."""
    # Top-level keys starting with "x-" only carry YAML anchors (shared option lists).
    return parse_yaml_model(text, Instrument, origin=origin, error=DefinitionError, drop_prefix="x-")


def load_file(path: Path) -> Instrument:
    instrument = parse_definition(path.read_text(encoding="utf-8"), origin=path.name)
    expected = path.stem.split("@")[0]
    if instrument.code != expected:
        raise DefinitionError(f"{path.name}: code {instrument.code!r} does not match the file name")
    return instrument


def definition_files() -> list[Path]:
    return sorted(INSTRUMENTS_DIR.glob("*.yaml"))


def archive_files() -> list[Path]:
    return sorted(ARCHIVE_DIR.glob("*.yaml")) if ARCHIVE_DIR.exists() else []


@functools.cache
def _current() -> dict[str, Instrument]:
    return {inst.code: inst for inst in (load_file(p) for p in definition_files())}


@functools.cache
def _archived(code: str, version: str) -> Instrument | None:
    path = ARCHIVE_DIR / f"{code}@{version}.yaml"
    return load_file(path) if path.exists() else None


def all_instruments() -> list[Instrument]:
    """Current versions, in a stable order (the order of ``INSTRUMENT_ORDER``, then by code)."""
    current = _current()
    ordered = [current[c] for c in INSTRUMENT_ORDER if c in current]
    return ordered + sorted(
        (i for c, i in current.items() if c not in INSTRUMENT_ORDER), key=lambda i: i.code
    )


def get_instrument(code: str, version: str | None = None) -> Instrument:
    """The instrument ``code``; its current version unless ``version`` names an archived one."""
    current = _current().get(code)
    if current is None:
        raise UnknownInstrument(code)
    if version is None or version == current.version:
        return current
    archived = _archived(code, version)
    if archived is None:
        raise UnknownInstrument(code, version)
    return archived


def clear_cache() -> None:
    _current.cache_clear()
    _archived.cache_clear()


#: the order instruments are listed in (national ability standard first)
INSTRUMENT_ORDER = (
    "gbt42195",
    "mzt039",
    "selfcare",
    "tcm33",
    "barthel",
    "braden",
    "morse",
    "gds15",
    "minicog",
    "ltc",
    "satisfaction",
)
