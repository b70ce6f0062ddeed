"""IR-12 护理员持证上岗率 and the training indicators on hand-built records in the 测试县 (529901).

The rules a county officer relies on:
- the denominator is carers (post 护理员) in post on the reference date at 养老机构, 日间照料中心 and
  医养结合机构 — not hospitals, not people who have left (left_on is the first day no longer in post),
  not people hired after the reference date;
- a carer counts as 持证 with a 养老护理员 certificate issued on or before the reference date and valid
  through it: a certificate whose last day (valid_until) is the reference date still counts; one that
  ended the day before does not; another kind of certificate (健康证) never does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yiyang.core.models import InstitutionKind
from yiyang.core.staff import Staff, StaffPost
from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator
from yiyang.monitoring.tests.factories import COUNTY, TOWN_A, TOWN_B, make_institution
from yiyang.quality.models import Attendance, CarerLevel, Qualification, QualificationKind, TrainingSession

D = dt.date


def compute(code: str, period: str = "2026-06") -> engine.Computed:
    return engine.compute_indicator(get_indicator(code), COUNTY, parse_period(period))[COUNTY]


HIRED = D(2020, 1, 1)
ISSUED = D(2024, 1, 1)


def carer(inst, *, hired=HIRED, left=None, post=StaffPost.CARER) -> Staff:  # type: ignore[no-untyped-def]
    return Staff.objects.create(
        institution=inst, name="护理员", sex="F", post=post, hired_on=hired, left_on=left
    )


def cert(staff: Staff, *, issued=ISSUED, until=None, kind=QualificationKind.CARER) -> Qualification:  # type: ignore[no-untyped-def]
    level = CarerLevel.LEVEL_5 if kind == QualificationKind.CARER else ""
    return Qualification.objects.create(
        staff=staff, kind=kind, level=level, number="S1", issued_on=issued, valid_until=until
    )


def test_ir12_counts_a_certificate_through_its_last_day_and_not_a_day_more(county):
    home = make_institution(TOWN_A, InstitutionKind.ELDERCARE_HOME)
    cert(carer(home), until=D(2026, 6, 30))  # last valid day = reference date of 2026-06: counted
    cert(carer(home), until=D(2026, 6, 29))  # ended the day before: not counted
    cert(carer(home), until=None)  # never expires: counted
    cert(carer(home), issued=D(2026, 7, 1))  # issued after the reference date: not yet
    cert(carer(home), kind=QualificationKind.HEALTH, until=D(2027, 1, 1))  # a 健康证 is no skill certificate
    carer(home)  # no certificate
    c = compute("IR-12")
    assert (c.numerator, c.denominator) == (2, 6)
    assert c.value == Decimal("33.3333")
    # a month later the June certificate has ended and the one issued on 1 July counts
    assert compute("IR-12", "2026-07").numerator == 2
    assert compute("IR-12", "2026-05").numerator == 3  # in May both June-ending certificates were valid


def test_ir12_counts_only_carers_in_post_at_eldercare_and_integrated_institutions(county):
    home = make_institution(TOWN_A, InstitutionKind.ELDERCARE_HOME)
    integrated = make_institution(TOWN_B, InstitutionKind.INTEGRATED_CARE)
    day_care = make_institution(TOWN_B, InstitutionKind.DAY_CARE_CENTRE)
    hospital = make_institution(TOWN_A, InstitutionKind.GENERAL_HOSPITAL)
    cert(carer(home))
    cert(carer(integrated))
    carer(day_care)
    cert(carer(hospital))  # a hospital's carer: outside IR-12
    cert(carer(home, post=StaffPost.NURSE))  # a nurse is not a carer
    cert(carer(home, left=D(2026, 6, 30)))  # left on the reference date: no longer in post
    cert(carer(home, left=D(2026, 7, 1)))  # leaves the day after: still in post
    cert(carer(home, hired=D(2026, 7, 1)))  # hired after the reference date
    cert(carer(home, hired=None))  # no hire date known: in post
    c = compute("IR-12")
    assert (c.numerator, c.denominator) == (4, 5)


def test_ir12_has_no_value_when_no_carer_is_in_post(county):
    make_institution(TOWN_A, InstitutionKind.ELDERCARE_HOME)
    c = compute("IR-12")
    assert c.denominator == 0
    assert c.value is None


def test_training_indicators_count_sessions_person_times_hours_and_share_trained(county):
    home = make_institution(TOWN_A, InstitutionKind.ELDERCARE_HOME)
    a, b, c_ = carer(home), carer(home), carer(home)
    s1 = TrainingSession.objects.create(
        topic="fire",
        title="消防",
        organiser=home,
        region=home.region,
        held_on=D(2026, 3, 1),
        hours=Decimal("2"),
    )
    s2 = TrainingSession.objects.create(
        topic="first_aid",
        title="急救",
        organiser=None,
        region_id=COUNTY,
        held_on=D(2026, 5, 1),
        hours=Decimal("6"),
    )
    TrainingSession.objects.create(  # the year before: outside 2026
        topic="fire",
        title="消防",
        organiser=home,
        region=home.region,
        held_on=D(2025, 12, 31),
        hours=Decimal("2"),
    )
    Attendance.objects.create(session=s1, staff=a, attended=True, hours=Decimal("2"))
    Attendance.objects.create(session=s1, staff=b, attended=True, hours=Decimal("2"))
    Attendance.objects.create(session=s2, staff=a, attended=True, hours=Decimal("6"))
    Attendance.objects.create(session=s2, staff=c_, attended=False, hours=Decimal("0"))  # absent
    assert compute("TR-1", "2026").value == 2
    assert compute("TR-2", "2026").value == 3
    assert compute("TR-4", "2026").value == Decimal("10")
    share = compute("TR-3", "2026")
    assert (share.numerator, share.denominator) == (2, 3)


def test_the_demo_county_has_numbers_for_ir12_and_training(demo_db):
    period = parse_period("2026")
    for code in ("IR-12", "TR-1", "TR-2", "TR-3", "TR-4"):
        c = engine.compute_indicator(get_indicator(code), "520621000000", period)["520621000000"]
        assert c.value is not None and c.numerator, code


def test_the_demo_certificates_are_issued_in_the_past_and_some_expired_or_expiring(demo_db):
    from yiyang.core import clock

    today = clock.today()
    carers = Qualification.objects.filter(kind=QualificationKind.CARER)
    assert not Qualification.objects.filter(issued_on__gt=today).exists()
    assert carers.filter(valid_until__lt=today).exists()
    assert carers.filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=60)).exists()


def test_the_summary_section_has_the_same_rows_for_every_institution(demo_db):
    from yiyang.core.models import Institution
    from yiyang.quality.summary_staff import build_staff_section

    labels = None
    for inst in Institution.objects.order_by("pk")[:10]:
        rows = [r.label for r in build_staff_section([inst.pk], 2026).rows]
        assert labels is None or rows == labels
        labels = rows
