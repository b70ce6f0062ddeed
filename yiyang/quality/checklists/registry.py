"""Checklists by code: the shipped files (``quality/checklists/<code>.yaml``) and versions loaded into
the database with ``manage.py checklists load <file>``; the newest loaded version of a code wins."""

from __future__ import annotations

import functools
from pathlib import Path

from yiyang.core.definitions import parse_yaml_model

from .schema import Checklist

CHECKLIST_DIR = Path(__file__).resolve().parent


class ChecklistError(Exception):
    """A checklist file cannot be read or does not follow the schema; the message says where."""


class UnknownChecklist(LookupError):
    pass


def parse_checklist(text: str, *, origin: str = "<string>") -> Checklist:
    return parse_yaml_model(text, Checklist, origin=origin, error=ChecklistError)


@functools.cache
def shipped() -> dict[str, Checklist]:
    out: dict[str, Checklist] = {}
    for path in sorted(CHECKLIST_DIR.glob("*.yaml")):
        checklist = parse_checklist(path.read_text(encoding="utf-8"), origin=path.name)
        if checklist.code != path.stem:
            raise ChecklistError(f"{path.name}: code {checklist.code!r} does not match the file name")
        out[checklist.code] = checklist
    return out


def _loaded() -> dict[str, Checklist]:
    from yiyang.quality.models import ChecklistVersion

    out: dict[str, Checklist] = {}
    for row in ChecklistVersion.objects.order_by("loaded_at", "pk"):
        out[row.code] = Checklist.model_validate(row.definition)
    return out


def all_checklists() -> list[Checklist]:
    merged = {**shipped(), **_loaded()}
    return [merged[code] for code in sorted(merged)]


def get_checklist(code: str, version: str | None = None) -> Checklist:
    """The checklist in use for ``code`` (the newest loaded version, else the shipped file), or the
    given ``version`` of it."""
    from yiyang.quality.models import ChecklistVersion

    if version is not None:
        row = ChecklistVersion.objects.filter(code=code, version=version).first()
        if row is not None:
            return Checklist.model_validate(row.definition)
        file = shipped().get(code)
        if file is not None and file.version == version:
            return file
        raise UnknownChecklist(f"{code}@{version}")
    row = ChecklistVersion.objects.filter(code=code).order_by("-loaded_at", "-pk").first()
    if row is not None:
        return Checklist.model_validate(row.definition)
    if code in shipped():
        return shipped()[code]
    raise UnknownChecklist(code)


def describe(checklist: Checklist) -> dict:
    """The JSON ``manage.py checklists describe`` prints: the definition plus a flat ``items`` list."""
    data = checklist.model_dump(mode="json")
    data["items"] = [
        {
            "section": s.code,
            "section_title": s.title,
            "code": i.code,
            "requirement": i.requirement,
            "evidence_required": i.evidence_required,
            "deadline_days": checklist.deadline_for(i),
            "judgements": ["compliant", "partial", "noncompliant", "not_applicable"],
        }
        for s, i in checklist.items()
    ]
    return data
