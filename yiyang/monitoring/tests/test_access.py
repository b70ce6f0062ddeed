"""Reports, scorecards, declarations and recompute runs are read through ``monitoring.access``: the
database keeps what the user's region or institutions cover, lists page through all of it, and a record
out of scope answers exactly like a missing one (404).

The regression: the lists used to take the 200 newest rows of every region and filter them in Python,
so a county officer lost their own items as soon as a busier county of the city filed 200 newer ones.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from yiyang.core.models import Institution, InstitutionKind
from yiyang.core.scoping import scope_institutions
from yiyang.monitoring import access
from yiyang.monitoring.models import ComputeRun, Declaration, Report, ScorecardAssessment
from yiyang.monitoring.views import LIST_PAGE_SIZE

from .factories import make_institution

JIANGKOU = "520621000000"  # wjj's county; swjw is the city's (铜仁市 520600) officer
BIJIANG = "520602000000"  # another county of the same city
CARD = "jiangkou-2022-derived"
NEWER = 201  # more than the 200 newest rows the old lists looked at


def _report(region: str, by, at: dt.datetime) -> Report:  # type: ignore[no-untyped-def]
    return Report(
        kind="indicators",
        region_id=region,
        period="2026",
        file_format="xlsx",
        file="monitoring/reports/2026/test.xlsx",
        generated_by=by,
        generated_at=at,
    )


def _scorecard(region: str, by, at: dt.datetime) -> ScorecardAssessment:  # type: ignore[no-untyped-def]
    return ScorecardAssessment(
        scorecard_code=CARD,
        scorecard_version="1",
        region_id=region,
        period="2026",
        created_by=by,
        created_at=at,
    )


def _declaration(institution: Institution, by, at: dt.datetime) -> Declaration:  # type: ignore[no-untyped-def]
    return Declaration(
        institution=institution,
        indicator_code="IR-3",
        effective_date=at.date(),
        declared_by=by,
        declared_at=at,
    )


@pytest.fixture
def records(users):  # type: ignore[no-untyped-def]
    """One report, scorecard and declaration of 江口县 (yesterday), then 201 newer ones of 碧江区."""
    yesterday = timezone.now() - dt.timedelta(days=1)
    wjj, swjw = users["wjj"], users["swjw"]
    home_inst = scope_institutions(wjj).order_by("pk").first()
    other_inst = make_institution(BIJIANG, InstitutionKind.GENERAL_HOSPITAL, name="碧江区测试医院")
    own = {
        "report": Report.objects.bulk_create([_report(JIANGKOU, wjj, yesterday)])[0],
        "scorecard": ScorecardAssessment.objects.bulk_create([_scorecard(JIANGKOU, wjj, yesterday)])[0],
        "declaration": Declaration.objects.bulk_create([_declaration(home_inst, wjj, yesterday)])[0],
    }
    now = timezone.now()
    others = {
        "report": Report.objects.bulk_create(
            [_report(BIJIANG, swjw, now + dt.timedelta(seconds=i)) for i in range(NEWER)]
        ),
        "scorecard": ScorecardAssessment.objects.bulk_create(
            [_scorecard(BIJIANG, swjw, now + dt.timedelta(seconds=i)) for i in range(NEWER)]
        ),
        "declaration": Declaration.objects.bulk_create(
            [_declaration(other_inst, swjw, now + dt.timedelta(seconds=i)) for i in range(NEWER)]
        ),
    }
    return {"own": own, "others": others}


LISTS = [("report", "/monitoring/reports/"), ("scorecard", "/monitoring/scorecards/")]
DECLARATIONS = ("declaration", "/monitoring/declarations/")


@pytest.mark.parametrize(("kind", "url"), [*LISTS, DECLARATIONS])
def test_a_county_officer_still_sees_their_own_items_under_200_newer_ones_of_another_county(
    records, client_for, kind, url
):
    own = records["own"][kind]
    if kind == "declaration":
        # every declaration of 江口县's institutions (the demo declares some), not just the one made here
        expected = Declaration.objects.filter(institution__region__code__startswith="520621").count()
    else:
        expected = 1
    response = client_for("wjj").get(url)
    assert response.status_code == 200
    page = response.context["page"]
    assert own in page.object_list
    assert page.paginator.count == expected
    assert not any(r.pk in {o.pk for o in records["others"][kind]} for r in page.object_list)


@pytest.mark.parametrize(("kind", "url"), [*LISTS, DECLARATIONS])
def test_a_city_officer_pages_through_every_county_of_the_city(records, client_for, kind, url):
    own, others = records["own"][kind], records["others"][kind]
    client = client_for("swjw")
    first = client.get(url).context["page"]
    assert first.paginator.count >= NEWER + 1
    assert len(first.object_list) == LIST_PAGE_SIZE
    assert first.object_list[0].pk == others[-1].pk  # newest first
    content = client.get(url).content.decode()
    assert "page=2" in content and "下一页" in content
    last = client.get(url, {"page": first.paginator.num_pages}).context["page"]
    seen = [r.pk for n in first.paginator.page_range for r in client.get(url, {"page": n}).context["page"]]
    assert own.pk in seen and len(seen) == len(set(seen)) == first.paginator.count
    assert "上一页" in client.get(url, {"page": last.number}).content.decode()


def test_access_functions_answer_out_of_scope_like_missing(records, users):
    wjj = users["wjj"]
    other = {k: v[0] for k, v in records["others"].items()}
    getters = {
        "report": access.get_report_for_user,
        "scorecard": access.get_scorecard_for_user,
        "declaration": access.get_declaration_for_user,
    }
    for kind, get in getters.items():
        assert get(wjj, records["own"][kind].pk) == records["own"][kind]
        assert get(users["swjw"], other[kind].pk) == other[kind]
        for pk in (other[kind].pk, 2**62, "x", None, -1):
            with pytest.raises(Http404):
                get(wjj, pk)


def test_records_need_the_role_that_reads_them(records, users):
    """A clinician reads indicators (so declarations of their county) but no reports or scorecards."""
    doctor = users["doctor_sj"]
    assert not access.scope_reports(doctor).exists()
    assert not access.scope_scorecards(doctor).exists()
    assert records["own"]["declaration"] in access.scope_declarations(doctor)
    assert not access.scope_declarations(users["sysadmin"]).exists()
    with pytest.raises(Http404):
        access.get_report_for_user(doctor, records["own"]["report"].pk)


def test_pages_of_another_countys_records_answer_404(records, client_for):
    other = {k: v[0] for k, v in records["others"].items()}
    Declaration.objects.filter(pk=other["declaration"].pk).update(evidence="monitoring/evidence/x.pdf")
    client = client_for("wjj")
    for name, pk in [
        ("monitoring:report-download", other["report"].pk),
        ("monitoring:scorecard", other["scorecard"].pk),
        ("monitoring:declaration-evidence", other["declaration"].pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    item = other["scorecard"]
    assert client.get(reverse("monitoring:scorecard-evidence", args=[item.pk, "A1"])).status_code == 404
    generate = client.post("/monitoring/reports/", {"kind": "scorecard", "scorecard": other["scorecard"].pk})
    assert generate.status_code == 404


def test_recompute_runs_of_another_county_answer_404(users, client_for, api_for):
    run = ComputeRun.objects.create(
        region_id=BIJIANG, periods={"periods": ["2026"]}, requested_by=users["swjw"]
    )
    assert access.get_run_for_user(users["swjw"], run.pk) == run
    assert client_for("wjj").get(f"/monitoring/runs/{run.pk}/").status_code == 404
    assert api_for("wjj").get(f"/api/v1/monitoring/runs/{run.pk}").status_code == 404
    assert api_for("swjw").get(f"/api/v1/monitoring/runs/{run.pk}").status_code == 200
