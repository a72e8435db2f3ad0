"""What the entrepreneur reads after the scan: B1 Dutch, short sentences, every jargon
word explained in the same message. Pure functions from the outcome to messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

from actions.catalogue import catalogue, describe_value
from actions.gemeente import GemeenteConfig, Partner, dutch_number, dutch_today
from actions.outcome.indications import (
    BBZ_PREPARATION_MONTHS,
    BBZ_STOP_WITHIN_MONTHS,
    OUDERE_BORN_BEFORE,
    Indication,
)
from actions.outcome.names import BBZ_INDICATIONS
from actions.outcome.scoring import Score, income_below_norm, weights
from actions.parsing import UNKNOWN
from actions.texts import needs, render

MINIMUM_TO_LIVE = "het bedrag dat iemand minimaal nodig heeft om van te leven"


def jargon(config: GemeenteConfig, on: date) -> Dict[str, str]:
    """Jargon word -> the plain explanation that must stand in the same message."""
    hours = dutch_number(config.amount("urencriterium", on))
    return {
        "Bbz": "hulp van de gemeente voor ondernemers",
        "IOAZ": "uitkering voor oudere ondernemers die stoppen",
        "schuldhulpverlening": "hulp bij het regelen van schulden",
        "bijstandsnorm": MINIMUM_TO_LIVE,
        "bijstandsniveau": MINIMUM_TO_LIVE,
        "urencriterium": f"minstens {hours} uur per jaar in uw bedrijf",
        "levensvatbaarheidsonderzoek": "kijkt eerst of uw bedrijf genoeg kan opleveren",
    }


# The texts live in actions/texts.yml ("outcome."); these names are what the code and the
# saved result use. Written with "u": the Speaker gives them the configured form of address.
LEVEL_LINE = {level: render(f"outcome.level.{level}") for level in ("laag", "verhoogd", "hoog")}
# green, but the household income is below the norm: never "redelijk" then
LEVEL_LOW_INCOME = render("outcome.level_low_income")
# Bbz income support (art. 10-12) is first an interest-free loan: every text about it says so.
LOAN_FIRST = render("outcome.loan_first")
# What the help can be, never what the entrepreneur will get: the gemeente decides (DECIDES).
_INDICATION_VALUES: Dict[str, Any] = {
    "bbz": render("outcome.bbz"), "loan_first": LOAN_FIRST, "preparation_months": BBZ_PREPARATION_MONTHS,
    "stop_within_months": BBZ_STOP_WITHIN_MONTHS, "born_before": OUDERE_BORN_BEFORE,
}


def _indication_text(indication: str) -> str:
    key = f"outcome.indication.{indication}"
    return render(key, **{name: _INDICATION_VALUES[name] for name in needs(key)})


INDICATION_TEXT = {ind: _indication_text(ind) for ind in (*BBZ_INDICATIONS, "ioaz", "schuldhulp")}
# What happens next, where an indication is shown (B1; never a promise or a term).
NEXT_BBZ = render("outcome.next_bbz", documents=render("outcome.documents"))
# a beëindiger or oudere zelfstandige needs no viable business (Bbz art. 2(1)(c), (d))
NEXT_BBZ_STOPPING = render("outcome.next_bbz_stopping", documents=render("outcome.documents"))
VIABILITY_FIRST = ("bbz_aspirant", "bbz_starter", "bbz_gevestigd_inkomen", "bbz_gevestigd_kapitaal")
NEXT_IOAZ = render("outcome.next_ioaz")
NEXT_SCHULDHULP = render("outcome.next_schuldhulp")
NEXT_TOGETHER = render("outcome.next_together")
DECIDES = render("outcome.decides")
TO_CHECK = render("outcome.to_check")
WHY_IT_FITS = render("outcome.why_it_fits")
MAX_REASONS = 4
MAX_TO_CHECK_WORDS = 18
URGENT = render("outcome.urgent")


def distress_reminder(config: GemeenteConfig) -> str:
    return render("outcome.distress_reminder", gemeente=config)


# the only way the result says that no help with money fits (never "geen hulp met geld")
NO_INDICATION = render("outcome.no_indication")
NOT_HERE = render("outcome.not_here")


@dataclass(frozen=True)
class Outcome:
    score: Score
    indications: List[Indication]
    partners: List[Partner]
    distress: bool
    on: Optional[date] = None
    config: Optional[GemeenteConfig] = None
    situations: FrozenSet[str] = field(default_factory=frozenset)  # from all answers (see referrals.situations)
    schuldhulp_rule: bool = False  # the schuldhulp rule fired, whether shown or not

    def slots(self) -> Dict[str, Any]:
        return {
            "risk_score": self.score.score,
            "risk_level": self.score.level,
            "urgent": self.score.urgent,
            "risk_drivers": list(self.score.drivers),
            "indications": [i.id for i in self.indications],
            "referrals": [p.id for p in self.partners],
        }


def driver_lines(answers: Mapping[str, Any], score: Score, limit: int = 3) -> List[str]:
    """Lines for the given answers that weighed most. "Weet ik niet" answers are left out:
    their reason would state a fact the entrepreneur did not give, and the result names
    them separately ("U wist niet alles")."""
    given = [qid for qid in score.drivers if answers[qid] != UNKNOWN]
    return [
        render("outcome.driver", reason=weights()[qid].reason, value=describe_value(catalogue()[qid], answers[qid]))
        for qid in given[:limit]
    ]


def to_check_line(ind: Indication) -> str:
    """What is still to be checked, in the entrepreneur's words (a short list)."""
    chosen: List[str] = []
    for what in ind.to_check:
        if len(" ".join(chosen + [what]).split()) > MAX_TO_CHECK_WORDS:
            break
        chosen.append(what)
    if not chosen:
        return TO_CHECK
    listed = chosen[0] if len(chosen) == 1 else ", ".join(chosen[:-1]) + " en " + chosen[-1]
    return render("outcome.still_to_check", listed=listed)


def indication_message(ind: Indication) -> str:
    """The indication, why it fits (the answers that met its conditions), what is still
    to be checked, and who decides."""
    lines = [INDICATION_TEXT[ind.id]]
    if ind.reasons:
        lines += [WHY_IT_FITS] + [render("outcome.reason", reason=reason) for reason in ind.reasons[:MAX_REASONS]]
    lines.append((to_check_line(ind) + " " if ind.missing else "") + DECIDES)
    return "\n".join(lines)


def next_steps_message(ids: Sequence[str]) -> Optional[str]:
    """What happens next for the shown indications, in one message."""
    parts = []
    if set(ids) & set(VIABILITY_FIRST):
        parts.append(NEXT_BBZ)
    elif set(ids) & set(BBZ_INDICATIONS):
        parts.append(NEXT_BBZ_STOPPING)
    if "ioaz" in ids:
        parts.append(NEXT_IOAZ)
    if "schuldhulp" in ids:
        parts.append(NEXT_SCHULDHULP)
        if set(ids) & set(BBZ_INDICATIONS):
            parts.append(NEXT_TOGETHER)
    return "\n".join(parts) if parts else None


def level_line(answers: Mapping[str, Any], outcome: Outcome, config: GemeenteConfig) -> str:
    """The level; green never says "redelijk" while the household income is below the norm."""
    level = outcome.score.level
    on = outcome.on or dutch_today()
    if level == "laag" and income_below_norm(answers, config, on):
        return LEVEL_LOW_INCOME
    return LEVEL_LINE[level]


def contact_line(p: Partner) -> str:
    ways = []
    if p.phone:
        ways.append(render("outcome.step_phone", phone=p.phone))
    if p.web:
        ways.append(render("outcome.step_web", web=p.web))
    how = f" {render('outcome.or')} ".join(ways)
    return render("outcome.contact", partner=p.name, does=p.does, how=how[0].upper() + how[1:])


def result_messages(answers: Mapping[str, Any], outcome: Outcome, config: GemeenteConfig) -> List[str]:
    """The result in a few short chat messages."""
    score = outcome.score
    messages = [level_line(answers, outcome, config)]
    if answers.get("acute_measures") is True:
        messages[0] += " " + URGENT
    drivers = driver_lines(answers, score)
    if drivers:
        messages.append("\n".join([render("outcome.drivers"), *drivers]))
    if score.unknowns:
        messages.append(unknowns_line(score))
    if answers.get("lives_in_municipality") is False:
        messages.append(NOT_HERE)  # whatever else fires: help is asked where one lives
    else:
        messages += [indication_message(ind) for ind in outcome.indications]
        nxt = next_steps_message([i.id for i in outcome.indications])
        if nxt:
            messages.append(nxt)
        if not outcome.indications:
            messages.append(NO_INDICATION)
    if outcome.partners:
        steps = [render("outcome.step", number=n, contact=contact_line(p))
                 for n, p in enumerate(outcome.partners, start=1)]
        messages.append("\n".join([render("outcome.steps"), *steps]))
    if outcome.distress:
        messages.append(distress_reminder(config))
    return messages


def unknowns_line(score: Score) -> str:
    """The unknown answers that matter, by topic, and that the outcome is less certain."""
    names = ", ".join(_short_topic(q) for q in score.unknowns[:3])
    return render("outcome.unknowns", topics=names)


def _short_topic(qid: str) -> str:
    return catalogue()[qid].topic


def explain_jargon_in(text: str, config: GemeenteConfig, on: date) -> List[str]:
    """Jargon words in ``text`` whose explanation is missing (used by the tests)."""
    return [word for word, explanation in jargon(config, on).items() if word in text and explanation not in text]


def all_indication_texts() -> Sequence[str]:
    return list(INDICATION_TEXT.values())


def all_result_texts() -> Sequence[str]:
    """Every fixed text of the result about help and what happens next (for the tests)."""
    return list(LEVEL_LINE.values()) + [LEVEL_LOW_INCOME] + list(INDICATION_TEXT.values()) + [
        NEXT_BBZ, NEXT_BBZ_STOPPING, NEXT_IOAZ, NEXT_SCHULDHULP, NEXT_TOGETHER, NO_INDICATION, NOT_HERE, TO_CHECK, DECIDES]
