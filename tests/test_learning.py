"""handoff/learning.py without a server: validation, grouping by similarity (deterministic,
paraphrases together), the export read by Rasa's own reader, and the retention purge on a
real SQLite database."""
import random
import uuid
from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import select

from handoff import learning, roles
from handoff.db import AuditEntry, Database, UnrecognisedMessage
from handoff.stats import iso_week

INTENTS = learning.domain_intents()
QUESTIONS = ("total_debt", "age")


def msg(text, reviewed=None, intent=None):
    return learning.Message(uuid.uuid4().hex, text, intent, 0.3, "rest", "2026-W49", None, reviewed)


def test_the_intents_come_from_the_domain_without_the_fallback():
    domain = yaml.safe_load(open("domain.yml", encoding="utf-8"))
    assert set(INTENTS) == {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]} - {"nlu_fallback"}
    unlabelled = [i for i in INTENTS if i not in learning.INTENT_LABELS]
    assert not unlabelled, f"add a B1 description for {unlabelled} to INTENT_LABELS in handoff/learning.py"
    assert all(learning.intent_label(i).endswith(f"({i})") for i in INTENTS)


def test_validation_is_strict():
    ok = {"id": uuid.uuid4().hex, "text": "kan ik  uitstel\nkrijgen", "intent": "ask_help_options", "confidence": 0.2,
          "channel": "telegram", "week": iso_week(date.today()), "question": "age"}
    fields = learning.validate(ok, INTENTS, QUESTIONS)
    assert fields["text"] == "kan ik uitstel krijgen"
    for bad in ({"text": "ik ben 4"}, {"text": "a@b"}, {"intent": "nlu_fallback"}, {"confidence": True},
                {"channel": None}, {"week": "2026-49"}, {"question": "x"}, {"conversation_id": "x"}):
        with pytest.raises(learning.MessageError):
            learning.validate({**ok, **bad}, INTENTS, QUESTIONS)
    with pytest.raises(learning.MessageError):
        learning.validate(["not", "a", "dict"], INTENTS, QUESTIONS)


PARAPHRASES = [
    ["hoe vraag ik een lening aan", "hoe kan ik een lening aanvragen", "ik wil een lening aanvragen"],
    ["kan ik mijn btw later betalen", "kan ik de btw later betalen"],
    ["mijn kat is ziek", "mijn hond is ziek geworden"],
    ["wat kost een kapper", "wat kost de kapper bij jullie"],
    ["ik heb [bedrag] schuld bij de belastingdienst", "schuld bij de belastingdienst van [bedrag]"],
]
LONERS = ["hallo??", "waar woont [naam]"]


def test_grouping_puts_paraphrases_together_and_keeps_others_apart():
    messages = [msg(t) for family in PARAPHRASES for t in family] + [msg(t) for t in LONERS]
    groups = [sorted(m.text for m in g) for g in learning.group(messages)]
    for family in PARAPHRASES:
        assert sorted(family) in groups
    for loner in LONERS:
        assert [loner] in groups
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)  # largest first


def test_grouping_is_deterministic_whatever_the_order():
    messages = [msg(t) for family in PARAPHRASES for t in family] + [msg(t) for t in LONERS]
    first = [[m.id for m in g] for g in learning.group(messages)]
    for seed in range(5):
        shuffled = list(messages)
        random.Random(seed).shuffle(shuffled)
        assert [[m.id for m in g] for g in learning.group(shuffled)] == first
    assert learning.group([]) == [] and len(learning.group(messages[:1])) == 1
    only_placeholders = [msg("[getal]"), msg("[naam]"), msg("ik wil een lening")]
    assert sum(len(g) for g in learning.group(only_placeholders)) == 3


def read_with_rasa(text):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    return {(m.get("intent"), m.get("text")) for m in RasaYAMLReader().reads(text).intent_examples}


def test_the_export_is_rasa_nlu_data_of_the_reviewed_ones():
    reviewed = [
        msg("hoe vraag ik een lening aan", "ask_help_options"),
        msg("ik heb [bedrag] schuld, bel [naam]", "describe_situation"),
        msg("[getal] [naam](entity) {x} [y][z]", "inform"),  # brackets never become entity syntax
        msg("mijn kat is ziek", learning.LEAVE_OUT),
        msg("Hoe vraag ik een LENING aan", "ask_help_options"),  # the same text twice: once
        msg("dubbel", "affirm"), msg("dubbel", "deny"),  # two intents for one text: left out
        msg("nog niet bekeken"),
    ]
    text = learning.export_yaml(reviewed, date(2026, 11, 30))
    assert text.startswith('version: "3.1"\n') and "1 text(s) left out" in text
    examples = read_with_rasa(text)
    assert examples == {("ask_help_options", "hoe vraag ik een lening aan"),
                        ("describe_situation", "ik heb 5000 euro schuld, bel Jansen"),
                        ("inform", "12 Jansen(entity) x y z")}
    assert read_with_rasa(learning.export_yaml([msg("niets", learning.LEAVE_OUT)])) == set()


def test_the_export_passes_rasas_validation_against_the_domain(tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.validator import Validator

    path = tmp_path / "reviewed.yml"
    path.write_text(learning.export_yaml([msg("kan ik uitstel krijgen van de btw", "ask_help_options"),
                                          msg("ik wil iemand bellen", "request_human")]), encoding="utf-8")
    data = load_data(str(path))
    assert {e.get("intent") for e in data.intent_examples} == {"ask_help_options", "request_human"}
    from rasa.shared.core.training_data.structures import StoryGraph

    validator = Validator(Domain.load("domain.yml"), data, StoryGraph([]), None)
    assert validator.verify_example_repetition_in_intents(ignore_warnings=False)
    assert all(i in validator.domain.intents for i in {"ask_help_options", "request_human"})


def test_the_purge_removes_old_messages_only(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'h.db'}", "k" * 40)
    db.create()
    today = date(2026, 11, 30)
    with db.session() as s:
        for age in (0, 89, 90, 91, 400):
            s.add(UnrecognisedMessage(id=f"{age:0>16}", text="tekst", channel="rest", week="2026-W49",
                                      received_on=today - timedelta(days=age)))
    assert learning.purge(db, 90, today) == 2
    with db.session() as s:
        left = sorted(int(i) for i in s.execute(select(UnrecognisedMessage.id)).scalars())
        assert left == [0, 89, 90]
        assert s.execute(select(AuditEntry.detail).where(AuditEntry.action == "purge")).scalar().startswith("2 ")
    assert learning.purge(db, 90, today) == 0


def test_review_takes_only_domain_intents_or_leave_out(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'h.db'}", "k" * 40)
    db.create()
    with db.session() as s:
        s.add(UnrecognisedMessage(id="a" * 16, text="tekst", channel="rest", week="2026-W49", received_on=date.today()))
    with pytest.raises(learning.MessageError):
        learning.review(db, ["a" * 16], "nlu_fallback", INTENTS, "tester")
    assert learning.review(db, ["a" * 16, "bestaat-niet-0000"], learning.LEAVE_OUT, INTENTS, "tester") == 1
    assert learning.reviewed(db)[0].reviewed_intent == learning.LEAVE_OUT
    assert learning.review(db, ["a" * 16], "", INTENTS, "tester") == 1
    assert learning.unreviewed(db)[1] == 1


def test_roles(tmp_path):
    from handoff import auth

    db = Database(f"sqlite:///{tmp_path / 'h.db'}", "k" * 40)
    db.create()
    auth.upsert_user(db, "anna", "een-lang-wachtwoord-3")
    assert roles.user_roles(db, "anna") == [] and not roles.can_review([])
    with pytest.raises(roles.RoleError):
        roles.set_user_roles(db, "anna", ["koning"])
    assert roles.grant(db, "anna", "leren") and roles.grant(db, "anna", "beheer")
    assert roles.user_roles(db, "anna") == ["beheer", "leren"] and roles.can_review(["leren"])
    assert not roles.set_user_roles(db, "niemand", ["leren"])
