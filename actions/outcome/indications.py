"""Bbz / IOAZ / schuldhulp indications: the decision table of domain.md §6.3 as readable rules.

Each rule lists its conditions. A condition is met, not met, or unknown (the answer is
"weet ik niet" or missing). A rule fires when no condition is "not met"; the unknown
ones become the facts the accountmanager still has to check. An indication is never a
decision: the gemeente decides after an application.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, List, Mapping, Optional, Tuple, Union

from actions.gemeente import GemeenteConfig, dutch_number
from actions.outcome.scoring import Score, household_income, household_norm
from actions.parsing import UNKNOWN

STARTER_YEARS = 1.5  # "gevestigd" in practice: self-employed for more than 1.5 years
IOAZ_MIN_AGE = 55
IOAZ_MIN_YEARS = 10
IOAZ_MIN_YEARS_AFTER_EMPLOYMENT = 3  # 3 years self-employed after 7 years as an employee also counts
OUDERE_BORN_BEFORE = 1960
MIN_AGE = 18
MAX_SHOWN = 2
# Bbz 2004 art. 2: a bijstand client may prepare a start for up to 12 months (lid 3);
# a beëindiger stops the business within 12 months (lid 1 d).
BBZ_PREPARATION_MONTHS = 12
BBZ_STOP_WITHIN_MONTHS = 12


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
    """``label`` is for the accountmanager; ``says`` is why it fits in the entrepreneur's
    words (B1, "u"; a function when it depends on which answers made it true), left out
    for the general checks everyone meets. Both may name a configured amount, e.g.
    ``{urencriterium}``: the value valid on the scan date."""

    label: str
    check: Check
    facts: Tuple[str, ...]  # question ids the check reads
    says: Union[None, str, Callable[["Facts"], List[str]]] = None


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
    reasons: List[str] = field(default_factory=list)  # why it fits, for the entrepreneur (from the met conditions)


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
    return None if years >= IOAZ_MIN_YEARS_AFTER_EMPLOYMENT else False


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


def _debt_signals(f: Facts) -> List[str]:
    """Why the debts count as problematic, in the entrepreneur's words (empty: they do not)."""
    signals = []
    if f.get("acute_measures") is True:
        signals.append("er speelt iets dringends, zoals beslag of een deurwaarder")
    debt = _num(f, "total_debt")
    if debt is not None and debt >= f.config.amount("problematic_debt", f.on) \
            and f.get("fixed_costs_paid") in ("vaak_niet", "nee"):
        signals.append("u heeft veel schuld en kunt de vaste lasten vaak niet betalen")
    if f.get("tax_arrears") == "regeling_loopt_niet":
        signals.append("de betalingsregeling met de Belastingdienst lukt niet meer")
    if f.get("payment_arrears") == 2:
        signals.append("u heeft betalingsachterstanden bij meer dan één partij")
    if not signals and f.score.score >= f.config.threshold_hoog:
        signals.append("uw antwoorden samen geven een hoog risico")
    return signals


def _problematic_debts(f: Facts) -> Optional[bool]:
    if _debt_signals(f):
        return True
    return None if not f.known("total_debt") else False


LIVES_HERE = Condition("woont in de gemeente", _choice("lives_in_municipality", True), ("lives_in_municipality",))
AGE_18_AOW = Condition("leeftijd 18 tot AOW-leeftijd", _age_in_range(MIN_AGE), ("age",))
HOURS = Condition("werkt minstens {urencriterium} uur per jaar in het bedrijf", _hours_ok, ("hours_per_week",))
INCOME_LOW = Condition("inkomen van het huishouden onder de bijstandsnorm", _income_below_norm,
                       ("monthly_income", "household", "household_other_income"),
                       says="het inkomen van uw huishouden is niet genoeg om van te leven")
VIABLE = Condition("verwacht dat het bedrijf weer genoeg oplevert", _choice("outlook", "ja", "misschien"), ("outlook",),
                   says="u denkt dat uw bedrijf weer genoeg kan opleveren")
NOT_VIABLE = Condition("verwacht niet dat het bedrijf genoeg oplevert of wil stoppen", _choice("outlook", "nee", "stoppen"),
                       ("outlook",), says="u wilt stoppen, of u denkt niet dat uw bedrijf weer genoeg oplevert")
GEVESTIGD = Condition(f"minstens {dutch_number(STARTER_YEARS)} jaar ondernemer",
                      _cmp("years_in_business", lambda y: y >= STARTER_YEARS), ("years_in_business",),
                      says=f"u bent minstens {dutch_number(STARTER_YEARS)} jaar ondernemer")
PERSON = Condition("ondernemer als persoon; bij een bv nader te bekijken",
                   lambda f: None if f.get("business_form") == "bv" or not f.known("business_form") else True,
                   ("business_form",))
STARTED = Condition("het bedrijf loopt nog", _cmp("years_in_business", lambda y: y > 0), ("years_in_business",))

RULES: Tuple[Rule, ...] = (
    Rule("bbz_aspirant", "R1 aspirant-zelfstandige", (
        LIVES_HERE, PERSON, AGE_18_AOW,
        Condition("is nog niet gestart", _cmp("years_in_business", lambda y: y == 0), ("years_in_business",),
                  says="u bent nog niet begonnen met uw bedrijf"),
        Condition("heeft een bijstandsuitkering", _choice("benefit", "bijstand"), ("benefit",),
                  says="u heeft een bijstandsuitkering"),
    )),
    Rule("bbz_starter", "R2 starter vanuit een uitkering", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS,
        Condition(f"korter dan {dutch_number(STARTER_YEARS)} jaar ondernemer",
                  _cmp("years_in_business", lambda y: y < STARTER_YEARS), ("years_in_business",),
                  says=f"u bent korter dan {dutch_number(STARTER_YEARS)} jaar ondernemer"),
        Condition("heeft WW of bijstand", _choice("benefit", "ww", "bijstand"), ("benefit",),
                  says="u heeft een WW- of bijstandsuitkering"),
        Condition("ander inkomen in huis onder de bijstandsnorm", _other_income_below_norm,
                  ("household", "household_other_income", "benefit"),
                  says="er is weinig ander inkomen in uw huishouden"),
        VIABLE,
    )),
    Rule("ioaz", "R6 IOAZ voor oudere ondernemers die stoppen", (
        LIVES_HERE, PERSON, HOURS, NOT_VIABLE, STARTED,
        Condition(f"{IOAZ_MIN_AGE} jaar tot AOW-leeftijd", _age_in_range(IOAZ_MIN_AGE), ("age",),
                  says=f"u bent {IOAZ_MIN_AGE} jaar of ouder, maar nog niet met AOW"),
        Condition(f"minstens {IOAZ_MIN_YEARS} jaar ondernemer, of {IOAZ_MIN_YEARS_AFTER_EMPLOYMENT} jaar "
                  "na 7 jaar in loondienst", _ioaz_years, ("years_in_business",),
                  says=f"u bent minstens {IOAZ_MIN_YEARS} jaar ondernemer"),
        Condition("winst onder de IOAZ-grens", _ioaz_profit_low, ("monthly_income",),
                  says="u houdt weinig over uit uw bedrijf"),
    )),
    Rule("bbz_beeindiger", "R5 beëindigende zelfstandige", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS, NOT_VIABLE, STARTED, INCOME_LOW,
    )),
    Rule("bbz_gevestigd_inkomen", "R3 gevestigde zelfstandige, aanvulling op het inkomen", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS, VIABLE, INCOME_LOW, GEVESTIGD,
    )),
    Rule("bbz_gevestigd_kapitaal", "R4 gevestigde zelfstandige, bedrijfskapitaal", (
        LIVES_HERE, PERSON, AGE_18_AOW, HOURS,
        Condition("verwacht dat het bedrijf weer genoeg oplevert", _choice("outlook", "ja"), ("outlook",),
                  says="u verwacht dat uw bedrijf weer genoeg oplevert"),
        GEVESTIGD,
        Condition("bank of Qredits heeft een lening geweigerd", _choice("financing_asked", "afgewezen"),
                  ("financing_asked",), says="de bank of Qredits wilde u geen lening geven"),
    )),
    Rule("bbz_oudere_zelfstandige", f"R7 oudere zelfstandige (geboren voor {OUDERE_BORN_BEFORE})", (
        LIVES_HERE, PERSON, HOURS, NOT_VIABLE, INCOME_LOW,
        Condition(f"geboren voor 1 januari {OUDERE_BORN_BEFORE}", _born_before_1960, ("age",),
                  says=f"u bent geboren voor {OUDERE_BORN_BEFORE}"),
        Condition("nog niet de AOW-leeftijd", _age_in_range(0), ("age",)),
        Condition(f"minstens {IOAZ_MIN_YEARS} jaar ondernemer",
                  _cmp("years_in_business", lambda y: y >= IOAZ_MIN_YEARS), ("years_in_business",),
                  says=f"u bent minstens {IOAZ_MIN_YEARS} jaar ondernemer"),
    )),
    Rule("schuldhulp", "R8 schuldhulpverlening", (
        Condition("ondernemer als persoon (geen bv)", _natural_person, ("business_form",)),
        Condition("problematische schulden", _problematic_debts,
                  ("total_debt", "fixed_costs_paid", "tax_arrears", "payment_arrears"),
                  says=_debt_signals),
    )),
)


def fill_amounts(text: str, facts: Facts) -> str:
    """``text`` with each ``{amount_name}`` replaced by that configured amount on the scan date."""
    return facts.config.with_amounts(text, facts.on)


def evaluate(rule: Rule, facts: Facts) -> Optional[Indication]:
    """The indication when no condition fails, with the met and still-unknown conditions."""
    result = Indication(rule.indication, rule.name)
    for cond in rule.conditions:
        outcome = cond.check(facts)
        if outcome is False:
            return None
        if outcome is True:
            result.met.append(fill_amounts(cond.label, facts))
            says = cond.says(facts) if callable(cond.says) else [cond.says] if cond.says else []
            result.reasons.extend(fill_amounts(text, facts) for text in says)
        else:
            result.missing.append(fill_amounts(cond.label, facts))
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
