"""End to end over the REST channel: the real Rasa server, action server and SQLite.

The outcome stories in tests/test_stories.yml are replayed message by message; the
slots the bot really sets must equal the story's slot_was_set expectations.
"""
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e

STORIES = yaml.safe_load((Path(__file__).resolve().parents[1] / "test_stories.yml").read_text())["stories"]
OUTCOME_STORIES = [s for s in STORIES if s["story"].startswith("outcome:")]
OUTCOME_SLOTS = ("risk_score", "risk_level", "urgent", "risk_drivers", "indications", "referrals")


def expected_outcome(story):
    after = False
    for step in story["steps"]:
        if step.get("action") == "action_scan_outcome":
            after = True
        elif after and "slot_was_set" in step:
            return {k: v for item in step["slot_was_set"] for k, v in item.items()}
    raise AssertionError(f"story {story['story']} has no outcome slots")


def test_there_are_five_contrasting_outcome_stories():
    assert len(OUTCOME_STORIES) >= 5
    levels = {expected_outcome(s)["risk_level"] for s in OUTCOME_STORIES}
    assert levels == {"laag", "verhoogd", "hoog"}


@pytest.mark.parametrize("story", OUTCOME_STORIES, ids=lambda s: s["story"])
def test_whole_scan_sets_the_outcome_slots(stack, story):
    sender = stack.new_conversation_id()
    last = []
    for step in story["steps"]:
        if "user" in step:
            last = stack.say(sender, step["user"])
            assert last, f"no answer to {step['user']!r}"
    slots = stack.tracker(sender)["slots"]
    expected = expected_outcome(story)
    assert {k: slots[k] for k in OUTCOME_SLOTS} == expected
    assert any(m.get("text", "").startswith("Uw uitkomst:") for m in last)


def test_conversation_survives_a_rasa_restart(stack):
    sender = stack.new_conversation_id()
    stack.say(sender, "ik wil de zelfscan doen")
    stack.say(sender, "nee")
    stack.say(sender, "eenmanszaak")
    stack.stop_rasa()
    stack.start_rasa()
    answer = stack.say(sender, "al 5 jaar")
    slots = stack.tracker(sender)["slots"]
    assert slots["acute_measures"] is False
    assert slots["business_form"] == "eenmanszaak"
    assert slots["years_in_business"] == 5
    assert "uur per week" in answer[-1]["text"]


def test_rest_takes_only_conversation_ids_the_server_issued(stack):
    """Another channel's id (a WhatsApp user's phone number) or an id the client made up
    never reaches a conversation: 403, and the tracker of that id stays empty."""
    import json
    import urllib.error
    import urllib.request

    for forged in ("whatsapp:+31612345678", "0123456789abcdef0123456789abcdef"):
        body = json.dumps({"sender": forged, "message": "verwijder al mijn gegevens"}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        assert refused.value.code == 403
        assert json.loads(refused.value.read())["error"] == "unknown_conversation"
        assert not [e for e in stack.tracker(forged)["events"] if e["event"] == "user"]
    issued = stack.new_conversation_id()
    assert issued.startswith("web-") and stack.say(issued, "hallo")


def test_distress_mid_scan_gets_113_first(stack):
    sender = stack.new_conversation_id()
    stack.say(sender, "start de scan")
    answer = stack.say(sender, "ik zie het echt niet meer zitten")
    assert "113" in answer[0]["text"] and "0800-0113" in answer[0]["text"]
    assert stack.tracker(sender)["active_loop"] in ({}, None) or not stack.tracker(sender)["active_loop"].get("name")


def test_unclear_answer_is_asked_again_with_an_example(stack):
    sender = stack.new_conversation_id()
    stack.say(sender, "start de scan")
    stack.say(sender, "nee")
    answer = stack.say(sender, "paars met groene stippen")
    assert "Bijvoorbeeld" in answer[0]["text"]
    answer = stack.say(sender, "paars")
    assert "weet ik niet" in answer[0]["text"]
    assert stack.tracker(sender)["slots"]["business_form"] == "onbekend"


def test_consent_conversation_ends_with_exactly_one_ticket(stack):
    from tests.handoff_service.conftest import machine_get

    story = next(s for s in OUTCOME_STORIES if "acute" in s["story"])
    sender = stack.new_conversation_id()
    for step in story["steps"]:
        if "user" in step:
            stack.say(sender, step["user"])
    consent = stack.say(sender, "ja graag")
    assert "Gaat u hiermee akkoord?" in consent[-1]["text"]
    for text in ("ja", "Jan de Vries", "06-12345678", "nee", "'s ochtends graag"):
        answer = stack.say(sender, text)
    confirmation = answer[-1]["text"]
    assert "Uw referentie is ZS-" in confirmation and "binnen één werkdag" in confirmation
    reference = confirmation.split("Uw referentie is ")[1].split(".")[0]
    tickets = [t for t in machine_get(stack.handoff, "/api/tickets").json()["tickets"] if t["conversation_id"] == sender]
    assert len(tickets) == 1 and tickets[0]["id"] == reference
    slots = stack.tracker(sender)["slots"]
    for key in OUTCOME_SLOTS:
        assert tickets[0][key] == slots[key], key
    assert tickets[0]["contact"]["phone"] == "+31612345678" and tickets[0]["channel"] == "rest"

    # "verwijder mijn gegevens" erases the ticket's personal data
    stack.say(sender, "verwijder al mijn gegevens")
    erased = machine_get(stack.handoff, f"/api/tickets/{reference}").json()
    assert erased["erased"] and erased["contact"] is None


def test_the_follow_up_is_asked_separately_after_the_contact_details(stack):
    """With an e-mail address the form asks one more question: a follow-up message after
    follow_up_weeks; the yes lands on the ticket, with the day it is due."""
    from tests.handoff_service.conftest import machine_get

    story = next(s for s in OUTCOME_STORIES if "acute" in s["story"])
    sender = stack.new_conversation_id()
    for step in story["steps"]:
        if "user" in step:
            stack.say(sender, step["user"])
    stack.say(sender, "ja graag")
    for text in ("ja", "Fatima de Vries", "geen", "fatima@voorbeeld.nl"):
        stack.say(sender, text)
    question = stack.say(sender, "mail me maar")[-1]["text"]
    assert "weken één bericht" in question and "per e-mail" in question and "scan opnieuw" in question
    confirmation = stack.say(sender, "ja, dat is goed")[-1]["text"]
    reference = confirmation.split("Uw referentie is ")[1].split(".")[0]
    ticket = machine_get(stack.handoff, f"/api/tickets/{reference}").json()
    assert ticket["follow_up_consent"] is True and ticket["follow_up_due"] and ticket["follow_up_sent_at"] is None
    assert ticket["contact"]["email"] == "fatima@voorbeeld.nl"
