"""The answer rule: is a message the answer to the question being asked, or something else?

Both forms use this one rule: the scan form (catalogue questions) and the contact form
(consent and contact details). What differs per form and per question is data in
``catalogue.yml`` (section ``answer_rule`` and the per-question ``answers_over``),
not code. The rule, in order; the first step that applies decides:

1. A button payload is the answer.
2. Crisis wording ("ik zie het niet meer zitten") interrupts: 113 comes first. Words of
   life or death ("ik wil stoppen met leven") are never an answer: when the classifier
   took them for something else, the form gives 113 itself and asks the question again.
3. An explicit request to stop the scan ("stop de scan") interrupts.
4. A typed option: a message that is, or closely matches, a label or synonym of one of
   the question's options is that option, whatever the intent ("Ik wil stoppen" on the
   outlook question is the option, not a request to stop the scan).
5. Despair that reads as an answer ("de omzet is ingestort", classified as distress) is
   the answer, with the 113 text shown first, when the classifier is sure of the despair
   (``distress_answer_confidence``); an answer it is unsure of ("ik ben alleen", "het is
   een chaos") is just the answer: the words answer the question, so the doubt is
   the classifier's. Distress that does not read as an answer interrupts; when the
   classifier is unsure of it, the 113 text is given and the same question asked again
   (``distress_note``), so a doubt neither goes unanswered nor stops the scan.
6. An interrupting intent of the form interrupts, unless the question lists that intent
   under ``answers_over`` and the message reads as an answer.
7. A question back to the bot interrupts when it is phrased as a question.
8. "weet ik niet" is stored as ``onbekend``.
9. "vorige vraag" goes back one question (scan only).
10. Otherwise the message is read as an answer. When it cannot be read and it is a
    question for one of the form's soft intents, it interrupts; else it is asked again.

Step 10 also covers corrections of earlier answers; the scan form checks for them
before reading the answer (``Decision.kind == "read"``).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Optional, Sequence, Tuple

import yaml

from actions.parsing import UNKNOWN, contains_phrase, emoji_yes_no, normalize, parse_bool
from zelfscan_nlu.patterns import is_crisis

RULE_PATH = Path(__file__).with_name("catalogue.yml")


@dataclass(frozen=True)
class FormRule:
    """The form-wide part of the rule (catalogue.yml, ``answer_rule``)."""

    interrupt_intents: FrozenSet[str]
    question_intents: FrozenSet[str]
    soft_intents: FrozenSet[str]
    can_go_back: bool
    distress_can_answer: bool
    distress_answer_confidence: float  # how sure the classifier must be to add the 113 text to an answer


@dataclass(frozen=True)
class RuleData:
    forms: Dict[str, FormRule]
    stop_scan_phrases: Tuple[str, ...]
    question_words: Tuple[str, ...]
    back_phrases: Tuple[str, ...]
    back_messages: Tuple[str, ...]
    filler_words: FrozenSet[str]
    life_words: Tuple[str, ...]


@lru_cache(maxsize=1)
def rule_data() -> RuleData:
    raw = yaml.safe_load(RULE_PATH.read_text(encoding="utf-8"))["answer_rule"]
    forms = {
        name: FormRule(
            interrupt_intents=frozenset(f.get("interrupt_intents", ())),
            question_intents=frozenset(f.get("question_intents", ())),
            soft_intents=frozenset(f.get("soft_intents", ())),
            can_go_back=bool(f.get("can_go_back", False)),
            distress_can_answer=bool(f.get("distress_can_answer", False)),
            distress_answer_confidence=float(f.get("distress_answer_confidence", 0.0)),
        )
        for name, f in raw["forms"].items()
    }
    return RuleData(
        forms=forms,
        stop_scan_phrases=tuple(raw["stop_scan_phrases"]),
        question_words=tuple(raw["question_words"]),
        back_phrases=tuple(raw["back_phrases"]),
        back_messages=tuple(normalize(m) for m in raw.get("back_messages", ())),
        filler_words=frozenset(raw["filler_words"]),
        life_words=tuple(raw["life_words"]),
    )


# ------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class Decision:
    """What the message is: ``answer`` (with ``value``), ``interrupt`` (a rule answers),
    ``crisis_note`` (give 113, store nothing, ask again), ``distress_note`` (the same for
    despair the classifier is unsure of, without marking the outcome), ``back`` (previous question) or
    ``read`` (read it as an answer; retry when unreadable).
    ``distress_note``: show the 113 text before accepting the answer."""

    kind: str
    value: Any = None
    step: str = ""
    distress_note: bool = False


@dataclass(frozen=True)
class Option:
    value: Any
    words: Tuple[str, ...]  # label first, then synonyms


@dataclass(frozen=True)
class Asked:
    """The question being asked, as the rule sees it."""

    form: str
    options: Tuple[Option, ...] = ()
    answers_over: FrozenSet[str] = frozenset()
    read: Callable[[str], Any] = lambda text: None  # the text as an answer, or None when it is none

    def reads(self, text: str) -> bool:
        return self.read(text) is not None


def _names_life_or_death(text: str) -> bool:
    norm = normalize(text)
    return any(contains_phrase(norm, w) for w in rule_data().life_words)


def looks_like_question(text: str) -> bool:
    norm = normalize(text)
    return "?" in (text or "") or any(contains_phrase(norm, w) for w in rule_data().question_words)


def asks_to_stop_the_scan(text: str) -> bool:
    norm = normalize(text)
    return any(contains_phrase(norm, p) for p in rule_data().stop_scan_phrases)


def is_back(text: str) -> bool:
    norm = normalize(text)
    return norm.strip(" .!") in rule_data().back_messages or any(contains_phrase(norm, p) for p in rule_data().back_phrases)


def decide(asked: Asked, text: str, intent: Optional[str], button_value: Any = None,
           confidence: float = 1.0) -> Decision:
    """The rule (see the module docstring); the steps are numbered as there."""
    form = rule_data().forms[asked.form]
    if button_value is not None:
        return Decision("answer", button_value, "button")
    if is_crisis(text):
        return Decision("interrupt", step="crisis")
    if _names_life_or_death(text):  # crisis the classifier took for something else
        return Decision("interrupt" if intent == "distress" else "crisis_note", step="life_or_death")
    if asks_to_stop_the_scan(text):
        return Decision("interrupt", step="stop_scan")
    option = typed_option(text, asked.options)
    if option is not None:
        return Decision("answer", option.value, "typed_option")
    if intent == "distress":
        unsure = confidence < form.distress_answer_confidence
        if form.distress_can_answer and asked.reads(text):
            if unsure:
                return Decision("read", step="distress_unsure")
            return Decision("read", step="distress_answer", distress_note=True)
        if form.distress_can_answer and unsure:
            return Decision("distress_note", step="distress_unsure")
        return Decision("interrupt", step="distress")
    if intent in form.interrupt_intents:
        if intent in asked.answers_over and asked.reads(text):
            return Decision("read", step="answers_over")
        return Decision("interrupt", step="interrupt_intent")
    if intent in form.question_intents and looks_like_question(text):
        return Decision("interrupt", step="question")
    if intent == "dont_know":
        value = asked.read(text)  # "weet niet precies, zo'n 20.000": the number wins
        return Decision("answer", UNKNOWN if value is None else value, "dont_know")
    if form.can_go_back and is_back(text):
        return Decision("back", step="back")
    if intent in form.soft_intents and looks_like_question(text) and not asked.reads(text):
        return Decision("interrupt", step="soft_question")
    return Decision("read", step="read")


# --------------------------------------------------------------- typed options


def _strip_fillers(norm: str) -> str:
    words = norm.replace(".", " ").replace(",", " ").replace("'", " ").split()
    fillers = rule_data().filler_words
    while words and words[0] in fillers:
        words.pop(0)
    while words and words[-1] in fillers:
        words.pop()
    return " ".join(words)


def _forms_of(text: str) -> Tuple[str, ...]:
    norm = normalize(text).strip(" .,!")
    return tuple(dict.fromkeys(f for f in (norm, _strip_fillers(norm)) if f))


def typed_option(text: str, options: Sequence[Option]) -> Optional[Option]:
    """The option whose label or synonym the message is (or closely matches: a typo, a
    filler word such as 'eh' or 'graag'), or None. Exact matches win over close ones;
    two options that match equally well give None."""
    forms = _forms_of(text)
    if not forms or not options:
        return None
    exact = [o for o in options if any(normalize(w) in forms for w in o.words)]
    if exact:
        return exact[0] if len({id(o) for o in exact}) == 1 else None
    scored = []
    for o in options:
        best = 0.0
        for w in o.words:
            wn = normalize(w)
            if len(wn) < 5:
                continue  # short words: only exact ("ja", "bv")
            for f in forms:
                best = max(best, difflib.SequenceMatcher(None, f, wn).ratio())
        scored.append((best, o))
    scored.sort(key=lambda s: -s[0])
    if scored and scored[0][0] >= 0.88 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


# -------------------------------------------------------------- yes/no in sentences

_YES_SENTENCE = [
    "ja", "jawel", "jazeker", "ja hoor", "ja graag", "graag", "doe maar", "is goed", "prima", "akkoord",
    "goed", "oke", "ok", "okay", "okee", "top", "zeker", "natuurlijk", "tuurlijk", "uiteraard", "mag",
    "dat mag", "ga je gang", "ga uw gang", "start maar", "begin maar", "laten we", "lijkt me goed",
    "lijkt me fijn", "dat wil ik", "wil ik wel", "yes", "jep", "jup", "yep", "klinkt goed", "fijn", "prima hoor",
    "dat is goed", "dat zou fijn zijn", "dat zou ik fijn vinden", "dat klopt", "klopt",
    "helemaal goed", "akkoord hoor", "ik ga akkoord", "ga akkoord", "mee eens", "vooruit", "in orde",
    "geen bezwaar", "geen enkel bezwaar", "geen probleem", "is prima",
]
_NO_SENTENCE = [
    "nee", "neen", "nope", "nee hoor", "nee dank je", "nee dank u", "nee bedankt", "liever niet",
    "hoeft niet", "niet nodig", "laat maar", "nu niet", "niet nu", "geen behoefte", "wil ik niet",
    "ik wil niet", "geen interesse", "nah", "neej", "nee dankjewel", "niet doen", "doe maar niet",
    "liever geen", "nog niet", "toch niet", "ik ga niet akkoord", "niet akkoord", "niet mee eens",
    "geen zin", "no", "zeker niet", "helemaal niet", "absoluut niet", "echt niet", "klopt niet", "niet goed",
    "niet akkoord", "mag niet", "graag niet", "liever van niet", "niet doen hoor",
]


def read_yes_no(text: str) -> Optional[bool]:
    """Yes or no from a sentence: 'ja graag', 'doe maar', 'is goed', 'nee dank je, liever
    niet'. The first decisive phrase wins, and at the same place the longest ('doe maar
    niet' over 'doe maar'); None when the sentence says neither."""
    norm = normalize(text)
    if not norm.strip():  # only emoji (or nothing)
        return emoji_yes_no(text)
    positions = []
    for phrase, value in [(p, True) for p in _YES_SENTENCE] + [(p, False) for p in _NO_SENTENCE]:
        m = re.search(r"(?<![a-z])" + re.escape(normalize(phrase)) + r"(?![a-z])", norm)
        if m:
            positions.append((m.start(), -len(phrase), value))
    if positions:
        return min(positions)[2]
    return parse_bool(text)


def yes_no_from(text: str, intent: Optional[str], person_is_yes: bool = False) -> Optional[bool]:
    """A yes/no question's answer from the text first, then the intent. At a question
    about contact with the gemeente, a request for a person is a yes."""
    value = read_yes_no(text)
    if value is not None:
        return value
    if intent == "affirm" or (person_is_yes and intent == "request_human"):
        return True
    if intent == "deny":
        return False
    return None


# ------------------------------------------------------------ the asked questions


def scan_question(question: Any, read: Callable[[str], Any]) -> Asked:
    """A catalogue question as the rule sees it: its options (label and synonyms,
    'Ja'/'Nee' for yes/no questions, 'Weet ik niet' always) and its exceptions."""
    options = []
    if question.type == "bool":
        options = [Option(True, ("ja",)), Option(False, ("nee",))]
    for choice in question.choices:
        value = [choice.value] if question.type == "multi_choice" else choice.value
        options.append(Option(value, (choice.label, *choice.synonyms)))
    options.append(Option(UNKNOWN, ("weet ik niet",)))
    return Asked("scan_form", tuple(options), frozenset(question.answers_over), read)


def contact_question(read: Callable[[str], Any], yes_no: bool = False) -> Asked:
    """A question of the contact form; consent questions have the options Ja and Nee."""
    options = (Option(True, ("ja",)), Option(False, ("nee",))) if yes_no else ()
    return Asked("handoff_form", options, frozenset(), read)
