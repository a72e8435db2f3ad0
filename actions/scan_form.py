"""The scan form: asking the catalogue's questions and reading the answers.

``ValidateScanForm`` reads every answer itself (all scan slots use custom mappings),
so free text, button clicks, "weet ik niet", corrections and unparseable answers all
go through one place. The ask actions are generated from the catalogue, one per
question, because Rasa looks for ``action_ask_<slot>``.
"""
from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_rule import decide, scan_question
from actions.catalogue import (
    NUMBER_TYPES,
    OTHER_GEMEENTE,
    Interpretation,
    Question,
    catalogue,
    coerce_button_value,
    describe_value,
    in_region,
    interpret,
    understood,
)
from actions.facts import fact_for, facts_in, noted
from actions.gemeente import ADDRESS_SLOT, GEMEENTE_SLOT, activate, dutch_today, gemeente, is_known, region
from actions.parsing import UNKNOWN, contains_phrase, normalize
from actions.texts import Speaker, buttons, render
from actions.unrecognised import capture, unsure

logger = logging.getLogger(__name__)

FORM_NAME = "scan_form"
RETRY_SLOT = "scan_retry"
DISTRESS_SLOT = "distress_reported"
BUTTON_ENTITY = "answer"

_CORRECTION_MARKERS = [
    "ik bedoel", "ik bedoelde", "bedoel ik", "sorry", "correctie", "verkeerd", "moet zijn", "eigenlijk",
    "klopt niet", "foutje", "vergist", "aanpassen", "veranderen", "wijzigen", "verbeteren", "toch",
    "ik zei", "niet goed ingevuld", "fout",
]


def scan_answers(tracker: Tracker) -> Dict[str, Any]:
    return {qid: tracker.get_slot(qid) for qid in catalogue().ids()}


def _today() -> date:
    return dutch_today()


def as_asked(q: Question) -> Question:
    """The question as this conversation gets it: in a region whose gemeente is not known
    yet, "Woont u in de gemeente ...?" becomes "In welke gemeente woont u?"."""
    if q.in_region is not None and not is_known():
        return in_region(q, region().names)
    return q


def next_to_ask(answers: Dict[str, Any]) -> Optional[Question]:
    """The next question; in a region whose gemeente is not known yet, first the one that
    asks it (texts, contacts and amounts then follow the right gemeente)."""
    if not is_known():
        first = next((q for q in catalogue().questions if q.in_region is not None and answers.get(q.id) is None),
                     None)
        if first is not None:
            return first
    return catalogue().next_question(answers)


def gemeente_chosen(question: Question, events: List[EventType]) -> List[EventType]:
    """The regional question's answer as the scan's slots: a gemeente of the region means
    yes (and that gemeente, with its form of address, from now on), another gemeente no."""
    if question.in_region is None or is_known():
        return events
    result: List[EventType] = []
    for event in events:
        value = event.get("value") if event.get("event") == "slot" and event.get("name") == question.id else None
        if value == OTHER_GEMEENTE:
            result.append(SlotSet(question.id, False))
        elif region().known(value):
            activate(value)
            result += [SlotSet(question.id, True), SlotSet(GEMEENTE_SLOT, value),
                       SlotSet(ADDRESS_SLOT, gemeente().address_form)]
        else:
            result.append(event)
    return result


def question_message(q: Question, answers: Dict[str, Any]) -> Dict[str, Any]:
    """Text and buttons for asking ``q``, with progress ("Vraag 3 van 21")."""
    q = as_asked(q)
    applicable = catalogue().applicable_ids(answers)
    index = applicable.index(q.id) + 1 if q.id in applicable else 1
    text = render("scan.question", index=index, total=len(applicable), question=q.text(gemeente().name))
    offered = []
    if q.type == "bool":
        offered = [_button(render("scan.button_yes"), "ja"), _button(render("scan.button_no"), "nee")]
    elif q.type in ("choice", "multi_choice"):
        offered = [_button(c.label, c.value) for c in q.choices]
    offered.append(_button(render("scan.button_unknown"), UNKNOWN))
    return {"text": text, "buttons": offered + buttons("scan_why")}


def _button(title: str, value: str) -> Dict[str, str]:
    """A button that sends ``value`` as the answer to the question."""
    return {"title": title, "payload": f'/inform{{"{BUTTON_ENTITY}":"{value}"}}'}


class ValidateScanForm(FormValidationAction):
    """Reads each message as an answer to the requested question. ``run`` is overridden:
    the catalogue, not the domain's slot list, decides the next question."""

    def name(self) -> Text:
        return f"validate_{FORM_NAME}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        events: List[EventType] = []
        if requested in catalogue().by_id:
            question = catalogue()[requested]
            read = self.read_answer(as_asked(question), tracker, dispatcher)
            if read is None:
                return []  # not an answer: the form is rejected and a rule answers
            events = gemeente_chosen(question, read)
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + [next_slot]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType:
        nxt = next_to_ask(scan_answers(tracker))
        return SlotSet("requested_slot", nxt.id if nxt else None)

    def read_answer(
        self, question: Question, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> Optional[List[EventType]]:
        """Events for the user's latest message as an answer to ``question``, or None
        when the message is not an answer at all. The answer rule decides which
        (actions/answer_rule.py); this method carries the decision out."""
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        intent = (message.get("intent") or {}).get("name")
        confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
        button_value = next(
            (e.get("value") for e in message.get("entities", []) if e.get("entity") == BUTTON_ENTITY), None
        )
        today = _today()
        place = gemeente().name

        def read(t: str) -> Any:
            result = interpret(question, t, today, place)
            return result.value if result.ok else None

        decision = decide(scan_question(question, read), text, intent, button_value, confidence)
        if decision.kind == "interrupt":
            return None
        if decision.kind in ("crisis_note", "distress_note"):
            Speaker(dispatcher).say("conversation.distress")  # 113 first, then the same question again
            marked = [SlotSet(DISTRESS_SLOT, True)] if decision.kind == "crisis_note" else []
            return [SlotSet(question.id, None)] + marked
        if decision.kind == "back":
            return self._go_back(question, tracker, dispatcher)
        if decision.step == "button":
            return self._accept_or_retry(question, coerce_button_value(question, decision.value), tracker, dispatcher)
        if decision.kind == "answer":
            return self._accept(question, decision.value) + self._also_stated(question, text, tracker, dispatcher)
        if decision.distress_note:
            # "de omzet is ingestort" can look like despair. Keep the answer and the scan
            # going, but still offer 113 and a person first.
            Speaker(dispatcher).say("conversation.distress")
        else:
            correction = self._correction(question, text, tracker, dispatcher)
            if correction is not None:
                return correction
        result = interpret(question, text, today, place)
        own = fact_for(question, text, today) if question.type in NUMBER_TYPES else None
        if own is not None:  # "fulltime, en 2 medewerkers" at the hours question: fulltime
            result = understood(own.value)
        events = self._accept_or_retry(question, result, tracker, dispatcher)
        if result.reason == "not_understood" and unsure(message):
            capture(tracker, question.id)  # no answer and no intent: kept, stripped, for learning
        if result.ok and result.value != UNKNOWN:
            events += self._also_stated(question, text, tracker, dispatcher)
        return events

    @staticmethod
    def _also_stated(
        question: Question, text: str, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> List[EventType]:
        """Several answers in one message: 'ik ben 58 en werk zo'n 50 uur' also fills the
        questions not asked yet, each confirmed, so the scan skips them."""
        found = facts_in(text, scan_answers(tracker), _today(), skip=[question.id])
        if not found:
            return []
        Speaker(dispatcher).send("\n".join(noted(f) for f in found))
        return [SlotSet(f.question.id, f.value) for f in found]

    @staticmethod
    def _accept(question: Question, value: Any) -> List[EventType]:
        return [SlotSet(question.id, value), SlotSet(RETRY_SLOT, None)]

    def _accept_or_retry(
        self, question: Question, result: Interpretation, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> List[EventType]:
        if result.ok:
            return self._accept(question, result.value)
        if tracker.get_slot(RETRY_SLOT) == question.id:
            # Asked twice already: note "weet ik niet" so nobody gets stuck.
            Speaker(dispatcher).say("scan.noted_unknown")
            return self._accept(question, UNKNOWN)
        first = render("scan.out_of_range" if result.reason == "out_of_range" else "scan.unclear")
        Speaker(dispatcher).say("scan.not_understood", first=first, example=question.example)
        return [SlotSet(question.id, None), SlotSet(RETRY_SLOT, question.id)]

    def _go_back(self, question: Question, tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
        answers = scan_answers(tracker)
        answered = [qid for qid in catalogue().ids() if answers.get(qid) is not None and qid != question.id]
        if not answered:
            return self._accept_or_retry(question, interpret(question, ""), tracker, dispatcher)
        Speaker(dispatcher).say("scan.back_one")
        return [SlotSet(answered[-1], None), SlotSet(RETRY_SLOT, None)]

    def _correction(
        self, question: Question, text: str, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> Optional[List[EventType]]:
        """'Sorry, ik werk geen 40 maar 30 uur' while another question is asked:
        change that earlier answer and ask the current question again."""
        norm = normalize(text)
        if not any(contains_phrase(norm, m) for m in _CORRECTION_MARKERS):
            return None
        if any(contains_phrase(norm, w) for w in question.topic_words):
            return None  # about the question being asked: an answer, not a correction
        answers = scan_answers(tracker)
        for other in catalogue().questions:
            if other.id == question.id or answers.get(other.id) is None:
                continue
            if not any(contains_phrase(norm, w) for w in other.topic_words):
                continue
            value_text = _after_last_contrast(text)
            result = interpret(other, value_text, _today())
            if not result.ok:
                result = interpret(other, text, _today())
            if result.ok and result.value != UNKNOWN:
                topic = other.topic[:1].upper() + other.topic[1:]
                Speaker(dispatcher).say("scan.corrected", topic=topic, value=describe_value(other, result.value))
                return [SlotSet(other.id, result.value)]
        return None


def _after_last_contrast(text: str) -> str:
    """'niet 40 maar 30 uur' -> '30 uur': the corrected value follows 'maar'."""
    parts = re.split(r"\bmaar\b|\bwel\b|\bmoet zijn\b|\bbedoel(?:de)?\b", text, flags=re.IGNORECASE)
    return parts[-1] if len(parts) > 1 else text




class AskQuestionAction(Action, ABC):
    """Asks the next applicable question. Rasa picks ``action_ask_<slot>`` by the
    domain's slot order; when that question does not apply (skip logic), the next
    applicable one is asked and ``requested_slot`` is corrected.
    One concrete subclass per catalogue question is generated below."""

    slot_id: str = ""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        answers = scan_answers(tracker)
        question = catalogue()[self.slot_id]
        nxt = next_to_ask(answers)
        if nxt is None:
            return [SlotSet("requested_slot", None)]
        if not question.applies(answers) or answers.get(question.id) is not None or (
                nxt.in_region is not None and not is_known()):
            question = nxt
        message = question_message(question, answers)
        Speaker(dispatcher).send(message["text"], message["buttons"])
        return [SlotSet("requested_slot", question.id)] if question.id != self.slot_id else []


def _make_ask_actions() -> Dict[str, type]:
    made = {}
    for qid in catalogue().ids():
        cls_name = "ActionAsk" + "".join(part.title() for part in qid.split("_"))
        made[qid] = type(
            cls_name,
            (AskQuestionAction,),
            {"slot_id": qid, "__module__": __name__, "name": lambda self, _qid=qid: f"action_ask_{_qid}"},
        )
    return made


ASK_ACTIONS = _make_ask_actions()
globals().update({cls.__name__: cls for cls in ASK_ACTIONS.values()})


def typed_text(tracker: Tracker) -> str:
    """The user's latest message as typed ('' for a button payload such as '/start_scan')."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


class ActionExplainQuestion(Action):
    """'Waarom vraagt u dat?': explain the current question; the form then asks it again.
    'Wat is een bv?': a word of the catalogue's ``terms`` (or one a question's help
    explains) gets its own line instead, unless it is the current question's own word."""

    def name(self) -> Text:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        from actions.conversation import answer_common_question  # conversation imports this module

        if answer_common_question(Speaker(dispatcher), typed_text(tracker)):  # "moet ik dat terugbetalen?"
            if not tracker.active_loop.get("name"):
                Speaker(dispatcher).say("conversation.about_help.more", buttons("what_i_can_do"))
            return []
        term = catalogue().term_named(typed_text(tracker))
        if term is not None and not (requested and term.question == requested):  # not the question's own word
            Speaker(dispatcher).say("scan.term", explanation=gemeente().with_amounts(term.text, _today()))
            if not tracker.active_loop.get("name"):
                Speaker(dispatcher).say("situation.what_i_can_do", buttons("what_i_can_do"))
            return []
        if requested in catalogue().by_id:
            q = as_asked(catalogue()[requested])
            if q.help:
                Speaker(dispatcher).say("scan.explanation_with_help", why=q.why,
                                        help=gemeente().with_amounts(q.help, _today()))
            else:
                Speaker(dispatcher).say("scan.explanation", why=q.why)
        elif tracker.active_loop.get("name"):
            Speaker(dispatcher).say("scan.explain_general")
        else:  # "beslag op mijn rekening, wat nu?" or "ik heb een vraag" before anything
            from actions.conversation import respond_outside_scan  # conversation imports this module

            return respond_outside_scan(dispatcher, tracker)
        return []

