"""DESIGN §2/§4: every access to personal data is auditable. Reading an elder's health records — one
record, the elder's timeline, or a list page of many elders' records — writes a "view" row on each
elder concerned, so the elder's 谁查看过 page shows it. A refused read writes nothing."""

import pytest

from yiyang.accounts.models import User
from yiyang.core.models import AuditEvent
from yiyang.health.models import ChronicFollowUp, Contract, HealthCheck


def views_of(username, elder_ids=None):
    qs = AuditEvent.objects.filter(username=username, action="view", object_type="core.elder")
    if elder_ids is not None:
        qs = qs.filter(object_id__in=[str(i) for i in elder_ids])
    return qs


@pytest.mark.parametrize(
    ("url", "model", "word"),
    [
        ("/api/v1/health-checks", HealthCheck, "体检"),
        ("/api/v1/chronic-followups", ChronicFollowUp, "随访"),
        ("/api/v1/contracts", Contract, "签约"),
    ],
)
def test_a_list_writes_one_view_row_per_elder_on_the_page(api_for, url, model, word):
    """Given wjj (卫健, county), when they list records through the API (a page of 20),
    then each distinct elder on that page — and no other — gets one "view" row naming the list."""
    assert views_of("wjj").count() == 0
    body = api_for("wjj").get(url, page_size=20).json()
    ids = {model.objects.get(pk=r["id"]).elder_id for r in body["results"]}
    assert len(ids) >= 2, "the demo should list several elders"
    rows = views_of("wjj")
    assert sorted(int(r.object_id) for r in rows) == sorted(ids)
    assert all(word in r.reason and r.channel == "api" and r.user_id for r in rows)


def test_an_empty_list_writes_nothing(api_for):
    assert api_for("wjj").get("/api/v1/health-checks", year=1990).json()["count"] == 0
    assert views_of("wjj").count() == 0


def test_reading_one_check_and_the_timeline_is_a_view_of_the_elder(api_for, client_for):
    check = HealthCheck.objects.filter(elder__status="active").order_by("pk").first()
    elder_id = check.elder_id
    api = api_for("wjj")
    assert api.get(f"/api/v1/health-checks/{check.pk}").status_code == 200
    assert views_of("wjj", [elder_id]).count() == 1
    assert api.get(f"/api/v1/elders/{elder_id}/timeline").status_code == 200
    assert views_of("wjj", [elder_id]).count() == 2
    c = client_for("wjj")
    assert c.get(f"/health/checks/{check.pk}/").status_code == 200
    assert views_of("wjj", [elder_id]).count() == 3
    assert c.get(f"/health/elders/{elder_id}/timeline/", {"kind": "check"}).status_code == 200
    assert views_of("wjj", [elder_id]).count() == 4
    # "More" continues the same reading: no second row
    assert c.get(f"/health/elders/{elder_id}/timeline/", {"page": 2}).status_code == 200
    assert views_of("wjj", [elder_id]).count() == 4
    assert views_of("wjj").exclude(object_id=str(elder_id)).count() == 0


def test_a_contract_page_is_a_view_of_the_elder(client_for):
    contract = Contract.objects.order_by("pk").first()
    assert client_for("wjj").get(f"/health/contracts/{contract.pk}/").status_code == 200
    assert views_of("wjj", [contract.elder_id]).count() == 1


def test_a_refused_read_writes_nothing(api_for, client_for):
    """mzj has no health.view; an out-of-scope or missing record is a 404 — no audit row either way."""
    check = HealthCheck.objects.order_by("pk").first()
    assert api_for("mzj").get(f"/api/v1/health-checks/{check.pk}").status_code in (403, 404)
    assert client_for("mzj").get(f"/health/checks/{check.pk}/").status_code in (403, 404)
    assert api_for("wjj").get("/api/v1/health-checks/999999999").status_code == 404
    assert not AuditEvent.objects.filter(username__in=["mzj", "wjj"], action="view").exists()
    assert User.objects.filter(username="mzj").exists()
