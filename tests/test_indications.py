"""The Bbz / IOAZ / schuldhulp decision table: one case per rule, and every rule's boundaries.

Every amount is read from the gemeente configuration for the test date (today): no test
pins a figure of a period that can end.
"""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from actions.gemeente import Period, dutch_today, gemeente
from actions.outcome.indications import (
    GEVESTIGD,
    HOURS_TO_CHECK_FROM,
    IOAZ_INCOME_MARGIN,
    RULES,
    WEEKS,
    Facts,
    evaluate,
    indications,
    oudere_zelfstandige_closes,
)
from actions.outcome.scoring import score_answers
from actions.parsing import UNKNOWN
from tests.profiles import ACUTE, BV_GROWTH, HEALTHY, STARTER_FROM_BIJSTAND, STOPPING_AT_58, profile

ON = dutch_today()
CONFIG = gemeente()
RULE = {r.indication: r for r in RULES}
AOW_YEARS, AOW_MONTHS = CONFIG.aow_age(ON)
NORM_ALONE = CONFIG.amount("bijstandsnorm", ON, "alleenstaand")
NORM_COUPLE = CONFIG.amount("bijstandsnorm", ON, "samenwonend")
HOURS_LIMIT = CONFIG.amount("urencriterium", ON) / WEEKS
IOAZ_PAST = CONFIG.amount("ioaz_income_limits", ON, "past_average")
COUPLE_HOURS = CONFIG.amount("ioaz_couple_hours", ON, "own") / WEEKS
DEBT_LIMIT = CONFIG.amount("problematic_debt", ON)


def fires(indication, answers, on=ON, config=CONFIG):
    facts = Facts(answers, config, on, score_answers(answers, config, on))
    return evaluate(RULE[indication], facts)


def state(indication, answers, label_part, **kw):
    """'no' (the rule does not fire), 'check' (the condition is still to check) or 'met'."""
    found = fires(indication, answers, **kw)
    if found is None:
        return "no"
    if any(label_part in label for label in found.missing):
        return "check"
    assert any(label_part in label for label in found.met), (label_part, found)
    return "met"


def shown(answers, on=ON, config=CONFIG):
    return [i.id for i in indications(answers, config, on, score_answers(answers, config, on))]


def with_amount(name, **values):
    """The example configuration with one amount replaced (valid from 2000, no end)."""
    return replace(CONFIG, amounts=dict(CONFIG.amounts, **{name: (Period(date(2000, 1, 1), None, "test", values),)}))


# a viable gevestigde ondernemer with a low income, living alone
LOW_INCOME = profile(household="alleenstaand", household_other_income=None, monthly_income=NORM_ALONE - 300,
                     outlook="misschien")
# a 58-year-old who wants to stop, with an income far below the IOAZ limit
IOAZ_CASE = dict(STOPPING_AT_58, monthly_income=IOAZ_PAST / 12 / 2)


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


def test_r4_gevestigd_capital_after_a_refused_loan_when_dependent_on_the_business():
    assert fires("bbz_gevestigd_kapitaal", dict(LOW_INCOME, financing_asked="afgewezen", outlook="ja"))
    assert not fires("bbz_gevestigd_kapitaal", dict(LOW_INCOME, financing_asked="niet_gevraagd", outlook="ja"))


def test_r5_beeindiger():
    answers = dict(LOW_INCOME, outlook="stoppen", age=40)
    assert fires("bbz_beeindiger", answers)
    assert not fires("bbz_gevestigd_inkomen", answers)


def test_r6_ioaz_for_58_year_old_who_wants_to_stop():
    assert "ioaz" in shown(IOAZ_CASE)


def test_r7_oudere_zelfstandige_born_before_1960():
    answers = dict(LOW_INCOME, outlook="nee", age=60, years_in_business=30)
    assert fires("bbz_oudere_zelfstandige", answers, on=date(2019, 6, 1))


def test_r8_schuldhulp_for_problematic_debts():
    assert "schuldhulp" in shown(ACUTE)
    assert not fires("schuldhulp", HEALTHY)


def test_r9_bv_schuldhulp_is_to_check_not_no():
    found = fires("schuldhulp", BV_GROWTH)
    assert found and any("bv" in label for label in found.missing)
    assert "uw privéschulden en of u ergens borg voor staat" in found.to_check
    eenmanszaak = fires("schuldhulp", dict(BV_GROWTH, business_form="eenmanszaak"))
    assert eenmanszaak and not eenmanszaak.missing


def test_r10_healthy_entrepreneur_gets_no_indication():
    assert shown(HEALTHY) == []


def test_at_most_two_bbz_ioaz_indications_and_schuldhulp_always_next_to_them():
    answers = dict(LOW_INCOME, outlook="stoppen", age=60, years_in_business=20, total_debt=DEBT_LIMIT * 2,
                   fixed_costs_paid="nee")
    # ioaz, bbz_beeindiger and schuldhulp all fit; debts are never pushed out by two others
    assert shown(answers) == ["ioaz", "bbz_beeindiger", "schuldhulp"]


def test_unknown_facts_are_listed_not_guessed():
    answers = dict(LOW_INCOME, hours_per_week=UNKNOWN)
    found = fires("bbz_gevestigd_inkomen", answers)
    assert found and "hours_per_week" in found.missing_facts
    assert f"werkt minstens {CONFIG.with_amounts('{urencriterium}', ON)} uur per jaar in het bedrijf" in found.missing
    assert "hoeveel uur u in uw bedrijf werkt" in found.to_check


def test_the_hours_label_names_the_configured_urencriterium():
    config = with_amount("urencriterium", value=1300)
    found = fires("bbz_gevestigd_inkomen", dict(LOW_INCOME, hours_per_week=40), config=config)
    assert "werkt minstens 1.300 uur per jaar in het bedrijf" in found.met


def test_gevestigd_is_one_condition_for_both_gevestigd_rules():
    for rule in ("bbz_gevestigd_inkomen", "bbz_gevestigd_kapitaal"):
        assert GEVESTIGD in RULE[rule].conditions
        assert sum("1,5 jaar" in c.label for c in RULE[rule].conditions) == 1


def test_reasons_come_only_from_met_conditions():
    base = dict(LOW_INCOME, outlook="ja")
    found = fires("bbz_gevestigd_kapitaal", dict(base, financing_asked=UNKNOWN))
    assert found and "bank of Qredits heeft een lening geweigerd" in found.missing
    assert not any("lening" in r for r in found.reasons)
    assert "u verwacht dat uw bedrijf weer genoeg oplevert" in found.reasons
    refused = fires("bbz_gevestigd_kapitaal", dict(base, financing_asked="afgewezen"))
    assert "de bank of Qredits wilde u geen lening geven" in refused.reasons


def test_schuldhulp_says_which_debt_answers_matter():
    found = fires("schuldhulp", profile(total_debt=DEBT_LIMIT + 5000, fixed_costs_paid="nee"))
    assert found.reasons == ["u heeft veel schuld en kunt de vaste lasten vaak niet betalen"]
    assert fires("schuldhulp", ACUTE).reasons[0] == "er speelt iets dringends, zoals beslag of een deurwaarder"


def test_private_arrears_signal_schuldhulp():
    answers = profile(payment_arrears=1, private_arrears=["huur"])
    found = fires("schuldhulp", answers)
    assert found and "u heeft een achterstand thuis, zoals huur, energie of zorgverzekering" in found.reasons
    assert not fires("schuldhulp", profile(payment_arrears=1, private_arrears=["geen"]))


def test_unknown_partner_income_is_to_check_and_says_what():
    answers = profile(monthly_income=500, household="samenwonend", household_other_income=UNKNOWN, outlook="misschien")
    found = fires("bbz_gevestigd_inkomen", answers)
    assert found and "inkomen van het huishouden onder de bijstandsnorm" in found.missing
    assert "het inkomen van uw partner of ander inkomen in huis" in found.to_check


# --- boundaries: one block per row of the decision table ----------------------------

@pytest.mark.parametrize("lives, expected", [(True, "met"), (UNKNOWN, "check"), (False, "no")])
@pytest.mark.parametrize("indication, answers", [
    ("bbz_gevestigd_inkomen", LOW_INCOME), ("schuldhulp", ACUTE), ("ioaz", IOAZ_CASE)])
def test_boundary_lives_in_the_gemeente(indication, answers, lives, expected):
    assert state(indication, dict(answers, lives_in_municipality=lives), "woont in de gemeente") == expected


@pytest.mark.parametrize("age, expected", [
    (17, "no"), (18, "met"), (AOW_YEARS - 1, "met"), (AOW_YEARS, "check" if AOW_MONTHS else "no"),
    (AOW_YEARS + 1, "no")])
def test_boundary_age_18_up_to_aow_age(age, expected):
    answers = dict(LOW_INCOME, age=age, monthly_income=100)  # below the jongerennorm of an 18-year-old too
    assert state("bbz_gevestigd_inkomen", answers, "leeftijd 18 tot AOW-leeftijd") == expected


@pytest.mark.parametrize("age, expected", [(66, "met"), (67, "check"), (68, "no")])
def test_boundary_aow_age_with_months_makes_the_boundary_year_to_check(age, expected):
    config = with_amount("aow_age", years=67, months=3)
    assert state("bbz_gevestigd_inkomen", dict(LOW_INCOME, age=age), "leeftijd 18", config=config) == expected


@pytest.mark.parametrize("hours, expected", [
    (HOURS_LIMIT, "met"), (HOURS_LIMIT - 0.01, "check"), (HOURS_TO_CHECK_FROM, "check"),
    (HOURS_TO_CHECK_FROM - 0.1, "no"), (UNKNOWN, "check")])
def test_boundary_urencriterium_between_20_and_24_hours_is_to_check(hours, expected):
    assert state("bbz_gevestigd_inkomen", dict(LOW_INCOME, hours_per_week=hours), "uur per jaar") == expected


@pytest.mark.parametrize("years, starter, gevestigd", [(1.4, True, False), (1.5, False, True), (3, False, True)])
def test_boundary_starter_below_one_and_a_half_years(years, starter, gevestigd):
    base = dict(STARTER_FROM_BIJSTAND, years_in_business=years, hours_per_week=40)
    assert bool(fires("bbz_starter", base)) is starter
    assert bool(fires("bbz_gevestigd_inkomen", base)) is gevestigd


def test_boundary_a_ww_recipient_who_has_not_started_is_a_starter_with_hours_to_check():
    answers = dict(STARTER_FROM_BIJSTAND, years_in_business=0, benefit="ww", hours_per_week=None)
    found = fires("bbz_starter", answers)
    assert found and any("geplande uren" in label for label in found.missing)
    assert "bbz_starter" in shown(answers)


@pytest.mark.parametrize("benefit, household, expected", [
    ("ww", "alleenstaand", "met"), ("bijstand", "alleenstaand", "met"), ("anders", "alleenstaand", "check"),
    ("geen", "samenwonend", "check"), ("geen", "alleenstaand", "no")])
def test_boundary_starter_benefit_of_the_person_or_partner(benefit, household, expected):
    answers = dict(STARTER_FROM_BIJSTAND, benefit=benefit, household=household,
                   household_other_income=0 if household == "samenwonend" else None)
    assert state("bbz_starter", answers, "WW of bijstand") == expected


@pytest.mark.parametrize("age, expected", [
    (53, "no"), (54, "check"), (55, "met"), (AOW_YEARS - 1, "met"), (AOW_YEARS + 1, "no")])
def test_boundary_ioaz_from_55_up_to_aow_age_and_54_to_check(age, expected):
    assert state("ioaz", dict(IOAZ_CASE, age=age), "55 jaar tot AOW-leeftijd") == expected


@pytest.mark.parametrize("years, expected", [(10, "met"), (9.9, "check"), (3, "check"), (2.9, "no")])
def test_boundary_ioaz_ten_years_or_three_plus_seven(years, expected):
    assert state("ioaz", dict(IOAZ_CASE, years_in_business=years), "minstens 10 jaar ondernemer") == expected


@pytest.mark.parametrize("yearly, expected", [
    (IOAZ_PAST * (1 - IOAZ_INCOME_MARGIN) - 12, "met"), (IOAZ_PAST * (1 - IOAZ_INCOME_MARGIN) + 12, "check"),
    (IOAZ_PAST, "check"), (IOAZ_PAST * (1 + IOAZ_INCOME_MARGIN) - 12, "check"),
    (IOAZ_PAST * (1 + IOAZ_INCOME_MARGIN) + 12, "no")])
def test_boundary_ioaz_income_within_15_percent_of_the_limit_is_to_check(yearly, expected):
    assert state("ioaz", dict(IOAZ_CASE, monthly_income=yearly / 12), "IOAZ-grenzen") == expected


def test_the_ioaz_label_names_both_configured_income_limits():
    found = fires("ioaz", IOAZ_CASE)
    label = next(m for m in found.met if "IOAZ-grenzen" in m)
    for key in ("past_average", "expected"):
        assert CONFIG.with_amounts("{ioaz_income_limits.%s}" % key, ON) in label


@pytest.mark.parametrize("hours, household, expected", [
    (COUPLE_HOURS, "samenwonend", "check"), (COUPLE_HOURS - 0.5, "samenwonend", "no"),
    (COUPLE_HOURS, "alleenstaand", "no"), (HOURS_LIMIT, "alleenstaand", "met")])
def test_boundary_ioaz_couple_hours_are_to_check(hours, household, expected):
    answers = dict(IOAZ_CASE, hours_per_week=hours, household=household)
    assert state("ioaz", answers, "uur per jaar") == expected


@pytest.mark.parametrize("income, expected", [(NORM_ALONE - 0.5, "met"), (NORM_ALONE + 0.5, "no")])
def test_boundary_income_just_under_and_over_the_norm(income, expected):
    assert state("bbz_gevestigd_inkomen", dict(LOW_INCOME, monthly_income=income), "bijstandsnorm") == expected


@pytest.mark.parametrize("other, expected", [
    (NORM_COUPLE - 1001, "met"), (NORM_COUPLE - 999, "no"), (UNKNOWN, "check"), (None, "check")])
def test_boundary_partner_income_counts_and_unknown_is_never_zero(other, expected):
    answers = profile(monthly_income=1000, household="samenwonend", household_other_income=other, outlook="misschien")
    assert state("bbz_gevestigd_inkomen", answers, "bijstandsnorm") == expected


@pytest.mark.parametrize("income, expected", [(NORM_ALONE - 1, "met"), (NORM_ALONE + 1, "no")])
def test_boundary_bedrijfskapitaal_needs_income_below_the_norm(income, expected):
    answers = dict(LOW_INCOME, monthly_income=income, financing_asked="afgewezen", outlook="ja")
    assert state("bbz_gevestigd_kapitaal", answers, "bijstandsnorm") == expected


def test_boundary_oudere_zelfstandige_closes_when_the_youngest_reaches_the_aow_age():
    closes = oudere_zelfstandige_closes(CONFIG)
    answers = dict(LOW_INCOME, outlook="nee", years_in_business=30)
    day_before = closes - timedelta(days=1)
    age_then = day_before.year - 1959 - 1  # born in December 1959: not yet had the birthday
    assert fires("bbz_oudere_zelfstandige", dict(answers, age=age_then), on=day_before)
    assert not fires("bbz_oudere_zelfstandige", dict(answers, age=age_then), on=closes)


def test_the_oudere_zelfstandige_end_moves_with_the_configured_aow_age():
    later = with_amount("aow_age", years=68, months=0)
    assert oudere_zelfstandige_closes(later) == date(1959 + 68, 12, 31)
    assert oudere_zelfstandige_closes(with_amount("aow_age", years=67, months=3)) == date(1959 + 67 + 1, 3, 31)


@pytest.mark.parametrize("age, expected", [(60, "met"), (59, "check"), (58, "no")])
def test_boundary_born_before_or_after_1960(age, expected):
    # scan in mid 2019: age 60 = born 1958/1959; 59 = 1959/1960 (to check); 58 = 1960/1961
    answers = dict(LOW_INCOME, outlook="nee", age=age, years_in_business=30)
    assert state("bbz_oudere_zelfstandige", answers, "geboren voor", on=date(2019, 6, 1)) == expected


@pytest.mark.parametrize("form, expected", [("eenmanszaak", "met"), ("bv", "check"), (UNKNOWN, "check")])
def test_boundary_schuldhulp_natural_person_and_bv(form, expected):
    assert state("schuldhulp", dict(ACUTE, business_form=form), "ondernemer als persoon") == expected


@pytest.mark.parametrize("debt, expected", [(DEBT_LIMIT, True), (DEBT_LIMIT - 1, False)])
def test_boundary_problematic_debt_from_the_configuration(debt, expected):
    answers = profile(total_debt=debt, fixed_costs_paid="nee")
    assert bool(fires("schuldhulp", answers)) is expected


def test_the_problematic_debt_amount_comes_from_the_configuration():
    answers = profile(total_debt=DEBT_LIMIT, fixed_costs_paid="nee")
    assert not fires("schuldhulp", answers, config=with_amount("problematic_debt", value=DEBT_LIMIT + 1))


def test_boundary_someone_who_lives_elsewhere_gets_no_indication_whatever_fires():
    for answers in (ACUTE, IOAZ_CASE, LOW_INCOME, STARTER_FROM_BIJSTAND):
        assert shown(dict(answers, lives_in_municipality=False)) == []


# --- amounts by date ---------------------------------------------------------------

def test_amounts_valid_on_the_scan_date_are_used():
    """Between two configured periods with different norms, an income between them is
    below the norm on the later date only. Both dates come from the configuration."""
    periods = sorted(CONFIG.amounts["bijstandsnorm"], key=lambda p: p.valid_from)
    earlier, later = periods[-2], periods[-1]
    low, high = earlier.values["alleenstaand"], later.values["alleenstaand"]
    assert low < high
    answers = dict(LOW_INCOME, monthly_income=(low + high) / 2)
    assert fires("bbz_gevestigd_inkomen", answers, on=later.valid_from)
    assert not fires("bbz_gevestigd_inkomen", answers, on=earlier.valid_from)


def test_expired_amounts_are_used_with_a_warning(caplog):
    import actions.gemeente as g
    newest = max(CONFIG.amounts["bijstandsnorm"], key=lambda p: p.valid_from)
    g._WARNED.discard("bijstandsnorm")
    with caplog.at_level("WARNING"):
        value = CONFIG.amount("bijstandsnorm", newest.valid_until + timedelta(days=1), "alleenstaand")
    assert value == newest.values["alleenstaand"]
    assert "bijstandsnorm" in caplog.text and "update the amounts" in caplog.text
