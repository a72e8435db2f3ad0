"""The catalogue is the one source of truth: it must match the contract, the domain
and its own examples."""
import re
from pathlib import Path

import pytest
import yaml

from actions.catalogue import catalogue, interpret, validate_catalogue
from actions.parsing import UNKNOWN

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())

# From ../shared/docs/contract.md: the question ids and their values.
CONTRACT_CHOICES = {
    "business_form": ["eenmanszaak", "vof", "maatschap", "bv", "anders"],
    "household": ["alleenstaand", "samenwonend"],
    "benefit": ["bijstand", "ww", "geen", "anders"],
    "revenue_trend": ["gestegen", "gelijk", "licht_gedaald", "gedaald", "sterk_gedaald"],
    "fixed_costs_paid": ["altijd", "meestal", "vaak_niet", "nee"],
    "tax_arrears": ["nee", "regeling_loopt", "achterstand", "regeling_loopt_niet"],
    "administration": ["bij", "achter", "ver_achter", "geen"],
    "opens_mail": ["ja", "soms_niet", "nee"],
    "financing_asked": ["niet_gevraagd", "afgewezen", "lopend", "toegekend"],
    "main_cause": ["klant_weg", "kosten", "ziekte", "scheiding", "mantelzorg", "groei", "seizoen", "anders"],
    "outlook": ["ja", "misschien", "nee", "stoppen"],
    "help_wanted": ["coach", "administratie", "financiering", "schulden", "stoppen", "praten"],
}
CONTRACT_TYPES = {
    "acute_measures": "bool", "lives_in_municipality": "bool", "late_returns": "bool",
    "years_in_business": "years", "hours_per_week": "hours", "age": "age", "household_other_income": "amount",
    "monthly_income": "amount", "payment_arrears": "count", "total_debt": "amount", "buffer_months": "months",
    "employees": "count",
}
# Questions added to the contract's (contract.md: "add to them freely").
ADDED_CHOICES = {
    "private_arrears": ["huur", "energie", "water", "zorgverzekering", "geen"],  # vroegsignalering
}
CONTRACT_INTENTS = """greet goodbye affirm deny thank start_scan ask_bbz ask_ioaz ask_help_options request_human
ask_privacy delete_my_data stop_scan dont_know explain_question bot_challenge distress inform out_of_scope""".split()
CONTRACT_SLOTS = """consent_contact contact_name contact_phone contact_email contact_preference
risk_score risk_level urgent risk_drivers indications referrals""".split()


def test_catalogue_has_exactly_the_contract_questions():
    assert sorted(catalogue().ids()) == sorted(list(CONTRACT_CHOICES) + list(CONTRACT_TYPES) + list(ADDED_CHOICES))


@pytest.mark.parametrize("qid, values", {**CONTRACT_CHOICES, **ADDED_CHOICES}.items())
def test_choice_values_are_the_contract_values(qid, values):
    assert catalogue()[qid].choice_values() == values


@pytest.mark.parametrize("qid, qtype", CONTRACT_TYPES.items())
def test_question_types(qid, qtype):
    assert catalogue()[qid].type == qtype


def test_domain_form_slots_and_ask_actions_follow_the_catalogue():
    assert DOMAIN["forms"]["scan_form"]["required_slots"] == catalogue().ids()
    for qid in catalogue().ids():
        assert qid in DOMAIN["slots"]
        assert f"action_ask_{qid}" in DOMAIN["actions"]
    # no question text in the domain: it lives in the catalogue only
    responses = " ".join(str(r) for r in DOMAIN["responses"].values())
    for q in catalogue().questions:
        assert q.question not in responses


def test_domain_has_contract_intents_and_slots():
    assert set(CONTRACT_INTENTS) <= set(DOMAIN["intents"])
    assert set(CONTRACT_SLOTS) <= set(DOMAIN["slots"])


def quoted_examples(example: str):
    return re.findall(r"'([^']+)'", example)


@pytest.mark.parametrize("q", catalogue().questions, ids=lambda q: q.id)
def test_every_example_in_the_catalogue_is_understood(q):
    examples = quoted_examples(q.example)
    if q.type in ("choice", "multi_choice"):
        examples += [c.label for c in q.choices]
    assert examples or q.type == "bool"
    for text in examples:
        result = interpret(q, text)
        assert result.ok, f"{q.id}: example {text!r} is not understood"


@pytest.mark.parametrize("q", catalogue().questions, ids=lambda q: q.id)
def test_every_question_accepts_dont_know(q):
    assert interpret(q, "weet ik niet").value == UNKNOWN


@pytest.mark.parametrize("q", catalogue().questions, ids=lambda q: q.id)
def test_question_texts_are_short_b1_sentences(q):
    for text in (q.question, q.why, q.help or ""):
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            assert len(sentence.split()) <= 22, f"{q.id}: long sentence: {sentence}"
    assert q.question.count("?") >= 1


def test_validation_names_the_wrong_field():
    problems = validate_catalogue({"questions": [{"id": "age", "type": "leeftijd", "question": "x", "why": "y"}]})
    assert "age: 'example' is missing" in problems
    assert "age: unknown type 'leeftijd'" in problems


@pytest.mark.parametrize(
    "text, expected",
    [("weet niet zeker", "misschien"), ("geen idee of het gaat lukken", "misschien"),
     ("weet ik niet", UNKNOWN), ("geen idee", UNKNOWN)],
)
def test_a_choice_that_sounds_like_dont_know_wins_over_dont_know(text, expected):
    outlook = next(q for q in catalogue().questions if q.id == "outlook")
    assert interpret(outlook, text).value == expected


def test_amounts_in_help_texts_come_from_the_gemeente_configuration():
    from datetime import date

    from actions.gemeente import gemeente

    config, on = gemeente(), date(2025, 3, 1)
    for q in catalogue().questions:
        for name in re.findall(r"\{(\w+)\}", q.help or ""):
            assert name in config.amounts, f"{q.id}: {name} is not an amount in the gemeente configuration"
    hours = catalogue()["hours_per_week"].help
    assert config.with_amounts(hours, on) == hours.replace("{urencriterium}", "1.225")


def test_special_category_choices_are_marked_and_only_where_the_separate_consent_covers_them():
    from actions.outcome.staff_summary import CAUSE, SENSITIVE_CAUSES

    marked = {(q.id, c.value) for q in catalogue().questions for c in q.choices if c.sensitive}
    assert {qid for qid, _ in marked} == {CAUSE}
    assert SENSITIVE_CAUSES == {"ziekte", "scheiding", "mantelzorg"}


@pytest.mark.parametrize("text", ["min 500", "-300", "ik draai 400 verlies per maand", "ik leg er 200 op toe"])
def test_a_loss_leaves_nothing_over_for_the_income_question(text):
    """'Hoeveel houdt u over?' with a loss: nothing is left over (0), not out of range
    and not the size of the loss taken as income."""
    result = interpret(catalogue().by_id["monthly_income"], text)
    assert result.ok and result.value == 0


def test_a_loss_is_out_of_range_where_the_question_has_no_loss():
    result = interpret(catalogue().by_id["total_debt"], "min 500")
    assert not result.ok and result.reason == "out_of_range"


def test_the_debt_question_adds_up_the_debts_listed():
    result = interpret(catalogue().by_id["total_debt"], "3.000 bij de belasting en 2.000 bij een leverancier")
    assert result.ok and result.value == 5000


@pytest.mark.parametrize("key", ["adds_up", "loss_is_zero", "period"])
def test_amount_only_keys_are_refused_on_other_types(key):
    problems = validate_catalogue({"questions": [{"id": "age", "type": "age", "topic": "t", "question": "Hoe oud?",
                                                  "why": "w", "example": "e", key: True}]})
    assert problems == [f"age: '{key}' is only for amount questions"]


@pytest.mark.parametrize(
    "qid, text, expected",
    [
        # someone else's "nee" is not the user's: the bank said no = refused
        ("financing_asked", "de bank zei nee", "afgewezen"), ("financing_asked", "ik kreeg een nee van Qredits", "afgewezen"),
        ("financing_asked", "nee", "niet_gevraagd"),
        ("revenue_trend", "het gaat slechter", "gedaald"), ("revenue_trend", "de omzet zakt in", "sterk_gedaald"),
        ("fixed_costs_paid", "lukt nog net", "meestal"), ("fixed_costs_paid", "de huur ligt achter", "vaak_niet"),
        # a "ja" that goes on to say the bills are behind is no "altijd"
        ("fixed_costs_paid", "ja, ik loop 3 maanden achter met de huur", "vaak_niet"),
        ("fixed_costs_paid", "nee, ik loop niet achter", "nee"),
        ("household", "ik woon bij mijn ouders", "alleenstaand"),
        ("household", "gescheiden", "alleenstaand"), ("household", "gescheiden, nu samen met mijn nieuwe vriend", "samenwonend"),
        ("household", "LAT-relatie", "alleenstaand"), ("household", "mijn partner woont niet bij mij", "alleenstaand"),
        ("household", "met mijn vrouw en kids", "samenwonend"),
        # a toeslag is no uitkering, and gives way to one named with it
        ("benefit", "alleen huurtoeslag", "geen"), ("benefit", "bijstand en huurtoeslag", "bijstand"),
        ("tax_arrears", "ik heb een betalingsregeling maar kan die niet meer betalen", "regeling_loopt_niet"),
        ("tax_arrears", "betalingsregeling", "regeling_loopt"),
        ("administration", "dat doet mijn boekhouder", "bij"), ("administration", "het is een chaos", "ver_achter"),
        ("administration", "mijn boekhouder loopt achter", "achter"),
        ("outlook", "ik zie het somber in", "nee"), ("outlook", "met hulp wel", "misschien"),
    ],
)
def test_choices_as_people_write_them(qid, text, expected):
    """(A hyphen is a space to the choices: 'burn-out' is 'burn out'.)"""
    result = interpret(catalogue().by_id[qid], text)
    assert result.ok and result.value == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("alle rekeningen", ["huur", "energie", "water", "zorgverzekering"]),
        ("overal achterstanden", ["huur", "energie", "water", "zorgverzekering"]),
        ("alles behalve water", ["huur", "energie", "zorgverzekering"]),
        ("alles, op de huur na", ["energie", "water", "zorgverzekering"]),
        # "none" gives way to bills named, and wins with its own longer phrase
        ("de huur, maar verder niks", ["huur"]), ("nee, thuis is alles betaald", ["geen"]),
        ("alles op tijd betaald", ["geen"]), ("niet alles, alleen de huur", ["huur"]),
    ],
)
def test_every_bill_at_once_and_none_gives_way(text, expected):
    result = interpret(catalogue().by_id["private_arrears"], text)
    assert result.ok and result.value == expected


def test_all_words_only_on_multi_choice_questions():
    problems = validate_catalogue({"questions": [{"id": "age", "type": "age", "topic": "t", "question": "Hoe oud?",
                                                  "why": "w", "example": "e", "all_words": ["alles"]}]})
    assert problems == ["age: 'all_words' is only for multi_choice questions"]


@pytest.mark.parametrize(
    "qid, text, expected",
    [
        # a topic word that holds a negation is a yes, and is not negated by itself
        ("late_returns", "de btw niet ingediend", True), ("late_returns", "nog niet ingediend", True),
        ("late_returns", "ik heb het niet vergeten", False), ("late_returns", "niet te laat", False),
        ("late_returns", "de btw-aangifte ligt nog", True), ("late_returns", "geen boete gehad", False),
        # topic words also as the start of a compound
        ("acute_measures", "het incassobureau belt steeds", True), ("acute_measures", "er loopt een beslaglegging", True),
        ("acute_measures", "de huisbaas wil me eruit zetten", True), ("acute_measures", "nee, geen beslaglegging", False),
    ],
)
def test_yes_no_topic_words_as_people_write_them(qid, text, expected):
    result = interpret(catalogue().by_id[qid], text)
    assert result.ok and result.value is expected


@pytest.mark.parametrize(
    "qid, text, expected",
    [("payment_arrears", "de telefoonaanbieder en de leasemaatschappij", 2), ("payment_arrears", "de energieleverancier", 1),
     ("employees", "alleen ikzelf", 0), ("employees", "niemand, alleen mezelf", 0)],
)
def test_counts_as_people_write_them(qid, text, expected):
    result = interpret(catalogue().by_id[qid], text)
    assert result.ok and result.value == expected


@pytest.mark.parametrize("text, question", [
    ("wat is een bv?", None), ("wat betekent fte", None), ("wat is omzet precies", "revenue_trend"),
    ("wat bedoelt u met vaste lasten?", "fixed_costs_paid"), ("wat is een btw-aangifte", "late_returns"),
])
def test_the_word_asked_about_is_found_in_the_terms_or_a_questions_help(text, question):
    term = catalogue().term_named(text)
    assert term is not None and term.question == question and term.text


def test_no_term_in_a_plain_why():
    assert catalogue().term_named("waarom vraag je dat?") is None


def test_every_term_word_is_explained_once_and_every_question_that_defines_has_a_help():
    data = yaml.safe_load(Path("actions/catalogue.yml").read_text(encoding="utf-8"))
    assert validate_catalogue(data) == []
    twice = dict(data, terms=[*data["terms"], {"words": ["omzet"], "text": "Omzet is geld."}])
    problems = validate_catalogue(twice)
    assert [p for p in problems if "omzet" in p] == [f"revenue_trend: 'omzet' is already explained by term {len(twice['terms'])}"]
    no_help = dict(data, questions=[dict(q, help=None) if q["id"] == "revenue_trend" else q for q in data["questions"]])
    assert "revenue_trend: a term needs words and a text (a question that defines words needs a help)" in \
        validate_catalogue(no_help)


@pytest.mark.parametrize("qid, text", [
    ("payment_arrears", "3 maanden"), ("employees", "€ 1500"), ("monthly_income", "ik heb een vrouw en 2 kinderen"),
    ("household_other_income", "we hebben 3 kinderen"), ("age", "ik heb 2 kinderen"),
])
def test_a_number_of_something_else_is_asked_again(qid, text):
    """'3 maanden' says how long, not with how many: the question is asked again with its example."""
    assert not interpret(catalogue().by_id[qid], text).ok


@pytest.mark.parametrize("text, expected", [("burn-out", ["ziekte"]), ("mijn man is overleden", ["anders"]),
                                            ("ziek en daarna overleed mijn vader", ["ziekte", "anders"])])
def test_causes_as_people_write_them(text, expected):
    result = interpret(catalogue().by_id["main_cause"], text)
    assert result.ok and result.value == expected


def test_a_toeslag_alone_is_asked_again_with_the_difference_explained():
    question = catalogue().by_id["benefit"]
    assert not interpret(question, "huurtoeslag").ok
    assert "Toeslagen, zoals huurtoeslag, zijn geen uitkering." in question.example


@pytest.mark.parametrize("text, expected", [
    ("ik woon in Amsterdam", False), ("wij wonen in amersfoort", False), ("ik woon in Voorbeeldstad", True),
    ("woonachtig te voorbeeldstad", True), ("ja, ik woon in Voorbeeldstad-Noord", True),
    ("ik woon in het centrum", None), ("ja", True), ("nee, in Utrecht", False), ("ik woon niet in Amsterdam", None),
])
def test_the_place_someone_names_answers_whether_they_live_in_the_gemeente(text, expected):
    """'ik woon in het centrum' names no place: it falls to the yes/no reading (and is asked again)."""
    question = catalogue().by_id["lives_in_municipality"]
    assert question.asks_place and not catalogue().by_id["acute_measures"].asks_place
    result = interpret(question, text, place="Voorbeeldstad")
    assert (result.value if result.ok else None) is expected


@pytest.mark.parametrize("qid, value, words", [
    ("payment_arrears", 0, "geen partijen"), ("payment_arrears", 1, "1 partij"), ("payment_arrears", 2, "2 of meer partijen"),
    ("employees", 1, "1 persoon"), ("employees", 4, "4 mensen"), ("employees", 0, "geen mensen"),
])
def test_a_count_is_shown_with_what_it_counts(qid, value, words):
    """'Uw antwoord: 2.' says little; payment_arrears is stored capped at 2, so 2 is '2 of meer'."""
    from actions.catalogue import describe_value

    assert describe_value(catalogue().by_id[qid], value) == words


def test_unit_only_on_count_questions_with_two_words():
    base = {"id": "age", "type": "age", "topic": "t", "question": "Hoe oud?", "why": "w", "example": "e"}
    assert validate_catalogue({"questions": [dict(base, unit=["jaar", "jaren"])]}) == [
        "age: 'unit' is only for count questions: [one, more]"]
    assert validate_catalogue({"questions": [dict(base, type="count", unit=["partij"])]}) == [
        "age: 'unit' is only for count questions: [one, more]"]
