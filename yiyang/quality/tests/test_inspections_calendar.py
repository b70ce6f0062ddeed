"""Deadlines in working days on the Chinese holiday calendar (chinese_calendar), and the fire checks due
each month and before each statutory holiday."""

from __future__ import annotations

import datetime as dt

from yiyang.quality.services.inspections import add_working_days, calendar_knows, holidays_of, obligation_rows

D = dt.date


def test_a_deadline_skips_the_national_day_week():
    # 30 Sep 2026 is a Wednesday; 1–7 Oct are 国庆 holidays; the next working day is Thursday 8 Oct
    assert add_working_days(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)
    assert add_working_days(D(2026, 9, 29), 3) == (D(2026, 10, 9), False)


def test_a_make_up_saturday_counts_as_a_working_day_and_the_sunday_after_does_not():
    # Saturday 10 Oct 2026 is a 调休 working day for 国庆; Sunday 11 Oct is a rest day
    assert add_working_days(D(2026, 10, 9), 1) == (D(2026, 10, 10), False)
    assert add_working_days(D(2026, 10, 10), 1) == (D(2026, 10, 12), False)


def test_ten_working_days_from_the_eve_of_national_day():
    # 9/30, 10/8, 10/9, 10/10 (Sat, 调休), 10/12 … 10/16, 10/19
    assert add_working_days(D(2026, 9, 29), 10) == (D(2026, 10, 19), False)


def test_a_year_the_calendar_does_not_know_skips_weekends_only_and_says_so():
    assert calendar_knows(2026) and not calendar_knows(2027)
    # 31 Dec 2026 (Thu) counts; 1 Jan 2027 (Fri) is not known as 元旦, so it counts too; then Monday
    assert add_working_days(D(2026, 12, 30), 3) == (D(2027, 1, 4), True)


def test_the_holidays_of_2026_by_their_chinese_names():
    names = dict(holidays_of(2026))
    assert names["国庆节"] == D(2026, 10, 1)
    assert names["春节"] == D(2026, 2, 15)
    assert {"元旦", "清明节", "劳动节", "端午节", "中秋节"} <= set(names)
    assert holidays_of(2027) == []


def test_a_fire_check_is_due_each_month_and_before_each_holiday():
    rows = obligation_rows(2026)
    monthly = [r for r in rows if r[0] == "monthly"]
    assert len(monthly) == 12 and monthly[1][2:] == (D(2026, 2, 1), D(2026, 2, 28))
    national = next(r for r in rows if r[1] == "国庆节 2026")
    # due by the last working day before 1 Oct, in the fortnight before it
    assert national[3] == D(2026, 9, 30) and national[2] == D(2026, 9, 16)
