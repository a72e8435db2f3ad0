"""The Bbz / IOAZ / schuldhulp decision table: one case per rule, and the boundaries."""
from dataclasses import replace
from datetime import date

import pytest

from actions.gemeente import Period, gemeente
from actions.outcome.indications import GEVESTIGD, RULES, Facts, evaluate, indications
from actions.outcome.scoring import score_answers
from actions.parsing import UNKNOWN
from tests.profiles import ACUTE, BV_GROWTH, HEALTHY, STARTER_FROM_BIJSTAND, STOPPING_AT_58, profile

ON = date(2026, 11, 27)
CONFIG = gemeente()
RULE = {r.indication: r for r in RULES}
NORM_ALONE_2025 = 1345.45


def fires(indication, answers, on=ON):
    facts = Facts(answers, CONFIG, on, score_answers(answers, CONFIG, on))
    return evaluate(RULE[indication], facts)


def shown(answers, on=ON):
    return [i.id for i in indications(answers, CONFIG, on, score_answers(answers, CONFIG, on))]


# a viable gevestigde ondernemer with a low income, living alone
LOW_INCOME = profile(household="alleenstaand", household_other_income=None, monthly_income=1000, outlook="misschien")


# --- one case per rule -------------------------------------------------------------

def test_r1_aspirant_from_bijstand():
    answers = profile(years_in_business=0, benefit="bijstand", age=30)
    assert fires("bbz_aspirant", answers)
    assert "bbz_aspirant" in shown(answers)


def test_r2_starter_from_a_benefit():
    assert fires("bbz_starter", STARTER_FROM_BIJSTAND)
    assert "bbz_starter" in shown(STARTER_FROM_BIJSTAND)


def test_r3_gevestigd_income_top_up():
    assert fires("bbz_gevestigd_inkomen", LOW_INCOME)


def test_r4_gevestigd_capital_after_a_refused_loan():
    answers = profile(financing_asked="afgewezen", outlook="ja")
    assert fires("bbz_gevestigd_kapitaal", answers)
    assert not fires("bbz_gevestigd_kapitaal", profile(financing_asked="niet_gevraagd"))


def test_r5_beeindiger():
    answers = dict(LOW_INCOME, outlook="stoppen", age=40)
    assert fires("bbz_beeindiger", answers)
    assert not fires("bbz_gevestigd_inkomen", answers)


def test_r6_ioaz_for_58_year_old_who_wants_to_stop():
    assert "ioaz" in shown(STOPPING_AT_58)


def test_r7_oudere_zelfstandige_born_before_1960():
    answers = dict(LOW_INCOME, outlook="nee", age=60, years_in_business=30)
    assert fires("bbz_oudere_zelfstandige", answers, on=date(2019, 6, 1))


def test_r8_schuldhulp_for_problematic_debts():
    assert "schuldhulp" in shown(ACUTE)
    assert not fires("schuldhulp", HEALTHY)


def test_r9_bv_gets_no_schuldhulp_indication():
    assert not fires("schuldhulp", BV_GROWTH)
    assert fires("schuldhulp", dict(BV_GROWTH, business_form="eenmanszaak"))


def test_r10_healthy_entrepreneur_gets_no_indication():
    assert shown(HEALTHY) == []


def test_not_living_in_the_gemeente_means_no_bbz():
    assert not fires("bbz_gevestigd_inkomen", dict(LOW_INCOME, lives_in_municipality=False))


def test_at_most_two_indications_best_fit_first():
    answers = dict(LOW_INCOME, outlook="stoppen", age=60, years_in_business=20, total_debt=40000,
                   fixed_costs_paid="nee")
    # ioaz, bbz_beeindiger and schuldhulp all fit; the two with the fewest open facts, in table order
    assert shown(answers) == ["ioaz", "bbz_beeindiger"]


def test_unknown_facts_are_listed_not_guessed():
    answers = dict(LOW_INCOME, hours_per_week=UNKNOWN)
    found = fires("bbz_gevestigd_inkomen", answers)
    assert found and "hours_per_week" in found.missing_facts
    assert "werkt minstens 1.225 uur per jaar in het bedrijf" in found.missing


def with_amount(name, value):
    """The example configuration with one amount replaced (valid from 2000, no end)."""
    return replace(CONFIG, amounts=dict(CONFIG.amounts, **{name: (Period(date(2000, 1, 1), None, "test",
                                                                         {"value": value}),)}))


def test_the_hours_label_names_the_configured_urencriterium():
    config = with_amount("urencriterium", 1300)
    answers = dict(LOW_INCOME, hours_per_week=40)
    found = evaluate(RULE["bbz_gevestigd_inkomen"], Facts(answers, config, ON, score_answers(answers, config, ON)))
    assert "werkt minstens 1.300 uur per jaar in het bedrijf" in found.met


def test_the_problematic_debt_amount_comes_from_the_configuration():
    answers = profile(total_debt=25000, fixed_costs_paid="nee")
    assert fires("schuldhulp", answers)
    config = with_amount("problematic_debt", 30000)
    assert not evaluate(RULE["schuldhulp"], Facts(answers, config, ON, score_answers(answers, config, ON)))


def test_gevestigd_is_one_condition_for_both_gevestigd_rules():
    for rule in ("bbz_gevestigd_inkomen", "bbz_gevestigd_kapitaal"):
        assert GEVESTIGD in RULE[rule].conditions
        assert sum("1,5 jaar" in c.label for c in RULE[rule].conditions) == 1


def test_reasons_come_only_from_met_conditions():
    found = fires("bbz_gevestigd_kapitaal", profile(financing_asked=UNKNOWN))
    assert found and "bank of Qredits heeft een lening geweigerd" in found.missing
    assert not any("lening" in r for r in found.reasons)
    assert "u verwacht dat uw bedrijf weer genoeg oplevert" in found.reasons
    refused = fires("bbz_gevestigd_kapitaal", profile(financing_asked="afgewezen"))
    assert "de bank of Qredits wilde u geen lening geven" in refused.reasons


def test_schuldhulp_says_which_debt_answers_matter():
    found = fires("schuldhulp", profile(total_debt=25000, fixed_costs_paid="nee"))
    assert found.reasons == ["u heeft veel schuld en kunt de vaste lasten vaak niet betalen"]
    assert fires("schuldhulp", ACUTE).reasons[0] == "er speelt iets dringends, zoals beslag of een deurwaarder"


# --- boundaries --------------------------------------------------------------------

@pytest.mark.parametrize("age, ok", [(17, False), (18, True), (66, True), (67, False)])
def test_age_18_up_to_aow_age(age, ok):
    assert bool(fires("bbz_gevestigd_inkomen", dict(LOW_INCOME, age=age))) is ok


@pytest.mark.parametrize("age, ok", [(54, False), (55, True), (66, True), (67, False)])
def test_ioaz_from_55_up_to_aow_age(age, ok):
    assert bool(fires("ioaz", dict(STOPPING_AT_58, age=age))) is ok


@pytest.mark.parametrize("hours, ok", [(1225 / 52, True), (1224 / 52, False), (40, True), (10, False)])
def test_urencriterium_1225_hours(hours, ok):
    assert bool(fires("bbz_gevestigd_inkomen", dict(LOW_INCOME, hours_per_week=hours))) is ok


@pytest.mark.parametrize("years, starter, gevestigd", [(1.4, True, False), (1.5, False, True), (3, False, True)])
def test_starter_below_one_and_a_half_years(years, starter, gevestigd):
    base = dict(STARTER_FROM_BIJSTAND, years_in_business=years)
    assert bool(fires("bbz_starter", base)) is starter
    assert bool(fires("bbz_gevestigd_inkomen", base)) is gevestigd


@pytest.mark.parametrize("years, result", [(10, "met"), (9.9, "check"), (3, "check"), (2.9, "no")])
def test_ioaz_ten_years_or_three_plus_seven(years, result):
    found = fires("ioaz", dict(STOPPING_AT_58, years_in_business=years))
    if result == "no":
        assert found is None
    else:
        assert found is not None
        assert ("minstens 10 jaar ondernemer, of 3 jaar na 7 jaar in loondienst" in found.missing) is (result == "check")


@pytest.mark.parametrize("income, below", [(NORM_ALONE_2025 - 0.5, True), (NORM_ALONE_2025 + 0.5, False)])
def test_income_just_under_and_over_the_norm(income, below):
    assert bool(fires("bbz_gevestigd_inkomen", dict(LOW_INCOME, monthly_income=income))) is below


@pytest.mark.parametrize("age, expected", [(60, True), (59, None), (58, False)])
def test_born_before_or_after_1960(age, expected):
    # scan in mid 2019: age 60 = born 1958/1959; 59 = 1959/1960 (to check); 58 = 1960/1961
    found = fires("bbz_oudere_zelfstandige", dict(LOW_INCOME, outlook="nee", age=age, years_in_business=30),
                  on=date(2019, 6, 1))
    if expected is False:
        assert found is None
    else:
        assert found is not None
        assert ("geboren voor 1 januari 1960" in found.missing) is (expected is None)


def test_amounts_valid_on_the_scan_date_are_used():
    # 1300 is below the 2025 single norm (1345.45) but above the January 2024 one (1283.83)
    answers = dict(LOW_INCOME, monthly_income=1300)
    assert fires("bbz_gevestigd_inkomen", answers, on=date(2025, 3, 1))
    assert not fires("bbz_gevestigd_inkomen", answers, on=date(2024, 3, 1))


def test_expired_amounts_are_used_with_a_warning(caplog):
    import actions.gemeente as g
    g._WARNED.discard("bijstandsnorm")
    with caplog.at_level("WARNING"):
        value = CONFIG.amount("bijstandsnorm", date(2026, 11, 27), "alleenstaand")
    assert value == NORM_ALONE_2025
    assert "bijstandsnorm" in caplog.text and "update the amounts" in caplog.text
