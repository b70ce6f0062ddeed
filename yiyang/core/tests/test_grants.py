"""Access grants (DESIGN §2: scope is data): a grant opens one elder to one user, team or institution
for an inclusive window; the scoping layer adds the grants in force today to the role scope, and
keeps each branch on its own index."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from yiyang.core import clock, grants
from yiyang.core.models import AccessGrant, CareTeam, Elder, Institution
from yiyang.core.scoping import elder_in_scope, get_elder_for_user, granted_elder_ids, scope_elders

TODAY = dt.date(2025, 6, 15)
TP = "江口县太平镇卫生院"


@pytest.fixture
def frozen_today(freeze_clock):
    freeze_clock(TODAY)
    return TODAY


@pytest.fixture
def outsider(users):
    """An elder doctor_tp cannot see through his role (a 双江 elder)."""
    return Elder.objects.exclude(pk__in=scope_elders(users["doctor_tp"]).values("pk")).order_by("pk").first()


def _source(users):
    """Any saved record can be a grant's source; the tests use a user row."""
    return users["wjj"]


def test_a_user_grant_opens_the_elder_for_its_window_both_ends_inclusive(users, outsider, frozen_today):
    doctor = users["doctor_tp"]
    grants.grant(
        _source(users), elder=outsider, user=doctor, valid_from=TODAY, valid_to=TODAY + dt.timedelta(days=9)
    )
    assert scope_elders(doctor).filter(pk=outsider.pk).exists()
    assert get_elder_for_user(doctor, outsider.pk) == outsider
    assert elder_in_scope(doctor, outsider.pk)
    for day, seen in [
        (TODAY - dt.timedelta(days=1), False),
        (TODAY, True),
        (TODAY + dt.timedelta(days=9), True),
        (TODAY + dt.timedelta(days=10), False),
    ]:
        assert granted_elder_ids(doctor, day).filter(elder_id=outsider.pk).exists() is seen, day


def test_a_grant_not_yet_begun_or_already_over_opens_nothing(users, outsider, frozen_today):
    doctor = users["doctor_tp"]
    grants.grant(_source(users), elder=outsider, user=doctor, valid_from=TODAY + dt.timedelta(days=1))
    grants.grant(
        users["mzj"],
        elder=outsider,
        user=doctor,
        valid_from=TODAY - dt.timedelta(days=30),
        valid_to=TODAY - dt.timedelta(days=1),
    )
    assert not scope_elders(doctor).filter(pk=outsider.pk).exists()
    with pytest.raises(Http404):
        get_elder_for_user(doctor, outsider.pk)


def test_an_institution_grant_opens_the_elder_to_its_staff_only(users, outsider, frozen_today):
    """A grant to 太平镇卫生院 reaches its clinician doctor_tp, not the 双江 doctor or an officer's
    region-less colleague."""
    grants.grant(
        _source(users), elder=outsider, institution=Institution.objects.get(name=TP), valid_from=TODAY
    )
    assert scope_elders(users["doctor_tp"]).filter(pk=outsider.pk).exists()
    assert not scope_elders(users["yly_admin"]).filter(pk=outsider.pk).exists()


def test_a_team_grant_opens_the_elder_to_the_teams_members(users, outsider, frozen_today):
    member = users["jtys_sj"]
    team = CareTeam.objects.get(pk=member.active_assignments[0].team_id)
    grants.grant(_source(users), elder=outsider, team=team, valid_from=TODAY)
    assert scope_elders(member).filter(pk=outsider.pk).exists()
    assert not scope_elders(users["doctor_tp"]).filter(pk=outsider.pk).exists()


def test_a_grant_does_not_bypass_the_permission(users, outsider, frozen_today):
    """sysadmin has no elder.view: a grant to them shows nothing."""
    grants.grant(_source(users), elder=outsider, user=users["sysadmin"], valid_from=TODAY)
    assert not scope_elders(users["sysadmin"]).exists()
    with pytest.raises(Http404):
        get_elder_for_user(users["sysadmin"], outsider.pk)


def test_granting_again_for_the_same_source_moves_the_window(users, outsider):
    doctor = users["doctor_tp"]
    first = grants.grant(_source(users), elder=outsider, user=doctor, valid_from=TODAY)
    again = grants.grant(
        _source(users), elder=outsider, user=doctor, valid_from=TODAY, valid_to=TODAY + dt.timedelta(days=3)
    )
    assert again.pk == first.pk
    assert list(grants.grants_from(_source(users)).values_list("valid_to", flat=True)) == [
        TODAY + dt.timedelta(days=3)
    ]


def test_ending_keeps_the_last_day_and_drops_what_never_began(users, outsider):
    source = _source(users)
    doctor = users["doctor_tp"]
    open_ended = grants.grant(source, elder=outsider, user=doctor, valid_from=TODAY - dt.timedelta(days=5))
    shorter = grants.grant(
        source,
        elder=outsider,
        institution=Institution.objects.get(name=TP),
        valid_from=TODAY - dt.timedelta(days=5),
        valid_to=TODAY - dt.timedelta(days=2),
    )
    future = grants.grant(
        source, elder=outsider, user=users["doctor_sj"], valid_from=TODAY + dt.timedelta(days=1)
    )
    assert grants.end_grants(source, last_day=TODAY) == 2
    open_ended.refresh_from_db()
    shorter.refresh_from_db()
    assert open_ended.valid_to == TODAY
    assert shorter.valid_to == TODAY - dt.timedelta(days=2)
    assert not AccessGrant.objects.filter(pk=future.pk).exists()


def test_revoking_removes_the_sources_grants_only(users, outsider):
    grants.grant(_source(users), elder=outsider, user=users["doctor_tp"], valid_from=TODAY)
    kept = grants.grant(users["mzj"], elder=outsider, user=users["doctor_tp"], valid_from=TODAY)
    assert grants.revoke_grants(_source(users)) == 1
    assert list(AccessGrant.objects.filter(elder=outsider)) == [kept]


def test_a_grant_has_exactly_one_grantee_and_a_window_in_order(users, outsider):
    tp = Institution.objects.get(name=TP)
    with pytest.raises(ValueError):
        grants.grant(_source(users), elder=outsider, valid_from=TODAY)
    with pytest.raises(ValueError):
        grants.grant(
            _source(users), elder=outsider, user=users["doctor_tp"], institution=tp, valid_from=TODAY
        )
    with pytest.raises(ValueError):
        grants.grant(
            _source(users),
            elder=outsider,
            user=users["doctor_tp"],
            valid_from=TODAY,
            valid_to=TODAY - dt.timedelta(days=1),
        )
    # the table refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessGrant.objects.create(
            elder=outsider,
            user=users["doctor_tp"],
            institution=tp,
            valid_from=TODAY,
            source_type="x",
            source_id="1",
        )


def test_grants_are_written_only_inside_the_callers_transaction(users, outsider):
    """The relationship and its grant commit together: outside a transaction the service refuses."""
    connection = transaction.get_connection()
    connection.in_atomic_block = False  # as if called in autocommit; put back before the test's rollback
    try:
        with pytest.raises(RuntimeError):
            grants.grant(_source(users), elder=outsider, user=users["doctor_tp"], valid_from=TODAY)
    finally:
        connection.in_atomic_block = True
    assert not AccessGrant.objects.filter(elder=outsider).exists()


def test_each_scope_branch_stays_on_its_index(users, outsider, frozen_today):
    """An officer without grants gets the region filter alone; a doctor who is also in a family-doctor
    team gets the centre's columns OR the team's granted ids read first as a set (not an OR with a
    sub-query, which no index serves); an officer with a grant gets a UNION of the region's elders and
    the granted ones."""
    officer_sql = str(scope_elders(users["wjj"]).query).upper()
    assert "UNION" not in officer_sql and "CORE_ACCESSGRANT" not in officer_sql
    doctor_sql = str(scope_elders(users["doctor_sj"]).query).upper()
    assert "CORE_ACCESSGRANT" in doctor_sql and "UNION" not in doctor_sql
    member_sql = str(scope_elders(users["jtys_sj"]).query).upper()
    assert "CORE_ACCESSGRANT" in member_sql and "UNION" not in member_sql
    grants.grant(_source(users), elder=outsider, user=users["wjj"], valid_from=TODAY)
    officer = scope_elders(users["wjj"])
    assert "UNION" in str(officer.query).upper()
    county = Elder.objects.filter(region__code__startswith="520621")
    assert set(officer.values_list("pk", flat=True)) == set(county.values_list("pk", flat=True))


def test_a_doctor_in_a_team_sees_the_centres_elders_and_the_teams(users):
    """doctor_sj: clinician at 双江 and leader of its team: the union of both, nothing else."""
    doctor = users["doctor_sj"]
    centre = Institution.objects.get(name="江口县双江街道中心卫生院")
    team_id = next(a.team_id for a in doctor.active_assignments if a.team_id)
    expected = (
        set(Elder.objects.filter(managing_institution=centre).values_list("pk", flat=True))
        | set(Elder.objects.filter(residence_institution=centre).values_list("pk", flat=True))
        | set(
            AccessGrant.objects.active_on(clock.today())
            .filter(team_id=team_id)
            .values_list("elder_id", flat=True)
        )
    )
    assert set(scope_elders(doctor).values_list("pk", flat=True)) == expected
    assert scope_elders(doctor).count() == len(expected)


def test_an_officer_granted_an_elder_of_another_county_sees_it_beside_their_own(users, frozen_today):
    """Region ∪ grants: the county's elders and the one granted, nothing else."""
    from yiyang.core import crypto
    from yiyang.core.identity import mask_id_number, with_check_digit
    from yiyang.core.models import Region
    from yiyang.core.search import id_number_index

    village = Region.objects.create(code="520602001001", name="测试村", level="village", parent_id=None)
    number = with_check_digit("52060219500101001")
    stranger = Elder.objects.create(
        name="外县老人",
        id_number_encrypted=crypto.encrypt(number),
        id_number_index=id_number_index(number),
        id_number_masked=mask_id_number(number),
        sex="M",
        birth_date="1950-01-01",
        region=village,
        living_situation="alone",
    )
    officer = users["wjj"]
    county = set(Elder.objects.filter(region__code__startswith="520621").values_list("pk", flat=True))
    assert set(scope_elders(officer).values_list("pk", flat=True)) == county
    grants.grant(_source(users), elder=stranger, user=officer, valid_from=TODAY, valid_to=TODAY)
    assert set(scope_elders(officer).values_list("pk", flat=True)) == county | {stranger.pk}
    assert scope_elders(officer).count() == len(county) + 1
    assert get_elder_for_user(officer, stranger.pk) == stranger
