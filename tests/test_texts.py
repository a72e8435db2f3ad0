"""The texts' one home (actions/texts.yml) and the one way to send them (texts.Speaker).

- every key the code names exists, and every text in the home is used (no dead texts);
- every call fills exactly the placeholders of its text, and every text renders;
- no action sends a message except through the Speaker, and nothing passes a literal
  text to it (the home is the only place for wording);
- the same conversation with "u" and with "je" configured gives the right forms, for the
  actions' texts and for the domain's responses as Rasa renders them;
- the domain's responses repeat no action text.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

import actions  # noqa: F401  (registers the actions, loads the texts)
from actions import texts
from actions.address import to_je
from actions.conversation import (
    ActionAcknowledgeSituation,
    ActionCoreFallback,
    ActionDistress,
    ActionGreet,
    ActionOfferHuman,
    ActionScanIntro,
    ActionStopScan,
)
from actions.gemeente import gemeente
from actions.handoff_form import (
    ActionAskConsentContact,
    ActionAskContactEmail,
    ActionAskContactName,
    ActionAskContactPhone,
    ActionAskContactPreference,
    ActionAskSpecialCategoryConsent,
    ActionNoContact,
    ValidateHandoffForm,
)
from actions.outcome import names
from actions.outcome_action import ActionScanOutcome
from actions.scan_form import ASK_ACTIONS, ActionExplainQuestion, ValidateScanForm
from actions.situation import _TOPICS
from tests.e2e.servers import ROOT
from tests.helpers import make_tracker
from tests.profiles import ACUTE, STOPPING_AT_58

ACTIONS_DIR = ROOT / "actions"
# a family name alone ("situation", as a word in an error message) is not a key
KEY = re.compile(r"^(?:(?:conversation|situation|scan|handoff|outcome|channel)(?:\.[a-z_]+)+|answer_yes_or_no)$")
FORMAL = re.compile(r"\b[uU]w?\b(?![.\-]\w)")


def python_files() -> List[Path]:
    """The code that names text keys: the actions, and the chat channels' limits."""
    return sorted(ACTIONS_DIR.rglob("*.py")) + sorted((ACTIONS_DIR.parent / "zelfscan_channels").rglob("*.py"))


def trees() -> Iterator[Tuple[Path, ast.AST]]:
    for path in python_files():
        yield path, ast.parse(path.read_text(), filename=str(path))


def called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def strings_in_code() -> Tuple[Set[str], Set[str]]:
    """String constants that look like text keys, and the constant prefixes of f-string keys."""
    keys, prefixes = set(), set()
    for _, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value):
                keys.add(node.value)
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                if head.endswith(".") and KEY.match(head[:-1]):
                    prefixes.add(head)
    return keys, prefixes


def button_sets_in_code() -> Set[str]:
    used = set()
    for _, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) == "buttons":
                used |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return used


# --- one home: keys, placeholders, no dead texts --------------------------------------


def test_every_key_the_code_names_exists():
    keys, prefixes = strings_in_code()
    known = set(texts.load().texts)
    assert keys, "the scan found no text keys: the test itself is broken"
    assert sorted(keys - known) == []
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in known), prefix
    assert sorted(button_sets_in_code() - set(texts.load().buttons)) == []


def test_every_text_and_button_set_in_the_home_is_used():
    keys, prefixes = strings_in_code()
    dead = [k for k in texts.load().texts if k not in keys and not any(k.startswith(p) for p in prefixes)]
    assert dead == []
    assert sorted(set(texts.load().buttons) - button_sets_in_code()) == []


def test_key_families_match_what_the_code_looks_up():
    """The keys built at run time (f"situation.topic.{topic}" ...) exist for every value and
    no text in the family is left over."""
    families = {
        "situation.topic.": {topic for _, topic in _TOPICS},
        "outcome.level.": {"laag", "verhoogd", "hoog"},
        "outcome.indication.": set(names.BBZ_INDICATIONS) | {"ioaz", "schuldhulp"},
    }
    _, prefixes = strings_in_code()
    assert set(families) == prefixes
    for prefix, values in families.items():
        assert {k[len(prefix):] for k in texts.load().texts if k.startswith(prefix)} == values, prefix


def literal_keywords(node: ast.Call) -> Set[str] | None:
    if any(k.arg is None for k in node.keywords):
        return None  # **values: checked at run time
    return {k.arg for k in node.keywords if k.arg}


def test_every_call_fills_exactly_the_placeholders_of_its_text():
    checked = 0
    for path, tree in trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and called(node) in ("render", "say") and node.args):
                continue
            first = node.args[0]
            keys = [first.value] if isinstance(first, ast.Constant) else \
                [first.body.value, first.orelse.value] if isinstance(first, ast.IfExp) \
                and isinstance(first.body, ast.Constant) and isinstance(first.orelse, ast.Constant) else []
            given = literal_keywords(node)
            if given is None:
                continue
            for key in keys:
                needed = set(texts.needs(key))
                if called(node) == "say":
                    needed.discard("gemeente")  # the Speaker fills it from the configuration
                    given = given - {"buttons"}
                assert given == needed, f"{path.name}:{node.lineno} {key}: gives {sorted(given)}, needs {sorted(needed)}"
                checked += 1
    assert checked > 40


def test_every_text_renders_with_the_real_configuration():
    config = gemeente()
    for key in texts.load().texts:
        values: Dict[str, object] = {name: "X" for name in texts.needs(key)}
        if "gemeente" in values:
            values["gemeente"] = config
        rendered = texts.render(key, **values)
        assert "{" not in rendered and "}" not in rendered, key


def test_render_refuses_missing_extra_and_unknown():
    with pytest.raises(texts.TextsError, match="needs"):
        texts.render("handoff.ticket_confirmed", first="a", reference="ZS-1")
    with pytest.raises(texts.TextsError, match="needs"):
        texts.render("handoff.ask_name", name="x")
    with pytest.raises(texts.TextsError, match="no text"):
        texts.render("handoff.nothing_here")
    with pytest.raises(texts.TextsError, match="no button set"):
        texts.buttons("nothing_here")


@pytest.mark.parametrize("data, problem", [
    ({"texts": {}}, "exactly two parts"),
    ({"texts": {"a": {"b": 3}}, "buttons": {}}, "'a.b' must be a text"),
    ({"texts": {"a": "Bel {}"}, "buttons": {}}, "needs a name"),
    ({"texts": {"a": "Bel {x"}, "buttons": {}}, "'a'"),
    ({"texts": {"a": "ok"}, "buttons": {"yes": [{"title": "Ja"}]}}, "button set 'yes'"),
])
def test_a_wrong_texts_file_is_refused_with_the_problem_named(data, problem):
    with pytest.raises(texts.TextsError, match=re.escape(problem)):
        texts.parse(data)


# --- one way to send ------------------------------------------------------------------


def is_literal_text(node: ast.AST) -> bool:
    """A text written in the code: "...", f"...", or "..." + something."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_literal_text(node.left) or is_literal_text(node.right)
    return False


def test_no_action_sends_except_through_the_speaker():
    """dispatcher.utter_message appears only in the Speaker; nothing hands the Speaker a
    literal or an f-string (wording belongs in texts.yml)."""
    speaker_file = ACTIONS_DIR / "texts.py"
    for path, tree in trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if called(node) == "utter_message":
                assert path == speaker_file, f"{path.name}:{node.lineno} sends around the Speaker"
            if called(node) == "send" and node.args:
                assert not is_literal_text(node.args[0]), f"{path.name}:{node.lineno} sends a literal text"
            if called(node) == "say" and node.args:
                assert not isinstance(node.args[0], ast.JoinedStr), f"{path.name}:{node.lineno}"


@pytest.mark.parametrize("code, literal", [
    ('speaker.send("Hallo")', True), ('speaker.send(f"Vraag {n}")', True), ('speaker.send("Dag " + name)', True),
    ('speaker.send(message["text"])', False), ('speaker.send("\\n".join(lines))', False),
])
def test_the_check_tells_a_literal_from_a_built_text(code, literal):
    call = ast.parse(code).body[0].value
    assert called(call) == "send" and is_literal_text(call.args[0]) is literal


# --- "u" and "je": the same conversation in both forms ------------------------------------


async def conversation(monkeypatch, form: str) -> List[dict]:
    """The messages of a run through the actions: greeting, situation, intro, a question,
    a misunderstood answer, an explanation, distress, a person, the outcome, the handoff
    questions, no contact and a stop."""
    config = replace(gemeente(), address_form=form)
    for target in ("actions.gemeente.gemeente", "actions.conversation.gemeente", "actions.scan_form.gemeente",
                   "actions.handoff_form.gemeente", "actions.outcome_action.gemeente"):
        monkeypatch.setattr(target, lambda: config)
    monkeypatch.setattr("actions.outcome_action.send_record", _no_record)
    dispatcher = CollectingDispatcher()
    outside = dict(form_active=False)
    steps = [
        (ActionGreet(), make_tracker(**outside)),
        (ActionAcknowledgeSituation(), make_tracker(text="er ligt beslag op mijn rekening, ik ben 61",
                                                    intent="describe_situation", **outside)),
        (ActionAcknowledgeSituation(), make_tracker(text="hoe vraag ik een paspoort aan", intent="out_of_scope",
                                                    **outside)),
        (ActionScanIntro(), make_tracker(text="ik wil de scan doen", intent="start_scan", **outside)),
        (ASK_ACTIONS["acute_measures"](), make_tracker()),
        (ASK_ACTIONS["business_form"](), make_tracker(answers={"acute_measures": False})),
        (ActionExplainQuestion(), make_tracker(requested="hours_per_week")),
        (ActionExplainQuestion(), make_tracker()),
        (ActionDistress(), make_tracker(requested="total_debt")),
        (ActionDistress(), make_tracker(text="ik zie het niet meer zitten", intent="distress", **outside)),
        (ActionOfferHuman(), make_tracker(requested="total_debt")),
        (ActionOfferHuman(), make_tracker(**outside)),
        (ActionScanOutcome(), make_tracker(answers=ACUTE, **outside)),
        (ActionScanOutcome(), make_tracker(answers=STOPPING_AT_58, **outside)),
        (ActionAskConsentContact(), make_tracker(**outside)),
        (ActionAskSpecialCategoryConsent(), make_tracker(**outside)),
        (ActionAskContactName(), make_tracker(**outside)),
        (ActionAskContactPhone(), make_tracker(**outside)),
        (ActionAskContactEmail(), make_tracker(**outside)),
        (ActionAskContactPreference(), make_tracker(**outside)),
        (ActionNoContact(), make_tracker(**outside)),
        (ActionCoreFallback(), make_tracker(**outside)),
        (ActionStopScan(), make_tracker(**outside)),
    ]
    for action, tracker in steps:
        await action.run(dispatcher, tracker, {})
    validate = make_tracker(text="blauw", requested="hours_per_week")
    await ValidateScanForm().run(dispatcher, validate, {})
    handoff = make_tracker(text="geen idee", requested="contact_name", **outside)
    handoff.active_loop = {"name": "handoff_form"}
    handoff.slots["consent_contact"] = True
    await ValidateHandoffForm().run(dispatcher, handoff, {})
    return dispatcher.messages


def without_links(text: str) -> str:
    return re.sub(r"https?://\S+", "<link>", text)


async def _no_record(tracker, slots):
    return None


@pytest.mark.asyncio
async def test_the_same_conversation_in_u_and_je(monkeypatch):
    formal = await conversation(monkeypatch, "u")
    informal = await conversation(monkeypatch, "je")
    assert len(formal) == len(informal) > 30
    formal_texts = [m["text"] for m in formal if m["text"]]
    assert sum(bool(FORMAL.search(t)) for t in formal_texts) > 20  # the default is "u"
    for u, je in zip(formal, informal, strict=True):
        assert je.get("response") == u.get("response")  # responses: Rasa picks the variation
        if not u["text"]:
            continue
        # a link (the saved result) carries its own document in the same form: compared without it
        assert without_links(je["text"]) == to_je(without_links(u["text"]))
        assert not FORMAL.search(without_links(je["text"])), je["text"]
        assert [b["title"] for b in je["buttons"]] == [to_je(b["title"]) for b in u["buttons"]]
        assert [b["payload"] for b in je["buttons"]] == [b["payload"] for b in u["buttons"]]
    said = "\n".join(m["text"] for m in informal if m["text"])
    for sentence in ("Wil je de zelfscan doen?", "Wat vervelend dat je je zo voelt.", "Wat is je naam?",
                     "Ga je hiermee akkoord?", "Je uitkomst: rood, een hoog risico.",
                     "Wil je dat een medewerker van de gemeente contact met je opneemt?"):
        assert sentence in said


@pytest.mark.asyncio
async def test_the_formal_form_is_the_default():
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, make_tracker(form_active=False), {})
    assert dispatcher.messages[0]["text"].endswith("Wilt u de zelfscan doen?")
    assert texts.Speaker(CollectingDispatcher()).form == "u"


def test_the_speaker_sends_text_and_buttons_in_the_given_form():
    dispatcher = CollectingDispatcher()
    texts.Speaker(dispatcher, form="je").say("situation.scan_offer", texts.buttons("scan_offer"))
    texts.Speaker(dispatcher, form="u").say("situation.scan_offer", texts.buttons("scan_offer"))
    je, u = dispatcher.messages
    assert je["text"].endswith("welke hulp bij je past. Wil je de scan doen?")
    assert u["text"].endswith("welke hulp bij u past. Wilt u de scan doen?")
    assert [b["payload"] for b in je["buttons"]] == ["/start_scan", "/deny", "/request_human"]


# --- the domain's responses: rendered by Rasa in both forms, no action text repeated -------


def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.mark.asyncio
@pytest.mark.parametrize("form", ["u", "je"])
async def test_rasa_renders_every_response_in_the_configured_form(form):
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    loaded = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events("t", [SlotSet("address_form", form)], slots=loaded.slots)
    generator = TemplatedNaturalLanguageGenerator(loaded.responses)
    for name, variations in domain()["responses"].items():
        formal = next(v for v in variations if not v.get("condition"))
        message = await generator.generate(name, tracker, "rest")
        expected = formal["text"] if form == "u" else to_je(formal["text"])
        assert message["text"] == expected, name
        if form == "je":
            assert not FORMAL.search(message["text"]), name


def sentences(text: str) -> Set[str]:
    return {s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if len(s.split()) > 3}


# Sentences a response may share with an action text: the rule that the gemeente decides
# (every text about help ends with it) and the bot's one-line description of itself.
SHARED_ON_PURPOSE = {"De gemeente beslist pas na een aanvraag.", "Ik help ondernemers die zich zorgen maken over geld."}


def test_the_domain_responses_repeat_no_action_text():
    action_sentences = set().union(*(sentences(t) for t in texts.load().texts.values()))
    for name, variations in domain()["responses"].items():
        for v in variations:
            if v.get("condition"):
                continue
            assert sentences(v["text"]) & action_sentences <= SHARED_ON_PURPOSE, name
