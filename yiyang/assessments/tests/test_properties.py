"""Properties that hold for any answers: totals add up, and levels move the right way with the score."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiyang.assessments.engine import score
from yiyang.assessments.registry import all_instruments, get_instrument
from yiyang.assessments.schema import Instrument

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def answers_for(instrument: Instrument) -> st.SearchStrategy[dict[str, str]]:
    """Any complete answers (option codes), never 昏迷 (which overrides the score by design)."""
    return st.fixed_dictionaries(
        {
            item.code: st.sampled_from([o.code for o in item.options if o.code != "coma"])
            for item in instrument.items
        }
    )


def any_instrument_answers() -> st.SearchStrategy[tuple[Instrument, dict[str, str]]]:
    return st.sampled_from(all_instruments()).flatmap(
        lambda inst: st.tuples(st.just(inst), answers_for(inst))
    )


@PROPERTY_SETTINGS
@given(any_instrument_answers())
def test_total_equals_the_sum_of_item_scores_for_every_instrument(case):
    """For every instrument: total = Σ item option scores = Σ section sub-totals."""
    instrument, answers = case
    result = score(instrument, answers)
    expected = sum(
        next(o.score for o in item.options if o.code == answers[item.code]) for item in instrument.items
    )
    assert result.total == expected
    assert sum(result.subscores.values()) == expected
    for section in instrument.sections:
        assert result.subscores[section.code] == sum(result.item_scores[i.code] for i in section.items)


@PROPERTY_SETTINGS
@given(any_instrument_answers())
def test_answers_by_score_and_by_option_code_score_the_same(case):
    """Where an option's score is unique in its item, answering by score equals answering by option code."""
    instrument, answers = case
    by_score = {}
    for item in instrument.items:
        option = next(o for o in item.options if o.code == answers[item.code])
        unique = sum(o.score == option.score for o in item.options) == 1
        by_score[item.code] = option.score if unique else option.code
    assert score(instrument, by_score).as_dict() == score(instrument, answers).as_dict()


#: (instrument, level rule on the total) where the standard makes the level a function of the total
TOTAL_BANDED = [
    ("gbt42195", "C.3"),
    ("selfcare", "grade"),
    ("barthel", "dependency"),
    ("braden", "risk"),
    ("morse", "risk"),
    ("morse", "risk_51"),
    ("gds15", "depression"),
    ("minicog", "screen"),
]


@pytest.mark.parametrize(("code", "rule"), TOTAL_BANDED)
def test_level_is_monotone_in_the_total(code, rule):
    """A better total never gives a worse level: rank (best = 0) moves against ability, with risk."""
    instrument = get_instrument(code)
    levels = instrument.level_rule(rule).level_codes

    @PROPERTY_SETTINGS
    @given(answers_for(instrument), answers_for(instrument))
    def check(a, b):
        ra, rb = score(instrument, a), score(instrument, b)
        if ra.total > rb.total:
            ra, rb = rb, ra
        rank_low, rank_high = levels.index(ra.levels[rule].code), levels.index(rb.levels[rule].code)
        if instrument.higher_is_better:
            assert rank_high <= rank_low  # more points, better or equal level
        else:
            assert rank_high >= rank_low  # more points, more risk or dependence

    check()


@PROPERTY_SETTINGS
@given(
    answers_for(get_instrument("gbt42195")),
    st.sampled_from([[], ["dementia"], ["mental"], ["dementia", "mental"]]),
    st.lists(st.sampled_from(["0", "1", "2", "3"]), min_size=5, max_size=5),
)
def test_gbt42195_final_level_is_never_better_than_the_preliminary_level(answers, diagnoses, events):
    """C.4 only ever keeps or worsens the level, by at most one step unless the coma rule applies."""
    instrument = get_instrument("gbt42195")
    extra = {f"A.2.14.{n}": e for n, e in enumerate(events, 1)} | ({"A.4.1": diagnoses} if diagnoses else {})
    result = score(instrument, answers | extra)
    order = instrument.level_rule("C.3").level_codes
    step = order.index(result.level.code) - order.index(result.preliminary_level.code)
    assert 0 <= step <= 1
    raised = bool(diagnoses) or sum(int(e) for e in events) >= 2
    assert step == (1 if raised and result.preliminary_level.code != "4" else 0)


@PROPERTY_SETTINGS
@given(answers_for(get_instrument("tcm33")))
def test_tcm_judgements_follow_the_published_thresholds(answers):
    """Every biased constitution: ≥11 是, 9–10 倾向是, ≤8 否; 平和质 是 only with ≥17 and all others ≤8."""
    result = score(get_instrument("tcm33"), answers)
    biased = [c for c in result.scores if c != "balanced"]
    for code in biased:
        value = result.scores[code]
        expected = "yes" if value >= 11 else "tendency" if value >= 9 else "no"
        assert result.levels[code].code == expected
    others = max(result.scores[c] for c in biased)
    balanced = result.scores["balanced"]
    expected = (
        "yes" if balanced >= 17 and others <= 8 else "basically" if balanced >= 17 and others <= 10 else "no"
    )
    assert result.levels["balanced"].code == expected
