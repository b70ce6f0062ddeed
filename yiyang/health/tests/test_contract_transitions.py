"""The family-doctor contract's state machine on the core helper: in force → ended early (解约) or
renewed (续约); an expired contract can be renewed too. Through the API at
``/api/v1/contracts/{id}/transitions``, scoped like the contract list (out of scope: 404)."""

from __future__ import annotations

import datetime as dt

import pytest

from yiyang.core import clock
from yiyang.core.testing.machines import walk
from yiyang.core.transitions import history_of
from yiyang.health import services
from yiyang.health.models import Contract, ContractService


@pytest.fixture
def make(users, sj_team, packages, fresh_elder, today):  # type: ignore[no-untyped-def]
    """A contract in a given state, signed a month ago for a new elder (ended, renewed or expired
    set directly: the walk needs the state, not the way there)."""

    def in_state(state: str) -> Contract:
        contract = services.sign_contract(
            fresh_elder(),
            acting_user=users["doctor_sj"],
            team=sj_team,
            doctor=users["doctor_sj"],
            packages=[packages["ELDERLY"]],
            signed_on=today - dt.timedelta(days=30),
        )
        if state != "active":
            Contract.objects.filter(pk=contract.pk).update(status=state)
            contract.refresh_from_db()
        return contract

    return in_state


def _arguments(state: str, action: str) -> dict:
    return {"ended_on": clock.today()} if action == "end" else {"signed_on": clock.today()}


def test_the_contract_machine_walks_its_whole_table(make, users):
    """doctor_sj ends or renews; wjj (卫健: reads contracts, no contract.change) gets 403, nothing moves."""
    report = walk(
        services.CONTRACT, make=make, user=users["doctor_sj"], extra=_arguments, outsider=users["wjj"]
    )
    assert report.allowed == 3 and report.refused == 4 * 3 - 3


def test_ending_through_the_machine_keeps_what_ending_did(make, users, today):
    contract = make("active")
    t = services.CONTRACT.apply(
        contract, "end", acting_user=users["doctor_sj"], reason="迁往外地居住", ended_on=today
    )
    assert (contract.status, contract.ended_on, contract.end_reason) == ("ended", today, "迁往外地居住")
    late = ContractService.objects.filter(contract=contract, window_start__gt=today)
    assert late.exists() and all(s.cancelled for s in late)
    assert t.history.details == {"ended_on": today.isoformat()}


def test_renewing_records_the_new_contract_in_the_history(make, users, today):
    old = make("expired")
    new = services.renew_contract(old, acting_user=users["doctor_sj"], signed_on=today)
    row = history_of(old).get()
    assert (row.action, row.from_state, row.to_state) == ("renew", "expired", "renewed")
    assert row.details == {"signed_on": today.isoformat(), "renewed_by": new.pk}
    assert new.renewal_of == old and new.status == "active"


def test_api_ends_a_contract_and_refuses_a_second_end_naming_the_state(make, api_for, today):
    contract = make("active")
    api = api_for("doctor_sj")
    url = f"/api/v1/contracts/{contract.pk}/transitions"
    short = api.post(url, {"action": "end", "reason": "走", "ended_on": today.isoformat()})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    no_date = api.post(url, {"action": "end", "reason": "迁出本县"})
    assert no_date.status_code == 422 and no_date.json()["errors"][0]["field"] == "ended_on"
    r = api.post(url, {"action": "end", "reason": "迁出本县", "ended_on": today.isoformat()})
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["state_label"], r.json()["allowed_actions"]) == (
        "ended",
        "已解约",
        [],
    )
    again = api.post(url, {"action": "end", "reason": "迁出本县", "ended_on": today.isoformat()})
    assert again.status_code == 409
    assert again.json()["detail"] == "当前状态为「已解约」，不能执行「解约」。此状态下已无可执行的操作。"
    history = api.get(url).json()
    assert [(h["action"], h["reason"]) for h in history["history"]] == [("end", "迁出本县")]
    # the older endpoint keeps its own refusal
    old = api.post(
        f"/api/v1/contracts/{contract.pk}/end", {"ended_on": today.isoformat(), "reason": "迁出本县"}
    )
    assert old.status_code == 409 and old.json()["errors"][0]["code"] == "CONTRACT_NOT_ACTIVE"


def test_api_renews_and_names_the_renewal(make, api_for, today):
    contract = make("active")
    r = api_for("doctor_sj").post(
        f"/api/v1/contracts/{contract.pk}/transitions", {"action": "renew", "signed_on": today.isoformat()}
    )
    assert r.status_code == 200, r.content
    renewal = Contract.objects.get(renewal_of=contract)
    assert r.json()["state"] == "renewed" and r.json()["transition"]["details"]["renewed_by"] == renewal.pk


def test_api_scope_and_permission(make, api_for, today):
    contract = make("active")
    url = f"/api/v1/contracts/{contract.pk}/transitions"
    body = {"action": "end", "reason": "迁出本县", "ended_on": today.isoformat()}
    assert api_for("doctor_tp").post(url, body).status_code == 404
    assert api_for("doctor_tp").get(url).status_code == 404
    assert api_for("doctor_sj").post("/api/v1/contracts/999999999/transitions", body).status_code == 404
    assert api_for("wjj").get(url).json()["allowed_actions"] == []
    assert api_for("wjj").post(url, body).status_code == 403
    assert api_for("doctor_sj").post(url, {"action": "expire"}).status_code == 409
    assert Contract.objects.get(pk=contract.pk).status == "active"
