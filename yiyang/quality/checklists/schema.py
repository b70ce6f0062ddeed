"""A checklist as data (issue 12): sections of items, each judged 符合 / 部分符合 / 不符合 / 不适用.

The shipped files sit beside this module (``<code>.yaml``); a province or county loads its own version
with ``manage.py checklists load <file>`` (kept in :class:`yiyang.quality.models.ChecklistVersion`), and
the latest loaded version of a code replaces the shipped one for new inspections. An inspection keeps a
copy of every item it judged, so an old inspection reads the same after a new version is loaded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{1,39}$"
ITEM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"

#: the four judgements, stored as these codes; labels in :class:`yiyang.quality.models.Judgement`
JUDGEMENTS = ("compliant", "partial", "noncompliant", "not_applicable")
Rectify = Literal["noncompliant", "partial"]
DEFAULT_RECTIFY: tuple[Rectify, ...] = ("noncompliant", "partial")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Spec):
    code: str = Field(pattern=ITEM_PATTERN)
    requirement: str = Field(min_length=2, max_length=300)
    #: a judgement other than 不符合 / 不适用 needs at least one evidence file
    evidence_required: bool = False
    #: working days to rectify a finding on this item (the checklist's default when absent)
    deadline_days: int | None = Field(default=None, ge=1, le=120)


class Section(_Spec):
    code: str = Field(pattern=ITEM_PATTERN)
    title: str = Field(min_length=2, max_length=80)
    items: list[Item] = Field(min_length=1)


class Source(_Spec):
    document: str = Field(min_length=2)
    clause: str = ""
    note: str = ""


class Checklist(_Spec):
    code: str = Field(pattern=CODE_PATTERN)
    version: str = Field(min_length=1, max_length=20)
    title: str = Field(min_length=2, max_length=80)
    #: shown on every page and print of the checklist: whose layout this is (derived vs official)
    label: str = Field(min_length=2, max_length=120)
    #: self (自查, also used by the county's 核查 visits) or fire (防火检查)
    kind: Literal["self", "fire"] = "self"
    source: Source
    #: judgements that open a rectification item when the inspection is submitted
    rectify_on: list[Rectify] = Field(default_factory=lambda: list(DEFAULT_RECTIFY), min_length=1)
    #: working days allowed to rectify a finding
    deadline_days: int = Field(default=10, ge=1, le=120)
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Checklist:
        seen: set[str] = set()
        for section in self.sections:
            for item in section.items:
                if item.code in seen:
                    raise ValueError(f"item code {item.code!r} appears twice")
                seen.add(item.code)
        return self

    def items(self) -> list[tuple[Section, Item]]:
        return [(s, i) for s in self.sections for i in s.items]

    def item(self, code: str) -> Item | None:
        return next((i for _s, i in self.items() if i.code == code), None)

    def deadline_for(self, item: Item) -> int:
        return item.deadline_days or self.deadline_days
