"""Formal "u" or informal "je": every text converts, known sentences come out right,
the domain's "je" variations are up to date, and actions follow the configuration."""
import re
from dataclasses import replace

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

import actions  # noqa: F401  (registers the actions, loads the texts)
from actions import address, texts
from actions import gemeente as gemeente_module
from actions.address import to_je
from actions.catalogue import catalogue
from actions.conversation import ActionGreet, ActionSessionStart
from actions.gemeente import gemeente
from actions.outcome import wording
from tests.e2e.servers import ROOT
from tests.helpers import make_tracker

U_LEFT = re.compile(r"\b[uU]w?\b(?![.\-]\w)")


@pytest.mark.parametrize("formal, informal", [
    ("Heeft u een achterstand?", "Heb je een achterstand?"),
    ("Wat vervelend dat u zich zo voelt.", "Wat vervelend dat je je zo voelt."),
    ("Als u een uitkering hebt, telt dat mee.", "Als je een uitkering hebt, telt dat mee."),
    ("U heeft recht op hulp.", "Je hebt recht op hulp."),
    ("Uw antwoorden zijn gewist.", "Je antwoorden zijn gewist."),
    ("U kunt altijd stoppen.", "Je kunt altijd stoppen."),
    ("Gaat u hiermee akkoord?", "Ga je hiermee akkoord?"),
    ("voor uzelf", "voor jezelf"),
    ("Een accountmanager neemt contact met u op.", "Een accountmanager neemt contact met je op."),
    ("Wilt u de scan doen?", "Wil je de scan doen?"),
])
def test_known_sentences(formal, informal):
    assert to_je(formal) == informal


def all_texts():
    g = gemeente()
    found = []
    for key in texts.load().texts:  # every action text (actions/texts.yml), its placeholders filled
        values = {name: "X" for name in texts.needs(key)}
        found.append(texts.render(key, **{**values, **({"gemeente": g} if "gemeente" in values else {})}))
    found += [b["title"] for buttons in texts.load().buttons.values() for b in buttons]
    found += [wording.distress_reminder(g)] + wording.all_result_texts()
    for q in catalogue().questions:
        found += [q.question, q.why, q.help or "", q.example] + [c.label for c in q.choices]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    found += [v["text"] for r in domain["responses"].values() for v in r if not v.get("condition")]
    return [t for t in found if t]


def test_no_formal_word_is_left_in_any_text():
    for text in all_texts():
        assert not U_LEFT.search(to_je(text)), to_je(text)


def test_domain_je_variations_are_up_to_date():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name, variations in domain["responses"].items():
        formal = [v for v in variations if not v.get("condition")]
        informal = [v for v in variations if v.get("condition")]
        assert [to_je(v["text"]) for v in formal] == [v["text"] for v in informal], \
            f"{name}: run scripts/address_variants.py"
        assert informal[0]["condition"] == [{"type": "slot", "name": "address_form", "value": "je"}]


@pytest.mark.asyncio
async def test_actions_follow_the_configured_form(monkeypatch):
    informal = replace(gemeente(), address_form="je")
    monkeypatch.setattr(gemeente_module, "gemeente", lambda: informal)
    monkeypatch.setattr("actions.conversation.gemeente", lambda: informal)
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, make_tracker(form_active=False), {})
    assert dispatcher.messages[0]["text"].endswith("Wil je de zelfscan doen?")
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(form_active=False), {})
    assert {"event": "slot", "name": "address_form", "value": "je", "timestamp": None} in events


@pytest.mark.asyncio
async def test_formal_is_the_default():
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, make_tracker(form_active=False), {})
    assert dispatcher.messages[0]["text"].endswith("Wilt u de zelfscan doen?")
    assert address.address_message({"text": "Heeft u"}, "u") == {"text": "Heeft u"}


@pytest.mark.asyncio
async def test_stopping_the_scan_keeps_the_form_of_address(monkeypatch):
    from actions.conversation import ActionStopScan

    informal = replace(gemeente(), address_form="je")
    monkeypatch.setattr("actions.conversation.gemeente", lambda: informal)
    events = await ActionStopScan().run(CollectingDispatcher(), make_tracker(form_active=False), {})
    assert events[0]["event"] == "reset_slots"
    assert {"event": "slot", "name": "address_form", "value": "je", "timestamp": None} in events[1:]
