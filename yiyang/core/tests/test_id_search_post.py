"""Searching by full ID number never puts the number in a URL (issue 15: ID search by GET).

URLs are written to access logs, browser history and proxy logs. The elder list's search form POSTs;
a full number is kept in the session and the page's URL, pager and export link carry a token instead.
The API refuses a number in the query string and takes it in the body of ``POST /elders/search``.
"""

from __future__ import annotations

import re

from yiyang.core import crypto
from yiyang.core.models import AuditEvent

ID_IN_TEXT = re.compile(r"\d{17}[\dXx]")


def _full_id(elder) -> str:  # type: ignore[no-untyped-def]
    return crypto.decrypt(elder.id_number_encrypted)


def test_posting_an_id_number_redirects_to_a_url_with_a_token_that_finds_the_elder(client_for, sj_elder):
    c = client_for("doctor_sj")
    number = _full_id(sj_elder)
    r = c.post("/elders/", {"q": number})
    assert r.status_code == 302
    assert number not in r.url and "sq=" in r.url and not ID_IN_TEXT.search(r.url)
    page = c.get(r.url).content.decode()
    assert f'href="/elders/{sj_elder.pk}/"' in page
    # the export link and the pager carry the token, never the number (the search box keeps what the
    # user typed: that is not a URL)
    assert not [h for h in re.findall(r'(?:href|hx-get|action)="([^"]*)"', page) if number in h]
    export = re.search(r'id="export-link" href="([^"]+)"', page)
    assert export is None or "sq=" in export.group(1)


def test_the_htmx_search_pushes_a_url_without_the_number(client_for, sj_elder):
    c = client_for("doctor_sj")
    number = _full_id(sj_elder)
    r = c.post("/elders/", {"q": number}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert f'href="/elders/{sj_elder.pk}/"' in r.content.decode()
    assert "sq=" in r["HX-Push-Url"] and number not in r["HX-Push-Url"]
    # a name search keeps its plain, shareable URL
    by_name = c.post("/elders/", {"q": sj_elder.name}, HTTP_HX_REQUEST="true")
    assert "q=" in by_name["HX-Push-Url"] and "sq=" not in by_name["HX-Push-Url"]


def test_a_typed_url_with_an_id_number_is_moved_out_of_the_address_bar(client_for, sj_elder):
    r = client_for("doctor_sj").get("/elders/", {"q": _full_id(sj_elder)})
    assert r.status_code == 302 and "sq=" in r.url and not ID_IN_TEXT.search(r.url)


def test_a_token_means_nothing_in_another_session(client_for, sj_elder):
    first = client_for("doctor_sj")
    url = first.post("/elders/", {"q": _full_id(sj_elder)}).url
    token = re.search(r"sq=([^&]+)", url).group(1)
    other = client_for("doctor_sj")  # a second session of the same user
    page = other.get("/elders/", {"sq": token}).content.decode()
    assert "身份证号搜索已失效" in page and "没有符合条件的老年人" in page
    assert f'href="/elders/{sj_elder.pk}/"' not in page
    assert f'href="/elders/{sj_elder.pk}/"' in first.get(url).content.decode()


def test_the_export_by_token_is_audited_without_the_number(client_for, sj_elder):
    c = client_for("wjj")
    number = _full_id(sj_elder)
    url = c.post("/elders/", {"q": number}).url
    export = c.get("/elders/export.xlsx?" + url.split("?", 1)[1])
    assert export.status_code == 200
    event = AuditEvent.objects.filter(action="export").order_by("-pk").first()
    assert event is not None and number not in str(event.__dict__)


def test_the_api_refuses_an_id_number_in_the_query_string_and_finds_it_in_a_post_body(api_for, sj_elder):
    api = api_for("doctor_sj")
    number = _full_id(sj_elder)
    refused = api.get("/api/v1/elders", q=number)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "q"
    assert "POST /api/v1/elders/search" in refused.json()["detail"]
    found = api.post("/api/v1/elders/search", {"q": number})
    assert found.status_code == 200
    assert [r["id"] for r in found.json()["results"]] == [sj_elder.pk]
    # name searches by GET keep working
    assert api.get("/api/v1/elders", q=sj_elder.name).status_code == 200


def test_the_session_keeps_the_searched_number_encrypted(client_for, sj_elder):
    from django.contrib.sessions.models import Session

    c = client_for("doctor_sj")
    number = _full_id(sj_elder)
    c.post("/elders/", {"q": number})
    stored = Session.objects.get(session_key=c.session.session_key)
    assert number not in stored.session_data and number not in str(stored.get_decoded())
