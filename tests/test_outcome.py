"""What the entrepreneur sees after the scan, and the action that sets the outcome slots."""
import re
from datetime import date

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.gemeente import gemeente
from actions.outcome.referrals import situations
from actions.outcome.result import build_outcome
from actions.outcome.wording import (
    DECIDES, INDICATION_TEXT, JARGON, LEVEL_LINE, all_indication_texts, explain_jargon_in, result_messages,
)
from actions.outcome_action import ActionScanOutcome
from tests.helpers import make_tracker, slot_events
from tests.profiles import ACUTE, BV_GROWTH, HEALTHY, STARTER_FROM_BIJSTAND, STOPPING_AT_58, profile

ON = date(2026, 11, 27)
CONFIG = gemeente()
PROFILES = {"healthy": HEALTHY, "acute": ACUTE, "starter": STARTER_FROM_BIJSTAND, "stopping_58": STOPPING_AT_58,
            "bv_growth": BV_GROWTH}
MAX_WORDS = 25


def messages_for(answers, distress=False):
    outcome = build_outcome(answers, CONFIG, ON, distress)
    return outcome, result_messages(answers, outcome, CONFIG)


def sentences(text):
    text = re.sub(r"https?://\S+", "URL", text)
    for line in text.split("\n"):
        yield from (s for s in re.split(r"(?<=[.?!])\s+", line.strip("- ").strip()) if s)


@pytest.mark.parametrize("name", PROFILES)
def test_outcome_texts_are_short_and_explain_their_jargon(name):
    _, messages = messages_for(PROFILES[name], distress=(name == "acute"))
    for message in messages:
        for sentence in sentences(message):
            assert len(sentence.split()) <= MAX_WORDS, sentence
        assert explain_jargon_in(message) == [], message


def test_every_indication_text_is_an_indication_not_a_promise():
    for text in all_indication_texts():
        assert "mogelijk" in text
        assert explain_jargon_in(text) == []
        assert not re.search(r"\bu krijgt\b.*\bzeker\b|\bgegarandeerd\b", text, re.I)


@pytest.mark.parametrize("name", PROFILES)
def test_result_says_level_why_and_next_steps(name):
    answers = PROFILES[name]
    outcome, messages = messages_for(answers)
    assert messages[0].startswith(LEVEL_LINE[outcome.score.level].split(".")[0])
    joined = "\n".join(messages)
    for indication in outcome.indications:
        assert INDICATION_TEXT[indication.id].split(".")[0] in joined
        assert DECIDES in joined
    assert 1 <= len(outcome.partners) <= 3
    for partner in outcome.partners:
        assert partner.name in joined
    if outcome.score.drivers:
        assert "Dit woog het zwaarst" in joined


def test_contrasting_entrepreneurs_get_different_outcomes():
    slots = {name: build_outcome(a, CONFIG, ON).slots() for name, a in PROFILES.items()}
    assert slots["healthy"]["risk_level"] == "laag" and slots["healthy"]["indications"] == []
    assert slots["acute"]["urgent"] is True and slots["acute"]["risk_level"] == "hoog"
    assert "schuldhulp" in slots["acute"]["indications"]
    assert "schuldhulpverlening" in slots["acute"]["referrals"]
    assert "bbz_starter" in slots["starter"]["indications"]
    assert slots["stopping_58"]["indications"][0] == "ioaz"
    assert "schuldhulp" not in slots["bv_growth"]["indications"]
    assert "kvk" in slots["bv_growth"]["referrals"] or "gemeente_ondernemersloket" in slots["bv_growth"]["referrals"]


def test_crisis_line_comes_first_after_distress():
    outcome = build_outcome(HEALTHY, CONFIG, ON, distress=True)
    assert outcome.partners[0].id == "zelfmoordpreventie_113"


def test_tax_arrears_refer_to_the_belastingdienst():
    answers = profile(tax_arrears="achterstand")
    tags = situations(answers, build_outcome(answers, CONFIG, ON).score, [], False)
    assert "belasting" in tags


def test_unknowns_are_named_in_the_result():
    _, messages = messages_for(profile(total_debt="onbekend", revenue_trend="onbekend"))
    assert any("minder zeker" in m and "uw omzet" in m for m in messages)


def test_jargon_glossary_is_itself_plain():
    for explanation in JARGON.values():
        assert len(explanation.split()) <= 12


@pytest.mark.asyncio
async def test_outcome_action_sets_the_contract_slots_and_answers():
    tracker = make_tracker(ACUTE, form_active=False, extra_slots={"distress_reported": True})
    dispatcher = CollectingDispatcher()
    events = await ActionScanOutcome().run(dispatcher, tracker, {})
    slots = slot_events(events)
    assert set(slots) == {"risk_score", "risk_level", "urgent", "risk_drivers", "indications", "referrals"}
    assert slots["urgent"] is True and slots["risk_level"] == "hoog"
    assert slots["referrals"][0] == "zelfmoordpreventie_113"
    texts = [m["text"] for m in dispatcher.messages]
    assert texts[0].startswith("Uw uitkomst: rood")
    assert any("113" in t for t in texts)
