"""Scope (DESIGN §2): a record outside a user's scope is a 404 — like a missing one — and never
appears in a list, a search or an export. One test per role."""

import io

import pytest
from openpyxl import load_workbook

from yiyang.core import crypto
from yiyang.core.models import Elder, ElderCategory, Institution, InstitutionKind
from yiyang.core.scoping import scope_elders, scope_institutions

SJ = "江口县双江街道中心卫生院"
TP = "江口县太平镇卫生院"
WELFARE = "江口县社会福利院"


def _elder_outside(username, users):
    """Some elder the user may not see (there always is one in the demo county, except for wjj)."""
    return Elder.objects.exclude(pk__in=scope_elders(users[username]).values("pk")).order_by("pk").first()


def _assert_hidden(username, elder, client_for, api_for):
    page = client_for(username)
    api = api_for(username)
    number = crypto.decrypt(elder.id_number_encrypted)
    assert page.get(f"/elders/{elder.pk}/").status_code == 404
    assert page.get(f"/elders/{elder.pk}/audit/").status_code == 404
    assert page.get(f"/elders/{elder.pk}/edit/").status_code == 404
    assert (
        page.post(f"/elders/{elder.pk}/reveal/", {"field": "id_number", "reason": "测试"}).status_code == 404
    )
    assert api.get(f"/api/v1/elders/{elder.pk}").status_code == 404
    assert (
        api.post(f"/api/v1/elders/{elder.pk}/reveal", {"field": "id_number", "reason": "测试"}).status_code
        == 404
    )
    assert api.get(f"/api/v1/elders/{elder.pk}/audit").status_code == 404
    assert api.patch(f"/api/v1/elders/{elder.pk}", {"name": "改名"}).status_code == 404
    assert api.patch(f"/api/v1/elders/{2**31 - 1}", {"name": "改名"}).status_code == 404  # as if missing
    listed = api.post("/api/v1/elders/search", {"q": number, "page_size": 100}).json()["results"]
    assert elder.pk not in [r["id"] for r in listed]
    listed = api.get("/api/v1/elders", q=elder.name, page_size=100).json()["results"]
    assert elder.pk not in [r["id"] for r in listed]
    html = page.get("/elders/", {"q": elder.name}).content.decode()
    assert f"/elders/{elder.pk}/" not in html
    export = page.get("/elders/export.xlsx", {"q": elder.name})
    if export.status_code == 200:
        ws = load_workbook(io.BytesIO(export.content)).active
        assert elder.id_number_masked not in [row[4] for row in ws.iter_rows(values_only=True)]
    else:
        assert export.status_code == 403


def test_doctor_tp_cannot_open_or_find_an_elder_of_shuangjiang(users, sj_elder, client_for, api_for):
    """A township doctor sees the elders their health centre keeps, not the next township's."""
    assert not scope_elders(users["doctor_tp"]).filter(pk=sj_elder.pk).exists()
    _assert_hidden("doctor_tp", sj_elder, client_for, api_for)


def test_doctor_sj_sees_only_shuangjiang_archives(users, sj_elder, tp_elder, client_for, api_for):
    scoped = scope_elders(users["doctor_sj"])
    assert scoped.filter(pk=sj_elder.pk).exists()
    assert not scoped.exclude(managing_institution__name=SJ).exclude(residence_institution__name=SJ).exists()
    _assert_hidden("doctor_sj", tp_elder, client_for, api_for)


def test_health_officer_sees_the_whole_county_and_nothing_outside(users, client_for, api_for):
    """wjj is bound to 520621: every elder of the county, no elder of another county."""
    from yiyang.accounts.models import RoleAssignment, User
    from yiyang.core.demo import load_demo  # noqa: F401  (documents where the data comes from)

    assert (
        scope_elders(users["wjj"]).count() == Elder.objects.filter(region__code__startswith="520621").count()
    )
    stranger = _other_county_elder()
    _assert_hidden("wjj", stranger, client_for, api_for)
    # a health officer of the other county sees that elder and none of 江口县's
    other = User.objects.create_user("wjj_bj")
    RoleAssignment.objects.create(user=other, role="health_officer", region_id="520602000000")
    assert list(scope_elders(other).values_list("pk", flat=True)) == [stranger.pk]


def _other_county_elder():
    from yiyang.core.identity import mask_id_number, with_check_digit
    from yiyang.core.models import Region
    from yiyang.core.search import id_number_index

    village = Region.objects.create(code="520602001001", name="测试村", level="village", parent_id=None)
    number = with_check_digit("52060219500101001")
    return Elder.objects.create(
        name="外县老人",
        id_number_encrypted=crypto.encrypt(number),
        id_number_index=id_number_index(number),
        id_number_masked=mask_id_number(number),
        sex="M",
        birth_date="1950-01-01",
        region=village,
        living_situation="alone",
    )


def test_civil_officer_sees_residents_of_eldercare_institutions_only(users, sj_elder, client_for, api_for):
    scoped = scope_elders(users["mzj"])
    assert scoped.exists()
    assert not scoped.filter(residence_institution__isnull=True).exists()
    assert set(scoped.values_list("residence_institution__kind", flat=True)) <= {
        InstitutionKind.ELDERCARE_HOME,
        InstitutionKind.INTEGRATED_CARE,
        InstitutionKind.DAY_CARE_CENTRE,
    }
    _assert_hidden("mzj", sj_elder, client_for, api_for)
    assert not scope_institutions(users["mzj"]).filter(kind=InstitutionKind.TOWNSHIP_HEALTH_CENTRE).exists()


def test_institution_admin_sees_their_residents_only(users, sj_elder, client_for, api_for):
    scoped = scope_elders(users["yly_admin"])
    assert scoped.exists()
    assert set(scoped.values_list("residence_institution__name", flat=True)) == {WELFARE}
    _assert_hidden("yly_admin", sj_elder, client_for, api_for)


def test_sysadmin_sees_no_elder_at_all(users, sj_elder, client_for, api_for):
    """System administrators keep accounts and reference data; health data needs a scoped role."""
    assert not scope_elders(users["sysadmin"]).exists()
    _assert_hidden("sysadmin", sj_elder, client_for, api_for)
    assert scope_institutions(users["sysadmin"]).count() == Institution.objects.count()


def test_anonymous_requests_are_sent_to_login_or_refused(sj_elder):
    from django.test import Client

    c = Client()
    response = c.get(f"/elders/{sj_elder.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert c.get("/api/v1/elders").status_code == 401
    assert c.get(f"/api/v1/elders/{sj_elder.pk}").status_code == 401


def test_category_filter_counts_only_scoped_elders(users, api_for):
    api = api_for("doctor_tp")
    body = api.get("/api/v1/elders", category="advanced_age", page_size=100).json()
    mine = scope_elders(users["doctor_tp"]).filter(categories__category="advanced_age").count()
    county = ElderCategory.objects.filter(category="advanced_age").count()
    assert body["count"] == mine
    assert 0 < mine < county


@pytest.mark.parametrize("username", ["wjj", "mzj", "doctor_sj", "doctor_tp", "yly_admin"])
def test_every_listed_elder_is_openable_by_the_same_user(username, client_for, api_for):
    """List and detail agree: anything a list shows, the detail page opens."""
    api = api_for(username)
    for row in api.get("/api/v1/elders", page_size=5).json()["results"]:
        assert api.get(f"/api/v1/elders/{row['id']}").status_code == 200
