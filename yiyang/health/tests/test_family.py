"""家庭医生签约: contracts, services due, delivery, 履约, expiring list and the family doctor's scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from yiyang.core import clock
from yiyang.core.errors import ServiceError
from yiyang.core.scoping import get_elder_for_user, scope_elders
from yiyang.health import queries, rules, services
from yiyang.health.models import Contract, ContractService


def sign(users, team, elder, packages, start, doctor=None, **kw):
    return services.sign_contract(
        elder,
        acting_user=users["doctor_sj"],
        team=team,
        doctor=doctor or users["doctor_sj"],
        packages=[packages["ELDERLY"]],
        signed_on=min(start, clock.today()),
        start_date=start,
        **kw,
    )


def test_contract_generates_the_services_its_packages_owe(users, sj_team, packages, fresh_elder, today):
    """老年人包: 年度健康体检 ×1, 中医 ×1, 健康评估与指导 ×2 → four services over one year."""
    start = today - dt.timedelta(days=10)
    contract = sign(users, sj_team, fresh_elder(), packages, start)
    assert contract.end_date == rules.add_months(start, 12) - dt.timedelta(days=1)
    rows = list(ContractService.objects.filter(contract=contract).order_by("item_code", "sequence"))
    assert [(r.item_code, r.sequence) for r in rows] == [
        ("annual_check", 1),
        ("health_guidance", 1),
        ("health_guidance", 2),
        ("tcm_management", 1),
    ]
    guidance = [r for r in rows if r.item_code == "health_guidance"]
    assert guidance[0].window_start == start and guidance[1].due_date == contract.end_date
    assert guidance[1].window_start == guidance[0].due_date + dt.timedelta(days=1)


def test_one_team_at_a_time(users, sj_team, packages, fresh_elder, today):
    elder = fresh_elder()
    sign(users, sj_team, elder, packages, today - dt.timedelta(days=10))
    with pytest.raises(ServiceError) as exc:
        sign(users, sj_team, elder, packages, today)
    assert exc.value.code == "CONTRACT_OVERLAP" and exc.value.status == 409


def test_team_must_serve_the_elders_village(users, sj_team, packages, fresh_elder, today):
    tp_elder = fresh_elder("江口县太平镇卫生院")
    with pytest.raises(ServiceError) as exc:
        sign(users, sj_team, tp_elder, packages, today)
    assert exc.value.code == "ELDER_NOT_IN_TEAM_AREA"


def test_contract_ending_on_the_reference_date_is_valid_that_day(
    users, sj_team, packages, fresh_elder, today
):
    """HM-6: both ends inclusive — valid on its end date, not the day after."""
    start = today - dt.timedelta(days=364)
    contract = sign(users, sj_team, fresh_elder(), packages, start, end_date=today)
    assert Contract.objects.valid_on(today).filter(pk=contract.pk).exists()
    assert not Contract.objects.valid_on(today + dt.timedelta(days=1)).filter(pk=contract.pk).exists()
    assert Contract.objects.valid_on(start).filter(pk=contract.pk).exists()
    assert not Contract.objects.valid_on(start - dt.timedelta(days=1)).filter(pk=contract.pk).exists()


def test_ending_early_cancels_services_not_begun_and_needs_a_reason(
    users, sj_team, packages, fresh_elder, today
):
    contract = sign(users, sj_team, fresh_elder(), packages, today - dt.timedelta(days=30))
    with pytest.raises(ServiceError) as exc:
        services.end_contract(contract, acting_user=users["doctor_sj"], ended_on=today, reason="")
    assert exc.value.code == "REASON_REQUIRED"
    services.end_contract(contract, acting_user=users["doctor_sj"], ended_on=today, reason="迁往外地居住")
    contract.refresh_from_db()
    assert contract.status == "ended" and contract.is_valid_on(today)
    assert not contract.is_valid_on(today + dt.timedelta(days=1))
    late = ContractService.objects.filter(contract=contract, window_start__gt=today)
    assert late.exists() and all(s.cancelled for s in late)


def test_renewal_starts_the_day_after_and_marks_the_old_one(users, sj_team, packages, fresh_elder, today):
    old = sign(users, sj_team, fresh_elder(), packages, today - dt.timedelta(days=350))
    new = services.renew_contract(old, acting_user=users["doctor_sj"], signed_on=today)
    old.refresh_from_db()
    assert old.status == "renewed" and new.renewal_of == old
    assert new.start_date == old.end_date + dt.timedelta(days=1)


def test_delivery_fulfils_the_earliest_open_service_and_counts_in_fulfilment(
    users, sj_team, packages, fresh_elder, today
):
    """履约: 2 of the services due by the end are delivered → 50 % on the end date."""
    start = today - dt.timedelta(days=364)
    contract = sign(users, sj_team, fresh_elder(), packages, start, end_date=today)
    services.record_delivery(
        contract,
        acting_user=users["doctor_sj"],
        item_code="health_guidance",
        delivered_on=start,
        place="home",
    )
    services.record_delivery(
        contract,
        acting_user=users["doctor_sj"],
        item_code="annual_check",
        delivered_on=start + dt.timedelta(days=5),
        place="clinic",
    )
    first = ContractService.objects.get(contract=contract, item_code="health_guidance", sequence=1)
    assert first.delivery.place == "home"
    f = queries.contract_fulfilment(contract, today)
    assert (f.due, f.delivered, f.rate) == (4, 2, Decimal("50.00"))
    assert queries.team_fulfilment(sj_team, today).delivered >= 2
    with pytest.raises(ServiceError):
        services.record_delivery(
            contract, acting_user=users["doctor_sj"], item_code="nonsense", delivered_on=today, place="home"
        )


def test_expiring_list_within_30_days(users, sj_team, packages, fresh_elder, today):
    soon = sign(
        users,
        sj_team,
        fresh_elder(),
        packages,
        today - dt.timedelta(days=334),
        end_date=today + dt.timedelta(days=30),
    )
    later_elder = fresh_elder(exclude=(soon.elder_id,))
    later = sign(
        users,
        sj_team,
        later_elder,
        packages,
        today - dt.timedelta(days=300),
        end_date=today + dt.timedelta(days=31),
    )
    listed = set(queries.expiring(queries.scope_contracts(users["doctor_sj"]), today))
    assert soon in listed and later not in listed


def test_family_doctor_sees_exactly_the_teams_contracted_elders(users, sj_team, packages, fresh_elder, today):
    """DESIGN §2: a team member's scope is the elders with a contract in force with the team."""
    from yiyang.accounts.models import User

    member = User.objects.get(username="jtys_test")
    contracted = fresh_elder()
    other = fresh_elder(exclude=(contracted.pk,))
    assert not scope_elders(member).filter(pk=contracted.pk).exists()
    contract = sign(users, sj_team, contracted, packages, today - dt.timedelta(days=5))
    member._assignments_cache = None
    assert get_elder_for_user(member, contracted.pk) == contracted
    with pytest.raises(Http404):
        get_elder_for_user(member, other.pk)
    services.end_contract(
        contract, acting_user=users["doctor_sj"], ended_on=today - dt.timedelta(days=1), reason="本人申请解约"
    )
    assert not scope_elders(member).filter(pk=contracted.pk).exists()


def test_family_doctor_role_requires_a_team():
    from django.core.exceptions import ValidationError

    from yiyang.accounts.models import RoleAssignment

    with pytest.raises(ValidationError):
        RoleAssignment(role="family_doctor").clean()


# ------------------------------------------------------------------------------ retired teams, members


def _contract_payload(team, doctor, elder):
    return {
        "elder_id": elder.pk,
        "team_id": team.pk,
        "doctor_id": doctor.pk,
        "packages": ["ELDERLY"],
        "signed_on": clock.today().isoformat(),
    }


def test_a_retired_team_takes_no_new_contract(api_for, users, sj_team, packages, fresh_elder, today):
    """Given a team its administrator retired, when a doctor signs an elder with it through the API,
    then 422 names the team and no contract (nor service due) is written."""
    from yiyang.health.models import Contract

    sj_team.is_active = False
    sj_team.save(update_fields=["is_active"])
    elder = fresh_elder()
    r = api_for("doctor_sj").post("/api/v1/contracts", _contract_payload(sj_team, users["doctor_sj"], elder))
    assert r.status_code == 422, r.content
    err = r.json()["errors"][0]
    assert err["field"] == "team_id" and err["message"].startswith("家庭医生团队：")
    assert not Contract.objects.filter(elder=elder).exists()
    with pytest.raises(services.ServiceError):
        sign(users, sj_team, elder, packages, today)
    assert not Contract.objects.filter(elder=elder).exists()


def test_a_removed_member_cannot_be_the_contracted_doctor(
    api_for, users, sj_team, packages, fresh_elder, today
):
    """Given jtys_test removed from the team, a contract naming them is refused (API and service)."""
    from yiyang.accounts.models import User
    from yiyang.health.models import Contract, TeamMember

    member = TeamMember.objects.get(team=sj_team, user__username="jtys_test")
    admin = User.objects.get(pk=users["doctor_sj"].pk)  # institution admin of the centre (fixture)
    services.remove_team_member(member, acting_user=admin)
    elder = fresh_elder()
    r = api_for("doctor_sj").post("/api/v1/contracts", _contract_payload(sj_team, member.user, elder))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "doctor_id"
    with pytest.raises(services.ServiceError) as exc:
        services.sign_contract(
            elder,
            acting_user=users["doctor_sj"],
            team=sj_team,
            doctor=member.user,
            packages=[packages["ELDERLY"]],
            signed_on=today,
        )
    assert exc.value.field == "doctor"
    assert not Contract.objects.filter(elder=elder).exists()


def test_the_contracted_doctor_must_be_a_physician_not_a_nurse(users, sj_team, packages, fresh_elder, today):
    """《关于规范家庭医生签约服务管理的指导意见》(国卫基层发〔2018〕35号) 二.(一): 家庭医生 are 全科医生,
    乡镇卫生院医师, 乡村医生 and 中医类别医师; nurses support the team. Input: a team member whose role is
    护士 named as the 签约医生 → refused naming the doctor field; the same member as 乡村医生 signs."""
    from yiyang.health.models import TeamMember

    member = TeamMember.objects.get(team=sj_team, user__username="jtys_test")
    member.role = "nurse"
    member.save()
    with pytest.raises(ServiceError) as exc:
        sign(users, sj_team, fresh_elder(), packages, today, doctor=member.user)
    assert exc.value.code == "DOCTOR_NOT_PHYSICIAN" and exc.value.field == "doctor"
    assert "医师" in exc.value.message or "医生" in exc.value.message
    member.role = "village_doctor"
    member.save()
    assert sign(users, sj_team, fresh_elder(), packages, today, doctor=member.user).doctor == member.user


def test_a_contract_lasts_at_most_a_year_and_renewals_chain(users, sj_team, packages, fresh_elder, today):
    """国卫基层发〔2018〕35号 二.(四): "签约周期原则上为一年，期满后居民可续约或选择其他家庭医生团队签约".
    Input: a two-year end date → refused (CONTRACT_PERIOD on end_date); a one-year contract renewed twice
    is a chain of three one-year contracts, each following the one it renews."""
    elder = fresh_elder()
    start = today - dt.timedelta(days=800)
    with pytest.raises(ServiceError) as exc:
        sign(
            users,
            sj_team,
            elder,
            packages,
            start,
            end_date=rules.add_months(start, 24) - dt.timedelta(days=1),
        )
    assert exc.value.code == "CONTRACT_PERIOD" and exc.value.field == "end_date"
    first = sign(users, sj_team, elder, packages, start)
    second = services.renew_contract(first, acting_user=users["doctor_sj"], signed_on=first.end_date)
    third = services.renew_contract(second, acting_user=users["doctor_sj"], signed_on=second.end_date)
    assert third.renewal_of == second and second.renewal_of == first
    for old, new in ((first, second), (second, third)):
        assert new.start_date == old.end_date + dt.timedelta(days=1)
        assert new.end_date == rules.add_months(new.start_date, 12) - dt.timedelta(days=1)
