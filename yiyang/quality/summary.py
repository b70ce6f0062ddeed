"""The year-end summary (总结提升): per institution and the county 汇总表, built from the records.

Each aggregate contributes a section (risk assessments, incidents and pressure injuries, self-inspection
and rectification, fire checks, staff and training) by appending a builder to :data:`SECTIONS`; the
summary and its Excel/PDF layouts call :func:`sections`, so no aggregate imports another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class SummaryRow:
    label: str
    value: int | Decimal | str | None
    #: e.g. the unit or the rule counted ("‰ 住院日", "按截止日计")
    note: str = ""


@dataclass
class SummarySection:
    title: str
    rows: list[SummaryRow] = field(default_factory=list)


#: ``builder(institution_ids, year) -> SummarySection``: the county summary passes every institution of
#: the region, an institution's summary passes its own id
SECTIONS: list[Callable[[Sequence[int], int], SummarySection]] = []


def sections(institution_ids: Sequence[int], year: int) -> list[SummarySection]:
    return [build(institution_ids, year) for build in SECTIONS]


# 入住安全风险评估 (quality/summary_risk.py)
from .summary_risk import risk_section  # noqa: E402

SECTIONS.append(risk_section)


# 不良事件 and the pressure-injury register (quality/summary_incidents.py)
def _incidents_section(institution_ids: Sequence[int], year: int) -> SummarySection:
    from .summary_incidents import incidents_section

    return incidents_section(institution_ids, year)


SECTIONS.append(_incidents_section)


# staff credentials and training (quality/summary_staff.py)
from .summary_staff import build_staff_section  # noqa: E402

SECTIONS.append(build_staff_section)
