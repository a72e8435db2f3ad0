"""The NLU safety net for crisis wording."""
import pytest

from zelfscan_nlu.crisis import is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "ik wil er een eind aan maken", "Ik wil er een einde aan maken.", "ik zie het niet meer zitten",
        "soms denk ik aan zelfmoord", "ik wil niet meer leven", "ik denk erover mezelf iets aan te doen",
        "het hoeft voor mij niet meer", "ik wil dood", "Ik zie het echt niet meer zitten met die schulden",
        "ik wil mijn leven beëindigen", "ik heb suïcidale gedachten", "ik wil stoppen met leven",
        "misschien moet ik maar stoppen met het leven",
    ],
)
def test_crisis_wording_is_recognised(text):
    assert is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "ik wil stoppen met mijn bedrijf", "ik wil een eind maken aan de samenwerking met mijn compagnon",
        "de omzet is dood gegaan", "ik zie het wel zitten", "stop", "mijn leverancier wil niet meer leveren",
        "ik wil stoppen met leveren", "stoppen met lenen", "ik wil stoppen met de scan",
    ],
)
def test_ordinary_wording_is_not_a_crisis(text):
    assert not is_crisis(text)


def classified(text, intent, confidence, ranking):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", ranking)
    return message


def test_the_pipeline_component_puts_distress_first_without_a_duplicate():
    from zelfscan_nlu.crisis import CrisisOverride

    ranking = [{"name": "stop_scan", "confidence": 0.6}, {"name": "distress", "confidence": 0.3},
               {"name": "inform", "confidence": 0.1}]
    crisis = classified("ik wil er een eind aan maken", "stop_scan", 0.6, ranking)
    ordinary = classified("ik wil stoppen met mijn bedrijf", "stop_scan", 0.6, list(ranking))
    CrisisOverride().process([crisis, ordinary])
    assert crisis.get("intent") == {"name": "distress", "confidence": 1.0}
    assert [r["name"] for r in crisis.get("intent_ranking")] == ["distress", "stop_scan", "inform"]
    assert ordinary.get("intent") == {"name": "stop_scan", "confidence": 0.6}
    assert ordinary.get("intent_ranking") == ranking
