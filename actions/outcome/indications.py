"""Bbz / IOAZ / schuldhulp indications: the decision table of domain.md §6.3 as readable rules.

Each rule lists its conditions. A condition is met, not met, or unknown (the answer is
"weet ik niet" or missing). A rule fires when no condition is "not met"; the unknown
ones become the facts the accountmanager still has to check. An indication is never a
decision: the gemeente decides after an application.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, List, Mapping, Optional, Tuple

from actions.gemeente import GemeenteConfig
from actions.outcome.scoring import Score, household_income, household_norm
from actions.parsing import UNKNOWN

STARTER_YEARS = 1.5  # "gevestigd" in practice: self-employed for more than 1.5 years
IOAZ_MIN_AGE = 55
IOAZ_MIN_YEARS = 10
OUDERE_BORN_BEFORE = 1960
MIN_AGE = 18
MAX_SHOWN = 2


@dataclass(frozen=True)
class Facts:
    answers: Mapping[str, Any]
    config: GemeenteConfig
    on: date
    score: Score

    def get(self, qid: str) -> Any:
        return self.answers.get(qid)

    def known(self, qid: str) -> bool:
        value = self.answers.get(qid)
        return value is not None and value != UNKNOWN


# A check returns True (met), False (not met) or None (unknown).
Check = Callable[[Facts], Optional[bool]]


@dataclass(frozen=True)
class Condition:
    label: str  # Dutch, for the accountmanager and the "why"
    check: Check
    facts: Tuple[str, ...]  # question ids the check reads


@dataclass(frozen=True)
class Rule:
    indication: str
    name: str
    conditions: Tuple[Condition, ...]


@dataclass
class Indication:
    id: str
    rule: str
    met: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # condition labels still to check
    missing_facts: List[str] = field(default_factory=list)  # question ids answered "weet ik niet"


def _num(f: Facts, qid: str) -> Optional[float]:
    v = f.get(qid)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _cmp(qid: str, test: Callable[[float], bool]) -> Check:
    def check(f: Facts) -> Optional[bool]:
        v = _num(f, qid)
        return None if v is None else test(v)
    return check


def _choice(qid: str, *values: Any) -> Check:
    def check(f: Facts) -> Optional[bool]:
        return f.get(qid) in values if f.known(qid) else None
    return check


def _age_in_range(low: int) -> Check:
    def check(f: Facts) -> Optional[bool]:
        age = _num(f, "age")
        return None if age is None else low <= age < f.config.amount("aow_age", f.on)
    return check


def _hours_ok(f: Facts) -> Optional[bool]:
    hours = _num(f, "hours_per_week")
    if hours is None:
        return None
    return hours * 52 >= f.config.amount("urencriterium", f.on)


def _income_below_norm(f: Facts) -> Optional[bool]:
    income = household_income(f.answers)
    if income is None:
        return None
    return income < household_norm(f.answers, f.config, f.on)


def _other_income_below_norm(f: Facts) -> Optional[bool]:
    """G6: income outside the business (partner, benefits) is below the bijstandsnorm."""
    if f.get("household") == "alleenstaand":
        return True if f.get("benefit") in ("geen", "bijstand") else None
    other = _num(f, "household_other_income")
    if other is None:
        return None
    return other < household_norm(f.answers, f.config, f.on)


def _ioaz_profit_low(f: Facts) -> Optional[bool]:
    income = _num(f, "monthly_income")
    return None if income is None else income * 12 < f.config.amount("ioaz_profit_limit", f.on)


def _ioaz_years(f: Facts) -> Optional[bool]:
    years = _num(f, "years_in_business")
    if years is None:
        return None
    if years >= IOAZ_MIN_YEARS:
        return True
    return None if years >= 3 else False  # 3 years after 7 as an employee also counts


def _born_before_1960(f: Facts) -> Optional[bool]:
    age = _num(f, "age")
    if age is None:
        return None
    born_latest, born_earliest = f.on.year - age, f.on.year - age - 1
    if born_latest < OUDERE_BORN_BEFORE:
        return True
    if born_earliest >= OUDERE_BORN_BEFORE:
        return False
    return None  # could be either side of 1 January 1960: the accountmanager checks


def _natural_person(f: Facts) -> Optional[bool]:
    return f.get("business_form") != "bv" if f.known("business_form") else None


def _problematic_debts(f: Facts) -> Optional[bool]:
    if f.score.score >= f.config.threshold_hoog or f.get("acute_measures") is True:
        return True
    debt = _num(f, "total_debt")
    if debt is not None and debt >= 20000 and f.get("fixed_costs_paid") in ("vaak_niet", "nee"):
        return True
    if f.get("tax_arrears") == "regeling_loopt_niet" or f.get("payment_arrears") == 2:
        return True
    return None if not f.known("total_debt") else False


LIVES_HERE = Condition("woont in de gemeente", _choice("lives_in_municipality", True), ("lives_in_municipality",))
AGE_18_AOW = Condition("leeftijd 18 tot AOW-leeftijd", _age_in_range(MIN_AGE), ("age",))
HOURS = Condition("werkt minstens 1.225 uur per jaar in het bedrijf", _hours_ok, ("hours_per_week",))
INCOME_LOW = Condition("inkomen van het huishouden onder de bijstandsnorm", _income_below_norm,
                       ("monthly_income", "household", "household_other_income"))
VIABLE = Condition("verwacht dat het bedrijf weer genoeg oplevert", _choice("outlook", "ja", "misschien"), ("outlook",))
NOT_VIABLE = Condition("verwacht niet dat het bedrijf genoeg oplevert of wil stoppen", _choice("outlook", "nee", "stoppen"),
                       ("outlook",))
PERSON = Condition("ondernemer als persoon; bij een bv nader te bekijken",
                   lambda f: None if f.get("business_form") == "bv" or not f.known("business_form") else True,
                   ("business_form",))
STARTED = Condition("het bedrijf loopt nog", _cmp("years_in_business", lambda y: y > 0), ("years_in_business",))

RULES: Tuple[Rule, ...] = (
    Rule("bbz_aspirant", "R1 aspirant-zelfstandige", (
        LIVES_HERE, PERSON, AGE_18_AOW,
        Condition("is nog niet gestart", _cmp("years_in_business", lambda y: y == 0), ("years_in_business",)),
        Condition("heeft een bijstandsuitkering", _choice("benefit", "bijstand"), ("benefit",)),
    )),
    Rule("bbz_starter", "R2 starter vanuit een uitkering", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS,
        Condition("korter dan 1,5 jaar ondernemer", _cmp("years_in_business", lambda y: y < STARTER_YEARS),
                  ("years_in_business",)),
        Condition("heeft WW of bijstand", _choice("benefit", "ww", "bijstand"), ("benefit",)),
        Condition("ander inkomen in huis onder de bijstandsnorm", _other_income_below_norm,
                  ("household", "household_other_income", "benefit")),
        VIABLE,
    )),
    Rule("ioaz", "R6 IOAZ voor oudere ondernemers die stoppen", (
        LIVES_HERE, PERSON, HOURS, NOT_VIABLE, STARTED,
        Condition("55 jaar tot AOW-leeftijd", _age_in_range(IOAZ_MIN_AGE), ("age",)),
        Condition("minstens 10 jaar ondernemer, of 3 jaar na 7 jaar in loondienst", _ioaz_years,
                  ("years_in_business",)),
        Condition("winst onder de IOAZ-grens", _ioaz_profit_low, ("monthly_income",)),
    )),
    Rule("bbz_beeindiger", "R5 beëindigende zelfstandige", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS, NOT_VIABLE, STARTED, INCOME_LOW,
    )),
    Rule("bbz_gevestigd_inkomen", "R3 gevestigde zelfstandige, aanvulling op het inkomen", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS, VIABLE, INCOME_LOW,
        Condition("minstens 1,5 jaar ondernemer", _cmp("years_in_business", lambda y: y >= STARTER_YEARS),
                  ("years_in_business",)),
    )),
    Rule("bbz_gevestigd_kapitaal", "R4 gevestigde zelfstandige, bedrijfskapitaal", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS,
        Condition("verwacht dat het bedrijf weer genoeg oplevert", _choice("outlook", "ja"), ("outlook",)),
        Condition("minstens 1,5 jaar ondernemer", _cmp("years_in_business", lambda y: y >= STARTER_YEARS),
                  ("years_in_business",)),
        Condition("bank of Qredits heeft een lening geweigerd", _choice("financing_asked", "afgewezen"),
                  ("financing_asked",)),
    )),
    Rule("bbz_oudere_zelfstandige", "R7 oudere zelfstandige (geboren voor 1960)", (
        LIVES_HERE, PERSON, HOURS, NOT_VIABLE, INCOME_LOW,
        Condition("geboren voor 1 januari 1960", _born_before_1960, ("age",)),
        Condition("nog niet de AOW-leeftijd", _age_in_range(0), ("age",)),
        Condition("minstens 10 jaar ondernemer", _cmp("years_in_business", lambda y: y >= IOAZ_MIN_YEARS),
                  ("years_in_business",)),
    )),
    Rule("schuldhulp", "R8 schuldhulpverlening", (
        Condition("ondernemer als persoon (geen bv)", _natural_person, ("business_form",)),
        Condition("problematische schulden", _problematic_debts,
                  ("total_debt", "fixed_costs_paid", "tax_arrears", "payment_arrears")),
    )),
)


def evaluate(rule: Rule, facts: Facts) -> Optional[Indication]:
    """The indication when no condition fails, with the met and still-unknown conditions."""
    result = Indication(rule.indication, rule.name)
    for cond in rule.conditions:
        outcome = cond.check(facts)
        if outcome is False:
            return None
        if outcome is True:
            result.met.append(cond.label)
        else:
            result.missing.append(cond.label)
            result.missing_facts.extend(q for q in cond.facts if facts.get(q) == UNKNOWN and q not in result.missing_facts)
    return result


def indications(answers: Mapping[str, Any], config: GemeenteConfig, on: date, score: Score) -> List[Indication]:
    """All rules that fire, best fit first (fewest unknown conditions, then table order);
    at most two are kept, as domain.md §6.3 advises."""
    facts = Facts(answers, config, on, score)
    fired = [ind for rule in RULES if (ind := evaluate(rule, facts)) is not None]
    # a rule that fires only on unknowns says nothing: keep rules with at least half met
    fired = [i for i in fired if len(i.met) >= len(i.missing)]
    order = [r.indication for r in RULES]
    fired.sort(key=lambda i: (len(i.missing), order.index(i.id)))
    return fired[:MAX_SHOWN]
