"""The action that ends the scan. Minimal until the outcome (issue 2) lands: it thanks
the user, says what was noted and offers contact; it sets no outcome slots."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.gemeente import gemeente
from actions.parsing import UNKNOWN
from actions.scan_form import scan_answers


class ActionScanOutcome(Action):
    def name(self) -> Text:
        return "action_scan_outcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        answers = {k: v for k, v in scan_answers(tracker).items() if v is not None}
        unknown = sum(1 for v in answers.values() if v == UNKNOWN)
        dispatcher.utter_message(
            text=f"Bedankt. U heeft {len(answers)} vragen beantwoord, waarvan {unknown} met 'weet ik niet'."
        )
        dispatcher.utter_message(text=texts.human_contact(gemeente()))
        return []
