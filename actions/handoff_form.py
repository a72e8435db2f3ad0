"""Contact with the gemeente: consent, contact details, the ticket, and erasure.

Nothing personal is asked before the user has read what is stored, why, for how long
and who sees it, and has agreed (``consent_contact``). Health or family causes go into
the ticket only with a separate yes (``special_category_consent``).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import scan_record
from actions.answer_rule import contact_question, decide, yes_no_from
from actions.conversation import reset_all_slots
from actions.gemeente import GemeenteConfig, current_id, gemeente, region
from actions.handoff_client import Refused, client, new_reference
from actions.outcome.saved_result import without_result
from actions.outcome.staff_summary import has_sensitive_cause, ticket_payload
from actions.outcome_action import outcome_of
from actions.parsing import contains_phrase, is_dont_know, normalize, parse_email, parse_name, parse_phone
from actions.scan_form import scan_answers
from actions.texts import Speaker, buttons, render, within_days
from zelfscan_channels import options as channel_options

logger = logging.getLogger(__name__)

FORM_NAME = "handoff_form"
REFERENCE_SLOT = "handoff_reference"
SPECIAL_SLOT = "special_category_consent"
NOT_GIVEN = ""  # contact detail the user chose not to give
_REFUSE = ["nee", "neen", "geen", "liever niet", "niet", "nope", "wil ik niet", "hoeft niet", "niet nodig", "anoniem"]
FOLLOW_UP_SLOT = "follow_up_consent"  # a separate yes to ONE follow-up message (README, "Follow-up")
CONTACT_SLOTS = ("consent_contact", SPECIAL_SLOT, "contact_name", "contact_phone", "contact_email",
                 "contact_preference", FOLLOW_UP_SLOT)
YES_NO_SLOTS = ("consent_contact", SPECIAL_SLOT, FOLLOW_UP_SLOT)


def _refuses(text: str, intent: Optional[str]) -> bool:
    norm = normalize(text)
    return intent == "deny" or any(contains_phrase(norm, w) for w in _REFUSE)


def required_contact_slots(tracker: Tracker) -> List[str]:
    if tracker.get_slot("consent_contact") is False:
        return ["consent_contact"]
    slots = ["consent_contact"]
    if has_sensitive_cause(scan_answers(tracker)):
        slots.append(SPECIAL_SLOT)
    slots += ["contact_name", "contact_phone", "contact_email", "contact_preference"]
    return slots + [FOLLOW_UP_SLOT] if follow_up_offered(tracker) else slots


def follow_up_offered(tracker: Tracker) -> bool:
    """The follow-up question comes when the gemeente offers it (``follow_up_weeks``) and
    the message can reach the entrepreneur: an e-mail address, or this Telegram chat."""
    if gemeente().follow_up_weeks <= 0:
        return False
    return bool(tracker.get_slot("contact_email")) or tracker.get_latest_input_channel() == "telegram"


def _asked(slot: str, intent: Optional[str]):
    """A contact question for the answer rule: consent questions are yes/no questions."""
    if slot in YES_NO_SLOTS:
        return contact_question(lambda t: yes_no_from(t, intent, person_is_yes=slot == "consent_contact"), yes_no=True)
    readers = {"contact_name": parse_name, "contact_phone": parse_phone, "contact_email": parse_email}
    return contact_question(readers.get(slot, lambda t: t.strip() or None))


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> Text:
        return f"validate_{FORM_NAME}"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """The slots this form asks, in order: the one place the order comes from (``run``
        and ``next_requested_slot`` both ask it; the domain lists every slot it can name)."""
        return required_contact_slots(tracker)

    async def next_requested_slot(self, dispatcher, tracker, domain) -> Optional[EventType]:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = [s for s in required if tracker.slots.get(s) is None]
        return SlotSet("requested_slot", missing[0] if missing else None)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        events: List[EventType] = []
        if requested in await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain):
            message = tracker.latest_message or {}
            intent = (message.get("intent") or {}).get("name")
            text = message.get("text") or ""
            # The answer rule decides whether this is an answer (actions/answer_rule.py).
            decision = decide(_asked(requested, intent), text, intent)
            if decision.kind == "interrupt":
                return []
            if decision.kind == "crisis_note":  # 113 first, then the same question again
                Speaker(dispatcher).say("conversation.distress")
                events = [SlotSet(requested, None), SlotSet("distress_reported", True)]
                tracker.add_slots(events)
                return events + [await self.next_requested_slot(dispatcher, tracker, domain)]
            events = self.read(requested, text, intent, tracker, dispatcher, decision.value)
        tracker.add_slots(events)
        return events + [await self.next_requested_slot(dispatcher, tracker, domain)]

    def read(self, slot: str, text: str, intent: Optional[str], tracker: Tracker,
             dispatcher: CollectingDispatcher, typed: Any = None) -> List[EventType]:
        if slot in YES_NO_SLOTS:
            value = typed if isinstance(typed, bool) else yes_no_from(text, intent, person_is_yes=slot == "consent_contact")
            if value is None:
                if slot != "consent_contact":
                    Speaker(dispatcher).say("answer_yes_or_no", buttons("yes_no"))
                elif parse_phone(text) or parse_email(text):
                    # details typed before the yes: not kept, and the yes comes first
                    Speaker(dispatcher).say("handoff.consent_first")
                return [SlotSet(slot, None)]
            return [SlotSet(slot, value)]
        if slot == "contact_name":
            name = parse_name(text)
            if name is None:
                unwilling = _refuses(text, intent) or is_dont_know(text)
                Speaker(dispatcher).say("handoff.name_needed" if unwilling else "handoff.example_name")
            return [SlotSet(slot, name)]
        if slot == "contact_phone":
            if _refuses(text, intent) and not re.search(r"\d", text):
                return [SlotSet(slot, NOT_GIVEN)]
            phone = parse_phone(text)
            if phone is None:
                Speaker(dispatcher).say("handoff.example_phone")
            return [SlotSet(slot, phone)]
        if slot == "contact_email":
            email = parse_email(text)
            if email:
                return [SlotSet(slot, email)]
            if _refuses(text, intent) and "@" not in text:
                if tracker.get_slot("contact_phone"):
                    return [SlotSet(slot, NOT_GIVEN)]
                Speaker(dispatcher).say("handoff.need_one_way")
                return [SlotSet("contact_phone", None), SlotSet(slot, None)]
            Speaker(dispatcher).say("handoff.example_email")
            return [SlotSet(slot, None)]
        if slot == "contact_preference":
            preference = text.strip()[:200]
            if not preference or is_dont_know(preference) or normalize(preference) in ("maakt niet uit", "maakt niet uit."):
                preference = render("handoff.no_preference")
            return [SlotSet(slot, preference)]
        return []


class AskContactAction(Action, ABC):
    """Base for the ask actions of the handoff form: each says one text of texts.yml."""

    @abstractmethod
    def name(self) -> Text:
        ...

    @abstractmethod
    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        """The key of the question's text and its buttons."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        key, offered = self.message(tracker)
        Speaker(dispatcher).say(key, offered)
        return []


class ActionAskConsentContact(AskContactAction):
    def name(self) -> Text:
        return "action_ask_consent_contact"

    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        """The whole statement; asked again right after it, a short question that points
        back to it. A question about privacy, or anything said in between, brings the
        whole statement back (it is no longer just above)."""
        if ((tracker.latest_message or {}).get("intent") or {}).get("name") == "ask_privacy":
            return "handoff.consent_statement", buttons("yes_no")
        speaker = Speaker(None)
        asked = {speaker.text_of("handoff.consent_statement"), speaker.text_of("handoff.consent_again")}
        users = 0
        for event in reversed(tracker.events):
            if event.get("event") == "active_loop" and event.get("name") == FORM_NAME or users > 1:
                break
            if event.get("event") == "user":
                users += 1
            elif users == 1 and event.get("event") == "bot":  # the last thing said before this message
                short = event.get("text") in asked
                return ("handoff.consent_again" if short else "handoff.consent_statement"), buttons("yes_no")
        return "handoff.consent_statement", buttons("yes_no")


class ActionAskSpecialCategoryConsent(AskContactAction):
    def name(self) -> Text:
        return "action_ask_special_category_consent"

    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        return "handoff.special_consent", buttons("yes_no")


class ActionAskContactName(AskContactAction):
    def name(self) -> Text:
        return "action_ask_contact_name"

    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        return "handoff.ask_name", []


class ActionAskContactPhone(AskContactAction):
    def name(self) -> Text:
        return "action_ask_contact_phone"

    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        return "handoff.ask_phone", []


class ActionAskContactEmail(AskContactAction):
    def name(self) -> Text:
        return "action_ask_contact_email"

    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        return ("handoff.ask_email_optional" if tracker.get_slot("contact_phone") else "handoff.ask_email_required"), []


class ActionAskContactPreference(AskContactAction):
    def name(self) -> Text:
        return "action_ask_contact_preference"

    def message(self, tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
        return "handoff.ask_preference", buttons("contact_preference")


class ActionAskFollowUpConsent(Action):
    def name(self) -> Text:
        return "action_ask_follow_up_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        via = render("handoff.follow_up_by_email" if tracker.get_slot("contact_email") else "handoff.follow_up_by_chat")
        Speaker(dispatcher).say("handoff.ask_follow_up", buttons("yes_no"), weeks=gemeente().follow_up_weeks, via=via)
        return []


def transcript(tracker: Tracker) -> List[Dict[str, str]]:
    lines = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append({"who": "user", "text": event["text"]})
        elif event.get("event") == "bot" and event.get("text"):
            lines.append({"who": "bot", "text": without_result(event["text"])})
    return lines


def contact_within_days(urgent: bool, level: str) -> int:
    days = gemeente().response_days
    return days["urgent"] if urgent else days["hoog"] if level == "hoog" else days["other"]


def ticket_key(tracker: Tracker) -> Optional[str]:
    """The Idempotency-Key of this conversation's ticket: a keyed hash of the conversation
    and the moment consent was given. When a crashed Rasa server makes the conversation
    send its last message again, the retry carries the same key, so the service keeps one
    ticket (a random reference alone would make a second one). None without a consent
    event (then the reference is the key)."""
    consented = None
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "consent_contact" and event.get("value") is True:
            consented = event.get("timestamp")
    if consented is None:
        return None
    secret = os.environ.get("ACTION_SERVER_TOKEN", "").encode()
    message = f"ticket:{tracker.sender_id}:{float(consented):.6f}".encode()
    return "t-" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]


def referred_by(tracker: Tracker, config: GemeenteConfig) -> Optional[str]:
    """The partner whose page sent the entrepreneur here (the widget's data-via or ?via=,
    sent as message metadata): its name, when it is a partner of the gemeente."""
    metadata = tracker.get_slot("session_started_metadata") or {}
    via = metadata.get("via") if isinstance(metadata, dict) else None
    return next((p.name for p in config.partners if p.id == via), None)


class ActionCreateTicket(Action):
    """After the handoff form: create the ticket (or say that nothing is stored)."""

    def name(self) -> Text:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        config = gemeente()
        if tracker.get_slot("consent_contact") is not True:
            return await ActionNoContact().run(dispatcher, tracker, domain)
        answers, outcome = outcome_of(tracker, config)
        reference = tracker.get_slot(REFERENCE_SLOT) or new_reference()
        contact = {
            "name": tracker.get_slot("contact_name"),
            "phone": tracker.get_slot("contact_phone") or None,
            "email": tracker.get_slot("contact_email") or None,
            "preference": tracker.get_slot("contact_preference"),
        }
        payload = ticket_payload(
            reference, tracker.sender_id, tracker.get_latest_input_channel() or "onbekend", answers, outcome,
            {k: v for k, v in contact.items() if v}, tracker.get_slot(SPECIAL_SLOT) is True, transcript(tracker),
        )
        # the follow-up needs its own yes; the points per answer let staff compare a later scan
        payload["follow_up_consent"] = tracker.get_slot(FOLLOW_UP_SLOT) is True
        payload["answer_points"] = dict(outcome.score.contributions)
        if region().regional:  # a regional service: the ticket belongs to the conversation's gemeente
            payload["gemeente"] = current_id()
        referrer = referred_by(tracker, config)
        if referrer:  # how the entrepreneur came: referred by this partner (statistics per route)
            payload["referred_by"] = referrer
        started = scan_record.scan_started_at(tracker.events)
        if started is not None:  # the anonymous statistics record of this scan (README, "Statistics")
            payload["scan_record"] = scan_record.record_id(tracker.sender_id, started)
        try:
            result, reference = await client().submit_ticket(payload, ticket_key(tracker))
        except Refused:  # bad data, refused for good; tell the truth and give the phone number
            logger.exception("Ticket %s was refused by the handoff service", reference)
            Speaker(dispatcher, config=config).say("handoff.ticket_failed",
                                                   human_contact=render("conversation.human_contact", gemeente=config))
            return [SlotSet(REFERENCE_SLOT, reference)]
        days = contact_within_days(outcome.score.urgent, outcome.score.level)
        first = render("handoff.ticket_queued" if result == "queued" else "handoff.ticket_sent")
        Speaker(dispatcher, config=config).say("handoff.ticket_confirmed", first=first, reference=reference,
                                               when=within_days(days))
        return [SlotSet(REFERENCE_SLOT, reference)]


class ActionDeleteMyData(Action):
    """Forget everything: the answers here, the conversation in the store and any ticket."""

    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        # the numbered options last offered on SMS/WhatsApp (keyed by the phone number)
        channel_options.forget(tracker.sender_id)
        try:
            await client().request_erasure(tracker.sender_id)
        except Refused:
            logger.exception("Erasure was refused by the handoff service")
            Speaker(dispatcher).say("handoff.erase_failed",
                                    human_contact=render("conversation.human_contact", gemeente=gemeente()))
            return reset_all_slots()
        Speaker(dispatcher).say("handoff.data_erased")
        return reset_all_slots()


class ActionNoContact(Action):
    """No contact wanted (or stopped halfway): say so and keep none of the contact details."""

    def name(self) -> Text:
        return "action_no_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        Speaker(dispatcher).say("handoff.no_contact")
        return [SlotSet(s, None) for s in CONTACT_SLOTS]
