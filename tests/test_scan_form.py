"""The scan form's validation and ask actions, run as the action server runs them."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import catalogue
from actions.parsing import UNKNOWN
from actions.scan_form import ASK_ACTIONS, ActionExplainQuestion, ValidateScanForm
from tests.helpers import make_tracker, slot_events
from tests.profiles import HEALTHY

DOMAIN = {"forms": {"scan_form": {"required_slots": catalogue().ids()}}}


def answers_before(qid, **overrides):
    """Plausible answers to every question before ``qid``."""
    base = dict(HEALTHY, revenue_trend="gedaald", fixed_costs_paid="meestal", monthly_income=900,
                household_other_income=1200, payment_arrears=1, private_arrears=["geen"], total_debt=12000, buffer_months=1,
                main_cause=["kosten"], outlook="misschien", age=50)
    ids = catalogue().ids()
    answers = {k: v for k, v in base.items() if ids.index(k) < ids.index(qid)}
    answers.update(overrides)
    return answers


async def validate(text, requested, intent="inform", answers=None, **kw):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(answers if answers is not None else answers_before(requested), text, intent, requested, **kw)
    events = await ValidateScanForm().run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "requested, text, expected",
    [
        ("acute_measures", "de deurwaarder is vorige week geweest", True),
        ("business_form", "ik heb een bv", "bv"),
        ("years_in_business", "sinds 2019", 7),
        ("hours_per_week", "drie dagen per week", 24),
        ("revenue_trend", "de omzet is gehalveerd", "sterk_gedaald"),
        ("revenue_trend", "ongeveer 20% minder", "gedaald"),
        ("fixed_costs_paid", "lukt vaak niet", "vaak_niet"),
        ("monthly_income", "zo'n 800 euro", 800),
        ("household", "ik woon samen met mijn vriendin", "samenwonend"),
        ("tax_arrears", "er loopt een betalingsregeling", "regeling_loopt"),
        ("payment_arrears", "de huur en de energie", 2),
        ("total_debt", "30k", 30000),
        ("total_debt", "anderhalve ton", 150000),
        ("buffer_months", "een half jaar", 6),
        ("administration", "een half jaar achter", "achter"),
        ("opens_mail", "ik laat de post liggen", "nee"),
        ("financing_asked", "de bank heeft nee gezegd", "afgewezen"),
        ("main_cause", "een grote klant is failliet gegaan en de kosten stegen", ["klant_weg", "kosten"]),
        ("outlook", "ik denk het wel", "ja"),
        ("age", "geboren in 1968", 58),
        ("help_wanted", "hulp bij mijn administratie en een coach", ["coach", "administratie"]),
    ],
)
async def test_free_text_answers_fill_the_requested_slot(requested, text, expected, monkeypatch):
    monkeypatch.setattr("actions.scan_form._today", lambda: __import__("datetime").date(2026, 11, 27))
    events, messages = await validate(text, requested)
    slots = slot_events(events)
    assert slots[requested] == expected
    assert messages == []
    assert slots["requested_slot"] != requested


@pytest.mark.asyncio
async def test_next_question_follows_the_catalogue_order():
    events, _ = await validate("nee", "acute_measures", intent="deny", answers={})
    assert slot_events(events)["requested_slot"] == catalogue().ids()[1]


@pytest.mark.asyncio
async def test_partner_income_is_skipped_when_living_alone():
    events, _ = await validate("ik woon alleen", "household")
    slots = slot_events(events)
    assert slots["household"] == "alleenstaand"
    assert slots["requested_slot"] == "benefit"


@pytest.mark.asyncio
async def test_partner_income_is_asked_when_living_together():
    events, _ = await validate("getrouwd", "household")
    assert slot_events(events)["requested_slot"] == "household_other_income"


@pytest.mark.asyncio
async def test_not_started_skips_business_history_questions():
    answers = answers_before("years_in_business")
    events, _ = await validate("nog niet gestart", "years_in_business", answers=answers)
    assert slot_events(events)["years_in_business"] == 0
    # hours still apply; then employees, revenue and fixed costs are skipped
    answers.update(years_in_business=0)
    events, _ = await validate("fulltime", "hours_per_week", answers=answers)
    assert slot_events(events)["requested_slot"] == "monthly_income"


def test_unknown_earlier_answer_keeps_the_question():
    answers = answers_before("household", years_in_business=UNKNOWN)
    assert "revenue_trend" in catalogue().applicable_ids(answers)


@pytest.mark.asyncio
async def test_button_payload_is_used_as_the_answer():
    events, _ = await validate(
        '/inform{"answer":"licht_gedaald"}', "revenue_trend", entities=[{"entity": "answer", "value": "licht_gedaald"}]
    )
    assert slot_events(events)["revenue_trend"] == "licht_gedaald"


@pytest.mark.asyncio
async def test_typed_option_number_is_accepted():
    events, _ = await validate("2", "business_form")
    assert slot_events(events)["business_form"] == "vof"


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("weet ik niet", "dont_know"), ("geen flauw idee", "inform")])
async def test_dont_know_is_stored_as_onbekend(text, intent):
    events, _ = await validate(text, "total_debt", intent=intent)
    assert slot_events(events)["total_debt"] == UNKNOWN


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "requested, text, first_words",
    [
        ("age", "300", "Dat lijkt niet te kloppen."),
        ("total_debt", "-5000", "Dat lijkt niet te kloppen."),
        ("hours_per_week", "200 uur", "Dat lijkt niet te kloppen."),
        ("total_debt", "veel te veel", "Sorry, dat begrijp ik niet goed."),
        ("business_form", "geen idee wat dat betekent maar goed", None),
    ],
)
async def test_bad_answer_is_asked_again_once_with_an_example(requested, text, first_words):
    events, messages = await validate(text, requested)
    slots = slot_events(events)
    if first_words is None:  # "geen idee" -> onbekend, never stuck
        assert slots[requested] == UNKNOWN
        return
    assert slots[requested] is None
    assert slots["scan_retry"] == requested
    assert slots["requested_slot"] == requested
    assert messages[0]["text"].startswith(first_words)
    assert catalogue()[requested].example in messages[0]["text"]

    # the second failure is accepted as "weet ik niet" so nobody gets stuck
    events, messages = await validate(text, requested, extra_slots={"scan_retry": requested})
    slots = slot_events(events)
    assert slots[requested] == UNKNOWN
    assert slots["scan_retry"] is None
    assert "weet ik niet" in messages[0]["text"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "intent, text",
    [
        ("stop_scan", "stop"), ("request_human", "ik wil een mens spreken"), ("distress", "ik zie het niet meer zitten"),
        ("explain_question", "waarom vraag je dat"), ("ask_privacy", "is dit anoniem"),
        ("out_of_scope", "hoe vraag ik een paspoort aan"), ("ask_bbz", "wat is de bbz"),
        ("out_of_scope", "wanneer wordt het grofvuil opgehaald"),
    ],
)
async def test_interruptions_are_not_answers(intent, text):
    events, messages = await validate(text, "total_debt", intent=intent)
    assert events == [] and messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("de omzet is ingestort", "explain_question"),
                                          ("gehalveerd eigenlijk", "bot_challenge")])
async def test_an_answer_taken_for_a_question_still_counts(text, intent):
    events, _ = await validate(text, "revenue_trend", intent=intent)
    assert slot_events(events)["revenue_trend"] == "sterk_gedaald"


@pytest.mark.asyncio
async def test_an_answer_the_classifier_was_unsure_of_still_counts():
    # Short answers such as "vof" can fall under the NLU confidence threshold (nlu_fallback);
    # inside the scan the parser reads them as answers all the same.
    events, messages = await validate("vof", "business_form", intent="nlu_fallback")
    assert slot_events(events)["business_form"] == "vof"
    assert messages == []


@pytest.mark.asyncio
async def test_an_answer_taken_for_distress_is_kept_and_113_is_offered():
    events, messages = await validate("de omzet is ingestort", "revenue_trend", intent="distress")
    assert slot_events(events)["revenue_trend"] == "sterk_gedaald"
    assert "0800-0113" in messages[0]["text"]
    assert slot_events(events)["requested_slot"] != "revenue_trend"


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["ik wil er een eind aan maken", "ik kan niet meer"])
async def test_crisis_or_pure_distress_stops_the_scan(text):
    events, messages = await validate(text, "revenue_trend", intent="distress")
    assert events == [] and messages == []


@pytest.mark.asyncio
async def test_a_real_question_is_not_an_answer():
    events, _ = await validate("wat bedoel je met omzet?", "revenue_trend", intent="explain_question")
    assert events == []


@pytest.mark.asyncio
async def test_answer_that_looks_like_another_intent_still_counts():
    events, _ = await validate("ik ben 62 en wil eigenlijk stoppen", "age", intent="ask_ioaz")
    assert slot_events(events)["age"] == 62


@pytest.mark.asyncio
async def test_stopping_the_business_answers_the_outlook_question():
    events, _ = await validate("ik wil stoppen met mijn bedrijf", "outlook", intent="stop_scan")
    assert slot_events(events)["outlook"] == "stoppen"


@pytest.mark.asyncio
async def test_correction_of_an_earlier_answer():
    answers = answers_before("total_debt", hours_per_week=40)
    events, messages = await validate("sorry, ik werk geen 40 maar 30 uur per week", "total_debt", answers=answers)
    slots = slot_events(events)
    assert slots["hours_per_week"] == 30
    assert "total_debt" not in slots or slots["total_debt"] is None
    assert slots["requested_slot"] == "total_debt"
    assert messages[0]["text"] == "Ik heb uw antwoord aangepast. Uw uren per week: 30 uur per week."


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "requested, text, expected",
    [
        ("administration", "een paar maanden achter, sorry", "achter"),
        ("hours_per_week", "sorry, eigenlijk 30 uur", 30),
    ],
)
async def test_an_answer_with_a_correction_word_answers_the_current_question(requested, text, expected):
    answers = answers_before(requested, buffer_months=6, hours_per_week=40)
    events, _ = await validate(text, requested, answers=answers)
    slots = slot_events(events)
    assert slots[requested] == expected
    assert slots.get("buffer_months", 6) == 6


@pytest.mark.asyncio
async def test_back_to_the_previous_question():
    answers = answers_before("total_debt")
    events, messages = await validate("ik wil terug naar de vorige vraag", "total_debt", answers=answers)
    slots = slot_events(events)
    assert slots["private_arrears"] is None  # asked because payment_arrears is 1
    assert slots["requested_slot"] == "private_arrears"
    assert messages


@pytest.mark.asyncio
async def test_last_answer_completes_the_form():
    answers = answers_before("help_wanted")
    events, _ = await validate("een coach", "help_wanted", answers=answers)
    assert slot_events(events)["requested_slot"] is None


@pytest.mark.asyncio
async def test_activation_without_requested_slot_only_sets_the_first_question():
    events, messages = await validate("ik wil de scan doen", None, intent="start_scan", answers={})
    assert slot_events(events) == {"requested_slot": "acute_measures"}
    assert messages == []


@pytest.mark.asyncio
async def test_ask_action_asks_its_question_with_buttons_and_progress():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(answers_before("revenue_trend"), requested="revenue_trend")
    events = await ASK_ACTIONS["revenue_trend"]().run(dispatcher, tracker, DOMAIN)
    assert events == []
    message = dispatcher.messages[0]
    assert catalogue()["revenue_trend"].question in message["text"]
    assert message["text"].startswith("Vraag ")
    titles = [b["title"] for b in message["buttons"]]
    assert [c.label for c in catalogue()["revenue_trend"].choices] == titles[:5]
    assert "Weet ik niet" in titles


@pytest.mark.asyncio
async def test_ask_action_for_a_skipped_question_asks_the_next_applicable_one():
    dispatcher = CollectingDispatcher()
    answers = answers_before("household_other_income", household="alleenstaand")
    tracker = make_tracker(answers, requested="household_other_income")
    events = await ASK_ACTIONS["household_other_income"]().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events) == {"requested_slot": "benefit"}
    assert catalogue()["benefit"].question in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_explanation_names_why_and_explains_the_word():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(answers_before("hours_per_week"), text="wat is een urencriterium", intent="explain_question",
                           requested="hours_per_week")
    await ActionExplainQuestion().run(dispatcher, tracker, DOMAIN)
    text = dispatcher.messages[0]["text"]
    assert catalogue()["hours_per_week"].why in text
    assert "1.225 uur" in text


@pytest.mark.asyncio
async def test_several_answers_in_one_message_fill_them_all_each_confirmed_and_are_skipped(monkeypatch):
    monkeypatch.setattr("actions.scan_form._today", lambda: __import__("datetime").date(2026, 11, 27))
    events, messages = await validate("nee. ik ben 58, heb sinds 1995 een eenmanszaak en werk zo'n 50 uur",
                                      "acute_measures", answers={})
    slots = slot_events(events)
    assert (slots["acute_measures"], slots["age"], slots["business_form"], slots["years_in_business"],
            slots["hours_per_week"]) == (False, 58, "eenmanszaak", 31, 50)
    lines = messages[0]["text"].split("\n")
    assert len(lines) == 4 and all(line.endswith("Dat neem ik mee.") for line in lines)
    assert slots["requested_slot"] == "employees"


@pytest.mark.asyncio
async def test_a_number_question_reads_its_own_words_in_a_message_with_several_answers():
    events, _ = await validate("fulltime, en ik heb 2 medewerkers in dienst", "hours_per_week")
    assert slot_events(events)["hours_per_week"] == 40 and slot_events(events)["employees"] == 2


@pytest.mark.asyncio
async def test_a_fact_noted_before_the_scan_can_be_corrected_later():
    answers = answers_before("total_debt", age=61)
    events, messages = await validate("sorry, ik ben 59", "total_debt", answers=answers)
    assert slot_events(events)["age"] == 59 and "aangepast" in messages[0]["text"]


@pytest.mark.asyncio
@pytest.mark.parametrize("intent", ["stop_scan", "inform"])
async def test_stopping_with_life_gives_113_and_stores_nothing(intent):
    # life-or-death words that the crisis patterns do not know: the form itself gives 113
    events, messages = await validate("ik wil stoppen en doodgaan", "outlook", intent=intent)
    assert "0800-0113" in messages[0]["text"]
    assert slot_events(events)["outlook"] is None and slot_events(events)["requested_slot"] == "outlook"


def test_crisis_wording_is_an_interruption_before_any_option():
    """'ik wil stoppen met leven' on the question with the option 'stoppen': the crisis net
    (which also makes the intent distress) wins over the typed option."""
    from actions.answer_rule import decide, scan_question

    decision = decide(scan_question(catalogue()["outlook"], lambda text: None), "ik wil stoppen met leven", "stop_scan")
    assert (decision.kind, decision.step) == ("interrupt", "crisis")


@pytest.mark.asyncio
@pytest.mark.parametrize("intent", ["dont_know", "inform"])
@pytest.mark.parametrize("requested, text, expected", [
    ("total_debt", "ik weet het niet precies, zo'n 20.000", 20000),
    ("monthly_income", "weet ik niet precies, rond de 1500 denk ik", 1500),
    ("employees", "geen idee eigenlijk, 3 of zo", 3),
])
async def test_a_number_given_with_dont_know_wins(requested, text, expected, intent):
    events, _ = await validate(text, requested, intent=intent)
    assert slot_events(events)[requested] == expected


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["geen idee", "ik weet het niet precies", "weet ik niet, geen zicht op"])
async def test_dont_know_without_a_number_stays_onbekend_at_number_questions(text):
    for requested in ("total_debt", "employees", "buffer_months"):
        events, _ = await validate(text, requested, intent="dont_know")
        assert slot_events(events)[requested] == UNKNOWN, (requested, text)


@pytest.mark.asyncio
@pytest.mark.parametrize("requested, text, expected", [
    ("household", "ik ben alleen", "alleenstaand"), ("administration", "het is een chaos", "ver_achter"),
    ("administration", "ik ben ver achter", "ver_achter"),
])
async def test_an_answer_the_classifier_is_unsure_is_despair_is_just_the_answer(requested, text, expected):
    """The classifier gave these answers distress at 0.55-0.7 (model of 2026-11-30): the
    words answer the question, so no 113 text and no distress mark in the outcome."""
    events, messages = await validate(text, requested, intent="distress", confidence=0.6)
    slots = slot_events(events)
    assert slots[requested] == expected
    assert messages == [] and not slots.get("distress_reported")


@pytest.mark.asyncio
async def test_unsure_distress_that_is_no_answer_gets_113_and_the_same_question():
    """'ik ben alleen' at the income question (distress 0.56): 113 is offered, the scan
    goes on with the same question, and the outcome is not marked."""
    events, messages = await validate("ik ben alleen", "monthly_income", intent="distress", confidence=0.56)
    slots = slot_events(events)
    assert "0800-0113" in messages[0]["text"]
    assert slots["monthly_income"] is None and slots["requested_slot"] == "monthly_income"
    assert "distress_reported" not in slots


@pytest.mark.asyncio
async def test_sure_distress_that_is_no_answer_interrupts():
    events, messages = await validate("ik ben op", "hours_per_week", intent="distress", confidence=0.94)
    assert events == [] and messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize("requested, text, term_word", [
    ("years_in_business", "wat is een bv eigenlijk?", "bv"),        # a word of an earlier question
    ("hours_per_week", "wat is btw?", "btw"),                        # a glossary word
    ("years_in_business", "wat bedoel je met omzet?", "omzet"),      # a later question's help
    ("total_debt", "wat is het urencriterium?", "urencriterium"),    # help with an amount in it
])
async def test_a_word_asked_about_gets_its_own_line_not_the_current_question(requested, text, term_word):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(answers_before(requested), text=text, intent="explain_question", requested=requested)
    await ActionExplainQuestion().run(dispatcher, tracker, DOMAIN)
    [message] = dispatcher.messages
    term = catalogue().term_named(term_word)
    assert term is not None and message["text"].split()[0] == term.text.split()[0]
    assert catalogue()[requested].why not in message["text"]
    assert "{" not in message["text"]  # placeholders filled ({urencriterium} -> 1.225)


@pytest.mark.asyncio
async def test_outside_the_scan_a_word_is_explained_and_what_i_can_do_follows():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({}, text="wat is een vof?", intent="explain_question", form_active=False)
    await ActionExplainQuestion().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["text"].startswith("Een vof")
    assert len(dispatcher.messages) == 2 and dispatcher.messages[1]["buttons"]


@pytest.mark.asyncio
@pytest.mark.parametrize("text, expected", [("ik woon in Amsterdam", False), ("ik woon in Voorbeeldstad", True)])
async def test_the_place_named_answers_whether_someone_lives_in_this_gemeente(text, expected):
    from actions.gemeente import gemeente

    assert gemeente().name == "Voorbeeldstad"
    events, _ = await validate(text, "lives_in_municipality")
    assert slot_events(events)["lives_in_municipality"] is expected
