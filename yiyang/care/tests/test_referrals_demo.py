"""The demo county's referrals: a year of them, up and down, some through the green channel, in every
state, each with its history; the receiving side reads only the open ones; IR-7 has a real value."""

from __future__ import annotations

from django.db.models import Count

from yiyang.care.models import Referral, ReferralStatus
from yiyang.core import clock
from yiyang.core.models import AccessGrant
from yiyang.core.transitions import history_of
from yiyang.monitoring import engine
from yiyang.monitoring.periods import parse_period
from yiyang.monitoring.registry import get_indicator


def test_the_demo_has_referrals_in_every_state_up_and_down_some_green(demo_db):
    states = set(Referral.objects.values_list("status", flat=True))
    assert states == set(ReferralStatus.values)
    assert set(Referral.objects.values_list("direction", flat=True)) == {"up", "down"}
    assert Referral.objects.filter(urgency="green_channel", accepted_at__isnull=False).exists()
    oldest = Referral.objects.order_by("created_at").first()
    assert oldest is not None and (clock.today() - oldest.created_at.date()).days > 200


def test_every_demo_move_is_in_the_history_and_times_follow_each_other(demo_db):
    for r in Referral.objects.exclude(status="draft")[:40]:
        moves = list(history_of(r))
        assert moves[0].action == "send" and moves[-1].to_state == r.status
        assert [m.at for m in moves] == sorted(m.at for m in moves)
        if r.accepted_at:
            assert r.sent_at is not None and r.sent_at <= r.accepted_at


def test_only_open_demo_referrals_grant_the_receiving_side_today(demo_db):
    today = clock.today()
    open_ids = {
        str(pk)
        for pk in Referral.objects.filter(status__in=["sent", "accepted", "arrived"]).values_list(
            "pk", flat=True
        )
    }
    active = set(
        AccessGrant.objects.active_on(today)
        .filter(source_type="care.referral")
        .values_list("source_id", flat=True)
    )
    assert active and active <= open_ids


def test_ir7_has_a_real_value_in_the_demo_county(demo_db):
    period = parse_period(str(clock.today().year))
    computed = engine.compute_indicator(get_indicator("IR-7"), "520621000000", period)["520621000000"]
    assert computed.source_available and computed.denominator
    assert computed.numerator and computed.numerator >= 1
    assert Referral.objects.values("to_institution").annotate(n=Count("pk")).count() >= 1
