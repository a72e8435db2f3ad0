"""What the entrepreneur reads after the scan: B1 Dutch, short sentences, every jargon
word explained in the same message. Pure functions from the outcome to messages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Mapping, Sequence

from actions.catalogue import catalogue, describe_value
from actions.gemeente import GemeenteConfig, Partner, dutch_number
from actions.outcome.indications import (
    BBZ_PREPARATION_MONTHS, BBZ_STOP_WITHIN_MONTHS, OUDERE_BORN_BEFORE, Indication,
)
from actions.outcome.scoring import Score, weights
from actions.parsing import UNKNOWN

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
    }


LEVEL_LINE = {
    "laag": "Uw uitkomst: groen, een laag risico. Uw bedrijf en uw geldzaken lijken er nu redelijk voor te staan.",
    "verhoogd": "Uw uitkomst: oranje, een verhoogd risico. Er zijn signalen dat het geld krap wordt.",
    "hoog": "Uw uitkomst: rood, een hoog risico. Er zijn duidelijke signalen van geldproblemen.",
}

_BBZ = "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers."
# What the help can be, never what the entrepreneur will get: the gemeente decides (DECIDES).
INDICATION_TEXT = {
    "bbz_aspirant": f"{_BBZ} Met de Bbz kan de gemeente uw bijstand tot {BBZ_PREPARATION_MONTHS} maanden laten "
                    "doorlopen. U bereidt in die tijd uw bedrijf voor.",
    "bbz_starter": f"{_BBZ} Voor starters kan de gemeente geld geven om van te leven, of een lening voor het bedrijf.",
    "bbz_gevestigd_inkomen": f"{_BBZ} Met de Bbz kan de gemeente uw inkomen een tijd aanvullen "
                             "tot wat u minimaal nodig hebt om van te leven.",
    "bbz_gevestigd_kapitaal": f"{_BBZ} Met de Bbz kan de gemeente een lening geven voor uw bedrijf. "
                              "Dat kan als de bank of Qredits u geen lening geeft.",
    "bbz_beeindiger": f"{_BBZ} Met de Bbz kan de gemeente u geld geven om van te leven terwijl u stopt. "
                      f"U moet dan binnen {BBZ_STOP_WITHIN_MONTHS} maanden stoppen. "
                      "Vraag dit aan voordat u stopt.",
    "bbz_oudere_zelfstandige": f"{_BBZ} Er is een regeling voor ondernemers die voor {OUDERE_BORN_BEFORE} "
                               "zijn geboren.",
    "ioaz": "U komt mogelijk in aanmerking voor de IOAZ, een uitkering voor oudere ondernemers die stoppen. "
            "Vraag dit aan voordat u stopt met uw bedrijf.",
    "schuldhulp": "U komt mogelijk in aanmerking voor schuldhulpverlening, hulp bij het regelen van schulden. "
                  "Dat kan ook als u ondernemer bent.",
}
DECIDES = "De gemeente beslist pas na een aanvraag."
TO_CHECK = "Dit moet de gemeente nog nader bekijken."
WHY_IT_FITS = "Dit past bij uw antwoorden:"
MAX_REASONS = 4
URGENT = "Er speelt iets dringends. Neem daarom vandaag nog contact op."
def distress_reminder(config: GemeenteConfig) -> str:
    return f"U zei dat het u zwaar valt. Praat erover: bel {config.crisis_name}, {config.crisis_hours}, op {config.crisis_phone}."
NO_INDICATION = "Uit uw antwoorden volgt nu geen hulp van de gemeente met geld. Andere hulp kan wel."
NOT_HERE = "Woont u in een andere gemeente? Dan vraagt u hulp aan bij de gemeente waar u woont."


@dataclass(frozen=True)
class Outcome:
    score: Score
    indications: List[Indication]
    partners: List[Partner]
    distress: bool

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
        f"- {weights()[qid].reason} (Uw antwoord: {describe_value(catalogue()[qid], answers[qid])}.)"
        for qid in given[:limit]
    ]


def indication_message(ind: Indication) -> str:
    """The indication, why it fits (the answers that met its conditions), and who decides."""
    lines = [INDICATION_TEXT[ind.id]]
    if ind.reasons:
        lines += [WHY_IT_FITS] + [f"- {reason}" for reason in ind.reasons[:MAX_REASONS]]
    lines.append((TO_CHECK + " " if ind.missing else "") + DECIDES)
    return "\n".join(lines)


def contact_line(p: Partner) -> str:
    ways = []
    if p.phone:
        ways.append(f"bel {p.phone}")
    if p.web:
        ways.append(f"kijk op {p.web}")
    how = " of ".join(ways)
    return f"{p.name}: {p.does} {how[0].upper()}{how[1:]}."


def result_messages(answers: Mapping[str, Any], outcome: Outcome, config: GemeenteConfig) -> List[str]:
    """The result in a few short chat messages."""
    score = outcome.score
    messages = [LEVEL_LINE[score.level]]
    if answers.get("acute_measures") is True:
        messages[0] += " " + URGENT
    drivers = driver_lines(answers, score)
    if drivers:
        messages.append("Dit woog het zwaarst:\n" + "\n".join(drivers))
    if score.unknowns:
        names = ", ".join(_short_topic(q) for q in score.unknowns[:3])
        messages.append(
            f"U wist niet alles. Het ging om: {names}. Daardoor is deze uitkomst minder zeker."
        )
    messages += [indication_message(ind) for ind in outcome.indications]
    if not outcome.indications:
        messages.append(NOT_HERE if answers.get("lives_in_municipality") is False else NO_INDICATION)
    if outcome.partners:
        steps = [f"{n}. {contact_line(p)}" for n, p in enumerate(outcome.partners, start=1)]
        messages.append("Wat kunt u nu doen?\n" + "\n".join(steps))
    if outcome.distress:
        messages.append(distress_reminder(config))
    return messages


def _short_topic(qid: str) -> str:
    return catalogue()[qid].topic


def explain_jargon_in(text: str, config: GemeenteConfig, on: date) -> List[str]:
    """Jargon words in ``text`` whose explanation is missing (used by the tests)."""
    return [word for word, explanation in jargon(config, on).items() if word in text and explanation not in text]


def all_indication_texts() -> Sequence[str]:
    return list(INDICATION_TEXT.values())
