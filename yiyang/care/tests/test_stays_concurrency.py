"""One elder per bed under concurrent requests: 20 admissions race for one free bed on PostgreSQL and
exactly one wins; the others are refused with 409 and leave nothing behind (the bed row is locked
before it is read, and a partial unique constraint holds the rule in the database)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from yiyang.care.models.stays import ACTIVE_STAY_STATUSES, Bed, BedKind, BedStatus, Stay
from yiyang.core.errors import ServiceError
from yiyang.core.models import AccessGrant, Elder, ElderStatus, Institution

RACERS = 20


# Deselected on SQLite (root conftest); CI's PostgreSQL pass runs it, and fails it if PostgreSQL is down.
@pytest.mark.postgresql
def test_twenty_concurrent_admissions_to_one_bed_exactly_one_wins(demo_live):
    assert connection.vendor == "postgresql"
    from yiyang.accounts.models import User
    from yiyang.care.services import stays as services

    # given: one free bed and twenty elders who stay nowhere
    welfare = Institution.objects.get(name="江口县社会福利院")
    bed = Bed.objects.create(
        institution=welfare, building="并发", room="1", number="1", kind=BedKind.ELDERCARE
    )
    elder_ids = list(
        Elder.objects.filter(
            status=ElderStatus.ACTIVE, residence_institution=None, region__code__startswith="520621"
        )
        .exclude(stays__status__in=ACTIVE_STAY_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)[:RACERS]
    )
    assert len(elder_ids) == RACERS
    # the stay's own grants (moving in also opens the resident to the home's agreement team)
    grants_before = AccessGrant.objects.filter(source_type="care.stay").count()
    barrier = threading.Barrier(RACERS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def race(elder_id: int) -> None:
        try:
            user = User.objects.get(username="yly_admin")
            elder = Elder.objects.get(pk=elder_id)
            barrier.wait(timeout=30)
            stay = services.admit(acting_user=user, elder=elder, institution=welfare, bed_id=bed.pk)
            result: object = ("won", stay.pk)
        except ServiceError as exc:
            result = ("refused", exc.status, exc.code, exc.message)
        except Exception as exc:
            result = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    # when: they all admit at once
    threads = [threading.Thread(target=race, args=(pk,)) for pk in elder_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    # then: exactly one stay holds the bed, the others were refused with 409 and a Chinese reason
    assert len(outcomes) == RACERS
    won = [o for o in outcomes if o[0] == "won"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(won) == 1, outcomes
    assert len(refused) == RACERS - 1, outcomes
    assert all(o[1] == 409 and o[2] == "BED_NOT_FREE" for o in refused)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in o[3]) for o in refused)
    assert Stay.objects.filter(bed=bed).count() == 1
    assert Bed.objects.get(pk=bed.pk).status == BedStatus.OCCUPIED
    assert AccessGrant.objects.filter(source_type="care.stay").count() == grants_before + 1
    winner = Stay.objects.get(bed=bed)
    assert Elder.objects.filter(pk__in=elder_ids, residence_institution=welfare).values_list("pk", flat=True)[
        ::1
    ] == [winner.elder_id]
