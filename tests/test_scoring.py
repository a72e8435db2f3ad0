"""The risk score: table cases, and properties that hold for every possible scan."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.catalogue import catalogue
from actions.gemeente import gemeente
from actions.outcome import scoring
from actions.outcome.scoring import max_score, score_answers, weights
from actions.parsing import UNKNOWN
from tests.profiles import ACUTE, BV_GROWTH, HEALTHY, STARTER_FROM_BIJSTAND, profile

ON = date.today()  # every amount is read from the configuration for this date
CONFIG = gemeente()


def norm(key):
    return CONFIG.amount("bijstandsnorm", ON, key)
NUMBER_RANGES = {"amount": (0, 200000), "years": (0, 40), "hours": (0, 100), "age": (15, 100), "count": (0, 2),
                 "months": (0, 24)}


def score(answers, distress=False):
    return score_answers(answers, CONFIG, ON, distress=distress)


def test_weights_cover_scored_questions_and_reach_exactly_100():
    assert set(weights()) <= set(catalogue().ids())
    assert sum(w.maximum for w in weights().values()) == 100 == max_score()
    for w in weights().values():
        assert w.reason and w.source


def test_healthy_entrepreneur_is_low():
    result = score(HEALTHY)
    assert result.level == "laag" and not result.urgent
    assert result.score < CONFIG.threshold_verhoogd


def test_acute_measures_make_it_urgent_and_high_whatever_the_rest():
    result = score(profile(acute_measures=True))
    assert result.urgent and result.level == "hoog"
    assert result.drivers[0] == "acute_measures"
    assert score(ACUTE).drivers[0] == "acute_measures"


def test_distress_makes_it_urgent():
    assert score(HEALTHY, distress=True).urgent


def test_income_below_norm_counts_with_partner_income():
    couple, single = norm("samenwonend"), norm("alleenstaand")
    # business income plus partner income just below the couple norm: 8 points
    assert score(profile(monthly_income=900, household_other_income=couple - 901)).contributions["monthly_income"] == 8
    assert score(profile(monthly_income=900, household_other_income=couple - 899)).contributions["monthly_income"] == 4
    # alone: below the single norm 8; up to 125 % of it 4; above 0
    alone = dict(household="alleenstaand", household_other_income=None)
    assert score(profile(monthly_income=single - 1, **alone)).contributions["monthly_income"] == 8
    assert score(profile(monthly_income=single * 1.25, **alone)).contributions["monthly_income"] == 4
    assert score(profile(monthly_income=single * 1.25 + 1, **alone)).contributions["monthly_income"] == 0


def test_unknown_partner_income_never_counts_as_zero():
    unknown = weights()["monthly_income"].unknown_points
    low = profile(monthly_income=300, household_other_income=UNKNOWN)
    assert scoring.household_income(low) is None
    assert scoring.income_below_norm(low, CONFIG, ON) is None
    assert score(low).contributions["monthly_income"] == unknown
    # a business income that alone is above the couple norm tells enough
    high = profile(monthly_income=norm("samenwonend") * 1.3, household_other_income=UNKNOWN)
    assert scoring.income_below_norm(high, CONFIG, ON) is False
    assert score(high).contributions["monthly_income"] == 0
    # an unknown household: the partner's income may exist, so it is not 0 either
    assert scoring.household_income(profile(household=UNKNOWN, household_other_income=None)) is None


def test_a_young_single_person_has_the_jongerennorm():
    young = profile(household="alleenstaand", household_other_income=None, age=19)
    expected = CONFIG.optional_amount("bijstandsnorm", ON, "jongeren_alleenstaand") or norm("alleenstaand")
    assert scoring.household_norm(young, CONFIG, ON) == expected
    assert scoring.household_norm(dict(young, age=21), CONFIG, ON) == norm("alleenstaand")


def test_the_aow_norm_from_the_aow_age():
    years, months = CONFIG.aow_age(ON)
    single = profile(household="alleenstaand", household_other_income=None)
    assert scoring.household_norm(dict(single, age=years - 1), CONFIG, ON) == norm("alleenstaand")
    assert scoring.household_norm(dict(single, age=years + 1), CONFIG, ON) == norm("alleenstaand_aow")
    at = scoring.household_norm(dict(single, age=years), CONFIG, ON)
    assert at == norm("alleenstaand" if months else "alleenstaand_aow")


@pytest.mark.parametrize("years, months, age, below", [
    (67, 0, 66, True), (67, 0, 67, False), (67, 3, 66, True), (67, 3, 67, None), (67, 3, 68, False)])
def test_below_aow_age_with_months_is_to_check_in_the_boundary_year(years, months, age, below):
    from dataclasses import replace

    from actions.gemeente import Period
    config = replace(CONFIG, amounts=dict(CONFIG.amounts, aow_age=(
        Period(date(2000, 1, 1), None, "test", {"years": years, "months": months}),)))
    assert scoring.below_aow_age(age, config, ON) is below


def test_unknown_answers_are_counted_deliberately_and_named():
    result = score(profile(total_debt=UNKNOWN, fixed_costs_paid=UNKNOWN, revenue_trend=UNKNOWN))
    assert result.contributions["total_debt"] == 3  # domain brief: no overview
    assert result.contributions["fixed_costs_paid"] == 5  # half of 10
    assert result.unknowns == ["revenue_trend", "fixed_costs_paid", "total_debt"]
    assert result.confidence == "laag"  # 26 of 100 points unknown
    assert score(profile(total_debt=UNKNOWN, fixed_costs_paid=UNKNOWN)).confidence == "midden"
    assert score(HEALTHY).confidence == "hoog"


def test_confidence_is_the_unknown_share_of_the_possible_points(monkeypatch):
    # with only these two questions, 10 of the 16 possible points are unknown: low confidence
    subset = {qid: weights()[qid] for qid in ("revenue_trend", "total_debt")}
    monkeypatch.setattr(scoring, "weights", lambda: subset)
    assert max_score() == 16
    assert score(profile(revenue_trend=UNKNOWN)).confidence == "laag"
    assert score(profile(total_debt=UNKNOWN)).confidence == "laag"  # 6 of 16
    assert score(profile()).confidence == "hoog"


def test_unknown_special_category_answer_adds_nothing():
    assert score(profile(main_cause=UNKNOWN)).contributions["main_cause"] == 0


def test_skipped_questions_add_nothing():
    answers = profile(household="alleenstaand", household_other_income=None, employees=None)
    assert "employees" not in score(answers).contributions


@pytest.mark.parametrize("answers, level", [(ACUTE, "hoog"), (BV_GROWTH, "verhoogd"), (STARTER_FROM_BIJSTAND, "laag")])
def test_contrasting_entrepreneurs(answers, level):
    assert score(answers).level == level


# ---- properties ---------------------------------------------------------------


def value_strategy(q):
    if q.type == "bool":
        return st.booleans()
    if q.type == "choice":
        return st.sampled_from(q.choice_values())
    if q.type == "multi_choice":
        return st.lists(st.sampled_from(q.choice_values()), min_size=1, max_size=3, unique=True)
    low, high = NUMBER_RANGES[q.type]
    return st.integers(min_value=low, max_value=high)


answers_strategy = st.fixed_dictionaries(
    {q.id: st.one_of(st.none(), st.just(UNKNOWN), value_strategy(q)) for q in catalogue().questions}
)


@settings(max_examples=300, deadline=None)
@given(answers_strategy, st.booleans())
def test_score_is_within_bounds_and_drivers_explain_it(answers, distress):
    result = score(answers, distress)
    assert 0 <= result.score <= 100
    points = [result.contributions[d] for d in result.drivers]
    assert sum(points) == result.score
    assert all(p > 0 for p in points)
    assert points == sorted(points, reverse=True)
    assert result.level in ("laag", "verhoogd", "hoog")


def worse_values(qid, value):
    """Values of question ``qid`` that are worse than ``value``."""
    w = weights()[qid].raw
    if "order" in w:
        order = w["order"]
        return order[order.index(value) + 1:] if value in order else []
    if "per_choice" in w:
        return [sorted(set(value) | {extra}) for extra in w["per_choice"] if extra not in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        worse = w.get("worse")
        steps = [1, 10, 1000, 50000]
        return [value + s for s in steps] if worse == "higher" else [max(0, value - s) for s in steps]
    return []


@settings(max_examples=300, deadline=None)
@given(answers_strategy, st.sampled_from(sorted(weights())))
def test_a_worse_answer_never_lowers_the_score(answers, qid):
    value = answers.get(qid)
    if value is None or value == UNKNOWN:
        return
    before = score(answers).score
    for worse in worse_values(qid, value):
        assert score({**answers, qid: worse}).score >= before, (qid, value, worse)


@settings(max_examples=200, deadline=None)
@given(answers_strategy)
def test_lower_partner_income_never_lowers_the_score(answers):
    other = answers.get("household_other_income")
    if not isinstance(other, int):
        return
    assert score({**answers, "household_other_income": max(0, other - 500)}).score >= score(answers).score
