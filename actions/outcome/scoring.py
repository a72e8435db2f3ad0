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


YOUNG_NORM_BELOW_AGE = 21  # Participatiewet art. 20: a lower norm for 18 to 20


def below_aow_age(age: float, config: GemeenteConfig, on: date) -> Optional[bool]:
    """Whether someone of ``age`` whole years is below the AOW age on ``on``. When the
    AOW age has months (67 and 3 months), the boundary year cannot be told: None."""
    years, months = config.aow_age(on)
    if age < years:
        return True
    if age == years and months:
        return None
    return False


def household_norm(answers: Mapping[str, Any], config: GemeenteConfig, on: date) -> float:
    """The bijstandsnorm for this household (couple norm unless known to live alone; the
    jongerennorm for a single person of 18 to 20 when the period has one)."""
    raw_age = answers.get("age")
    age = float(raw_age) if isinstance(raw_age, (int, float)) and not isinstance(raw_age, bool) else None
    at_aow = age is not None and below_aow_age(age, config, on) is False
    alone = answers.get("household") == "alleenstaand"
    if alone and age is not None and age < YOUNG_NORM_BELOW_AGE:
        young = config.optional_amount("bijstandsnorm", on, "jongeren_alleenstaand")
        if young is not None:
            return young
    key = ("alleenstaand" if alone else "samenwonend") + ("_aow" if at_aow else "")
    return config.amount("bijstandsnorm", on, key)


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def household_income(answers: Mapping[str, Any]) -> Optional[float]:
    """Business income plus other household income per month; None when either is
    unknown. Unknown partner income never counts as 0: for a couple (or an unknown
    household) the other income must be known."""
    income = _number(answers.get("monthly_income"))
    if income is None:
        return None
    if answers.get("household") == "alleenstaand":
        return income
    other = _number(answers.get("household_other_income"))
    return None if other is None else income + other


def income_vs_norm(answers: Mapping[str, Any], config: GemeenteConfig, on: date) -> Optional[float]:
    """Household income as a share of the household's norm (0.9 = 10 % below it); None
    when it cannot be told. With the other income unknown, a business income that is on
    its own at or above the norm still tells: the household is not below it."""
    norm = household_norm(answers, config, on)
    total = household_income(answers)
    if total is not None:
        return total / norm
    income = _number(answers.get("monthly_income"))
    if income is not None and income >= norm:
        return income / norm  # a lower bound: the rest can only add
    return None


def income_below_norm(answers: Mapping[str, Any], config: GemeenteConfig, on: date) -> Optional[bool]:
    """True, False, or None when it depends on an answer that is not known."""
    share = income_vs_norm(answers, config, on)
    return None if share is None else share < 1


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
        share = income_vs_norm(answers, config, on)
        table = raw["income_vs_norm"]
        if share is None:
            return weight.unknown_points
        if share < 1:
            return int(table["below_norm"])
        if share <= 1.25:
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
