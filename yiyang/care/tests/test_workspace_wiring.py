"""The home's workspace shows the rounds of its agreements in force: the next planned round and how many
rounds were missed, read through the agreements' scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from yiyang.care.models import PlannedRound
from yiyang.care.services import agreements as svc
from yiyang.care.services import rounds

from .factories import make_home, make_resident, make_user

D = dt.timedelta


@pytest.fixture
def home_with_agreement(freeze_clock, today, draft, tcm_admin):  # type: ignore[no-untyped-def]
    """A new home with a monthly-round agreement signed 100 days ago, and the home's administrator."""
    home = make_home("测试敬老院甲")
    freeze_clock(today - D(days=100))
    agreement = draft(home=home, start_date=today - D(days=100), end_date=today + D(days=265))
    make_resident(home)
    svc.AGREEMENT.apply(agreement, "sign", acting_user=tcm_admin)
    freeze_clock(today)
    return agreement, make_user("admin_jia", "institution_admin", home)


def _paragraph(page: str, id_: str) -> str:
    found = re.search(rf'<p id="{id_}">(.*?)</p>', page, re.S)
    assert found, id_
    return found.group(1)


def test_the_workspace_shows_the_next_round_and_the_missed_rounds(client, home_with_agreement, zyy, today):  # type: ignore[no-untyped-def]
    agreement, admin = home_with_agreement
    planned = PlannedRound.objects.filter(agreement=agreement)
    expected_next = rounds.next_round(planned, today)
    missed = rounds.missed(planned, today).count()
    assert expected_next is not None and missed >= 2
    client.force_login(admin)
    page = client.get("/").content.decode()
    next_round = _paragraph(page, "next-round")
    assert expected_next.due_date.strftime("%Y-%m-%d") in next_round
    assert "江口县中医医院" in next_round
    assert re.search(rf">\s*{missed}\s*<", _paragraph(page, "missed-rounds"))

    # a round comes: the oldest missed round is fulfilled, one fewer is missed
    rounds.record_round(agreement, acting_user=zyy, visited_on=today, staff=[], findings=[])
    page = client.get("/").content.decode()
    assert re.search(rf">\s*{rounds.missed(planned, today).count()}\s*<", _paragraph(page, "missed-rounds"))


def test_a_home_without_an_agreement_in_force_plans_no_round(client, draft, today):  # type: ignore[no-untyped-def]
    home = make_home("测试敬老院乙")
    draft(home=home)  # never signed: not in force
    client.force_login(make_user("admin_yi", "institution_admin", home))
    page = client.get("/").content.decode()
    assert "暂无巡诊计划" in _paragraph(page, "next-round")
    assert re.search(r">\s*0\s*<", _paragraph(page, "missed-rounds"))
