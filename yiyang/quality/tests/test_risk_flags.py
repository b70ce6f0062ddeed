"""Risk flags from the screens' cut-offs, shown wherever the resident appears, to those who read the
elder's health only: the home's staff and the 卫健 officer see them; another home and the 民政 officer
(no health data) do not."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.core.flags import flags_for
from yiyang.quality.services import risk as services

from .conftest import at, make_user, screens

D = dt.date(2026, 10, 12)


@pytest.fixture
def assessed(admit, nurse, freeze_clock):  # type: ignore[no-untyped-def]
    """``assessed(**screen_totals)``: a newcomer admitted and assessed with those answers."""

    def make(kind: str = "admission", stay=None, **kw):  # type: ignore[no-untyped-def]
        stay = stay or admit(at(D, 9, 0))
        freeze_clock(at(D, 12, 0))
        services.record_risk_assessment(
            acting_user=nurse,
            elder=stay.elder,
            institution=stay.institution,
            kind=kind,
            screens=screens(**kw),
            assessed_at=at(D, 11, 0),
        )
        return stay

    return make


def codes(user, stay) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.code: f.level for f in flags_for(user, [stay.elder_id]).get(stay.elder_id, [])}


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"fall": 20}, {}),  # Morse 0–24 低危 (totals step by 5): no flag
        ({"fall": 25}, {"fall": "moderate"}),  # 25–44 中危
        ({"fall": 45}, {"fall": "high"}),  # ≥45 高危
        ({"braden": 15}, {}),  # Braden 15–18 低危: no flag
        ({"braden": 14}, {"pressure_injury": "moderate"}),  # 13–14 中危
        ({"braden": 12}, {"pressure_injury": "high"}),  # 10–12 高危
        ({"kubota": ("1", "over5s")}, {"choking": "moderate"}),  # 可疑
        ({"kubota": ("3", "within5s")}, {"choking": "high"}),  # 异常
        ({"wandering": 2}, {}),
        ({"wandering": 3}, {"wandering": "moderate"}),
        ({"scald": 6}, {"scald": "high"}),
    ],
)
def test_flags_follow_the_instruments_cut_offs(assessed, nurse, kw, expected):
    stay = assessed(**kw)
    assert codes(nurse, stay) == expected


def test_a_reassessment_of_one_risk_replaces_that_risk_only(assessed, nurse, freeze_clock):
    stay = assessed(fall=45, wandering=6)
    freeze_clock(at(D + dt.timedelta(days=5), 12, 0))
    services.record_risk_assessment(
        acting_user=nurse,
        elder=stay.elder,
        institution=stay.institution,
        kind="change_of_condition",
        screens=screens(fall=10, only=("fall",)),
        assessed_at=at(D + dt.timedelta(days=5), 11, 0),
    )
    assert codes(nurse, stay) == {"wandering": "high"}


def test_flags_are_health_data_scoped_like_the_elder(assessed, nurse, users, demo_db):
    from yiyang.core.models import Institution

    stay = assessed(fall=45)
    other_home = Institution.objects.filter(kind="eldercare_home").exclude(pk=stay.institution_id).first()
    outsider = make_user("other_home_nurse", "clinician", other_home)
    assert codes(nurse, stay) == {"fall": "high"}
    assert codes(users["yly_admin"], stay) == {"fall": "high"}  # the home's admin reads health
    assert codes(users["wjj"], stay) == {"fall": "high"}  # 卫健: the county's elders' health
    assert codes(users["mzj"], stay) == {}  # 民政: no health data
    assert codes(users["sysadmin"], stay) == {}
    assert codes(outsider, stay) == {}  # another home


def test_the_flags_show_on_the_pages_where_the_resident_appears(assessed, client_for, freeze_clock):
    stay = assessed(fall=45, braden=12)
    pages = [
        "/care/residents/",
        f"/care/residents/{stay.pk}/",
        "/care/beds/",
        f"/elders/{stay.elder_id}/",
        f"/health/elders/{stay.elder_id}/",
    ]
    c = client_for("yly_admin")
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert "riskflag-high" in html and "跌倒" in html and "压力性损伤" in html, url
    home = c.get("/").content.decode()
    assert "跌倒 1" in home  # the workspace's residents-by-level slot


def test_the_civil_affairs_officer_sees_no_flag_on_the_elder_page(assessed, client_for):
    stay = assessed(fall=45)
    r = client_for("mzj").get(f"/elders/{stay.elder_id}/")
    assert r.status_code == 200
    assert "riskflag" not in r.content.decode()
