"""What the entrepreneur reads after the scan: B1 Dutch, short sentences, every jargon
word explained in the same message. Pure functions from the outcome to messages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence

from actions.catalogue import catalogue, describe_value
from actions.gemeente import GemeenteConfig, Partner
from actions.outcome.indications import Indication
from actions.outcome.scoring import Score, weights

# Jargon word -> the plain explanation that must stand in the same message.
JARGON: Dict[str, str] = {
    "Bbz": "hulp van de gemeente voor ondernemers",
    "IOAZ": "uitkering voor oudere ondernemers die stoppen",
    "schuldhulpverlening": "hulp bij het regelen van schulden",
    "bijstandsnorm": "het bedrag dat iemand minimaal nodig heeft om van te leven",
    "urencriterium": "minstens 1.225 uur per jaar in uw bedrijf",
}

LEVEL_LINE = {
    "laag": "Uw uitkomst: groen, een laag risico. Uw bedrijf en uw geldzaken lijken er nu redelijk voor te staan.",
    "verhoogd": "Uw uitkomst: oranje, een verhoogd risico. Er zijn signalen dat het geld krap wordt.",
    "hoog": "Uw uitkomst: rood, een hoog risico. Er zijn duidelijke signalen van geldproblemen.",
}

INDICATION_TEXT = {
    "bbz_aspirant": "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers. "
                    "Met bijstand kunt u dan tot 12 maanden een bedrijf voorbereiden.",
    "bbz_starter": "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers. "
                   "Als starter kunt u geld krijgen om van te leven, of een lening voor uw bedrijf.",
    "bbz_gevestigd_inkomen": "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers. "
                             "U krijgt dan tijdelijk geld om van te leven, aangevuld tot het bijstandsniveau.",
    "bbz_gevestigd_kapitaal": "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers. "
                              "U kunt dan een lening krijgen voor uw bedrijf, omdat de bank nee zei.",
    "bbz_beeindiger": "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers. "
                      "U krijgt dan geld om van te leven terwijl u binnen 12 maanden stopt. "
                      "Vraag dit aan voordat u stopt.",
    "bbz_oudere_zelfstandige": "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers. "
                               "Er is een regeling voor ondernemers die voor 1960 zijn geboren.",
    "ioaz": "U komt mogelijk in aanmerking voor de IOAZ, een uitkering voor oudere ondernemers die stoppen. "
            "Vraag dit aan voordat u stopt met uw bedrijf.",
    "schuldhulp": "U komt mogelijk in aanmerking voor schuldhulpverlening, hulp bij het regelen van schulden. "
                  "Dat kan ook als u ondernemer bent.",
}
DECIDES = "De gemeente beslist pas na een aanvraag."
TO_CHECK = "Dit moet de gemeente nog nader bekijken."
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
    """'U zei: ...' lines for the answers that weighed most."""
    lines = []
    for qid in score.drivers[:limit]:
        q = catalogue()[qid]
        given = describe_value(q, answers[qid])
        lines.append(f"- {weights()[qid].reason} (Uw antwoord: {given}.)")
    return lines


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
    if score.urgent and answers.get("acute_measures") is True:
        messages[0] += " " + URGENT
    drivers = driver_lines(answers, score)
    if drivers:
        messages.append("Dit woog het zwaarst:\n" + "\n".join(drivers))
    if score.unknowns:
        names = ", ".join(_short_topic(q) for q in score.unknowns[:3])
        messages.append(
            f"U wist niet alles. Het ging om: {names}. Daardoor is deze uitkomst minder zeker."
        )
    for ind in outcome.indications:
        text = INDICATION_TEXT[ind.id]
        if ind.missing:
            text += " " + TO_CHECK
        messages.append(text + " " + DECIDES)
    if not outcome.indications:
        messages.append(NOT_HERE if answers.get("lives_in_municipality") is False else NO_INDICATION)
    if outcome.partners:
        steps = [f"{n}. {contact_line(p)}" for n, p in enumerate(outcome.partners, start=1)]
        messages.append("Wat kunt u nu doen?\n" + "\n".join(steps))
    if outcome.distress:
        messages.append(distress_reminder(config))
    return messages


def _short_topic(qid: str) -> str:
    topics = {
        "total_debt": "uw schulden", "monthly_income": "uw inkomen", "revenue_trend": "uw omzet",
        "fixed_costs_paid": "uw vaste lasten", "tax_arrears": "de Belastingdienst", "acute_measures": "dringende zaken",
        "payment_arrears": "betalingsachterstanden", "buffer_months": "uw buffer", "administration": "uw boekhouding",
        "opens_mail": "uw post", "outlook": "de toekomst van uw bedrijf", "late_returns": "uw aangiftes",
        "employees": "uw personeel",
    }
    return topics.get(qid, qid)


def explain_jargon_in(text: str) -> List[str]:
    """Jargon words in ``text`` whose explanation is missing (used by the tests)."""
    return [word for word, explanation in JARGON.items() if word in text and explanation not in text]


def all_indication_texts() -> Sequence[str]:
    return list(INDICATION_TEXT.values())
