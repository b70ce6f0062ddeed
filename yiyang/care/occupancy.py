"""The occupancy board (床位一览): an institution's rooms and beds with who is where, free beds by kind,
and occupancy by kind across the institutions an officer oversees. Reads only; callers scope the
institution first (:mod:`yiyang.care.access_stays`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from yiyang.core.models import BedCapacity, Institution

from .models.stays import ACTIVE_STAY_STATUSES, Bed, BedKind, BedStatus, Stay

KIND_LABELS = dict(BedKind.choices)


@dataclass
class KindCount:
    kind: str
    label: str
    total: int = 0
    occupied: int = 0
    reserved: int = 0
    free: int = 0
    out_of_service: int = 0
    #: the institution has entered no beds: ``total`` is its declared capacity (core.BedCapacity)
    declared: bool = False

    @property
    def rate(self) -> float | None:
        """Occupied (and reserved for a resident on leave) ÷ beds in service, in %."""
        usable = self.total - self.out_of_service
        if usable <= 0 or self.declared:
            return None
        return round(100 * (self.occupied + self.reserved) / usable, 1)


@dataclass
class Room:
    building: str
    floor: str
    room: str
    beds: list[dict[str, Any]] = field(default_factory=list)


def beds_with_stays(institution: Institution) -> list[tuple[Bed, Stay | None]]:
    """Every bed of the institution with the stay that holds it now (None when free)."""
    beds = list(Bed.objects.filter(institution=institution).order_by("building", "floor", "room", "number"))
    holding = {
        s.bed_id: s
        for s in Stay.objects.filter(institution=institution, status__in=ACTIVE_STAY_STATUSES).select_related(
            "elder"
        )
    }
    return [(b, holding.get(b.pk)) for b in _natural(beds)]


def _natural(beds: list[Bed]) -> list[Bed]:
    def key(b: Bed) -> tuple:
        return (b.building, _num(b.floor), _num(b.room), _num(b.number))

    return sorted(beds, key=key)


def _num(text: str) -> tuple[int, str]:
    digits = "".join(ch for ch in text if ch.isdigit())
    return (int(digits) if digits else 0, text)


def rooms(institution: Institution) -> list[Room]:
    """The board: rooms in order, each with its beds and who lies in them."""
    out: dict[tuple[str, str, str], Room] = {}
    for bed, stay in beds_with_stays(institution):
        room = out.setdefault((bed.building, bed.floor, bed.room), Room(bed.building, bed.floor, bed.room))
        room.beds.append({"bed": bed, "stay": stay})
    return list(out.values())


def by_kind(institution: Institution) -> list[KindCount]:
    """Beds by kind (total, occupied, reserved, free, out of service); the declared capacity where the
    institution has entered no beds."""
    return summary(Institution.objects.filter(pk=institution.pk))[institution.pk]


def summary(institutions: QuerySet[Institution]) -> dict[int, list[KindCount]]:
    """``{institution id: [KindCount…]}`` for many institutions in two grouped queries."""
    ids = list(institutions.values_list("pk", flat=True))
    counts: dict[int, dict[str, KindCount]] = defaultdict(dict)
    rows = (
        Bed.objects.filter(institution_id__in=ids)
        .values("institution_id", "kind")
        .annotate(
            total=Count("pk"),
            occupied=Count("pk", filter=Q(status=BedStatus.OCCUPIED)),
            reserved=Count("pk", filter=Q(status=BedStatus.RESERVED)),
            free=Count("pk", filter=Q(status=BedStatus.FREE)),
            out=Count("pk", filter=Q(status=BedStatus.OUT_OF_SERVICE)),
        )
        .order_by()
    )
    for r in rows:
        counts[r["institution_id"]][r["kind"]] = KindCount(
            r["kind"],
            str(KIND_LABELS.get(r["kind"], r["kind"])),
            r["total"],
            r["occupied"],
            r["reserved"],
            r["free"],
            r["out"],
        )
    declared = (
        BedCapacity.objects.filter(institution_id__in=[i for i in ids if i not in counts])
        .values("institution_id", "kind")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for r in declared:
        counts[r["institution_id"]][r["kind"]] = KindCount(
            r["kind"], str(KIND_LABELS.get(r["kind"], r["kind"])), r["n"] or 0, declared=True
        )
    order = list(BedKind.values)
    return {i: sorted(counts.get(i, {}).values(), key=lambda k: order.index(k.kind)) for i in ids}


def totals(per_institution: dict[int, list[KindCount]]) -> list[KindCount]:
    """Occupancy by kind summed over institutions (declared capacity counted in ``total`` only)."""
    out: dict[str, KindCount] = {}
    for kinds in per_institution.values():
        for k in kinds:
            t = out.setdefault(k.kind, KindCount(k.kind, k.label))
            t.total += k.total
            t.occupied += k.occupied
            t.reserved += k.reserved
            t.free += k.free
            t.out_of_service += k.out_of_service
    order = list(BedKind.values)
    return sorted(out.values(), key=lambda k: order.index(k.kind))


def institutions_with_beds() -> QuerySet[Institution, Any]:
    """Institutions that have beds, entered or declared (``pk`` values, for a sub-query)."""
    return Institution.objects.filter(
        Q(pk__in=Bed.objects.values("institution_id"))
        | Q(pk__in=BedCapacity.objects.values("institution_id"))
    ).values("pk")
