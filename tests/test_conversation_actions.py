"""Conversation actions: distress, a human mid-scan, and the outbox restart at session start."""
import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff_client as handoff_client
from actions.conversation import ActionDistress, ActionOfferHuman, ActionSessionStart
from actions.handoff_client import HandoffClient, new_reference
from actions.texts import render
from tests.e2e.servers import free_port
from tests.handoff_service.conftest import machine_get, ticket_body
from tests.handoff_service.service import API_TOKEN, HandoffService
from tests.helpers import make_tracker


def texts_of(dispatcher):
    return [m["text"] for m in dispatcher.messages if m["text"]]


@pytest.mark.asyncio
async def test_distress_in_the_scan_says_the_questions_wait():
    dispatcher = CollectingDispatcher()
    await ActionDistress().run(dispatcher, make_tracker(requested="total_debt"), {})
    assert render("conversation.distress_resume") in texts_of(dispatcher)


@pytest.mark.asyncio
async def test_distress_while_giving_contact_details_does_not_talk_about_the_scan():
    tracker = make_tracker(requested="contact_phone", form_active=False)
    tracker.active_loop = {"name": "handoff_form"}
    dispatcher = CollectingDispatcher()
    events = await ActionDistress().run(dispatcher, tracker, {})
    assert render("conversation.distress_resume") not in texts_of(dispatcher)
    assert "113" in texts_of(dispatcher)[0]
    assert {"event": "slot", "timestamp": None, "name": "distress_reported", "value": True} in events


@pytest.mark.asyncio
async def test_a_human_asked_mid_scan_gets_contact_details_and_no_question_it_does_not_wait_for():
    dispatcher = CollectingDispatcher()
    await ActionOfferHuman().run(dispatcher, make_tracker(requested="total_debt"), {})
    contact, follow_up = texts_of(dispatcher)
    assert "Bel " in contact
    assert "?" not in follow_up  # the form asks its next question right after this
    # "We gaan verder met de scan." is the domain's response, rendered by Rasa in the right form
    assert dispatcher.messages[-1]["response"] == "utter_continue_scan"


@pytest.mark.asyncio
async def test_session_start_delivers_tickets_queued_before_a_restart(tmp_path, monkeypatch):
    service = HandoffService(tmp_path, port=free_port())
    try:
        # a ticket was queued while the service was down, then the action server restarted
        queued = HandoffClient(base_url=service.url, token=API_TOKEN, outbox_path=tmp_path / "outbox.db", attempts=1)
        reference = new_reference()
        assert await queued.create_ticket(ticket_body(id=reference)) == "queued"
        queued._worker.cancel()
        service.start()
        restarted = HandoffClient(base_url=service.url, token=API_TOKEN, outbox_path=tmp_path / "outbox.db",
                                  retry_interval=0.2)
        monkeypatch.setattr(handoff_client, "_client", restarted)

        await ActionSessionStart().run(CollectingDispatcher(), make_tracker(form_active=False), {})
        for _ in range(60):
            if await restarted.pending_count() == 0:
                break
            await asyncio.sleep(0.25)
        assert await restarted.pending_count() == 0
        assert [t["id"] for t in machine_get(service, "/api/tickets").json()["tickets"]] == [reference]
    finally:
        service.stop()


@pytest.mark.asyncio
async def test_a_refused_erasure_is_told_honestly_and_the_answers_are_still_forgotten(monkeypatch):
    from actions.handoff_form import ActionDeleteMyData

    class RefusingClient:
        async def request_erasure(self, conversation_id):
            raise handoff_client.Refused("refused")

    monkeypatch.setattr("actions.handoff_form.client", lambda: RefusingClient())
    dispatcher = CollectingDispatcher()
    events = await ActionDeleteMyData().run(dispatcher, make_tracker(answers={"total_debt": 30000}), {})
    (message,) = texts_of(dispatcher)
    assert message.startswith("Het wissen is helaas niet gelukt.") and "Bel " in message
    assert events[0]["event"] == "reset_slots"


# --- first messages about the situation, yes/no in sentences, the fallback -----------

from rasa_sdk import Tracker  # noqa: E402

from actions.catalogue import catalogue  # noqa: E402
from actions.conversation import (  # noqa: E402
    ActionAcknowledgeSituation,
    ActionCoreFallback,
    ActionGreet,
    ActionReadYesNo,
    ActionScanIntro,
)


def outside(text, intent="describe_situation", asked=None, slots=None):
    values = {q: None for q in catalogue().ids()}
    values.update(slots or {})
    events = [{"event": "action", "name": asked}] if asked else []
    events.append({"event": "user", "text": text})
    return Tracker("t", values, {"text": text, "intent": {"name": intent}, "entities": []}, events, False, None,
                   {}, "action_listen")


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.asyncio
async def test_a_first_message_with_beslag_is_acknowledged_noted_urgent_and_offers_the_scan():
    dispatcher = CollectingDispatcher()
    events = await ActionAcknowledgeSituation().run(dispatcher, outside("Er ligt beslag op mijn zakelijke rekening"), {})
    said = texts_of(dispatcher)
    assert said[0].startswith("Vervelend om te lezen dat er beslag ligt. Goed dat u het laat weten.")
    assert said[1].startswith("U schreef dat er nu iets dringends speelt (beslag). Dat neem ik mee.")
    assert "0800" not in said[2] and "dringend" in said[2]
    assert said[-1].endswith("Wilt u de scan doen?")
    assert dispatcher.messages[-1]["buttons"][0]["payload"] == "/start_scan"
    assert slots_of(events)["acute_measures"] is True and slots_of(events)["urgent"] is True
    assert slots_of(events)["scan_prefilled"] == ["acute_measures"]


@pytest.mark.asyncio
async def test_age_business_and_stopping_are_taken_from_the_first_message():
    dispatcher = CollectingDispatcher()
    events = await ActionAcknowledgeSituation().run(
        dispatcher, outside("ik ben 61 en mijn kapsalon loopt slecht, ik wil stoppen"), {})
    slots = slots_of(events)
    assert (slots["age"], slots["outlook"], slots["business_kind"]) == (61, "stoppen", "kapsalon")
    assert "uw kapsalon" in texts_of(dispatcher)[0]
    assert "urgent" not in slots


@pytest.mark.asyncio
async def test_a_greeting_that_tells_the_situation_is_acknowledged():
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, outside("hoi, mijn zaak loopt slecht", intent="greet"), {})
    assert texts_of(dispatcher)[0].startswith("Vervelend om te lezen dat het niet goed gaat met uw zaak.")


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("asdf", "nlu_fallback"), ("ik heb een vraag", "inform")])
async def test_unclear_outside_the_scan_says_what_the_bot_can_do_with_buttons(text, intent):
    dispatcher = CollectingDispatcher()
    await ActionAcknowledgeSituation().run(dispatcher, outside(text, intent=intent), {})
    (message,) = dispatcher.messages
    assert not message["text"].lower().startswith("sorry")
    assert [b["payload"] for b in message["buttons"]] == ["/start_scan", "/ask_help_options", "/request_human"]


@pytest.mark.asyncio
async def test_the_core_fallback_outside_the_scan_does_not_start_with_sorry():
    dispatcher = CollectingDispatcher()
    await ActionCoreFallback().run(dispatcher, outside("blabla", intent="nlu_fallback"), {})
    assert not texts_of(dispatcher)[0].startswith("Sorry") and dispatcher.messages[0]["buttons"]


@pytest.mark.asyncio
async def test_a_plain_question_answered_by_a_response_gets_no_acknowledgement():
    dispatcher = CollectingDispatcher()
    assert await ActionAcknowledgeSituation().run(dispatcher, outside("wat is de ioaz", intent="ask_ioaz"), {}) == []
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_distress_outside_the_scan_offers_the_scan_or_a_person_after_113():
    dispatcher = CollectingDispatcher()
    await ActionDistress().run(dispatcher, outside("ik zie het niet meer zitten", intent="distress"), {})
    first, second = dispatcher.messages
    assert "0800-0113" in first["text"]
    assert [b["payload"] for b in second["buttons"]] == ["/start_scan", "/request_human"]


@pytest.mark.asyncio
async def test_the_scan_intro_uses_answers_in_the_request_and_is_no_resume_after_prefilled_facts():
    dispatcher = CollectingDispatcher()
    tracker = outside("ik wil de scan doen, ik ben 58", intent="start_scan",
                      slots={"acute_measures": True, "scan_prefilled": ["acute_measures"]})
    events = await ActionScanIntro().run(dispatcher, tracker, {})
    assert texts_of(dispatcher)[0] == render("conversation.scan_intro")
    assert slots_of(events)["age"] == 58 and "58 jaar" in texts_of(dispatcher)[1]


def followup(events):
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


@pytest.mark.asyncio
@pytest.mark.parametrize("asked, text, intent, expected", [
    ("action_acknowledge_situation", "is goed hoor", "inform", "action_scan_intro"),
    ("action_greet", "oké, doe maar", "nlu_fallback", "action_scan_intro"),
    ("action_scan_outcome", "ja, ik wil dat iemand belt", "inform", "handoff_form"),
    ("action_offer_human", "graag", "nlu_fallback", "handoff_form"),
    ("action_scan_outcome", "nee dank je, liever niet", "inform", "action_no_contact"),
    ("utter_confirm_stop", "ja, stop maar", "inform", "action_stop_scan"),
    ("utter_confirm_stop", "nee hoor, ga maar door", "inform", "scan_form"),
])
async def test_yes_or_no_in_a_sentence_continues_as_a_yes_or_no(asked, text, intent, expected):
    events = await ActionReadYesNo().run(CollectingDispatcher(), outside(text, intent=intent, asked=asked), {})
    assert followup(events) == expected


@pytest.mark.asyncio
async def test_no_to_the_scan_in_a_sentence_declines_and_a_situation_is_acknowledged():
    dispatcher = CollectingDispatcher()
    events = await ActionReadYesNo().run(dispatcher, outside("liever niet", intent="inform", asked="action_greet"), {})
    assert followup(events) is None and dispatcher.messages[0]["response"] == "utter_scan_declined"
    dispatcher = CollectingDispatcher()
    await ActionReadYesNo().run(dispatcher, outside("nee, mijn zaak gaat slecht", intent="inform",
                                                    asked="action_greet"), {})
    assert texts_of(dispatcher)[0].startswith("Vervelend om te lezen")


@pytest.mark.asyncio
async def test_a_situation_taken_for_despair_gets_113_then_the_acknowledgement_with_its_facts():
    dispatcher = CollectingDispatcher()
    events = await ActionDistress().run(dispatcher, outside("ik heb schulden en ben zzp'er", intent="distress"), {})
    said = texts_of(dispatcher)
    assert "0800-0113" in said[0] and said[1].startswith("Vervelend om te lezen dat u schulden heeft.")
    assert slots_of(events)["business_form"] == "eenmanszaak" and slots_of(events)["distress_reported"] is True


@pytest.mark.asyncio
async def test_real_crisis_wording_gets_113_and_the_plain_offer_only():
    dispatcher = CollectingDispatcher()
    await ActionDistress().run(dispatcher, outside("ik zie het niet meer zitten, ik heb schulden", intent="distress"), {})
    assert len(dispatcher.messages) == 2 and "Vervelend" not in texts_of(dispatcher)[1]


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [
    ("Hello, I have a small business and I cannot pay my bills", "nlu_fallback"),
    ("Do you speak English?", "out_of_scope"), ("I need help with my debts please", "describe_situation"),
])
async def test_a_message_in_english_gets_one_line_in_english_with_the_loket(text, intent):
    dispatcher = CollectingDispatcher()
    await ActionAcknowledgeSituation().run(dispatcher, outside(text, intent=intent), {})
    said = texts_of(dispatcher)
    from actions.gemeente import gemeente

    assert said[0].startswith("Sorry, I can only chat in Dutch") and gemeente().loket.phone in said[0]
    assert dispatcher.messages[-1]["buttons"]  # then what the assistant can do, in Dutch


@pytest.mark.asyncio
async def test_an_english_hello_gets_the_english_line_before_the_greeting():
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, outside("Hello, do you speak English?", intent="greet"), {})
    said = texts_of(dispatcher)
    assert said[0].startswith("Sorry, I can only chat in Dutch") and said[1].startswith("Hallo!")


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent, starts", [
    ("wat is de Bbz eigenlijk?", "explain_question", "De Bbz is hulp van de gemeente voor ondernemers."),
    ("en de ioaz, wat is dat precies", "nlu_fallback", "De IOAZ is een uitkering voor ondernemers"),
    ("moet ik dat terugbetalen?", "explain_question", "Hulp voor uw inkomen uit de Bbz is eerst een lening zonder rente."),
    ("is het een lening of een gift?", "inform", "Hulp voor uw inkomen uit de Bbz is eerst een lening zonder rente."),
    ("hoeveel kan ik krijgen?", "nlu_fallback", "Dat hangt af van uw inkomen, uw huishouden en uw bedrijf."),
    ("hoe hoog is de uitkering dan", "out_of_scope", "Dat hangt af van uw inkomen, uw huishouden en uw bedrijf."),
])
async def test_a_question_about_the_help_is_answered_whatever_the_classifier_took_it_for(text, intent, starts):
    """The classifier takes some of these for 'what does that mean' or out of scope; the words decide."""
    from actions.scan_form import ActionExplainQuestion

    for action in (ActionAcknowledgeSituation(), ActionExplainQuestion()):
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, outside(text, intent=intent), {})
        messages = [m.get("text") or m.get("response") for m in dispatcher.messages]
        answer = messages[0] if not messages[0].startswith("utter_") else render_response(messages[0])
        assert answer.startswith(starts), messages
        assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]] == ["/start_scan", "/ask_help_options",
                                                                             "/request_human"]
        assert dispatcher.messages[-1]["text"] == "Wilt u nog iets weten? Vraag het gerust. Of kies hieronder."


def render_response(name):
    import yaml

    domain = yaml.safe_load(open("domain.yml"))
    return domain["responses"][name][-1]["text"]


def test_how_much_names_the_norms_valid_today():
    from actions.conversation import answer_common_question
    from actions.gemeente import dutch_number, gemeente
    from actions.scan_form import _today
    from actions.texts import Speaker

    dispatcher = CollectingDispatcher()
    assert answer_common_question(Speaker(dispatcher), "hoeveel geld krijg ik dan?")
    single = dutch_number(round(gemeente().amount("bijstandsnorm", _today(), "alleenstaand")))
    assert f"€ {single} per maand voor iemand alleen" in dispatcher.messages[0]["text"]
    assert "," not in single  # whole euros: "€ 1.419", not "€ 1419,46"
    assert answer_common_question(Speaker(CollectingDispatcher()), "ik heb een vraag over mijn post") is False
