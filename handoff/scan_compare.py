"""The first scan of a ticket next to a later one (follow-up or invitation): what improved
and what got worse, in words. Pure functions; the ticket page shows the result.

An answer is better when it now weighs fewer risk points (``answer_points``: question id
-> points, sent by the action server), worse when it weighs more; without points for
both scans a changed answer is only "anders".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

LEVEL_ORDER = {"laag": 0, "verhoogd": 1, "hoog": 2}
LEVEL_WORDS = {"laag": "laag", "verhoogd": "verhoogd", "hoog": "hoog"}
VERDICT_WORDS = {"beter": "Beter", "slechter": "Slechter", "gelijk": "Gelijk", "anders": "Anders",
                 "nieuw": "Nu gevraagd", "weg": "Nu niet gevraagd"}


@dataclass
class Row:
    question: str
    first: str
    later: str
    verdict: str  # beter, slechter, gelijk, anders, nieuw, weg

    @property
    def verdict_words(self) -> str:
        return VERDICT_WORDS[self.verdict]


@dataclass
class Comparison:
    level_sentence: str
    score_sentence: str
    rows: List[Row] = field(default_factory=list)
    indications_new: List[str] = field(default_factory=list)
    indications_gone: List[str] = field(default_factory=list)

    @property
    def improved(self) -> List[str]:
        return [r.question for r in self.rows if r.verdict == "beter"]

    @property
    def worse(self) -> List[str]:
        return [r.question for r in self.rows if r.verdict == "slechter"]


def _level_sentence(first: str, later: str) -> str:
    a, b = LEVEL_ORDER.get(first, -1), LEVEL_ORDER.get(later, -1)
    if a == b:
        return f"Het risico is gelijk gebleven: {LEVEL_WORDS.get(later, later)}."
    direction = "gedaald (beter)" if b < a else "gestegen (slechter)"
    return f"Het risico is {direction}: van {LEVEL_WORDS.get(first, first)} naar {LEVEL_WORDS.get(later, later)}."


def _score_sentence(first: float, later: float) -> str:
    a, b = int(round(first)), int(round(later))
    if a == b:
        return f"De score is gelijk: {b} van 100."
    change = "lager (beter)" if b < a else "hoger (slechter)"
    return f"De score is {abs(b - a)} punten {change}: van {a} naar {b} van 100."


def _verdict(qid: str, first_answer: Optional[str], later_answer: Optional[str],
             first_points: Mapping[str, Any], later_points: Mapping[str, Any]) -> str:
    if first_answer is None:
        return "nieuw"
    if later_answer is None:
        return "weg"
    if qid in first_points and qid in later_points:
        a, b = float(first_points[qid]), float(later_points[qid])
        if b < a:
            return "beter"
        if b > a:
            return "slechter"
        return "gelijk" if first_answer == later_answer else "anders"
    return "gelijk" if first_answer == later_answer else "anders"


def compare(first: Mapping[str, Any], later: Mapping[str, Any]) -> Comparison:
    """``first``: the ticket (as tickets.to_json); ``later``: a scan of scan_links.scans_of."""
    first_rows: Dict[str, Dict[str, str]] = {r.get("id") or r.get("question", ""): r
                                             for r in first.get("answers_readable") or []}
    later_rows: Dict[str, Dict[str, str]] = {r.get("id") or r.get("question", ""): r
                                             for r in later.get("answers_readable") or []}
    order = list(first_rows) + [q for q in later_rows if q not in first_rows]
    first_points, later_points = first.get("answer_points") or {}, later.get("answer_points") or {}
    rows = []
    for qid in order:
        a, b = first_rows.get(qid), later_rows.get(qid)
        question = (a or b or {}).get("question", qid)
        rows.append(Row(question, a["answer"] if a else "–", b["answer"] if b else "–",
                        _verdict(qid, a["answer"] if a else None, b["answer"] if b else None,
                                 first_points, later_points)))
    before, after = list(first.get("indications") or []), list(later.get("indications") or [])
    return Comparison(
        level_sentence=_level_sentence(str(first.get("risk_level")), str(later.get("risk_level"))),
        score_sentence=_score_sentence(float(first.get("risk_score") or 0), float(later.get("risk_score") or 0)),
        rows=rows,
        indications_new=[i for i in after if i not in before],
        indications_gone=[i for i in before if i not in after],
    )
