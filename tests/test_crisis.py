"""The NLU safety net for crisis wording."""
import pytest

from zelfscan_nlu.crisis import is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "ik wil er een eind aan maken", "Ik wil er een einde aan maken.", "ik zie het niet meer zitten",
        "soms denk ik aan zelfmoord", "ik wil niet meer leven", "ik denk erover mezelf iets aan te doen",
        "het hoeft voor mij niet meer", "ik wil dood", "Ik zie het echt niet meer zitten met die schulden",
    ],
)
def test_crisis_wording_is_recognised(text):
    assert is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "ik wil stoppen met mijn bedrijf", "ik wil een eind maken aan de samenwerking met mijn compagnon",
        "de omzet is dood gegaan", "ik zie het wel zitten", "stop", "mijn leverancier wil niet meer leveren",
    ],
)
def test_ordinary_wording_is_not_a_crisis(text):
    assert not is_crisis(text)
