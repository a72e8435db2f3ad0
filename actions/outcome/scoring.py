"""The additive risk score. Weights, reasons and sources live in ``actions/scoring.yml``."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from actions.gemeente import GemeenteConfig
from actions.parsing import UNKNOWN

WEIGHTS_PATH = Path(__file__).resolve().parent.parent / "scoring.yml"


@dataclass(frozen=True)
class Weight:
    id: str
    reason: str
    source: str
    raw: Mapping[str, Any]

    @property
    def maximum(self) -> int:
        if "points" in self.raw:
            return max(self.raw["points"].values())
        if "bands" in self.raw:
            return max(b["points"] for b in self.raw["bands"])
        if "income_vs_norm" in self.raw:
            return max(self.raw["income_vs_norm"].values())
        return int(self.raw["max"])

    @property
    def unknown_points(self) -> int:
        if "unknown" in self.raw:
            return int(self.raw["unknown"])
        return math.ceil(self.maximum / 2)


@lru_cache(maxsize=1)
def weights() -> Dict[str, Weight]:
    data = yaml.safe_load(WEIGHTS_PATH.read_text(encoding="utf-8"))
    return {qid: Weight(qid, w["reason"], w["source"], w) for qid, w in data["weights"].items()}


def max_score() -> int:
    """The highest possible score: the sum of the questions' maxima (100 by design)."""
    return sum(w.maximum for w in weights().values())


def household_norm(answers: Mapping[str, Any], config: GemeenteConfig, on: date) -> float:
    """The bijstandsnorm for this household (couple norm unless known to live alone)."""
    aow = config.amount("aow_age", on)
    age = answers.get("age")
    at_aow = isinstance(age, (int, float)) and age >= aow
    alone = answers.get("household") == "alleenstaand"
    key = ("alleenstaand" if alone else "samenwonend") + ("_aow" if at_aow else "")
    return config.amount("bijstandsnorm", on, key)


def household_income(answers: Mapping[str, Any]) -> Optional[float]:
    """Business income plus other household income per month; None when the business
    income is unknown. Unknown or skipped other income counts as 0."""
    income = answers.get("monthly_income")
    if not isinstance(income, (int, float)) or isinstance(income, bool):
        return None
    other = answers.get("household_other_income")
    if answers.get("household") != "alleenstaand" and isinstance(other, (int, float)) and not isinstance(other, bool):
        income += other
    return float(income)


def _points(weight: Weight, value: Any, answers: Mapping[str, Any], config: GemeenteConfig, on: date) -> int:
    raw = weight.raw
    if value == UNKNOWN:
        return weight.unknown_points
    if "points" in raw:
        return int(raw["points"].get(value, 0))
    if "bands" in raw:
        for band in raw["bands"]:
            if "below" not in band or value < band["below"]:
                return int(band["points"])
    if "income_vs_norm" in raw:
        income = household_income(answers)
        norm = household_norm(answers, config, on)
        table = raw["income_vs_norm"]
        if income is None:
            return weight.unknown_points
        if income < norm:
            return int(table["below_norm"])
        if income <= 1.25 * norm:
            return int(table["up_to_125_percent"])
        return int(table["above"])
    if "per_choice" in raw:
        chosen = value if isinstance(value, list) else [value]
        return min(int(raw["max"]), sum(int(raw["per_choice"].get(c, 0)) for c in chosen))
    raise ValueError(f"weight for {weight.id} has no points, bands, income_vs_norm or per_choice")


@dataclass(frozen=True)
class Score:
    score: int
    level: str
    urgent: bool
    contributions: Dict[str, int]
    drivers: List[str]
    unknowns: List[str]  # unknown answers that matter, heaviest first
    confidence: str  # hoog / midden / laag


def score_answers(
    answers: Mapping[str, Any], config: GemeenteConfig, on: date, distress: bool = False
) -> Score:
    """Score the answers. Skipped (None) answers add nothing; ``onbekend`` adds the
    question's unknown points and lowers the confidence of the result."""
    contributions: Dict[str, int] = {}
    unknown_weight = 0
    unknowns: List[Tuple[int, str]] = []
    for qid, weight in weights().items():
        value = answers.get(qid)
        if value is None:
            continue
        points = _points(weight, value, answers, config, on)
        contributions[qid] = points
        if value == UNKNOWN and weight.maximum > 0:
            unknown_weight += weight.maximum
            unknowns.append((weight.maximum, qid))
    total = sum(contributions.values())
    acute = answers.get("acute_measures") is True
    if acute or total >= config.threshold_hoog:
        level = "hoog"
    elif total >= config.threshold_verhoogd:
        level = "verhoogd"
    else:
        level = "laag"
    order = list(weights())
    drivers = sorted((q for q, p in contributions.items() if p > 0), key=lambda q: (-contributions[q], order.index(q)))
    share = unknown_weight / max_score()  # the share of the possible points that is unknown
    confidence = "hoog" if share < 0.1 else "midden" if share < 0.25 else "laag"
    return Score(
        score=total,
        level=level,
        urgent=acute or distress,
        contributions=contributions,
        drivers=drivers,
        unknowns=[q for heaviest, q in sorted(unknowns, key=lambda t: (-t[0], order.index(t[1]))) if heaviest >= 4],
        confidence=confidence,
    )
