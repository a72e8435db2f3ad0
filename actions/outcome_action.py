"""The action that ends the scan: computes the outcome, sets the contract's outcome
slots and tells the entrepreneur where they stand, why, and what to do next."""
from __future__ import annotations

import logging
import os
import time
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import scan_link, scan_record
from actions.gemeente import GemeenteConfig, dutch_today, gemeente
from actions.handoff_client import Refused
from actions.handoff_client import client as handoff_client
from actions.outcome import saved_result
from actions.outcome.result import build_outcome
from actions.outcome.wording import Outcome, result_messages
from actions.scan_form import DISTRESS_SLOT, scan_answers
from actions.texts import Speaker, buttons

logger = logging.getLogger(__name__)
SPECIAL_CONSENT_SLOT = "special_category_consent"  # handoff_form.SPECIAL_SLOT (that module imports this one)


def public_url() -> str:
    """Where entrepreneurs reach the handoff service (its /uitkomst page)."""
    return os.environ.get("HANDOFF_PUBLIC_URL") or "http://localhost:8000"


def outcome_of(tracker: Tracker, config: GemeenteConfig) -> Tuple[Dict[str, Any], Outcome]:
    """The scan's answers in this conversation and the outcome they give today."""
    answers = scan_answers(tracker)
    return answers, build_outcome(answers, config, dutch_today(), distress=bool(tracker.get_slot(DISTRESS_SLOT)))


class ActionScanOutcome(Action):
    def name(self) -> Text:
        return "action_scan_outcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        config = gemeente()
        answers, outcome = outcome_of(tracker, config)
        speaker = Speaker(dispatcher, config=config)
        for message in result_messages(answers, outcome, config):
            speaker.send(message)
        link = saved_result.result_link(public_url(), answers, outcome, config,
                                        special_consent=tracker.get_slot(SPECIAL_CONSENT_SLOT) is True,
                                        max_chars=saved_result.max_link_chars(tracker.get_latest_input_channel()))
        if link:
            speaker.say("outcome.save_result", link=link)
        # a scan through a personal link goes to its ticket (actions/scan_link.py)
        attached = await scan_link.attach_finished_scan(tracker, speaker, answers, outcome)
        speaker.say("handoff.offer_contact", buttons("yes_no"))
        await send_record(tracker, outcome.slots())
        return [SlotSet(name, value) for name, value in outcome.slots().items()] + attached


async def send_record(tracker: Tracker, slots: Dict[str, Any]) -> None:
    """The anonymous statistics record of this finished scan (never blocks the answer)."""
    started = scan_record.scan_started_at(tracker.events)
    if started is None:
        return
    record = scan_record.finished(scan_record.record_id(tracker.sender_id, started),
                                  tracker.get_latest_input_channel(), time.time(), slots)
    try:
        await handoff_client().create_scan_record(record)
    except Refused:
        logger.exception("The anonymous scan record was refused")
