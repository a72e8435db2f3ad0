"""Conversation actions around the scan: greeting, intro, distress, human contact, stop."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, AllSlotsReset, EventType, SessionStarted, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.gemeente import gemeente
from actions.handoff_client import client as handoff_client
from actions.scan_form import DISTRESS_SLOT, FORM_NAME, scan_answers



ADDRESS_SLOT = "address_form"
YES_NO = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            text=texts.greeting(gemeente()),
            buttons=[
                {"title": "Ja, start de scan", "payload": "/start_scan"},
                {"title": "Wat is de Bbz?", "payload": "/ask_bbz"},
                {"title": "Ik wil iemand spreken", "payload": "/request_human"},
            ],
        )
        return []


class ActionScanIntro(Action):
    """Two sentences before the first question; a short line when resuming."""

    def name(self) -> Text:
        return "action_scan_intro"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        started = any(v is not None for v in scan_answers(tracker).values())
        dispatcher.utter_message(text=texts.SCAN_RESUME if started else texts.SCAN_INTRO)
        return []


class ActionDistress(Action):
    """Always first: a warm answer with 113 and the offer of a human."""

    def name(self) -> Text:
        return "action_distress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=texts.distress(gemeente()))
        if tracker.active_loop.get("name") == FORM_NAME:
            dispatcher.utter_message(text=texts.DISTRESS_RESUME)
        return [SlotSet(DISTRESS_SLOT, True)]


class ActionOfferHuman(Action):
    """Contact details of the ondernemersloket; inside the scan, the offer to finish it first,
    outside it, the offer to be contacted (the handoff form follows on 'ja')."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=texts.human_contact(gemeente()))
        if tracker.active_loop.get("name") == FORM_NAME:
            dispatcher.utter_message(text=texts.HUMAN_CONTINUE_SCAN)
        else:
            dispatcher.utter_message(text=texts.OFFER_CONTACT, buttons=YES_NO)
        return []


class ActionStopScan(Action):
    """After the user confirmed: stop and keep nothing of the scan."""

    def name(self) -> Text:
        return "action_stop_scan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=texts.SCAN_STOPPED)
        return reset_all_slots()


class ActionCoreFallback(Action):
    """When no rule or story fits: say what the bot can do and forget the turn."""

    def name(self) -> Text:
        return "action_core_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=texts.CORE_FALLBACK)
        return [UserUtteranceReverted()]


def reset_all_slots() -> List[EventType]:
    """Forget every slot, but keep the gemeente's form of address for the responses."""
    return [AllSlotsReset(), SlotSet(ADDRESS_SLOT, gemeente().address_form)]


class ActionSessionStart(Action):
    """A new session: keep the answers (the domain carries slots over) and set the
    gemeente's form of address, which the domain's responses use. Also restarts the
    delivery of tickets that wait in the outbox."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        handoff_client().ensure_worker()  # tickets queued before a restart go out now
        carried = [SlotSet(name, value) for name, value in tracker.slots.items()
                   if value is not None and name not in ("requested_slot", ADDRESS_SLOT)]
        return [SessionStarted(), *carried, SlotSet(ADDRESS_SLOT, gemeente().address_form),
                ActionExecuted("action_listen")]
