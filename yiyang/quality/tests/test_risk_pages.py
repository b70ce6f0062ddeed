"""The assessment form: five screens on one page, errors beside the fields, saved → the assessment's page;
the pages are scoped (another home's resident is 404) and the findings hidden from 民政."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from yiyang.core.models import Institution

from .conftest import at, make_user, screens

D = dt.date(2026, 10, 12)


def form_data(**kw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {"kind": "admission", "assessed_at": "2026-10-12T11:00"}
    for flag, answers in screens(**kw).items():
        for item, value in answers.items():
            data[f"{flag}.{item}"] = str(value)
    return data


def login(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_a_nurse_fills_the_form_and_sees_the_findings(admit, nurse, freeze_clock, client_for):
    stay = admit(at(D, 9, 0))
    freeze_clock(at(D, 12, 0))
    c = login(nurse)
    page = c.get(f"/quality/risk/stays/{stay.pk}/assess/").content.decode()
    assert "洼田饮水试验" in page and "本地表单，非国家标准" in page
    r = c.post(f"/quality/risk/stays/{stay.pk}/assess/", form_data(fall=45))
    assert r.status_code == 302
    detail = c.get(r["Location"]).content.decode()
    assert "Morse 跌倒风险评估" in detail and "riskflag-high" in detail and "按时" in detail
    mzj = client_for("mzj").get(r["Location"]).content.decode()
    assert "评估结果属于健康信息" in mzj and "riskflag" not in mzj


def test_a_missing_answer_is_shown_beside_its_item(admit, nurse, freeze_clock):
    stay = admit(at(D, 9, 0))
    freeze_clock(at(D, 12, 0))
    data = form_data()
    del data["fall.3"]
    del data["scald.1"]
    r = login(nurse).post(f"/quality/risk/stays/{stay.pk}/assess/", data)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('class="fielderror"') == 2
    assert "部分答案无法计分" in html
    assert stay.risk_assessments.count() == 0  # nothing written


def test_another_homes_resident_is_404_and_officers_cannot_assess(admit, freeze_clock, client_for):
    stay = admit(at(D, 9, 0))
    other_home = Institution.objects.filter(kind="eldercare_home").exclude(pk=stay.institution_id).first()
    outsider = login(make_user("other_home_nurse2", "clinician", other_home))
    assert outsider.get(f"/quality/risk/stays/{stay.pk}/assess/").status_code == 404
    assert stay.elder.name not in outsider.get("/quality/risk/").content.decode()
    assert client_for("wjj").get(f"/quality/risk/stays/{stay.pk}/assess/").status_code == 403
    assert client_for("sysadmin").get("/quality/risk/").status_code == 403


def test_the_hub_lists_the_risk_page(client_for):
    assert "/quality/risk/" in client_for("wjj").get("/quality/").content.decode()
