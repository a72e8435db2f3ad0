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
