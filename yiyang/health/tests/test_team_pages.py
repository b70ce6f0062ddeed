"""Family-doctor team screens: only an administrator of the institution (team.manage) forms and
manages its teams; members get the team-bound family_doctor role and lose it when removed."""

import pytest

from yiyang.accounts.models import RoleAssignment, User
from yiyang.core.models import AuditEvent, Institution, Region
from yiyang.health.models import FamilyDoctorTeam, TeamMember

from .conftest import SJ


@pytest.fixture
def sj_admin(demo_db):
    """admin_sj: the 双江 centre's administrator (demo login)."""
    return User.objects.get(username="admin_sj")


@pytest.fixture
def sj_nurse(demo_db):
    """A nurse with an account at the 双江 centre, not yet in any team."""
    nurse = User.objects.create_user("nurse_sj_test", password="x", display_name="测试护士")
    RoleAssignment.objects.create(user=nurse, role="clinician", institution=Institution.objects.get(name=SJ))
    return nurse


def _villages(n=2):
    centre = Institution.objects.get(name=SJ)
    return list(
        Region.objects.filter(code__startswith=centre.region_id[:9], level="village")
        .order_by("code")
        .values_list("code", flat=True)[:n]
    )


def _create_post(**extra):
    centre = Institution.objects.get(name=SJ)
    leader = User.objects.get(username="doctor_sj")
    return {
        "name": "双江第二团队",
        "institution": str(centre.pk),
        "leader": str(leader.pk),
        "villages": _villages(),
    } | extra


def test_team_pages_render_for_roles_with_health_view(client_for):
    for username in ("admin_sj", "doctor_sj", "wjj", "yly_admin"):
        r = client_for(username).get("/health/teams/")
        assert r.status_code == 200, username
    assert "双江" in client_for("wjj").get("/health/teams/").content.decode()


def test_administrator_forms_a_team_with_leader_and_villages(client_for, sj_admin):
    """The page saves: the team, its villages, the leader as a member with the team-bound role."""
    r = client_for("admin_sj").post("/health/teams/new/", _create_post())
    assert r.status_code == 302, r.content.decode()[:3000]
    team = FamilyDoctorTeam.objects.get(name="双江第二团队")
    assert sorted(team.villages.values_list("code", flat=True)) == sorted(_villages())
    assert team.leader.username == "doctor_sj"
    assert TeamMember.objects.filter(team=team, user=team.leader, role="gp", is_active=True).exists()
    assert RoleAssignment.objects.filter(user=team.leader, role="family_doctor", team=team).exists()
    assert AuditEvent.objects.filter(object_type="health.familydoctorteam", object_id=str(team.pk)).exists()


def test_team_form_names_the_missing_field_and_writes_nothing(client_for, sj_admin):
    r = client_for("admin_sj").post("/health/teams/new/", _create_post(name="", leader=""))
    body = r.content.decode()
    assert r.status_code == 200 and "团队名称" in body and "团队长" in body
    assert not FamilyDoctorTeam.objects.filter(name="双江第二团队").exists()


def test_only_villages_can_be_served(client_for, sj_admin):
    """The service refuses a region that is not a village of the institution's county, naming the
    field; nothing is written."""
    from yiyang.health import services

    centre = Institution.objects.get(name=SJ)
    township = Region.objects.get(code=centre.region_id[:9] + "000")
    with pytest.raises(services.ServiceError) as exc:
        services.create_team(
            acting_user=sj_admin,
            institution=centre,
            name="越界团队",
            leader=User.objects.get(username="doctor_sj"),
            villages=[township],
            members=[],
        )
    assert exc.value.field == "villages" and "服务村（社区）" in exc.value.message
    assert not FamilyDoctorTeam.objects.filter(name="越界团队").exists()


@pytest.mark.parametrize("username", ["doctor_sj", "wjj", "jtys_sj"])
def test_only_team_managers_may_form_teams(client_for, username):
    """A clinician, a health officer and a family doctor have no team.manage: 403, nothing written."""
    c = client_for(username)
    assert c.get("/health/teams/new/").status_code == 403
    assert c.post("/health/teams/new/", _create_post()).status_code == 403
    assert not FamilyDoctorTeam.objects.filter(name="双江第二团队").exists()


def test_an_administrator_of_another_institution_cannot_manage_this_team(client_for, sj_nurse):
    """yly_admin holds team.manage for 社会福利院 only: the 双江 team can be seen but not changed."""
    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    c = client_for("yly_admin")
    assert c.get(f"/health/teams/{team.pk}/").status_code == 200
    assert c.get(f"/health/teams/{team.pk}/edit/").status_code == 403
    r = c.post(f"/health/teams/{team.pk}/members/", {"user": sj_nurse.pk, "role": "nurse"})
    assert r.status_code == 403
    assert not TeamMember.objects.filter(team=team, user=sj_nurse).exists()


def test_member_added_in_place_gets_the_teams_elders_and_loses_them_when_removed(
    client_for, sj_admin, sj_nurse
):
    from yiyang.core.scoping import scope_elders

    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    c = client_for("admin_sj")
    r = c.post(
        f"/health/teams/{team.pk}/members/", {"user": sj_nurse.pk, "role": "nurse"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200 and "测试护士" in r.content.decode()
    member = TeamMember.objects.get(team=team, user=sj_nurse)
    assert member.role == "nurse" and member.is_active
    nurse = User.objects.get(pk=sj_nurse.pk)
    in_team = scope_elders(nurse).count()
    assert in_team > 0
    r = c.post(f"/health/team-members/{member.pk}/remove/")
    assert r.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert not RoleAssignment.objects.filter(user=sj_nurse, team=team).exists()


def test_the_leader_cannot_be_removed(client_for, sj_admin):
    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    leader = TeamMember.objects.get(team=team, user=team.leader)
    client_for("admin_sj").post(f"/health/team-members/{leader.pk}/remove/")
    leader.refresh_from_db()
    assert leader.is_active


def test_administrator_edits_villages_and_leader(client_for, sj_admin):
    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    new_leader = User.objects.get(username="jtys_sj")
    r = client_for("admin_sj").post(
        f"/health/teams/{team.pk}/edit/",
        {"name": team.name, "leader": new_leader.pk, "villages": _villages(1), "is_active": "on"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    team.refresh_from_db()
    assert team.leader == new_leader and team.villages.count() == 1


def test_out_of_county_team_is_404(client_for):
    """A team of another county is as missing as a non-existent one."""
    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    assert client_for("doctor_tp").get(f"/health/teams/{team.pk}/").status_code == 200  # same county
    assert client_for("mzj").get(f"/health/teams/{team.pk}/").status_code == 404  # no health.view


# ------------------------------------------------------------------------------ who may be in a team
# A team gives its members the family_doctor role, which writes health checks and assessments: only an
# institution that runs family-doctor teams has them, and only its clinical staff join them.


def _yly():
    return Institution.objects.get(name="江口县社会福利院")


def test_an_eldercare_home_administrator_cannot_form_a_team_and_gain_clinical_rights(client_for):
    """Given yly_admin, administrator of an eldercare home (no health.change, no assessment.fill),
    when they post the team form naming themselves as leader,
    then they are refused, no team exists and they hold no family_doctor role — so they still cannot
    record a health check."""
    yly_admin = User.objects.get(username="yly_admin")
    c = client_for("yly_admin")
    assert c.get("/health/teams/new/").status_code == 403
    r = c.post("/health/teams/new/", _create_post(institution=str(_yly().pk), leader=str(yly_admin.pk)))
    assert r.status_code == 403
    assert not FamilyDoctorTeam.objects.filter(name="双江第二团队").exists()
    assert not RoleAssignment.objects.filter(user=yly_admin, role="family_doctor").exists()
    assert not TeamMember.objects.filter(user=yly_admin).exists()
    from yiyang.core.scoping import has_perm

    fresh = User.objects.get(pk=yly_admin.pk)
    assert not has_perm(fresh, "health.change") and not has_perm(fresh, "assessment.fill")


def test_the_service_refuses_a_team_at_an_eldercare_home(sj_nurse):
    from yiyang.health import services

    yly_admin = User.objects.get(username="yly_admin")
    village = Region.objects.filter(code__startswith=_yly().region_id[:6], level="village").first()
    before = AuditEvent.objects.count()
    with pytest.raises(services.ServiceError) as exc:
        services.create_team(
            acting_user=yly_admin,
            institution=_yly(),
            name="福利院团队",
            leader=yly_admin,
            villages=[village],
            members=[],
        )
    assert exc.value.field == "institution" and exc.value.status == 403
    assert "家庭医生团队" in exc.value.message
    assert not FamilyDoctorTeam.objects.filter(name="福利院团队").exists()
    assert not RoleAssignment.objects.filter(user=yly_admin, role="family_doctor").exists()
    assert AuditEvent.objects.count() == before
    assert services.team_institutions(yly_admin) == []


def test_an_administrator_cannot_make_themselves_a_member(sj_admin):
    """Given admin_sj, administrator (not clinician) of the 双江 centre,
    when they form a team led by themselves or add themselves to the centre's team,
    then both are refused naming the field, and no membership or family_doctor role is written."""
    from yiyang.health import services

    centre = Institution.objects.get(name=SJ)
    villages = list(Region.objects.filter(code__in=_villages()))
    with pytest.raises(services.ServiceError) as exc:
        services.create_team(
            acting_user=sj_admin,
            institution=centre,
            name="自任团队",
            leader=sj_admin,
            villages=villages,
            members=[],
        )
    assert exc.value.field == "leader" and "团队长" in exc.value.message and "临床" in exc.value.message
    assert not FamilyDoctorTeam.objects.filter(name="自任团队").exists()

    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    with pytest.raises(services.ServiceError) as exc:
        services.add_team_member(team, acting_user=sj_admin, user=sj_admin, role="gp")
    assert exc.value.field == "user" and "团队成员" in exc.value.message
    with pytest.raises(services.ServiceError):
        services.update_team(
            team, acting_user=sj_admin, name=team.name, leader=sj_admin, villages=list(team.villages.all())
        )
    team.refresh_from_db()
    assert team.leader.username == "doctor_sj"
    assert not TeamMember.objects.filter(user=sj_admin).exists()
    assert not RoleAssignment.objects.filter(user=sj_admin, role="family_doctor").exists()


@pytest.mark.parametrize("who", ["wjj", "no_role"])
def test_a_non_clinical_account_cannot_be_added(sj_admin, who):
    """An officer, or an account with no role at the institution, is not offered and is refused."""
    from yiyang.health import queries, services

    user = (
        User.objects.get(username="wjj") if who == "wjj" else User.objects.create_user("plain", password="x")
    )
    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    assert not queries.team_candidates([team.institution]).filter(pk=user.pk).exists()
    with pytest.raises(services.ServiceError):
        services.add_team_member(team, acting_user=sj_admin, user=user, role="nurse")
    assert not TeamMember.objects.filter(user=user).exists()
    assert not RoleAssignment.objects.filter(user=user, role="family_doctor").exists()


def test_the_add_member_page_does_not_offer_the_administrator(client_for, sj_admin, sj_nurse):
    team = FamilyDoctorTeam.objects.get(leader__username="doctor_sj")
    c = client_for("admin_sj")
    r = c.post(f"/health/teams/{team.pk}/members/", {"user": sj_admin.pk, "role": "gp"})
    assert r.status_code == 200
    assert not TeamMember.objects.filter(team=team, user=sj_admin).exists()
    body = c.get(f"/health/teams/{team.pk}/").content.decode()
    assert f'value="{sj_nurse.pk}"' in body and f'value="{sj_admin.pk}"' not in body
