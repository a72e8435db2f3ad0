"""Questions about the help itself, recognised by their words (actions/common_questions.py)."""
import pytest

from actions.common_questions import common_question


@pytest.mark.parametrize("text, key", [
    ("moet ik dat terugbetalen?", "repay"), ("moet ik de Bbz terugbetalen", "repay"),
    ("is het een lening of een gift?", "repay"), ("krijg ik het cadeau of moet het terug gegeven worden", "repay"),
    ("hoeveel kan ik krijgen?", "how_much"), ("hoeveel geld krijg ik dan", "how_much"),
    ("hoe hoog is de uitkering", "how_much"), ("hoeveel is de bijstand", "how_much"),
    ("wat is de Bbz eigenlijk?", "bbz"), ("bbz?", "bbz"), ("en de IOAZ dan", "ioaz"),
])
def test_questions_about_the_help(text, key):
    assert common_question(text) == key


@pytest.mark.parametrize("text", [
    "moet ik de belasting terugbetalen?", "ik wil mijn schuld aflossen", "hoeveel is de huur",
    "hoeveel uur werkt u", "hoeveel mag ik verdienen", "ik heb een vraag", "", "terugbetalen",
])
def test_other_questions_are_not_about_the_help(text):
    """Paying back one's own debt is no Bbz question; a bare 'terugbetalen' says not what."""
    assert common_question(text) is None
