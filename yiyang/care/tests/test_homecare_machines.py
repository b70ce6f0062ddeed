"""The family sickbed and home nursing order machines, walked through every (state, action) pair."""

from __future__ import annotations

from yiyang.core.testing.machines import walk

from ..services.homecare import SERVICE_ORDER, SICKBED
from .homecare_helpers import SAFE_HOME, make_order, make_sickbed, roster


def test_the_sickbed_machine_opens_reviews_and_closes_a_bed(users, sj_elder, today):
    def extra(state: str, action: str) -> dict:
        return {"summary": "病情稳定，撤床"} if action == "discharge" else {}

    report = walk(
        SICKBED,
        make=lambda state: make_sickbed(sj_elder, users, state),
        user=users["doctor_sj"],
        extra=extra,
        outsider=users["mzj"],
    )
    assert ("admitted", "review", "ok") in report.pairs
    assert ("discharged", "admit", "refused") in report.pairs


def test_the_order_machine_runs_from_request_to_rating_and_settlement(users, sj_elder, today):
    roster(users)

    def actor(state: str, action: str):  # type: ignore[no-untyped-def]
        return users["nurse_sj"] if action in ("check_in", "check_out") else users["doctor_sj"]

    def extra(state: str, action: str) -> dict:
        return {
            "accept": {"home_safety": SAFE_HOME},
            "assign": {"nurse": users["nurse_sj"].pk},
            "check_out": {"care_record": "伤口换药，敷料干燥"},
            "rate": {"rating": 5},
            "settle": {"settlement": "settled"},
        }.get(action, {})

    report = walk(
        SERVICE_ORDER,
        make=lambda state: make_order(sj_elder, users, state),
        user=actor,
        extra=extra,
        outsider=users["mzj"],
    )
    assert ("in_service", "cancel", "refused") in report.pairs  # no cancelling once the nurse is there
    assert ("closed", "settle", "ok") in report.pairs
