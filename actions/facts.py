"""Answers stated in passing: "ik ben 61", "er ligt beslag", "sinds 1995 een eenmanszaak".

A first message or an answer can already contain answers to other scan questions. Each
question's ``facts`` patterns in ``catalogue.yml`` say when a message states its answer;
the question's own parser reads it, so a fact is understood exactly as that answer
would be (a pattern may also name its value, for wording the parser cannot read in one
piece). Only values that parse are used, never 'weet ik niet'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, Iterable, List, Mapping, Optional

from actions.catalogue import Question, catalogue, describe_value, interpret
from actions.parsing import UNKNOWN, normalize
from actions.texts import render

_CLAUSE_SPLIT = re.compile(r"[.;!?]|,(?!\d)|\b(?:en|maar|want|omdat|dus|ook|terwijl)\b")


@dataclass(frozen=True)
class Fact:
    question: Question
    value: Any
    words: str  # the words that stated it


def _clause_at(norm: str, start: int, end: int) -> str:
    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(norm) if m.end() <= start]
    after = [m.start() for m in _CLAUSE_SPLIT.finditer(norm) if m.start() >= end]
    return norm[max(bounds): (min(after) if after else len(norm))].strip()


def fact_for(question: Question, text: str, today: Optional[date] = None) -> Optional[Fact]:
    norm = normalize(text, apostrophes=False)
    for entry in question.facts:
        pattern = entry["pattern"] if isinstance(entry, dict) else entry
        for m in re.finditer(pattern, norm):
            words = m.group(0)
            if isinstance(entry, dict):  # a pattern that names its value
                return Fact(question, entry["value"], words.strip())
            span = _clause_at(norm, m.start(), m.end()) if question.type in ("bool", "choice", "multi_choice") else words
            result = interpret(question, span, today)
            if result.ok and result.value != UNKNOWN:
                return Fact(question, result.value, words.strip())
    return None


def facts_in(text: str, answers: Mapping[str, Any], today: Optional[date] = None,
             skip: Iterable[str] = ()) -> List[Fact]:
    """The answers ``text`` states to questions not answered yet (``skip`` excluded)."""
    skipped = set(skip)
    found = []
    for question in catalogue().questions:
        if question.id in skipped or answers.get(question.id) is not None or not question.facts:
            continue
        fact = fact_for(question, text, today)
        if fact is not None:
            found.append(fact)
    return found


def noted(fact: Fact) -> str:
    """One line that confirms a fact: 'U schreef dat u 61 jaar bent. Dat neem ik mee.'"""
    q = fact.question
    if q.type == "bool" and fact.value is True and q.noted_yes:
        line = q.noted_yes.replace("{word}", fact.words)
    elif q.noted:
        line = q.noted.replace("{value}", describe_value(q, fact.value))
    else:
        topic = q.topic[:1].upper() + q.topic[1:]
        line = render("scan.noted_plain", topic=topic, value=describe_value(q, fact.value))
    return render("scan.noted", line=line)


def fact_slots(facts: Iterable[Fact]) -> Dict[str, Any]:
    return {f.question.id: f.value for f in facts}
