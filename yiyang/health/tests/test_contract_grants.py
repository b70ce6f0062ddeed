"""A family-doctor contract opens its elder to its team through an access grant (DESIGN §2): the contract
services write it in their transaction, the migration wrote it for the contracts signed before, and
grants and contracts always agree."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from yiyang.core import clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import AccessGrant
from yiyang.core.scoping import scope_elders
from yiyang.health import services
from yiyang.health.models import Contract

#: Beijing's today when the module loads; every test runs with the clock frozen on it.
TODAY = clock.today()


@pytest.fixture(autouse=True)
def _clock_on_today(freeze_clock):  # type: ignore[no-untyped-def]
    freeze_clock(TODAY)


SOURCE = "health.contract"


def contract_grants(contract: Contract) -> list[AccessGrant]:
    return list(AccessGrant.objects.filter(source_type=SOURCE, source_id=str(contract.pk)))


def assert_grants_agree_with_contracts(day: dt.date) -> None:
    """Every contract has exactly one grant, to its team for its elder, over its period (start to the
    effective end, both inclusive); so every contract in force on ``day`` has exactly one grant in
    force for its team and elder, and an ended or renewed one's grant ends when the contract does."""
    contracts = {
        c.pk: c for c in Contract.objects.only("elder_id", "team_id", "start_date", "end_date", "ended_on")
    }
    grants = AccessGrant.objects.filter(source_type=SOURCE)
    by_contract: dict[int, list[AccessGrant]] = {}
    for g in grants:
        by_contract.setdefault(int(g.source_id), []).append(g)
    assert set(by_contract) == set(contracts), "contracts without a grant, or grants without a contract"
    wrong = [
        pk
        for pk, c in contracts.items()
        if [
            (g.elder_id, g.team_id, g.user_id, g.institution_id, g.valid_from, g.valid_to)
            for g in by_contract[pk]
        ]
        != [(c.elder_id, c.team_id, None, None, c.start_date, c.effective_end)]
    ]
    assert wrong == []
    in_force = {(c.team_id, c.elder_id) for c in Contract.objects.valid_on(day)}
    granted = list(grants.active_on(day).values_list("team_id", "elder_id"))
    assert sorted(granted) == sorted(in_force)


def test_the_demo_contracts_and_their_grants_agree(demo_db):
    assert Contract.objects.valid_on(TODAY).exists()
    assert_grants_agree_with_contracts(TODAY)


def test_the_migration_writes_one_grant_per_contract(demo_db):
    """Run on the demo's contracts with their grants removed, the backfill gives back the same grants."""
    before = sorted(
        AccessGrant.objects.filter(source_type=SOURCE).values_list(
            "source_id", "elder_id", "team_id", "valid_from", "valid_to"
        )
    )
    AccessGrant.objects.filter(source_type=SOURCE).delete()
    migration = importlib.import_module("yiyang.health.migrations.0006_contract_access_grants")
    migration.backfill(apps, None)
    after = sorted(
        AccessGrant.objects.filter(source_type=SOURCE).values_list(
            "source_id", "elder_id", "team_id", "valid_from", "valid_to"
        )
    )
    assert after == before and len(after) == Contract.objects.count()
    assert_grants_agree_with_contracts(TODAY)


def sign(users, team, elder, packages, start, **kw):
    return services.sign_contract(
        elder,
        acting_user=users["doctor_sj"],
        team=team,
        doctor=users["doctor_sj"],
        packages=[packages["ELDERLY"]],
        signed_on=min(start, TODAY),
        start_date=start,
        **kw,
    )


def test_signing_grants_the_team_the_elder_for_the_contract_period(users, sj_team, packages, fresh_elder):
    contract = sign(users, sj_team, fresh_elder(), packages, TODAY - dt.timedelta(days=3))
    [grant] = contract_grants(contract)
    assert (grant.team_id, grant.elder_id) == (sj_team.pk, contract.elder_id)
    assert (grant.valid_from, grant.valid_to) == (contract.start_date, contract.end_date)
    assert_grants_agree_with_contracts(TODAY)


def test_ending_early_ends_the_grant_on_the_last_day(users, sj_team, packages, fresh_elder):
    contract = sign(users, sj_team, fresh_elder(), packages, TODAY - dt.timedelta(days=30))
    services.end_contract(contract, acting_user=users["doctor_sj"], ended_on=TODAY, reason="迁往外地居住")
    [grant] = contract_grants(contract)
    assert grant.valid_to == TODAY and grant.is_active_on(TODAY)
    assert not grant.is_active_on(TODAY + dt.timedelta(days=1))
    assert_grants_agree_with_contracts(TODAY)
    assert_grants_agree_with_contracts(TODAY + dt.timedelta(days=1))


def test_renewing_keeps_the_old_grant_to_its_end_and_grants_the_new_period(
    users, sj_team, packages, fresh_elder
):
    old = sign(users, sj_team, fresh_elder(), packages, TODAY - dt.timedelta(days=350))
    new = services.renew_contract(old, acting_user=users["doctor_sj"], signed_on=TODAY)
    [old_grant] = contract_grants(old)
    [new_grant] = contract_grants(new)
    assert old_grant.valid_to == old.end_date
    assert (new_grant.valid_from, new_grant.valid_to) == (new.start_date, new.end_date)
    assert new_grant.valid_from == old_grant.valid_to + dt.timedelta(days=1)
    assert_grants_agree_with_contracts(TODAY)
    assert_grants_agree_with_contracts(old.end_date + dt.timedelta(days=1))


def test_a_refused_contract_grants_nothing(users, sj_team, packages, fresh_elder):
    """The grant is written in the contract's transaction: a refused signature leaves no grant."""
    elder = fresh_elder()
    sign(users, sj_team, elder, packages, TODAY - dt.timedelta(days=3))
    with pytest.raises(ServiceError):
        sign(users, sj_team, elder, packages, TODAY - dt.timedelta(days=1))  # overlaps the first
    assert AccessGrant.objects.filter(elder=elder).count() == 1


def test_a_team_member_sees_the_elder_while_the_contract_is_in_force(users, sj_team, packages, fresh_elder):
    from yiyang.accounts.models import User

    member = User.objects.get(username="jtys_test")
    elder = fresh_elder()
    assert not scope_elders(member).filter(pk=elder.pk).exists()
    contract = sign(users, sj_team, elder, packages, TODAY - dt.timedelta(days=5))
    assert scope_elders(member).filter(pk=elder.pk).exists()
    services.end_contract(
        contract, acting_user=users["doctor_sj"], ended_on=TODAY - dt.timedelta(days=1), reason="本人申请解约"
    )
    assert not scope_elders(member).filter(pk=elder.pk).exists()


def test_bulk_written_contract_services_leave_their_recompute_marks(users, sj_team, packages, fresh_elder):
    """Contract services are bulk-created when a contract is signed and bulk-cancelled when it ends
    early, so no ``post_save`` fires; HM-7 reads them all the same, so each write leaves its
    ``health.contractservice`` mark in monitoring's outbox (through ``core.signals.records_changed``)."""
    from yiyang.monitoring.models import RecomputeMark

    marks = RecomputeMark.objects.filter(source="health.contractservice")
    marks.delete()
    contract = sign(users, sj_team, fresh_elder(), packages, TODAY - dt.timedelta(days=30))
    assert contract.services_due.exists() and marks.exists()
    marks.delete()
    services.end_contract(contract, acting_user=users["doctor_sj"], ended_on=TODAY, reason="迁往外地居住")
    assert contract.services_due.filter(cancelled=True).exists()
    assert marks.exists()
