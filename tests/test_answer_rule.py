"""The answer rule (actions/answer_rule.py), one test per step, in the rule's order,
and the property that every option of every question, typed, is that option."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_rule import Asked, Option, decide, read_yes_no, rule_data, typed_option, yes_no_from
from actions.catalogue import catalogue
from actions.parsing import UNKNOWN
from actions.scan_form import ValidateScanForm
from tests.helpers import make_tracker, slot_events

OUTLOOK_OPTIONS = (Option("ja", ("Ja", "ja")), Option("stoppen", ("Ik wil stoppen", "wil stoppen", "stoppen")))


def asked(read=lambda t: None, form="scan_form", options=OUTLOOK_OPTIONS, answers_over=()):
    return Asked(form, options, frozenset(answers_over), read)


# 1. A button payload is the answer.
def test_1_a_button_is_the_answer_whatever_the_intent():
    assert decide(asked(), "/inform", "stop_scan", button_value="ja").value == "ja"


# 2. Crisis wording interrupts, even when it could be read as an answer.
def test_2_crisis_wording_interrupts_first():
    d = decide(asked(read=lambda t: "nee"), "ik zie het niet meer zitten, ik wil stoppen", "inform")
    assert (d.kind, d.step) == ("interrupt", "crisis")


# 3. An explicit request to stop the scan interrupts.
@pytest.mark.parametrize("text", ["stop de scan", "ik wil stoppen met de scan", "ik wil stoppen met de vragen"])
def test_3_stopping_the_scan_needs_the_scan_named(text):
    assert decide(asked(read=lambda t: "stoppen"), text, "stop_scan").kind == "interrupt"


# 4. A typed option is that option before any intent.
@pytest.mark.parametrize("intent", ["stop_scan", "inform", "deny", "request_human", "nlu_fallback"])
@pytest.mark.parametrize("text", ["Ik wil stoppen", "ik wil stoppen", "stoppen", "Stoppen.", "eh, stoppen"])
def test_4_a_typed_option_is_that_option_before_any_intent(text, intent):
    d = decide(asked(), text, intent)
    assert (d.kind, d.value) == ("answer", "stoppen")


def test_4_a_typed_option_with_a_typo_is_that_option():
    assert typed_option("ik wil stopen", OUTLOOK_OPTIONS).value == "stoppen"


def test_4_a_typed_option_needs_to_be_the_whole_message():
    assert typed_option("ik weet niet of ik wil stoppen of doorgaan", OUTLOOK_OPTIONS) is None


# 5. Despair that reads as an answer is the answer, with 113 first (scan form only).
def test_5_distress_that_reads_as_an_answer_is_the_answer_with_113():
    d = decide(asked(read=lambda t: "sterk_gedaald"), "de omzet is ingestort", "distress")
    assert d.kind == "read" and d.distress_note
    sure = rule_data().forms["scan_form"].distress_answer_confidence
    assert decide(asked(read=lambda t: "sterk_gedaald"), "de omzet is ingestort", "distress", confidence=sure).distress_note


def test_5_an_answer_the_classifier_is_unsure_is_despair_is_just_the_answer():
    sure = rule_data().forms["scan_form"].distress_answer_confidence
    assert 0.5 < sure < 1
    d = decide(asked(read=lambda t: "alleenstaand"), "ik ben alleen", "distress", confidence=sure - 0.01)
    assert d.kind == "read" and not d.distress_note
    # no answer in it: a sure classifier interrupts; an unsure one gives 113 and asks again
    assert decide(asked(read=lambda t: None), "ik ben op", "distress", confidence=sure).kind == "interrupt"
    assert decide(asked(read=lambda t: None), "ik ben alleen", "distress", confidence=0.56).kind == "distress_note"
    # the contact form has no answers in despair: distress interrupts there, sure or not
    assert decide(asked(read=lambda t: None, form="handoff_form"), "ik ben op", "distress",
                  confidence=0.3).kind == "interrupt"
    assert decide(asked(read=lambda t: "Jan", form="handoff_form"), "ik kan niet meer", "distress").kind == "interrupt"


# 6. Interrupting intents interrupt, unless the question reads them as an answer.
def test_6_interrupting_intents_interrupt_unless_the_question_answers_over_them():
    assert decide(asked(), "stop", "stop_scan").kind == "interrupt"
    over = asked(read=lambda t: "stoppen" if "bedrijf" in t else None, answers_over=["stop_scan"])
    assert decide(over, "ik wil stoppen met mijn bedrijf", "stop_scan").kind == "read"
    assert decide(over, "stop", "stop_scan").kind == "interrupt"


def test_6_the_forms_differ_only_in_their_data():
    assert "request_human" in rule_data().forms["scan_form"].interrupt_intents
    assert "request_human" not in rule_data().forms["handoff_form"].interrupt_intents


# 7. A question back interrupts only when phrased as a question.
def test_7_questions_back_interrupt_when_phrased_as_a_question():
    assert decide(asked(), "waarom vraag je dat?", "explain_question").kind == "interrupt"
    assert decide(asked(), "de omzet is ingestort", "explain_question").kind == "read"


# 8. "weet ik niet" is onbekend; a number in it wins.
def test_8_dont_know_is_onbekend_and_a_number_in_it_wins():
    assert decide(asked(options=()), "geen idee", "dont_know").value == UNKNOWN
    assert decide(asked(read=lambda t: 20000, options=()), "weet niet precies, zo'n 20.000", "dont_know").value == 20000


# 9. "vorige vraag" goes back (scan form only).
def test_9_back_only_in_the_scan():
    assert decide(asked(), "vorige vraag", "inform").kind == "back"
    assert decide(asked(form="handoff_form", options=()), "vorige vraag", "inform").kind == "read"


@pytest.mark.parametrize("text, back", [("terug", True), ("Terug!", True), ("een stap terug", True), ("vorige", True),
                                        ("geld terug", False), ("ik krijg geld terug", False), ("terugbetalen", False)])
def test_9_a_bare_terug_goes_back_and_terug_inside_an_answer_does_not(text, back):
    assert (decide(asked(options=()), text, "inform").kind == "back") is back


# 10. Anything else is read as an answer; an unreadable question for a soft intent interrupts.
def test_10_the_rest_is_read_and_unreadable_questions_interrupt():
    assert decide(asked(), "ik denk van wel", "inform").kind == "read"
    assert decide(asked(options=()), "hoe vraag ik een paspoort aan", "out_of_scope").kind == "interrupt"
    assert decide(asked(read=lambda t: 62, options=()), "ik ben 62, kan ik de ioaz?", "ask_ioaz").kind == "read"


# --- property: every label and synonym of every question, typed, is that option -----

def _typed_options():
    for q in catalogue().questions:
        for choice in q.choices:
            for word in (choice.label, *choice.synonyms):
                value = [choice.value] if q.type == "multi_choice" else choice.value
                yield pytest.param(q.id, word, value, id=f"{q.id}:{word}")
        if q.type == "bool":
            yield pytest.param(q.id, "Ja", True, id=f"{q.id}:Ja")
            yield pytest.param(q.id, "Nee", False, id=f"{q.id}:Nee")
        yield pytest.param(q.id, "Weet ik niet", UNKNOWN, id=f"{q.id}:Weet ik niet")


@pytest.mark.asyncio
@pytest.mark.parametrize("intent", ["inform", "stop_scan", "request_human"])
@pytest.mark.parametrize("qid, text, value", list(_typed_options()))
async def test_every_typed_option_of_every_question_is_read_as_that_option(qid, text, value, intent):
    tracker = make_tracker({}, text, intent, qid)
    events = await ValidateScanForm().run(CollectingDispatcher(), tracker, {})
    assert slot_events(events).get(qid) == value


# --- yes/no in sentences ---------------------------------------------------------

@pytest.mark.parametrize("text", ["ja graag", "ja, ik wil dat iemand belt", "doe maar", "is goed", "prima",
                                  "oké, doe maar", "ja hoor", "graag", "dat is goed", "akkoord"])
def test_yes_in_a_sentence(text):
    assert read_yes_no(text) is True


@pytest.mark.parametrize("text", ["nee dank je, liever niet", "liever niet", "nee", "hoeft niet", "nu even niet",
                                  "doe maar niet", "nee bedankt", "zeker niet"])
def test_no_in_a_sentence(text):
    assert read_yes_no(text) is False


def test_a_person_asked_for_at_the_contact_question_is_a_yes():
    assert yes_no_from("ik wil iemand spreken", "request_human", person_is_yes=True) is True
    assert yes_no_from("ik wil iemand spreken", "request_human") is None


@pytest.mark.parametrize("intent, kind", [("distress", "interrupt"), ("stop_scan", "crisis_note"),
                                          ("inform", "crisis_note")])
def test_2_words_of_life_or_death_are_never_an_answer(intent, kind):
    # words the crisis patterns do not know: the form gives 113 itself unless the intent is distress
    d = decide(asked(read=lambda t: "stoppen", answers_over=["stop_scan"]), "ik wil stoppen en doodgaan", intent)
    assert d.kind == kind


@pytest.mark.parametrize("intent", ["distress", "stop_scan", "inform"])
def test_1_crisis_wording_interrupts_whatever_the_intent(intent):
    d = decide(asked(read=lambda t: "stoppen", answers_over=["stop_scan"]), "ik wil stoppen met leven", intent)
    assert (d.kind, d.step) == ("interrupt", "crisis")


def test_2_living_from_the_business_is_no_crisis():
    assert decide(asked(read=lambda t: "nee"), "nee, niet genoeg om van te leven", "inform").kind == "read"


@pytest.mark.parametrize("text, expected", [
    ("\U0001F44D", True), ("\U0001F44D\U0001F3FB", True), ("\u2705", True), ("\U0001F44E", False),
    ("\U0001F44D\U0001F44E", None), ("\U0001F642", None),
    ("geen bezwaar", True), ("geen probleem", True), ("nee, geen probleem", False),
])
def test_yes_no_from_a_thumb_and_no_objection(text, expected):
    assert yes_no_from(text, None) is expected
