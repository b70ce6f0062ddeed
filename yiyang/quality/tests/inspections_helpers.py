"""Helpers for the inspection tests: evidence bytes, a full self-inspection body, hand-built rows."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from yiyang.quality.checklists.registry import get_checklist
from yiyang.quality.models import Inspection, InspectionItem, RectificationItem

HOME = "江口县社会福利院"  # yly_admin's
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
_seq = itertools.count(1)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def upload(api: Any, institution_id: int, content: bytes = PNG, name: str = "photo.png") -> Any:
    return api.client.post(
        "/api/v1/inspection-evidence",
        {"file": SimpleUploadedFile(name, content), "institution_id": institution_id},
        **api.headers,
    )


def self_items(findings: dict[str, str], evidence_id: int | None, code: str = "yyjh-zczg") -> list[dict]:
    """Every item of the checklist judged: 不符合 with the note for ``findings``, 符合 otherwise (with the
    evidence file where the item asks for one)."""
    items = []
    for _s, item in get_checklist(code).items():
        if item.code in findings:
            items.append({"code": item.code, "judgement": "noncompliant", "note": findings[item.code]})
        else:
            entry: dict[str, Any] = {"code": item.code, "judgement": "compliant"}
            if item.evidence_required and evidence_id:
                entry["evidence_ids"] = [evidence_id]
            items.append(entry)
    return items


def make_item(institution: Any, user: Any, *, deadline: dt.date, **fields: Any) -> RectificationItem:
    """A rectification item as the services would leave it (a one-item inspection behind it)."""
    inspection = Inspection.objects.create(
        institution=institution,
        kind=fields.pop("kind", "self"),
        checklist_code="yyjh-zczg",
        checklist_version="2026.1",
        checklist_title="医养结合机构服务质量自查整改表",
        inspected_on=fields.pop("inspected_on", deadline - dt.timedelta(days=14)),
        status="submitted",
        created_by=user,
    )
    row = InspectionItem.objects.create(
        inspection=inspection,
        position=1,
        section="一",
        code=f"T{next(_seq)}",
        requirement="测试条目",
        judgement="noncompliant",
        note="测试问题",
    )
    return RectificationItem.objects.create(
        institution=institution,
        inspection=inspection,
        inspection_item=row,
        problem=fields.pop("problem", "测试条目：测试问题"),
        deadline=deadline,
        **fields,
    )
