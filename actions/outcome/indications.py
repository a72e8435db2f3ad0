"""Bbz / IOAZ / schuldhulp indications: the decision table as readable rules.

Sources: domain.md §6.3 and domain-2026.md (where they differ, 2026 stands). Each rule
lists its conditions. A condition is met, not met, or unknown ("nader te bekijken": the
answer is "weet ik niet" or missing, or the scan cannot tell, e.g. near a limit). A rule
fires when no condition is "not met"; the unknown ones become the facts the
accountmanager still has to check, and what the entrepreneur reads is still to be
checked. An indication is never a decision: the gemeente decides after an application.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, List, Mapping, Optional, Tuple, Union

from actions.gemeente import GemeenteConfig, dutch_number
from actions.outcome.scoring import Score, below_aow_age, household_norm, income_below_norm
from actions.parsing import UNKNOWN

STARTER_YEARS = 1.5  # "gevestigd" in practice: self-employed for more than 1.5 years
IOAZ_MIN_AGE = 55  # IOAZ art. 2(1): the business ended after reaching 55
IOAZ_MIN_YEARS = 10
IOAZ_MIN_YEARS_AFTER_EMPLOYMENT = 3  # art. 5(2)(1°): 3 years after 7 years in business or employment
IOAZ_INCOME_MARGIN = 0.15  # within about 15 % of the IOAZ limit the scan cannot tell: to check
OUDERE_BORN_BEFORE = 1960  # Bbz art. 2(1)(c): born before 1 January 1960
MIN_AGE = 18
# Hours a week from which a scan answer below the urencriterium is "to check", not "no":
# a self-estimate of 20 to 24 hours can still be 1,225 hours a year.
HOURS_TO_CHECK_FROM = 20
WEEKS = 52
MAX_SHOWN = 2  # Bbz/IOAZ indications shown; schuldhulp comes on top when debts signal it
# Bbz 2004 art. 2: a bijstand client may prepare a start for up to 12 months (lid 3);
# a beëindiger stops the business within 12 months (lid 1 d).
BBZ_PREPARATION_MONTHS = 12
BBZ_STOP_WITHIN_MONTHS = 12
PRIVATE_ARREARS = ("huur", "energie", "water", "zorgverzekering")  # Wgs vroegsignalering


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


# A check returns True (met), False (not met) or None (to check).
Check = Callable[[Facts], Optional[bool]]
Says = Union[None, str, Callable[[Facts], List[str]]]


@dataclass(frozen=True)
class Condition:
    """``label`` is for the accountmanager; ``says`` is why it fits in the entrepreneur's
    words (B1, "u"; a function when it depends on which answers made it true), left out
    for the general checks everyone meets; ``to_check`` says in the same words what the
    gemeente still looks at when the condition is unknown. Each may name a configured
    amount, e.g. ``{urencriterium}``: the value valid on the scan date."""

    label: str
    check: Check
    facts: Tuple[str, ...]  # question ids the check reads
    says: Says = None
    to_check: Union[None, str, Callable[["Facts"], str]] = None


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
    to_check: List[str] = field(default_factory=list)  # what is still to be checked, for the entrepreneur


# ---- checks -------------------------------------------------------------------------

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


def _age_from(low: int, to_check_at: Optional[int] = None) -> Check:
    """``low`` up to the AOW age; ``to_check_at`` is an age below ``low`` that is "to
    check" (IOAZ: 54 can stop after turning 55). The AOW boundary year is "to check"
    when the AOW age has months."""
    def check(f: Facts) -> Optional[bool]:
        age = _num(f, "age")
        if age is None:
            return None
        if age < low:
            return None if age == to_check_at else False
        return below_aow_age(age, f.config, f.on)
    return check


def _hours_limit(f: Facts) -> float:
    return f.config.amount("urencriterium", f.on) / WEEKS


def _hours_ok(f: Facts) -> Optional[bool]:
    """The urencriterium; 20 up to about 24 hours a week is "to check", not "no"."""
    hours = _num(f, "hours_per_week")
    if hours is None:
        return None
    if hours >= _hours_limit(f):
        return True
    return None if hours >= HOURS_TO_CHECK_FROM else False


def _starter_hours(f: Facts) -> Optional[bool]:
    """Someone who has not started yet has no hours in the business: the planned hours
    are "to check"."""
    return None if f.get("years_in_business") == 0 else _hours_ok(f)


def _ioaz_hours(f: Facts) -> Optional[bool]:
    """The urencriterium, or (to check) the couple variant: partners working together
    in the business with fewer hours each (gemeente pages; not in the law text)."""
    own = _hours_ok(f)
    if own is not False:
        return own
    hours = _num(f, "hours_per_week")
    couple = f.config.amount("ioaz_couple_hours", f.on, "own") / WEEKS
    if f.get("household") != "alleenstaand" and hours is not None and hours >= couple:
        return None
    return False


def _income_low(f: Facts) -> Optional[bool]:
    return income_below_norm(f.answers, f.config, f.on)


def _income_to_check(f: Facts) -> str:
    if f.known("monthly_income") and f.get("household") != "alleenstaand":
        return "het inkomen van uw partner of ander inkomen in huis"
    return "het inkomen van uw huishouden"


def _other_income_below_norm(f: Facts) -> Optional[bool]:
    """G6: income outside the business (partner, benefits) is below the bijstandsnorm."""
    if f.get("household") == "alleenstaand":
        return True if f.get("benefit") in ("geen", "bijstand") else None
    other = _num(f, "household_other_income")
    if other is None:
        return None
    return other < household_norm(f.answers, f.config, f.on)


def _starter_benefit(f: Facts) -> Optional[bool]:
    """Bbz art. 2(1)(b): the person or the partner receives a werkloosheidsuitkering
    (WW) or bijstand. Another benefit (IOAW, WIA, ...) and a partner's benefit are to check."""
    benefit = f.get("benefit")
    if benefit in ("ww", "bijstand"):
        return True
    if benefit == "geen" and f.get("household") == "alleenstaand":
        return False
    return None  # 'anders', unknown, or no benefit but a partner who may have WW


def _ioaz_income(f: Facts) -> Optional[bool]:
    """IOAZ art. 5(2): income from the business below the limits; the scan knows only
    what the business leaves now, so within about 15 % of the limit it is to check."""
    income = _num(f, "monthly_income")
    if income is None:
        return None
    yearly, limit = income * 12, f.config.amount("ioaz_income_limits", f.on, "past_average")
    if yearly < limit * (1 - IOAZ_INCOME_MARGIN):
        return True
    return None if yearly <= limit * (1 + IOAZ_INCOME_MARGIN) else False


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


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def oudere_zelfstandige_closes(config: GemeenteConfig) -> date:
    """The day the youngest person born before 1960 (31 December 1959) reaches the AOW
    age: from then on nobody can meet Bbz art. 2(1)(c). Computed from the configured
    AOW age valid on that day, not fixed in code."""
    youngest = date(OUDERE_BORN_BEFORE - 1, 12, 31)
    reached = _add_months(youngest, 12 * 65)
    for _ in range(5):  # the AOW age valid on the day it is reached; settles at once
        years, months = config.aow_age(reached)
        reached, previous = _add_months(youngest, 12 * years + months), reached
        if reached == previous:
            break
    return reached


def _oudere_still_open(f: Facts) -> Optional[bool]:
    return f.on < oudere_zelfstandige_closes(f.config)


def _natural_person(f: Facts) -> Optional[bool]:
    """Schuldhulp is for natural persons; a bv's director may still need help with
    private debts or a personal guarantee: to check, not no."""
    return True if f.known("business_form") and f.get("business_form") != "bv" else None


def private_arrears(answers: Mapping[str, Any]) -> List[str]:
    """Private arrears named in the scan (rent, energy, water, health insurance)."""
    value = answers.get("private_arrears")
    return [a for a in PRIVATE_ARREARS if isinstance(value, list) and a in value]


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
    if private_arrears(f.answers):
        signals.append("u heeft een achterstand thuis, zoals huur, energie of zorgverzekering")
    if not signals and f.score.score >= f.config.threshold_hoog:
        signals.append("uw antwoorden samen geven een hoog risico")
    return signals


def _problematic_debts(f: Facts) -> Optional[bool]:
    if _debt_signals(f):
        return True
    return None if not f.known("total_debt") else False


# ---- conditions ---------------------------------------------------------------------

LIVES_HERE = Condition("woont in de gemeente", _choice("lives_in_municipality", True), ("lives_in_municipality",),
                       to_check="of u in deze gemeente woont")
AGE_18_AOW = Condition("leeftijd 18 tot AOW-leeftijd", _age_from(MIN_AGE), ("age",), to_check="uw leeftijd")
HOURS = Condition("werkt minstens {urencriterium} uur per jaar in het bedrijf", _hours_ok, ("hours_per_week",),
                  to_check="hoeveel uur u in uw bedrijf werkt")
INCOME_LOW = Condition("inkomen van het huishouden onder de bijstandsnorm", _income_low,
                       ("monthly_income", "household", "household_other_income"),
                       says="het inkomen van uw huishouden is niet genoeg om van te leven",
                       to_check=_income_to_check)
VIABLE = Condition("verwacht dat het bedrijf weer genoeg oplevert", _choice("outlook", "ja", "misschien"), ("outlook",),
                   says="u denkt dat uw bedrijf weer genoeg kan opleveren",
                   to_check="of uw bedrijf weer genoeg kan opleveren")
NOT_VIABLE = Condition("verwacht niet dat het bedrijf genoeg oplevert of wil stoppen", _choice("outlook", "nee", "stoppen"),
                       ("outlook",), says="u wilt stoppen, of u denkt niet dat uw bedrijf weer genoeg oplevert",
                       to_check="of u wilt stoppen met uw bedrijf")
GEVESTIGD = Condition(f"minstens {dutch_number(STARTER_YEARS)} jaar ondernemer",
                      _cmp("years_in_business", lambda y: y >= STARTER_YEARS), ("years_in_business",),
                      says=f"u bent minstens {dutch_number(STARTER_YEARS)} jaar ondernemer",
                      to_check="hoe lang u al ondernemer bent")
PERSON = Condition("ondernemer als persoon; bij een bv nader te bekijken",
                   lambda f: None if f.get("business_form") == "bv" or not f.known("business_form") else True,
                   ("business_form",), to_check="de rechtsvorm van uw bedrijf")
STARTED = Condition("het bedrijf loopt nog", _cmp("years_in_business", lambda y: y > 0), ("years_in_business",),
                    to_check="of uw bedrijf nog loopt")

RULES: Tuple[Rule, ...] = (
    Rule("bbz_aspirant", "R1 aspirant-zelfstandige", (
        LIVES_HERE, PERSON, AGE_18_AOW,
        Condition("is nog niet gestart", _cmp("years_in_business", lambda y: y == 0), ("years_in_business",),
                  says="u bent nog niet begonnen met uw bedrijf", to_check="of u al begonnen bent"),
        Condition("heeft een bijstandsuitkering", _choice("benefit", "bijstand"), ("benefit",),
                  says="u heeft een bijstandsuitkering", to_check="welke uitkering u heeft"),
    )),
    Rule("bbz_starter", "R2 starter vanuit een uitkering", (
        LIVES_HERE, PERSON, AGE_18_AOW,
        Condition("werkt minstens {urencriterium} uur per jaar in het bedrijf (nog niet gestart: de geplande uren)",
                  _starter_hours, ("hours_per_week",), to_check="hoeveel uur u in uw bedrijf gaat werken"),
        Condition(f"korter dan {dutch_number(STARTER_YEARS)} jaar ondernemer",
                  _cmp("years_in_business", lambda y: y < STARTER_YEARS), ("years_in_business",),
                  says=f"u bent nog niet begonnen, of korter dan {dutch_number(STARTER_YEARS)} jaar ondernemer",
                  to_check="hoe lang u al ondernemer bent"),
        Condition("zelf of partner heeft WW of bijstand (andere uitkering: nader te bekijken)", _starter_benefit,
                  ("benefit", "household"), says="u heeft een WW- of bijstandsuitkering",
                  to_check="of u of uw partner een WW- of bijstandsuitkering heeft"),
        Condition("ander inkomen in huis onder de bijstandsnorm", _other_income_below_norm,
                  ("household", "household_other_income", "benefit"),
                  says="er is weinig ander inkomen in uw huishouden",
                  to_check="het andere inkomen in uw huishouden"),
        VIABLE,
    )),
    Rule("ioaz", "R6 IOAZ voor oudere ondernemers die stoppen", (
        LIVES_HERE, PERSON,
        Condition("werkt minstens {urencriterium} uur per jaar in het bedrijf (samen met partner "
                  "{ioaz_couple_hours.own} + {ioaz_couple_hours.partner} uur: nader te bekijken)",
                  _ioaz_hours, ("hours_per_week", "household"), to_check="hoeveel uur u en uw partner werken"),
        NOT_VIABLE, STARTED,
        Condition(f"{IOAZ_MIN_AGE} jaar tot AOW-leeftijd (54: nader te bekijken)",
                  _age_from(IOAZ_MIN_AGE, to_check_at=IOAZ_MIN_AGE - 1), ("age",),
                  says=f"u bent {IOAZ_MIN_AGE} jaar of ouder, maar nog niet met AOW",
                  to_check="uw leeftijd als u stopt"),
        Condition(f"minstens {IOAZ_MIN_YEARS} jaar ondernemer, of {IOAZ_MIN_YEARS_AFTER_EMPLOYMENT} jaar "
                  "na 7 jaar als ondernemer of in loondienst", _ioaz_years, ("years_in_business",),
                  says=f"u bent minstens {IOAZ_MIN_YEARS} jaar ondernemer",
                  to_check="hoe lang u ondernemer was en daarvoor werkte"),
        Condition("inkomen uit het bedrijf onder de IOAZ-grenzen (gemiddeld {ioaz_income_limits.past_average} euro "
                  "per jaar over 3 jaar, verwacht {ioaz_income_limits.expected}); binnen 15% nader te bekijken",
                  _ioaz_income, ("monthly_income",), says="u houdt weinig over uit uw bedrijf",
                  to_check="uw inkomen uit het bedrijf over de laatste 3 jaar"),
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
                  says="u verwacht dat uw bedrijf weer genoeg oplevert",
                  to_check="of uw bedrijf weer genoeg kan opleveren"),
        GEVESTIGD,
        INCOME_LOW,  # Bbz art. 1(b): aangewezen op het bedrijf
        Condition("bank of Qredits heeft een lening geweigerd", _choice("financing_asked", "afgewezen"),
                  ("financing_asked",), says="de bank of Qredits wilde u geen lening geven",
                  to_check="of de bank of Qredits u een lening wil geven"),
    )),
    Rule("bbz_oudere_zelfstandige", f"R7 oudere zelfstandige (geboren voor {OUDERE_BORN_BEFORE})", (
        Condition("regeling staat nog open (iemand geboren in 1959 is nog geen AOW-leeftijd)", _oudere_still_open, ()),
        LIVES_HERE, PERSON, HOURS, NOT_VIABLE, INCOME_LOW,
        Condition(f"geboren voor 1 januari {OUDERE_BORN_BEFORE}", _born_before_1960, ("age",),
                  says=f"u bent geboren voor {OUDERE_BORN_BEFORE}", to_check="uw geboortedatum"),
        Condition("nog niet de AOW-leeftijd", _age_from(0), ("age",), to_check="uw geboortedatum"),
        Condition(f"minstens {IOAZ_MIN_YEARS} jaar ondernemer",
                  _cmp("years_in_business", lambda y: y >= IOAZ_MIN_YEARS), ("years_in_business",),
                  says=f"u bent minstens {IOAZ_MIN_YEARS} jaar ondernemer",
                  to_check="hoe lang u al ondernemer bent"),
    )),
    Rule("schuldhulp", "R8 schuldhulpverlening", (
        LIVES_HERE,
        Condition("ondernemer als persoon; bij een bv nader te bekijken (privéschulden, persoonlijke borg)",
                  _natural_person, ("business_form",), to_check="uw privéschulden en of u ergens borg voor staat"),
        Condition("problematische schulden", _problematic_debts,
                  ("total_debt", "fixed_costs_paid", "tax_arrears", "payment_arrears", "private_arrears"),
                  says=_debt_signals, to_check="hoe hoog uw schulden zijn"),
    )),
)
INCOME_RULES = ("bbz_gevestigd_inkomen", "bbz_beeindiger", "bbz_oudere_zelfstandige", "bbz_gevestigd_kapitaal")


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
            what = cond.to_check(facts) if callable(cond.to_check) else cond.to_check
            if what and what not in result.to_check:
                result.to_check.append(what)
    return result


def debt_signals(answers: Mapping[str, Any], config: GemeenteConfig, on: date, score: Score) -> bool:
    """Whether the debts signal schuldhulp, whatever else is shown (for the referrals)."""
    return bool(_debt_signals(Facts(answers, config, on, score)))


def indications(answers: Mapping[str, Any], config: GemeenteConfig, on: date, score: Score) -> List[Indication]:
    """The rules that fire, best fit first (fewest unknown conditions, then table order).
    At most two Bbz/IOAZ indications are kept, as domain.md §6.3 advises, and only those
    with at least half of their conditions met; schuldhulp is always kept when the debts
    signal it, also next to two others (stopping a business is when its debts fall due)."""
    facts = Facts(answers, config, on, score)
    fired = [ind for rule in RULES if (ind := evaluate(rule, facts)) is not None]
    order = [r.indication for r in RULES]
    fired.sort(key=lambda i: (len(i.missing), order.index(i.id)))
    money = [i for i in fired if i.id != "schuldhulp" and len(i.met) >= len(i.missing)][:MAX_SHOWN]
    debts = [i for i in fired if i.id == "schuldhulp" and (_debt_signals(facts) or len(i.met) >= len(i.missing))]
    return sorted(money + debts, key=lambda i: (len(i.missing), order.index(i.id)))
