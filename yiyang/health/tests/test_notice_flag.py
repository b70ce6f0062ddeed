"""HM-4 stored on the check: ``notified_in_time`` is true when the result and guidance were given on or
after the check date and no later than the same day one calendar month on (clamped to the month's end),
and the services keep it right whenever the check or its notice date is saved."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from yiyang.health import services
from yiyang.health.models import HealthCheck

D = dt.date


@pytest.mark.parametrize(
    ("check_date", "notice_date", "expected"),
    [
        (D(2026, 3, 10), D(2026, 4, 10), True),  # one calendar month exactly: still in time
        (D(2026, 3, 10), D(2026, 4, 11), False),  # a day later: late
        (D(2026, 1, 31), D(2026, 2, 28), True),  # 31 January + 1 month = 28 February
        (D(2026, 1, 31), D(2026, 3, 1), False),
        (D(2026, 3, 10), D(2026, 3, 10), True),  # the same day
        (D(2026, 3, 10), None, False),  # not yet notified
    ],
)
def test_saving_a_check_stores_whether_it_was_notified_within_a_month(
    users, fresh_elder, check_data, check_date, notice_date, expected
):
    data = check_data(check_date) | {"notice_date": notice_date}
    check = services.record_health_check(fresh_elder(), acting_user=users["doctor_sj"], data=data)
    check.refresh_from_db()
    assert check.notified_in_time is expected


def test_recording_the_notice_later_sets_the_flag_and_a_late_one_clears_it(users, fresh_elder, check_data):
    doctor = users["doctor_sj"]
    check = services.record_health_check(fresh_elder(), acting_user=doctor, data=check_data(D(2026, 1, 31)))
    assert check.notified_in_time is False
    services.record_notice(check, acting_user=doctor, notice_date=D(2026, 2, 28))
    check.refresh_from_db()
    assert check.notified_in_time is True
    services.record_notice(check, acting_user=doctor, notice_date=D(2026, 3, 1))
    check.refresh_from_db()
    assert check.notified_in_time is False


def test_changing_the_check_date_re_evaluates_the_flag(users, fresh_elder, check_data):
    """Notified on 15 April: in time for a check on 20 March, late once the check is dated 10 March."""
    doctor = users["doctor_sj"]
    data = check_data(D(2026, 3, 20)) | {"notice_date": D(2026, 4, 15)}
    check = services.record_health_check(fresh_elder(), acting_user=doctor, data=data)
    assert check.notified_in_time is True
    check = services.record_health_check(
        check.elder, acting_user=doctor, data=data | {"check_date": D(2026, 3, 10)}, check=check
    )
    check.refresh_from_db()
    assert check.notified_in_time is False


def test_migration_backfills_existing_checks(users, fresh_elder, check_data):
    """Rows written before the field existed: the migration's backfill sets exactly the in-time ones."""
    doctor = users["doctor_sj"]
    elder = fresh_elder()
    rows = {
        (D(2026, 1, 31), D(2026, 2, 28)): True,
        (D(2026, 1, 31), D(2026, 3, 1)): False,
        (D(2026, 5, 2), None): False,
        (D(2026, 5, 2), D(2026, 6, 2)): True,
    }
    made = {}
    for check_date, notice_date in rows:
        c = services.record_health_check(
            elder, acting_user=doctor, data=check_data(check_date) | {"notice_date": notice_date}
        )
        made[(check_date, notice_date)] = c.pk
    HealthCheck.objects.filter(pk__in=made.values()).update(notified_in_time=False)
    migration = importlib.import_module("yiyang.health.migrations.0002_check_notified_in_time")
    migration.backfill(django_apps, None)
    for key, expected in rows.items():
        assert HealthCheck.objects.get(pk=made[key]).notified_in_time is expected, key


def test_demo_checks_carry_the_notified_in_time_flag_their_dates_give(demo_db):
    """The demo loader bulk-creates checks without the services: the HM-4 flag must still match."""
    from yiyang.health import rules as health_rules
    from yiyang.health.models import HealthCheck

    checks = list(HealthCheck.objects.exclude(notice_date=None)[:300])
    assert checks
    assert all(
        c.notified_in_time == health_rules.notified_in_time(c.check_date, c.notice_date) for c in checks
    )
    assert any(c.notified_in_time for c in checks)
