"""First messages about the situation: the topic they name and the business in the reply."""
import pytest

from actions.gemeente import gemeente
from actions.situation import acknowledge, business_named, topic_of


@pytest.mark.parametrize("text", ["mijn kapsalon loopt niet meer", "het bedrijf draait niet goed",
                                  "het gaat slecht", "we zitten klem", "het gaat voor geen meter"])
def test_both_ways_of_saying_it_goes_badly_are_one_topic(text):
    assert topic_of(text) == "gaat_niet_goed"


def test_a_topic_before_it_in_the_list_still_wins():
    assert topic_of("er ligt beslag en het gaat slecht") == "beslag"


def test_the_reply_names_the_business_only_where_the_text_has_a_place_for_it():
    named = acknowledge("mijn kapsalon loopt niet meer", {}, gemeente()).lines[0]
    unnamed = acknowledge("het gaat slecht", {}, gemeente()).lines[0]
    without_place = acknowledge("mijn kapsalon heeft beslag", {}, gemeente()).lines[0]
    assert business_named("mijn kapsalon loopt niet meer") == "kapsalon"
    assert "uw kapsalon" in named and "uw bedrijf" in unnamed
    assert "kapsalon" not in without_place and "beslag" in without_place


@pytest.mark.parametrize("text, expected", [
    # a partner named in passing is a partner at home ...
    ("mijn vrouw werkt mee in de zaak", {"household": "samenwonend"}),
    # ... but not one who died or left
    ("mijn man is overleden en nu moet ik de zaak alleen runnen", {}),
    ("mijn partner en ik zijn uit elkaar", {}),
    ("mijn vriendin is vorig jaar vertrokken", {}),
    # what is left over each month, stated in passing
    ("mijn webshop loopt niet, ik hou maar 400 euro per maand over", {"monthly_income": 400}),
    ("we houden er nog zo'n 1.200 over", {"monthly_income": 1200}),
    ("ik hou 18k per jaar over", {"monthly_income": 1500}),
    ("ik hou niks over", {"monthly_income": 0}),
    ("ik hou netto 1400 over, bruto 2500", {"monthly_income": 1400}), ("we houden gemiddeld 900 over", {"monthly_income": 900}),
])
def test_facts_in_passing_about_home_and_income(text, expected):
    from datetime import date

    from actions.facts import facts_in

    found = {f.question.id: f.value for f in facts_in(text, {}, date(2026, 11, 30))}
    assert {k: v for k, v in found.items() if k in ("household", "monthly_income")} == expected


def test_a_death_gets_sympathy_not_vervelend():
    from actions.gemeente import gemeente
    from actions.situation import acknowledge

    ack = acknowledge("mijn man is overleden en nu moet ik de zaak alleen runnen, het lukt niet", {}, gemeente())
    assert ack.lines[0].startswith("Wat verdrietig") and "Vervelend" not in ack.lines[0]
    assert "household" not in ack.slots  # no "U schreef dat u met een partner woont"


@pytest.mark.parametrize("text, describes", [
    ("hondenbelasting opzeggen, mijn hond is overleden", False),
    ("mijn vader is overleden en ik moet zijn paspoort inleveren", False),
    ("mijn vrouw is overleden en de zaak draait niet meer", True),
    ("mijn man is overleden en nu lukt het niet meer met de zaak", True),
])
def test_a_death_alone_is_no_money_situation(text, describes):
    from actions.situation import describes_situation

    assert describes_situation(text) is describes
