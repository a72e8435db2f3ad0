"""Facts that live in one place, and names that must match across files.

Each test fails when a second copy of a fact drifts from its home, or when a file names
something (a situation, an intent, an outcome) that the file it refers to does not know."""
import copy
import re
from pathlib import Path

import pytest
import yaml

from actions.answer_rule import rule_data
from actions.catalogue import catalogue
from actions.gemeente import DEFAULT_PATH, GemeenteConfigError, dutch_today, gemeente, parse_config
from actions.outcome.indications import IOAZ_MIN_AGE
from actions.outcome.names import SITUATIONS
from actions.outcome.referrals import PRIORITY, situations
from actions.outcome.result import build_outcome
from tests.profiles import ACUTE, HEALTHY, STOPPING_AT_58

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RAW_CATALOGUE = (ROOT / "actions" / "catalogue.yml").read_text(encoding="utf-8")
RAW_CONFIG = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def _domain_texts():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            if variant.get("text"):
                yield name, variant["text"]


# ---- the IOAZ age: its home is the decision table (IOAZ_MIN_AGE) ---------------------

AGE_AND_OLDER = re.compile(r"(\d+) jaar of ouder")


def test_the_catalogue_names_the_ioaz_age_only_through_its_placeholder():
    assert "{ioaz_min_age}" in RAW_CATALOGUE
    assert not AGE_AND_OLDER.search(RAW_CATALOGUE)
    why = catalogue()["age"].why
    assert f"{IOAZ_MIN_AGE} jaar of ouder" in why and "{" not in why


def test_every_reply_that_names_the_ioaz_age_names_the_age_of_the_rule():
    # Rasa sends the domain's replies itself, so they cannot take the figure from the
    # code: this test keeps them equal to it.
    named = [(name, int(age)) for name, text in _domain_texts() for age in AGE_AND_OLDER.findall(text)]
    assert ("utter_ask_ioaz", IOAZ_MIN_AGE) in named
    assert all(age == IOAZ_MIN_AGE for _, age in named), named


# ---- situations: one vocabulary, emitted by the outcome, named by the configuration ----

def test_the_referral_order_is_the_vocabulary_of_situations():
    assert list(PRIORITY) == list(SITUATIONS)


@pytest.mark.parametrize("answers", [HEALTHY, ACUTE, STOPPING_AT_58])
def test_the_outcome_emits_only_situations_of_the_vocabulary(answers):
    outcome = build_outcome(answers, gemeente(), dutch_today())
    tags = situations(answers, outcome.score, outcome.indications, outcome.distress, outcome.schuldhulp_rule)
    assert tags and tags <= set(SITUATIONS)


def test_every_situation_is_fitted_by_a_partner_of_the_example_configuration():
    fitted = {tag for partner in RAW_CONFIG["partners"] for tag in partner["fits"]}
    assert fitted == set(SITUATIONS)


def _broken(mutate):
    data = copy.deepcopy(RAW_CONFIG)
    mutate(data)
    return data


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["partners"][2]["fits"].append("schuldn"),
     "'partners[2].fits' names an unknown situation 'schuldn' (did you mean 'schulden'?"),
    (lambda d: d["partners"][0].update(fits=["Crisis"]),
     "'partners[0].fits' names an unknown situation 'Crisis' (did you mean 'crisis'?"),
    (lambda d: d["teams"][1]["handles"].append("bbz_startr"),
     "'teams[1].handles' names 'bbz_startr', which is no indication, situation or 'overig' (did you mean 'bbz_starter'?)"),
    (lambda d: d["ticket_outcomes"][0].update(id="Bbz aangevraagd"),
     "'ticket_outcomes[0].id' must be a name of a-z, 0-9 and _, not 'Bbz aangevraagd'"),
    (lambda d: d["ticket_outcomes"][1].update(id=d["ticket_outcomes"][0]["id"]),
     "'ticket_outcomes[1].id' 'bbz_aangevraagd' appears twice"),
    (lambda d: d["ticket_outcomes"][4].update(partner="ja"), "'ticket_outcomes[4].partner' must be true or false"),
    (lambda d: d["ticket_outcomes"][6].update(contct=False), "'ticket_outcomes[6].contct' is not a field of an outcome"),
    (lambda d: d["ticket_outcomes"][0].pop("label"), "'ticket_outcomes[0].label' is missing"),
])
def test_a_typo_in_a_name_of_the_configuration_stops_the_start_and_is_named(mutate, message):
    with pytest.raises(GemeenteConfigError) as refused:
        parse_config(_broken(mutate))
    assert message in str(refused.value)


def test_the_example_configuration_passes():
    parse_config(copy.deepcopy(RAW_CONFIG))


# ---- intents the answer rule names are intents of the domain ------------------------

def test_every_intent_the_answer_rule_or_a_question_names_is_an_intent_of_the_domain():
    intents = set(DOMAIN["intents"])
    named = set()
    for form in rule_data().forms.values():
        named |= form.interrupt_intents | form.question_intents | form.soft_intents
    for question in catalogue().questions:
        named |= set(question.answers_over)
    assert named and named <= intents, sorted(named - intents)


def test_the_handoff_form_slots_and_the_catalogue_are_slots_of_the_domain():
    slots = set(DOMAIN["slots"])
    assert set(catalogue().ids()) <= slots
    assert set(DOMAIN["forms"]["scan_form"]["required_slots"]) == set(catalogue().ids())
