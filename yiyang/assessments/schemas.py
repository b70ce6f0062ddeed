"""django-ninja In/Out schemas of the assessments API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class LevelOut(Schema):
    code: str
    name: str


class LevelChangeOut(Schema):
    rule: str
    text: str
    type: str


class ScoreIn(Schema):
    instrument: str = Field(..., description="Instrument code, e.g. gbt42195")
    items: dict[str, Any] = Field(
        ..., description="Item code → option score (integer) or option code (string); lists for multi-choice"
    )


class ScoreOut(Schema):
    instrument: str
    version: str
    total: int
    subscores: dict[str, int]
    scores: dict[str, int]
    level: LevelOut | None
    level_reason: str | None
    levels: dict[str, LevelOut | None]
    level_reasons: dict[str, str]
    preliminary_level: LevelOut | None
    level_changes: list[LevelChangeOut]
    item_scores: dict[str, int]
    answers: dict[str, Any]


class InstrumentSummaryOut(Schema):
    code: str
    version: str
    name: str
    higher_is_better: bool | None
    validity_months: int | None
    required_roles: list[str]


class ResponseIn(Schema):
    instrument: str
    items: dict[str, Any]
    finalise: bool = Field(False, description="Finalise at once (content hash, level applied to the elder)")
    supersedes: int | None = Field(None, description="The finalised response this one corrects")
    assessed_at: dt.datetime | None = None
    note: str = ""


class DraftIn(Schema):
    items: dict[str, Any]
    assessed_at: dt.datetime | None = None
    note: str | None = None


class ReassessmentIn(Schema):
    reason: str
    instrument: str = "gbt42195"


class DueOut(Schema):
    elder: int
    name: str
    last_response: int | None
    last_assessed_at: dt.datetime | None
    level: str
    due: dt.date | None
    reasons: list[str]


class ResponseOut(Schema):
    id: int
    elder: int
    instrument: str
    version: str
    status: str
    answers: dict[str, Any]
    total: int | None
    subscores: dict[str, int]
    level_code: str
    level_name: str
    level_reason: str
    result: dict[str, Any]
    assessor: str
    assessed_at: dt.datetime
    finalised_at: dt.datetime | None
    content_hash: str
    supersedes: int | None
    superseded_by: int | None
    reassessment_due: dt.date | None
    note: str
    #: 失能 / 半失能 (``disabled`` / ``semi_disabled``) from the level, or ""
    category: str = ""
    #: False when the reader may see only the level and the category (no answers, scores or note)
    items_shown: bool = True
