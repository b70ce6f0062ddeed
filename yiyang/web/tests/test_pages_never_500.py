"""Every page answers every demo user without a server error, with junk query strings and empty
POSTs too: a wrong or out-of-scope request is a Chinese 4xx page, never a 500."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from yiyang.core.scoping import scope_elders

JUNK = {
    "q": "'\"<script>",
    "page": "-1",
    "region": "abc",
    "age_band": "x-y",
    "kind": "zz",
    "parent": "9" * 12,
}


def _routes(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _concrete(route: str, ids: dict[str, str]) -> str:
    import re

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: ids.get(m.group(2), "1"), route)


@pytest.mark.parametrize("username", ["wjj", "mzj", "doctor_sj", "doctor_tp", "yly_admin", "sysadmin"])
def test_no_page_answers_500(username, users, client_for, sj_elder):
    client = client_for(username)
    client.raise_request_exception = False
    mine = scope_elders(users[username]).order_by("pk").first()
    ids = {"pk": str((mine or sj_elder).pk), "code": "barthel", "rid": "1"}
    checked = 0
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")):
            continue
        url = _concrete(route, ids)
        for response in (client.get(url, JUNK), client.post(url, {})):
            assert response.status_code < 500, (username, url, response.status_code)
        checked += 1
    assert checked >= 10
