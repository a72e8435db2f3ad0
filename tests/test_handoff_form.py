"""Consent and contact details in the conversation, the ticket the action creates, erasure."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff_client as hc
from actions.catalogue import catalogue
from actions.gemeente import gemeente
from actions.handoff_form import (
    CONTACT_SLOTS,
    NOT_GIVEN,
    SPECIAL_SLOT,
    ActionAskConsentContact,
    ActionCreateTicket,
    ActionDeleteMyData,
    ActionNoContact,
    ValidateHandoffForm,
    required_contact_slots,
)
from tests.e2e.servers import free_port
from tests.handoff_service.conftest import machine_get
from tests.handoff_service.service import API_TOKEN, HandoffService
from tests.helpers import slot_events
from tests.profiles import ACUTE, HEALTHY
from zelfscan_channels import options as channel_options


def tracker(answers=None, requested=None, text="", intent="inform", **slots):
    values = {q: None for q in catalogue().ids()}
    values.update(answers or {})
    values.update({"consent_contact": None, SPECIAL_SLOT: None, "contact_name": None, "contact_phone": None,
                   "contact_email": None, "contact_preference": None, "handoff_reference": None,
                   "distress_reported": None})
    values.update(slots)
    values["requested_slot"] = requested
    events = [{"event": "user", "text": "ik wil de zelfscan doen"}, {"event": "bot", "text": "Vraag 1 van 24."},
              {"event": "user", "text": "ik ben ziek geweest"}]
    return Tracker("conv-" + str(free_port()), values,
                   {"text": text, "intent": {"name": intent}, "entities": []}, events, False, None,
                   {"name": "handoff_form"}, "action_listen")


async def validate(requested, text, intent="inform", answers=None, **slots):
    d = CollectingDispatcher()
    events = await ValidateHandoffForm().run(d, tracker(answers or HEALTHY, requested, text, intent, **slots), {})
    return slot_events(events), [m.get("text") for m in d.messages]


def test_without_consent_nothing_else_is_asked():
    assert required_contact_slots(tracker(consent_contact=False)) == ["consent_contact"]


def test_special_consent_is_asked_only_for_sensitive_causes():
    assert SPECIAL_SLOT not in required_contact_slots(tracker(HEALTHY))
    assert SPECIAL_SLOT in required_contact_slots(tracker(dict(HEALTHY, main_cause=["ziekte"])))


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent, value", [("ja", "affirm", True), ("nee", "deny", False),
                                                 ("ja hoor, prima", "inform", True)])
async def test_consent(text, intent, value):
    slots, _ = await validate("consent_contact", text, intent)
    assert slots["consent_contact"] is value


@pytest.mark.asyncio
async def test_declining_consent_ends_the_form():
    slots, _ = await validate("consent_contact", "nee", "deny")
    assert slots["requested_slot"] is None


@pytest.mark.asyncio
@pytest.mark.parametrize("text, value", [("06-12345678", "+31612345678"), ("+31 6 1234 5678", "+31612345678"),
                                         ("020 123 4567", "+31201234567"), ("geen", NOT_GIVEN)])
async def test_phone(text, value):
    slots, messages = await validate("contact_phone", text, consent_contact=True, contact_name="Jan")
    assert slots["contact_phone"] == value and messages == []


@pytest.mark.asyncio
async def test_wrong_phone_is_asked_again_with_an_example():
    slots, messages = await validate("contact_phone", "0612", consent_contact=True, contact_name="Jan")
    assert slots["contact_phone"] is None and slots["requested_slot"] == "contact_phone"
    assert "06-12345678" in messages[0]


@pytest.mark.asyncio
async def test_email_optional_with_phone_required_without():
    slots, _ = await validate("contact_email", "nee", "deny", consent_contact=True, contact_name="Jan",
                              contact_phone="+31612345678")
    assert slots["contact_email"] == NOT_GIVEN
    slots, messages = await validate("contact_email", "nee", "deny", consent_contact=True, contact_name="Jan",
                                     contact_phone=NOT_GIVEN)
    assert slots["contact_phone"] is None and slots["requested_slot"] == "contact_phone"
    assert "telefoonnummer of een e-mailadres" in messages[0]
    slots, messages = await validate("contact_email", "jan@voorbeeld", consent_contact=True, contact_name="Jan",
                                     contact_phone=NOT_GIVEN)
    assert slots["contact_email"] is None and "naam@voorbeeld.nl" in messages[0]


@pytest.mark.asyncio
async def test_name_and_preference():
    slots, _ = await validate("contact_name", "ik heet Fatima de Vries", consent_contact=True)
    assert slots["contact_name"] == "Fatima de Vries"
    slots, messages = await validate("contact_name", "12345", consent_contact=True)
    assert slots["contact_name"] is None and "Bijvoorbeeld" in messages[0]
    slots, _ = await validate("contact_preference", "maakt niet uit", consent_contact=True, contact_name="J",
                              contact_phone="+31612345678", contact_email=NOT_GIVEN)
    assert slots["contact_preference"] == "geen voorkeur" and slots["requested_slot"] is None


@pytest.mark.asyncio
async def test_stop_is_not_an_answer():
    d = CollectingDispatcher()
    events = await ValidateHandoffForm().run(d, tracker(HEALTHY, "contact_name", "stop", "stop_scan",
                                                        consent_contact=True), {})
    assert events == []


@pytest.fixture
def live_client(tmp_path, monkeypatch):
    monkeypatch.setenv("CHANNEL_OPTIONS_DB", str(tmp_path / "channel_options.db"))
    svc = HandoffService(tmp_path).start()
    monkeypatch.setattr(hc, "_client", hc.HandoffClient(svc.url, API_TOKEN, tmp_path / "outbox.db"))
    yield svc
    svc.stop()


@pytest.mark.asyncio
async def test_ticket_with_consent_and_without_special_consent(live_client):
    answers = dict(ACUTE, main_cause=["ziekte", "kosten"])
    t = tracker(answers, None, consent_contact=True, special_category_consent=False, contact_name="Jan Jansen",
                contact_phone="+31612345678", contact_email=NOT_GIVEN, contact_preference="'s ochtends")
    d = CollectingDispatcher()
    events = await ActionCreateTicket().run(d, t, {})
    reference = slot_events(events)["handoff_reference"]
    assert reference in d.messages[0]["text"] and "binnen één werkdag" in d.messages[0]["text"]
    ticket = machine_get(live_client, f"/api/tickets/{reference}").json()
    assert ticket["contact"] == {"name": "Jan Jansen", "phone": "+31612345678", "preference": "'s ochtends"}
    assert ticket["answers"]["main_cause"] == ["kosten"]  # health left out without separate consent
    assert ticket["transcript"] is None and "ziek" not in ticket["summary"].lower()
    assert ticket["urgent"] is True and ticket["risk_level"] == "hoog"
    assert "Situatie:" in ticket["summary"] and "Contact: Jan Jansen" in ticket["summary"]

    # the same conversation running the action again makes no second ticket
    t2 = tracker(answers, None, consent_contact=True, special_category_consent=False, contact_name="Jan Jansen",
                 contact_phone="+31612345678", contact_email=NOT_GIVEN, contact_preference="x",
                 handoff_reference=reference)
    await ActionCreateTicket().run(CollectingDispatcher(), t2, {})
    assert len([x for x in machine_get(live_client, "/api/tickets").json()["tickets"] if x["id"] == reference]) == 1

    # delete my data: the ticket loses its personal data, and the numbered options last
    # offered to this sender (SMS/WhatsApp, keyed by the phone number) are forgotten
    channel_options.remember(t.sender_id, [{"title": "Ja", "payload": "/affirm"}])
    assert channel_options.offered(t.sender_id)
    await ActionDeleteMyData().run(CollectingDispatcher(), t, {})
    erased = machine_get(live_client, f"/api/tickets/{reference}").json()
    assert erased["erased"] and erased["contact"] is None
    assert channel_options.offered(t.sender_id) == []


@pytest.mark.asyncio
async def test_special_consent_shares_the_cause_and_transcript(live_client):
    answers = dict(HEALTHY, main_cause=["ziekte"])
    t = tracker(answers, None, consent_contact=True, special_category_consent=True, contact_name="Ans",
                contact_phone=NOT_GIVEN, contact_email="ans@voorbeeld.nl", contact_preference="mail")
    events = await ActionCreateTicket().run(CollectingDispatcher(), t, {})
    ticket = machine_get(live_client, f"/api/tickets/{slot_events(events)['handoff_reference']}").json()
    assert ticket["answers"]["main_cause"] == ["ziekte"]
    assert ticket["transcript"][0] == {"who": "user", "text": "ik wil de zelfscan doen"}
    assert ticket["contact"]["email"] == "ans@voorbeeld.nl" and "phone" not in ticket["contact"]


@pytest.mark.asyncio
async def test_without_consent_no_ticket_and_no_contact_slots(live_client):
    t = tracker(ACUTE, None, consent_contact=False)
    d = CollectingDispatcher()
    events = await ActionCreateTicket().run(d, t, {})
    assert slot_events(events) == {name: None for name in CONTACT_SLOTS}
    assert "We geven niets door aan de gemeente" in d.messages[0]["text"]
    assert f"na {gemeente().retention_days} dagen" in d.messages[0]["text"]  # what is kept, and how long
    assert machine_get(live_client, "/api/tickets").json()["tickets"] == []
    events = await ActionNoContact().run(CollectingDispatcher(), tracker(consent_contact=True, contact_name="X"), {})
    assert slot_events(events)["contact_name"] is None


@pytest.mark.asyncio
async def test_a_ticket_action_run_again_after_a_crash_makes_no_second_ticket(live_client):
    """A Rasa server died after the ticket was made but before the turn was saved: the
    conversation sends its last message again, without the reference slot. The retry
    carries the same key, so the service keeps one ticket and the user hears its reference."""
    events = [{"event": "slot", "name": "consent_contact", "value": True, "timestamp": 1764500000.25}]

    def lost_turn():
        t = tracker(ACUTE, None, consent_contact=True, special_category_consent=False, contact_name="Jan Jansen",
                    contact_phone="+31612345678", contact_email=NOT_GIVEN, contact_preference="'s ochtends")
        t.events, t.sender_id = events, "whatsapp:+31611223344"
        return t

    first, again = CollectingDispatcher(), CollectingDispatcher()
    ref1 = slot_events(await ActionCreateTicket().run(first, lost_turn(), {}))["handoff_reference"]
    ref2 = slot_events(await ActionCreateTicket().run(again, lost_turn(), {}))["handoff_reference"]
    assert ref1 == ref2 and ref1 in again.messages[0]["text"]
    tickets = [x for x in machine_get(live_client, "/api/tickets").json()["tickets"]
               if x["conversation_id"] == lost_turn().sender_id]
    assert [x["id"] for x in tickets] == [ref1]


@pytest.mark.asyncio
async def test_the_form_asks_the_slots_in_the_order_required_slots_gives():
    class EmailFirst(ValidateHandoffForm):
        async def required_slots(self, domain_slots, dispatcher, tracker, domain):
            return ["consent_contact", "contact_email", "contact_name"]

    t = tracker(HEALTHY, "consent_contact", "ja", "affirm")
    events = slot_events(await EmailFirst().run(CollectingDispatcher(), t, {}))
    assert events["consent_contact"] is True and events["requested_slot"] == "contact_email"
    # a slot that required_slots does not name is not read
    t = tracker(HEALTHY, "contact_phone", "06-12345678", consent_contact=True)
    events = slot_events(await EmailFirst().run(CollectingDispatcher(), t, {}))
    assert "contact_phone" not in events and events["requested_slot"] == "contact_email"


@pytest.mark.asyncio
async def test_the_form_order_comes_from_required_slots():
    t = tracker(dict(HEALTHY, main_cause=["ziekte"]), "consent_contact", "ja", "affirm")
    events = slot_events(await ValidateHandoffForm().run(CollectingDispatcher(), t, {}))
    assert events["requested_slot"] == SPECIAL_SLOT
    # with an e-mail address the follow-up question comes last (gemeente config: follow_up_weeks)
    t = tracker(dict(HEALTHY, main_cause=["ziekte"]), "consent_contact", "ja", "affirm", contact_email="a@voorbeeld.nl")
    assert await ValidateHandoffForm().required_slots([], CollectingDispatcher(), t, {}) == list(CONTACT_SLOTS)


def test_the_domain_names_every_contact_slot_in_the_form_order():
    import yaml

    from actions.gemeente import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert domain["forms"]["handoff_form"]["required_slots"] == list(CONTACT_SLOTS)


@pytest.mark.asyncio
async def test_a_ticket_from_a_partners_page_records_the_referral(live_client):
    """The widget on a partner's page (data-via="qredits") sends the partner id as message
    metadata; the ticket then says the entrepreneur was referred by that partner."""
    config = gemeente()
    partner = next(p for p in config.partners if p.id == "qredits")
    referred = tracker(HEALTHY, None, consent_contact=True, special_category_consent=False, contact_name="Jan Jansen",
                       contact_phone="+31612345678", contact_email=NOT_GIVEN, contact_preference="'s ochtends",
                       session_started_metadata={"via": "qredits"})
    events = await ActionCreateTicket().run(CollectingDispatcher(), referred, {})
    ticket = machine_get(live_client, f"/api/tickets/{slot_events(events)['handoff_reference']}").json()
    assert ticket["route"] == "doorverwezen" and ticket["source"] == partner.name
    # an id that is no partner of the gemeente is not free text on the ticket
    unknown = tracker(HEALTHY, None, consent_contact=True, special_category_consent=False, contact_name="Jan Jansen",
                      contact_phone="+31612345678", contact_email=NOT_GIVEN, contact_preference="'s ochtends",
                      session_started_metadata={"via": "onbekende-site"})
    events = await ActionCreateTicket().run(CollectingDispatcher(), unknown, {})
    ticket = machine_get(live_client, f"/api/tickets/{slot_events(events)['handoff_reference']}").json()
    assert ticket["route"] == "zelf" and ticket["source"] is None


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("liever geen naam", "deny"), ("anoniem graag", "inform"),
                                          ("zeg ik liever niet", "dont_know")])
async def test_a_name_withheld_is_explained_and_asked_again(text, intent):
    slots, messages = await validate("contact_name", text, intent, consent_contact=True)
    assert slots["contact_name"] is None
    assert "voornaam is ook goed" in " ".join(messages)


@pytest.mark.asyncio
@pytest.mark.parametrize("text, expected", [("noem me maar Kees", "Kees"), ("Kees, bel me maar na vijven", "Kees"),
                                            ("ik ben Ben de Jong", "Ben de Jong")])
async def test_names_as_people_give_them(text, expected):
    slots, _ = await validate("contact_name", text, consent_contact=True)
    assert slots["contact_name"] == expected


@pytest.mark.asyncio
@pytest.mark.parametrize("text, expected", [("bel me op 06 12 34 56 78", "+31612345678"),
                                            ("mijn nummer is 050-1234567, liefst na 17 uur", "+31501234567"),
                                            ("+32 470 12 34 56", "+32470123456")])
async def test_phone_numbers_inside_a_sentence_and_from_abroad(text, expected):
    slots, _ = await validate("contact_phone", text, consent_contact=True, contact_name="Jan")
    assert slots["contact_phone"] == expected


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["06 12345678", "jan@example.nl", "bel me op 0612345678"])
async def test_details_typed_before_the_yes_are_not_kept_and_the_yes_comes_first(text):
    slots, messages = await validate("consent_contact", text)
    assert slots["consent_contact"] is None and slots["requested_slot"] == "consent_contact"
    assert messages == ["Uw gegevens noteer ik pas als u akkoord gaat."]
    assert not any(slots.get(s) for s in ("contact_phone", "contact_email", "contact_name"))


@pytest.mark.asyncio
async def test_an_unclear_answer_to_the_consent_question_says_nothing_before_the_question_again():
    slots, messages = await validate("consent_contact", "hmm tja")
    assert slots["consent_contact"] is None and messages == []


def consent_asked(events, intent="inform"):
    d = CollectingDispatcher()
    t = tracker(requested="consent_contact", intent=intent)
    t.events = events
    asyncio.run(ActionAskConsentContact().run(d, t, {}))
    return d.messages[0]["text"], [b["title"] for b in d.messages[0]["buttons"]]


def test_the_consent_statement_is_shown_whole_once_then_asked_short():
    from actions.texts import Speaker

    statement = Speaker(None).text_of("handoff.consent_statement")
    first, buttons_first = consent_asked([{"event": "active_loop", "name": "handoff_form"}])
    assert first == statement and buttons_first == ["Ja", "Nee"]
    again, buttons_again = consent_asked([{"event": "active_loop", "name": "handoff_form"},
                                          {"event": "bot", "text": statement}, {"event": "user", "text": "hmm"}])
    assert again != statement and "hierboven" in again and "ja of nee" in again and buttons_again == ["Ja", "Nee"]
    # still unclear: the short question again
    short_again, _ = consent_asked([{"event": "active_loop", "name": "handoff_form"}, {"event": "bot", "text": statement},
                                    {"event": "user", "text": "hmm"}, {"event": "bot", "text": again},
                                    {"event": "user", "text": "tja"}])
    assert short_again == again
    # a statement shown in an earlier run of the form (declined, asked for contact again later) is shown again
    later, _ = consent_asked([{"event": "bot", "text": statement}, {"event": "user", "text": "nee"},
                              {"event": "active_loop", "name": "handoff_form"}])
    assert later == statement
    # something else said in between: the statement is no longer just above
    between, _ = consent_asked([{"event": "active_loop", "name": "handoff_form"}, {"event": "bot", "text": statement},
                                {"event": "user", "text": "ben jij een robot?"}, {"event": "bot", "text": "Ik ben een assistent."},
                                {"event": "user", "text": "hmm"}])
    assert between == statement
    # asked what happens with the data: the statement is the answer
    privacy, _ = consent_asked([{"event": "active_loop", "name": "handoff_form"}, {"event": "bot", "text": statement},
                                {"event": "user", "text": "wat doen jullie met mijn gegevens?"},
                                {"event": "bot", "text": "De scan is anoniem."}], intent="ask_privacy")
    assert privacy == statement
