"""The scan catalogue: loading, skip logic and answer interpretation.

Everything about a question (text, type, choices, range, explanation, when it
applies) comes from ``catalogue.yml``; this module only reads it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from actions import parsing
from actions.outcome.indications import IOAZ_MIN_AGE
from actions.parsing import UNKNOWN
from zelfscan_nlu.text import option_number

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yml")
# Figures of the decision table a question's text may name, as {placeholder}: the rule is
# their one home ("Ondernemers van {ioaz_min_age} jaar of ouder ..."). Amounts of the
# gemeente configuration are filled when a text is shown (GemeenteConfig.with_amounts).
RULE_FIGURES = {"ioaz_min_age": IOAZ_MIN_AGE}
NUMBER_TYPES = {"amount", "years", "hours", "age", "count", "months"}
TYPES = NUMBER_TYPES | {"bool", "choice", "multi_choice"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    synonyms: Tuple[str, ...]
    sensitive: bool = False  # special-category data (AVG art. 9): shared only with separate consent
    exclusive: bool = False  # multi_choice: "none of these", which gives way when others are named


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    question: str
    why: str
    example: str
    topic: str = ""
    help: Optional[str] = None
    choices: Tuple[Choice, ...] = ()
    min: Optional[float] = None
    max: Optional[float] = None
    period: Optional[str] = None
    adds_up: bool = False  # amount: parts listed in one answer are added up (a total)
    loss_is_zero: bool = False  # amount: a loss ("min 500", "500 verlies") means nothing left over
    yes_words: Tuple[str, ...] = ()
    count_words: Tuple[str, ...] = ()
    max_count: Optional[int] = None
    unit: Tuple[str, ...] = ()  # count questions: what is counted, one and more ("partij", "partijen")
    percent_bands: Tuple[Mapping[str, Any], ...] = ()
    applies_when: Tuple[Mapping[str, Any], ...] = ()
    topic_words: Tuple[str, ...] = ()
    answers_over: Tuple[str, ...] = ()  # interrupting intents read as an answer here (answer rule)
    facts: Tuple[Any, ...] = ()  # patterns of this answer stated in passing (actions/facts.py)
    noted_yes: str = ""  # for bool questions: how a "yes" stated in passing is confirmed
    noted: str = ""  # how an answer stated in passing is confirmed ({value})
    in_region: Optional[Mapping[str, Any]] = None  # the question asked instead in a region (see in_region())
    defines: Tuple[str, ...] = ()  # the words its help explains ("omzet")
    all_words: Tuple[str, ...] = ()  # multi_choice: words naming every choice but the exclusive ones

    @property
    def asks_place(self) -> bool:
        """A yes/no question that names the gemeente ("Woont u in de gemeente {gemeente}?")."""
        return self.type == "bool" and "{gemeente}" in self.question

    def text(self, gemeente_name: str = "") -> str:
        return self.question.replace("{gemeente}", gemeente_name).strip()

    def choice_values(self) -> List[str]:
        return [c.value for c in self.choices]

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """True when every condition holds. Unknown or missing earlier answers count
        as "applies", so nobody misses a question because of an earlier "weet ik niet"."""
        for cond in self.applies_when:
            value = answers.get(cond["slot"])
            if value is None or value == UNKNOWN:
                continue
            if "not_equals" in cond and _same(value, cond["not_equals"]):
                return False
            if "equals" in cond and not _same(value, cond["equals"]):
                return False
            if "not_in" in cond and any(_same(value, v) for v in cond["not_in"]):
                return False
            if "in" in cond and not any(_same(value, v) for v in cond["in"]):
                return False
        return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


@dataclass(frozen=True)
class Term:
    """A word an entrepreneur may ask about, and its one-line explanation."""

    words: Tuple[str, ...]
    text: str
    question: Optional[str] = None  # the question whose help this is ("defines"), if any


@dataclass(frozen=True)
class Catalogue:
    questions: Tuple[Question, ...]
    by_id: Dict[str, Question] = field(default_factory=dict)
    terms: Tuple[Term, ...] = ()

    def term_named(self, text: str) -> Optional[Term]:
        """The term the message asks about ("wat is een bv?"): the longest term word in
        it; None when it names none."""
        norm = parsing.normalize(text)
        found = [(len(word), term) for term in self.terms for word in term.words
                 if parsing.contains_phrase(norm, parsing.normalize(word))]
        return max(found, key=lambda item: item[0])[1] if found else None

    def ids(self) -> List[str]:
        return [q.id for q in self.questions]

    def __getitem__(self, qid: str) -> Question:
        return self.by_id[qid]

    def applicable_ids(self, answers: Mapping[str, Any]) -> List[str]:
        return [q.id for q in self.questions if q.applies(answers)]

    def next_question(self, answers: Mapping[str, Any]) -> Optional[Question]:
        for q in self.questions:
            if q.applies(answers) and answers.get(q.id) is None:
                return q
        return None


def with_rule_figures(text: str) -> str:
    """'{ioaz_min_age}' -> '55': the figures of RULE_FIGURES; other placeholders stay."""
    return re.sub(r"\{(\w+)\}", lambda m: str(RULE_FIGURES.get(m.group(1), m.group(0))), text)


def _question_from_dict(raw: Mapping[str, Any]) -> Question:
    choices = tuple(
        Choice(value=c["value"], label=c["label"], synonyms=tuple(c.get("synonyms", ())) + (c["label"],),
               sensitive=bool(c.get("sensitive", False)), exclusive=bool(c.get("exclusive", False)))
        for c in raw.get("choices", ())
    )
    return Question(
        id=raw["id"],
        type=raw["type"],
        question=with_rule_figures(" ".join(raw["question"].split())),
        why=with_rule_figures(raw["why"]),
        example=raw["example"],
        topic=raw.get("topic", ""),
        help=with_rule_figures(raw["help"]) if raw.get("help") else None,
        choices=choices,
        min=raw.get("min"),
        max=raw.get("max"),
        period=raw.get("period"),
        adds_up=bool(raw.get("adds_up", False)),
        loss_is_zero=bool(raw.get("loss_is_zero", False)),
        yes_words=tuple(raw.get("yes_words", ())),
        count_words=tuple(raw.get("count_words", ())),
        max_count=raw.get("max_count"),
        unit=tuple(raw.get("unit", ())),
        percent_bands=tuple(raw.get("percent_bands", ())),
        applies_when=tuple(raw.get("applies_when", ())),
        topic_words=tuple(raw.get("topic_words", ())),
        answers_over=tuple(raw.get("answers_over", ())),
        facts=tuple(raw.get("facts", ())),
        noted_yes=raw.get("noted_yes", ""),
        noted=raw.get("noted", ""),
        in_region=raw.get("in_region"),
        all_words=tuple(raw.get("all_words", ())),
        defines=tuple(raw.get("defines", ())),
    )


OTHER_GEMEENTE = "anders"  # the answer "another gemeente" to a question asked in a region


def in_region(question: Question, gemeenten: Mapping[str, str]) -> Question:
    """The question's regional form: a choice between the region's gemeenten (id -> name)
    and "another gemeente" (OTHER_GEMEENTE), with the texts of its ``in_region`` entry."""
    variant = question.in_region or {}
    choices = tuple(Choice(value=gid, label=name, synonyms=(name, gid)) for gid, name in gemeenten.items())
    other = Choice(value=OTHER_GEMEENTE, label=variant["other_label"],
                   synonyms=(variant["other_label"], *variant.get("other_synonyms", ())))
    example = next(iter(gemeenten.values()), "")
    return replace(question, type="choice", question=variant["question"], why=variant["why"],
                   example=variant["example"].format(example=example), choices=(*choices, other),
                   yes_words=(), facts=(), applies_when=(), in_region=None)


def validate_catalogue(data: Mapping[str, Any]) -> List[str]:
    """Problems in a catalogue file, each naming the question and field."""
    problems: List[str] = []
    seen = set()
    for i, raw in enumerate(data.get("questions") or []):
        qid = raw.get("id", f"#{i}")
        if qid in seen:
            problems.append(f"{qid}: id appears twice")
        seen.add(qid)
        for key in ("type", "topic", "question", "why", "example"):
            if not raw.get(key):
                problems.append(f"{qid}: '{key}' is missing")
        qtype = raw.get("type")
        if qtype and qtype not in TYPES:
            problems.append(f"{qid}: unknown type '{qtype}'")
        if "all_words" in raw and qtype != "multi_choice":
            problems.append(f"{qid}: 'all_words' is only for multi_choice questions")
        if "unit" in raw and (qtype != "count" or len(raw["unit"]) != 2):
            problems.append(f"{qid}: 'unit' is only for count questions: [one, more]")
        for key in ("adds_up", "loss_is_zero", "period"):
            if key in raw and qtype != "amount":
                problems.append(f"{qid}: '{key}' is only for amount questions")
        if qtype in ("choice", "multi_choice") and not raw.get("choices"):
            problems.append(f"{qid}: a {qtype} question needs 'choices'")
        for entry in raw.get("facts", ()):
            pattern = entry.get("pattern") if isinstance(entry, dict) else entry
            try:
                re.compile(str(pattern))
            except re.error as exc:
                problems.append(f"{qid}: fact pattern {pattern!r} is not a regular expression ({exc})")
        variant = raw.get("in_region")
        if variant is not None:
            for key in ("question", "why", "example", "other_label"):
                if not isinstance(variant, Mapping) or not variant.get(key):
                    problems.append(f"{qid}: in_region needs '{key}'")
        for cond in raw.get("applies_when", ()):
            if cond.get("slot") not in seen:
                problems.append(f"{qid}: applies_when refers to '{cond.get('slot')}', which is not an earlier question")
    if not seen:
        problems.append("the catalogue has no questions")
    problems += _term_problems(data)
    return problems


def _term_problems(data: Mapping[str, Any]) -> List[str]:
    """Each term word explained once; every term has words and a text; a question that
    defines words has a help to explain them."""
    problems: List[str] = []
    owner: Dict[str, str] = {}
    entries = [(f"term {i + 1}", t.get("words") or (), t.get("text")) for i, t in enumerate(data.get("terms") or ())]
    entries += [(q.get("id", "?"), q.get("defines") or (), q.get("help")) for q in data.get("questions") or ()
                if q.get("defines")]
    for where, words, text in entries:
        if not words or not text:
            problems.append(f"{where}: a term needs words and a text (a question that defines words needs a help)")
        for word in words:
            key = parsing.normalize(str(word))
            if key in owner:
                problems.append(f"{where}: '{word}' is already explained by {owner[key]}")
            owner.setdefault(key, where)
    return problems


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = validate_catalogue(data)
    if problems:
        raise ValueError(f"Invalid scan catalogue {path}:\n- " + "\n- ".join(problems))
    questions = tuple(_question_from_dict(q) for q in data["questions"])
    terms = tuple(Term(words=tuple(t["words"]), text=t["text"]) for t in data.get("terms") or ()) + tuple(
        Term(words=q.defines, text=q.help or "", question=q.id) for q in questions if q.defines)
    return Catalogue(questions=questions, by_id={q.id: q for q in questions}, terms=terms)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return load_catalogue()


# ------------------------------------------------------------------ interpreting


@dataclass(frozen=True)
class Interpretation:
    """The result of reading one answer: ``ok`` with a value, or not understood."""

    ok: bool
    value: Any = None
    reason: str = ""  # 'not_understood' | 'out_of_range' | 'ambiguous'


def understood(value: Any) -> Interpretation:
    return Interpretation(True, value)


def not_understood(reason: str = "not_understood") -> Interpretation:
    return Interpretation(False, None, reason)


def interpret(question: Question, text: str, today: Optional[date] = None, place: str = "") -> Interpretation:
    """Read the user's text as an answer to ``question``. ``place``: the gemeente the
    question names ({gemeente}), for a yes/no question about where someone lives."""
    text = (text or "").strip()
    if not text:
        return not_understood()
    if parsing.is_dont_know(text) and not _names_a_choice_on_purpose(question, text):
        # "ik weet het niet precies, zo'n 20.000": a number given with it wins
        if question.type in NUMBER_TYPES and parsing.numbers_in_text(text):
            estimate = _interpret_number(question, text, today)
            if estimate.ok:
                return estimate
        return understood(UNKNOWN)
    kind = question.type
    if kind in ("choice", "multi_choice"):
        return _interpret_choice(question, text)
    if kind == "bool":
        named = _named_place(text, place) if question.asks_place and place else None
        if named is not None:
            return named
        value = parsing.parse_bool(text, question.yes_words)
        return understood(value) if value is not None else not_understood()
    return _interpret_number(question, text, today)


def _interpret_number(question: Question, text: str, today: Optional[date]) -> Interpretation:
    kind = question.type
    number: Optional[float]
    if kind == "amount":
        number = parsing.parse_amount(text, question.period, add_up=question.adds_up)
        if number is not None and number < 0 and question.loss_is_zero:
            number = 0.0
    elif kind == "years":
        number = parsing.parse_years(text, today)
    elif kind == "hours":
        number = parsing.parse_hours(text)
    elif kind == "age":
        number = parsing.parse_age(text, today)
    elif kind == "count":
        number = parsing.parse_count(text, question.count_words)
    elif kind == "months":
        number = parsing.parse_months(text, today)
    else:  # pragma: no cover - validate_catalogue rejects unknown types
        raise ValueError(kind)
    if number is None:
        return not_understood()
    return check_range(question, number)


# "ik woon in Amsterdam", "wij wonen in amersfoort": the place named (not "in het centrum")
_LIVES_IN_RE = re.compile(r"(?<![a-z])(?:woon|wonen|woonachtig|ingeschreven|zit)(?: ik| we| wij)?(?: zelf| nu)?(?: niet)? (?:in|te) "
                          r"(?!(?:het|de|een|deze|dit|die|mijn|onze|hier|daar|dezelfde|zelfde|jullie|uw|je|buurt|centrum)(?![a-z]))"
                          r"(?P<place>[a-z][a-z' -]*)")


def _named_place(text: str, place: str) -> Optional[Interpretation]:
    """Yes when the place someone says they live in is ``place``, no when it is another,
    not understood with a negation ("ik woon niet in Amsterdam" says not where); None
    when no place is named (then the yes/no words decide)."""
    norm = parsing.normalize(text)
    match = _LIVES_IN_RE.search(norm)
    if not match:
        return None
    if re.search(r"(?<![a-z])niet(?![a-z])", norm[:match.start("place")]):
        return not_understood()
    return understood(match.group("place").strip().startswith(parsing.normalize(place)))


def check_range(question: Question, number: float) -> Interpretation:
    if question.min is not None and number < question.min:
        return not_understood("out_of_range")
    if question.max is not None and number > question.max:
        return not_understood("out_of_range")
    if question.type in ("age", "count"):
        number = int(number)
    elif float(number).is_integer():
        number = int(number)
    if question.max_count is not None:
        number = min(number, question.max_count)
    return understood(number)


def _names_a_choice_on_purpose(question: Question, text: str) -> bool:
    """A synonym that itself sounds like "weet ik niet" ("weet niet zeker" = misschien)
    was put in the catalogue on purpose, so it wins over "weet ik niet"."""
    norm = parsing.normalize(text)
    return any(
        parsing.is_dont_know(synonym) and parsing.contains_phrase(norm, parsing.normalize(synonym))
        for choice in question.choices
        for synonym in choice.synonyms
    )


def _interpret_choice(question: Question, text: str) -> Interpretation:
    values = question.choice_values()
    index = option_number(text, len(values))
    if index is not None:
        value = values[index]
        return understood([value] if question.type == "multi_choice" else value)
    if question.percent_bands:
        change = parsing.parse_percent_change(text)
        if change is not None:
            for band in question.percent_bands:
                if change >= band["min"]:
                    return understood(band["value"])
    matches = parsing.match_choices(text, [(c.value, c.synonyms) for c in question.choices])
    everything = _names_every_choice(question, text, matches)
    if everything is not None:
        return understood(everything) if everything else not_understood()
    if not matches:
        return not_understood()
    if question.type == "multi_choice":
        named = [value for value in values if value in dict(matches)]
        exclusive = {c.value for c in question.choices if c.exclusive}
        if any(value not in exclusive for value in named):  # "de huur, verder niks": the huur
            named = [value for value in named if value not in exclusive]
        return understood(named)
    best = max(score for _, score in matches)
    top = [value for value, score in matches if score == best]
    if len(top) > 1:
        return not_understood("ambiguous")
    return understood(top[0])


_EXCEPT_RE = re.compile(r"(?<![a-z])(?:(?:behalve|zonder|met uitzondering van|maar niet)(?![a-z])(?P<rest>.*)"
                        r"|op (?P<inner>.{1,30}?) na(?![a-z]))")


def _names_every_choice(question: Question, text: str, matches: List[Tuple[str, int]]) -> Optional[List[str]]:
    """'alle rekeningen', 'alles behalve water': every choice but the exclusive ones and
    those named after 'behalve'; None when the text does not name them all. A negated
    all-word ('niet alles') does not count, and a longer phrase of the exclusive choice
    ('thuis is alles betaald') wins over the all-word in it."""
    if not question.all_words:
        return None
    norm = parsing.normalize(text)
    found = parsing.match_choices(norm, [("all", question.all_words)])
    if not found:
        return None
    exclusive = {c.value for c in question.choices if c.exclusive}
    if any(value in exclusive and score > found[0][1] for value, score in matches):
        return None
    split = _EXCEPT_RE.search(norm)
    named_after = (split.group("rest") or split.group("inner") or "") if split else ""
    taken_out = {value for value, _ in parsing.match_choices(named_after, [(c.value, c.synonyms) for c in question.choices])}
    return [c.value for c in question.choices if not c.exclusive and c.value not in taken_out]


def coerce_button_value(question: Question, raw: Any) -> Interpretation:
    """A value that came from a button payload (``/inform{"answer": ...}``)."""
    if raw == UNKNOWN:
        return understood(UNKNOWN)
    if question.type in ("choice", "multi_choice"):
        if raw in question.choice_values():
            return understood([raw] if question.type == "multi_choice" else raw)
        return not_understood()
    return interpret(question, str(raw))


def describe_value(question: Question, value: Any) -> str:
    """Dutch rendering of a stored answer, for confirmations ('Ik heb genoteerd: ...')."""
    if value == UNKNOWN:
        return "weet ik niet"
    if question.type == "bool":
        return "ja" if value else "nee"
    labels = {c.value: c.label.lower() for c in question.choices}
    if question.type == "choice":
        return labels.get(value, str(value))
    if question.type == "multi_choice":
        return ", ".join(labels.get(v, str(v)) for v in value)
    if question.type == "amount":
        return "€ " + f"{value:,.0f}".replace(",", ".")
    if question.type == "count" and question.unit:
        one, more = question.unit
        if value == 0:
            return f"geen {more}"
        if question.max_count is not None and value >= question.max_count:
            return f"{value} of meer {more}"  # stored capped: 2 stands for 2 or more
        return f"{value} {one if value == 1 else more}"
    units = {"years": "jaar", "hours": "uur per week", "age": "jaar", "months": "maanden"}
    shown = str(value).replace(".", ",")
    return f"{shown} {units[question.type]}" if question.type in units else shown

