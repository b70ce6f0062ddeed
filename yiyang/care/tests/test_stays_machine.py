"""The stay's state machine (``care.services.stays.STAY``) walked: every (state, action) pair, allowed
or refused, with its history row and audit row; and the stay's moves on the archive timeline."""

from __future__ import annotations

import datetime as dt
import itertools

from yiyang.care.models.stays import ACTIVE_STAY_STATUSES, Bed, BedKind, BedStatus, Stay, StayStatus
from yiyang.care.services.stays import STAY
from yiyang.core.models import Elder, ElderStatus, Institution
from yiyang.core.testing.machines import walk
from yiyang.health.queries import timeline

from . import stays_fixtures
from .stays_fixtures import WELFARE

# the shared fixtures of the bed and stay tests
admitted = stays_fixtures.admitted
make_beds = stays_fixtures.make_beds
newcomer = stays_fixtures.newcomer
welfare = stays_fixtures.welfare

_rooms = itertools.count(1)


def _bed(institution: Institution, status: str = BedStatus.FREE) -> Bed:
    return Bed.objects.create(
        institution=institution,
        building="walk",
        room=f"W{next(_rooms)}",
        number="1",
        kind=BedKind.ELDERCARE,
        status=status,
    )


def test_the_stay_machine_walked(users, today):
    welfare = Institution.objects.get(name=WELFARE)
    elders = iter(
        Elder.objects.filter(
            status=ElderStatus.ACTIVE, residence_institution=None, region__code__startswith="520621"
        )
        .filter(stays__isnull=True)
        .order_by("pk")
    )
    bed_status = {
        StayStatus.CARE: BedStatus.OCCUPIED,
        StayStatus.MEDICAL: BedStatus.OCCUPIED,
        StayStatus.ON_LEAVE: BedStatus.RESERVED,
        StayStatus.DISCHARGED: BedStatus.FREE,
        StayStatus.DECEASED: BedStatus.FREE,
    }

    def make(state: str) -> Stay:
        admitted_on = today - dt.timedelta(days=20)
        ended = state not in ACTIVE_STAY_STATUSES
        return Stay.objects.create(
            elder=next(elders),
            institution=welfare,
            bed=_bed(welfare, bed_status[state]),
            status=state,
            admitted_on=admitted_on,
            ended_on=today - dt.timedelta(days=1) if ended else None,
            leave_since=today - dt.timedelta(days=2) if state == StayStatus.ON_LEAVE else None,
        )

    def extra(state: str, action: str) -> dict:
        return {"bed_id": _bed(welfare).pk, "date": today} if action == "transfer" else {"date": today}

    report = walk(STAY, make=make, user=users["yly_admin"], extra=extra, outsider=users["mzj"])
    assert report.allowed == len(STAY.table)


def test_the_switch_shows_as_one_continuous_history_on_the_archive(users, admitted, today):
    """住院 ↔ 休养: one stay, and the archive timeline shows the admission and both switches."""
    from yiyang.care.services import stays as services

    services.move(admitted, "to_medical", acting_user=users["yly_admin"], reason="肺部感染", date=today)
    services.move(admitted, "to_care", acting_user=users["yly_admin"], reason="病情稳定", date=today)
    entries, _more = timeline(Elder.objects.get(pk=admitted.elder_id), kinds=["stay"])
    titles = [e.title for e in entries]
    assert len(titles) == 3
    assert any("江口县社会福利院" in t for t in titles)
    assert {e.pk for e in entries} == {admitted.pk}
    assert Stay.objects.filter(elder_id=admitted.elder_id).count() == 1


def test_care_notes_reach_the_archive_timeline(users, admitted):
    from yiyang.care.services import stays as services

    services.add_care_note(admitted, acting_user=users["yly_admin"], kind="nursing", content="协助翻身")
    entries, _more = timeline(Elder.objects.get(pk=admitted.elder_id), kinds=["care_note"])
    assert len(entries) == 1 and "协助翻身" in entries[0].summary
