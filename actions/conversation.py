"""Conversation actions around the scan: greeting, intro, distress, human contact, stop."""
from __future__ import annotations

import logging
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    AllSlotsReset,
    EventType,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import scan_record, situation
from actions.answer_rule import yes_no_from
from actions.common_questions import common_question
from actions.facts import facts_in, noted
from actions.gemeente import (
    ADDRESS_SLOT,
    GEMEENTE_SLOT,
    activate,
    current_id,
    dutch_number,
    gemeente,
    is_known,
    of_message,
    region,
)
from actions.handoff_client import client as handoff_client
from actions.language import looks_english
from actions.scan_form import DISTRESS_SLOT, FORM_NAME, _today, scan_answers, typed_text
from actions.texts import Speaker, buttons
from actions.unrecognised import capture, unsure
from zelfscan_nlu.patterns import is_crisis

logger = logging.getLogger(__name__)

PREFILLED_SLOT = "scan_prefilled"  # questions answered in passing before the scan started


def acknowledge_situation(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """A first message about the situation: acknowledge it, keep its facts, offer the scan."""
    ack = situation.acknowledge(typed_text(tracker), scan_answers(tracker), gemeente(), _today())
    speaker = Speaker(dispatcher)
    for line in ack.lines[:-1]:
        speaker.send(line)
    speaker.send(ack.lines[-1], buttons("scan_offer"))
    events: List[EventType] = [SlotSet(k, v) for k, v in ack.slots.items()]
    prefilled = [k for k in ack.slots if k != "business_kind"]
    if prefilled:
        events.append(SlotSet(PREFILLED_SLOT, sorted(set((tracker.get_slot(PREFILLED_SLOT) or []) + prefilled))))
    if ack.urgent:
        events.append(SlotSet("urgent", True))
    return events


class ActionGreet(Action):
    """The greeting; a greeting that already tells the situation ("hoi, mijn zaak loopt
    slecht") is answered as that situation."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if situation.describes_situation(typed_text(tracker)):
            return acknowledge_situation(dispatcher, tracker)
        if looks_english(typed_text(tracker)):  # "Hello, do you speak English?"
            Speaker(dispatcher).say("conversation.english")
        Speaker(dispatcher).say("conversation.greeting", buttons("greeting"))
        return []


class ActionScanIntro(Action):
    """Two sentences before the first question; a short line when resuming."""

    def name(self) -> Text:
        return "action_scan_intro"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        answers = scan_answers(tracker)
        prefilled = set(tracker.get_slot(PREFILLED_SLOT) or [])
        started = any(v is not None for k, v in answers.items() if k not in prefilled)
        speaker = Speaker(dispatcher)
        speaker.say("conversation.scan_resume" if started else "conversation.scan_intro")
        # "Ik wil de scan doen, ik ben 61": answers in the request are used, each confirmed.
        found = facts_in(typed_text(tracker), answers, _today())
        if not found:
            return []
        speaker.send("\n".join(noted(f) for f in found))
        events: List[EventType] = [SlotSet(f.question.id, f.value) for f in found]
        events.append(SlotSet(PREFILLED_SLOT, sorted(prefilled | {f.question.id for f in found})))
        if any(f.question.id == "acute_measures" and f.value is True for f in found):
            events.append(SlotSet("urgent", True))
        return events


class ActionAcknowledgeSituation(Action):
    """Outside the scan, a message that is no question to the bot: when it tells the
    situation, acknowledge it and offer the scan; otherwise say what the bot can do
    (never "sorry, dat begrijp ik niet"), or, for "stop", that no scan is running."""

    def name(self) -> Text:
        return "action_acknowledge_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return respond_outside_scan(dispatcher, tracker)


# Questions answered by a response first; when they also tell the situation ("ik ben 61
# en wil stoppen, kan ik de IOAZ krijgen?") the acknowledgement and scan offer follow.
QUESTIONS_ANSWERED_FIRST = {"ask_ioaz", "ask_bbz", "ask_help_options"}


def respond_outside_scan(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    text = typed_text(tracker)
    if looks_english(text):  # one line they can read, then what the assistant can do (in Dutch)
        Speaker(dispatcher).say("conversation.english")
        Speaker(dispatcher).say("situation.what_i_can_do", buttons("what_i_can_do"))
        return []
    speaker = Speaker(dispatcher)
    if intent not in QUESTIONS_ANSWERED_FIRST | {"stop_scan"} and answer_common_question(speaker, text):
        # "ik ben 58, hoeveel kan ik krijgen?": the answer, then the facts noted and the scan offered
        if situation.states_facts(text, scan_answers(tracker), _today()):
            return acknowledge_situation(dispatcher, tracker)
        speaker.say("conversation.about_help.more", buttons("what_i_can_do"))
        return []
    if intent == "describe_situation" or situation.describes_situation(text) \
            or situation.states_facts(text, scan_answers(tracker), _today()):
        return acknowledge_situation(dispatcher, tracker)
    if intent in QUESTIONS_ANSWERED_FIRST:
        return []  # a plain question ("wat is de IOAZ?"): its answer was enough
    if intent == "stop_scan":
        speaker.say("situation.no_scan_running")
    elif intent == "out_of_scope":
        speaker.respond("utter_out_of_scope_in_scan")  # "Daar kan ik u helaas niet mee helpen. ..."
        speaker.say("situation.other_questions", buttons("what_i_can_do"))
    else:
        speaker.say("situation.what_i_can_do", buttons("what_i_can_do"))
        if unsure(tracker.latest_message or {}):  # the fallback answer: kept, stripped, for learning
            capture(tracker)
    return []


def answer_common_question(speaker: Speaker, text: str) -> bool:
    """Answer a question about the help itself ("moet ik dat terugbetalen?", "wat is de
    Bbz eigenlijk?"); False when ``text`` is none (actions/common_questions.py)."""
    key = common_question(text)
    if key in ("bbz", "ioaz"):
        speaker.respond(f"utter_ask_{key}")
    elif key == "how_much":
        config, today = gemeente(), _today()
        speaker.say("conversation.about_help.how_much",
                    single=dutch_number(round(config.amount("bijstandsnorm", today, "alleenstaand"))),
                    couple=dutch_number(round(config.amount("bijstandsnorm", today, "samenwonend"))))
    elif key == "repay":
        speaker.say("conversation.about_help.repay")
    return key is not None


# The yes/no questions asked outside a form, and what a yes and a no lead to.
START_OFFERS = {"action_greet", "action_acknowledge_situation", "action_distress"}
CONTACT_OFFERS = {"action_scan_outcome", "action_offer_human"}
STOP_CONFIRMATION = "utter_confirm_stop"
YES_NO_QUESTIONS = START_OFFERS | CONTACT_OFFERS | {STOP_CONFIRMATION}


def last_yes_no_question(tracker: Tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in YES_NO_QUESTIONS:
            return event["name"]
    return ""


class ActionReadYesNo(Action):
    """A yes/no question outside a form answered with a sentence the classifier did not
    take for a plain yes or no ("ja, doe maar", "nee dank je, liever niet", "is goed"):
    read it, and continue as a yes or a no would."""

    def name(self) -> Text:
        return "action_read_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        asked = last_yes_no_question(tracker)
        answer = yes_no_from(typed_text(tracker), intent, person_is_yes=asked in CONTACT_OFFERS)
        speaker = Speaker(dispatcher)
        if answer is None:
            if intent == "thank":
                speaker.respond("utter_thank")
                return []
            if asked == STOP_CONFIRMATION:
                speaker.say("answer_yes_or_no", buttons("yes_no"))
                return []
            return respond_outside_scan(dispatcher, tracker)
        if asked == STOP_CONFIRMATION:
            if answer:
                return [FollowupAction("action_stop_scan")]
            speaker.respond("utter_continue_scan")
            return [FollowupAction(FORM_NAME)]
        if asked in CONTACT_OFFERS:
            return [FollowupAction("handoff_form" if answer else "action_no_contact")]
        if answer:
            return [FollowupAction("action_scan_intro")]
        if situation.describes_situation(typed_text(tracker)):  # "nee, het gaat niet goed met mijn zaak"
            return acknowledge_situation(dispatcher, tracker)
        speaker.respond("utter_scan_declined")
        return []


class ActionDistress(Action):
    """Always first: a warm answer with 113 and the offer of a human."""

    def name(self) -> Text:
        return "action_distress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        speaker = Speaker(dispatcher)
        speaker.say("conversation.distress")
        loop = tracker.active_loop.get("name")
        if loop == FORM_NAME:
            speaker.say("conversation.distress_resume")
        elif not loop:  # after 113: continue with the scan or a person, not left at the 113 text
            text = typed_text(tracker)
            if not is_crisis(text) and (situation.describes_situation(text)
                                        or situation.states_facts(text, scan_answers(tracker), _today())):
                # taken for despair, but it tells the situation ("ik heb shulden"): after 113,
                # the acknowledgement with its facts and the offer of the scan or a person
                return [SlotSet(DISTRESS_SLOT, True), *acknowledge_situation(dispatcher, tracker)]
            speaker.say("situation.after_distress", buttons("after_distress"))
        return [SlotSet(DISTRESS_SLOT, True)]


class ActionOfferHuman(Action):
    """Contact details of the ondernemersloket; inside the scan, the offer to finish it first,
    outside it, the offer to be contacted (the handoff form follows on 'ja')."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        speaker = Speaker(dispatcher)
        speaker.say("conversation.human_contact")
        if tracker.active_loop.get("name") == FORM_NAME:
            speaker.say("conversation.human_continue_scan")
            speaker.respond("utter_continue_scan")  # "We gaan verder met de scan."
        else:
            speaker.say("handoff.offer_contact", buttons("yes_no"))
        return []


class ActionStopScan(Action):
    """After the user confirmed: stop and keep nothing of the scan."""

    def name(self) -> Text:
        return "action_stop_scan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        Speaker(dispatcher).say("conversation.scan_stopped")
        await record_open_scan(tracker)  # where it stopped, anonymously (README, "Statistics")
        return reset_all_slots()


class ActionCoreFallback(Action):
    """When no rule or story fits: say what the bot can do and forget the turn."""

    def name(self) -> Text:
        return "action_core_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.active_loop.get("name"):
            Speaker(dispatcher).say("conversation.core_fallback")
        else:
            Speaker(dispatcher).say("situation.what_i_can_do", buttons("what_i_can_do"))
        requested = tracker.get_slot("requested_slot") if tracker.active_loop.get("name") == FORM_NAME else None
        capture(tracker, requested)  # kept, stripped, for learning (never in the contact form)
        return [UserUtteranceReverted()]


async def record_open_scan(tracker: Tracker) -> None:
    """The anonymous record of a scan that was left or stopped before its outcome."""
    left = scan_record.open_scan(tracker.events)
    if left is None:
        return
    record = scan_record.abandoned(scan_record.record_id(tracker.sender_id, left["started_at"]),
                                   tracker.get_latest_input_channel(), left["at"], left["question"])
    try:
        await handoff_client().create_scan_record(record)
    except Exception:  # noqa: BLE001 - statistics never stop the conversation
        logger.exception("The anonymous scan record could not be queued")


def reset_all_slots() -> List[EventType]:
    """Forget every slot, but keep the gemeente and its form of address for the responses."""
    kept = [SlotSet(GEMEENTE_SLOT, current_id())] if is_known() else []
    return [AllSlotsReset(), *kept, SlotSet(ADDRESS_SLOT, gemeente().address_form)]


def session_gemeente(tracker: Tracker) -> Optional[str]:
    """A new session's gemeente: the one the conversation already had, else the one the
    page says (the widget's ``data-gemeente``, sent as message metadata), else the one of
    the channel's number or bot (``routes`` of the region file; the channel puts it in
    the metadata as ``channel_address``). None in a region when nothing says it: the
    scan then asks."""
    known = region().known(tracker.get_slot(GEMEENTE_SLOT))
    if known:
        return known
    metadata = tracker.get_slot("session_started_metadata") or (tracker.latest_message or {}).get("metadata") or {}
    return of_message(metadata, tracker.get_latest_input_channel())


class ActionSessionStart(Action):
    """A new session: keep the answers (the domain carries slots over) and set the
    gemeente's form of address, which the domain's responses use. Also restarts the
    delivery of tickets that wait in the outbox."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        handoff_client().ensure_worker()  # tickets queued before a restart go out now
        await record_open_scan(tracker)  # a scan left in the last session (finishing it later upgrades the record)
        carried = [SlotSet(name, value) for name, value in tracker.slots.items()
                   if value is not None and name not in ("requested_slot", ADDRESS_SLOT, GEMEENTE_SLOT)]
        chosen = session_gemeente(tracker)
        activate(chosen)
        return [SessionStarted(), *carried, SlotSet(GEMEENTE_SLOT, chosen),
                SlotSet(ADDRESS_SLOT, gemeente().address_form), ActionExecuted("action_listen")]
