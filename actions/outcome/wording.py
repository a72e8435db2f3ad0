"""What the entrepreneur reads after the scan: B1 Dutch, short sentences, every jargon
word explained in the same message. Pure functions from the outcome to messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

from actions.catalogue import catalogue, describe_value
from actions.gemeente import GemeenteConfig, Partner, dutch_number
from actions.outcome.indications import (
    BBZ_PREPARATION_MONTHS,
    BBZ_STOP_WITHIN_MONTHS,
    OUDERE_BORN_BEFORE,
    Indication,
)
from actions.outcome.names import BBZ_INDICATIONS
from actions.outcome.scoring import Score, income_below_norm, weights
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
        "levensvatbaarheidsonderzoek": "kijkt eerst of uw bedrijf genoeg kan opleveren",
    }


LEVEL_LINE = {
    "laag": "Uw uitkomst: groen, een laag risico. Uw bedrijf en uw geldzaken lijken er nu redelijk voor te staan.",
    "verhoogd": "Uw uitkomst: oranje, een verhoogd risico. Er zijn signalen dat het geld krap wordt.",
    "hoog": "Uw uitkomst: rood, een hoog risico. Er zijn duidelijke signalen van geldproblemen.",
}
# green, but the household income is below the norm: never "redelijk" then
LEVEL_LOW_INCOME = ("Uw uitkomst: groen, een laag risico. Maar het inkomen van uw huishouden is lager dan "
                    "wat iemand minimaal nodig heeft om van te leven.")

_BBZ = "U komt mogelijk in aanmerking voor de Bbz, hulp van de gemeente voor ondernemers."
# Bbz income support (art. 10-12) is first an interest-free loan: every text about it says so.
LOAN_FIRST = "Hulp bij uw inkomen uit de Bbz is eerst een lening zonder rente."
# What the help can be, never what the entrepreneur will get: the gemeente decides (DECIDES).
INDICATION_TEXT = {
    "bbz_aspirant": f"{_BBZ} Met de Bbz kan de gemeente uw bijstand tot {BBZ_PREPARATION_MONTHS} maanden laten "
                    "doorlopen. U bereidt in die tijd uw bedrijf voor.",
    "bbz_starter": f"{_BBZ} Bij starters kan de gemeente bekijken of zij uw inkomen een tijd aanvult. "
                   f"Soms is ook een lening voor het bedrijf mogelijk. {LOAN_FIRST}",
    "bbz_gevestigd_inkomen": f"{_BBZ} De gemeente kan bekijken of zij uw inkomen een tijd aanvult "
                             f"tot wat u minimaal nodig hebt om van te leven. {LOAN_FIRST}",
    "bbz_gevestigd_kapitaal": f"{_BBZ} De gemeente kan bekijken of een lening voor uw bedrijf mogelijk is. "
                              "Dat kan alleen als de bank of Qredits u geen lening geeft.",
    "bbz_beeindiger": f"{_BBZ} De gemeente kan bekijken of zij uw inkomen aanvult terwijl u stopt. "
                      f"{LOAN_FIRST} U stopt dan binnen {BBZ_STOP_WITHIN_MONTHS} maanden met uw bedrijf. "
                      "Vraag dit aan voordat u stopt.",
    "bbz_oudere_zelfstandige": f"{_BBZ} Er is een regeling voor ondernemers die voor {OUDERE_BORN_BEFORE} "
                               "zijn geboren en nog geen AOW hebben. De gemeente kan dan bekijken of zij uw inkomen "
                               f"aanvult, ook als uw bedrijf niet genoeg meer oplevert. {LOAN_FIRST}",
    "ioaz": "U komt mogelijk in aanmerking voor de IOAZ, een uitkering voor oudere ondernemers die stoppen. "
            "Vraag dit liefst aan voordat u stopt met uw bedrijf.",
    "schuldhulp": "U komt mogelijk in aanmerking voor schuldhulpverlening, hulp bij het regelen van schulden. "
                  "Dat kan ook als u ondernemer bent.",
}
# What happens next, where an indication is shown (B1; never a promise or a term).
_DOCUMENTS = ("Houd bij de hand: uw jaarcijfers, uw aangiftes inkomstenbelasting, bankafschriften en een uittreksel "
              "van de KVK. Een besluit kan een paar maanden duren.")
NEXT_BBZ = (
    "Hoe gaat het verder? De gemeente kijkt eerst of uw bedrijf genoeg kan opleveren. "
    f"Dat heet een levensvatbaarheidsonderzoek. {_DOCUMENTS}"
)
# a beëindiger or oudere zelfstandige needs no viable business (Bbz art. 2(1)(c), (d))
NEXT_BBZ_STOPPING = f"Hoe gaat het verder? {_DOCUMENTS}"
VIABILITY_FIRST = ("bbz_aspirant", "bbz_starter", "bbz_gevestigd_inkomen", "bbz_gevestigd_kapitaal")
NEXT_IOAZ = (
    "Wilt u stoppen? Vraag de uitkering voor oudere ondernemers dan liefst aan voordat u stopt. "
    "Dat kan ook nog tot 3 maanden nadat u bent gestopt. "
    "Schrijf uw bedrijf nog niet uit bij de KVK. Doe dat pas na overleg met de gemeente."
)
NEXT_SCHULDHULP = (
    "Bij schuldhulp maakt een medewerker eerst samen met u een overzicht van uw schulden en uw vaste lasten."
)
NEXT_TOGETHER = "De gemeente bekijkt de hulp bij schulden en de hulp voor ondernemers samen."
DECIDES = "De gemeente beslist pas na een aanvraag."
TO_CHECK = "Dit moet de gemeente nog nader bekijken."
STILL_TO_CHECK = "De gemeente bekijkt nog:"
WHY_IT_FITS = "Dit past bij uw antwoorden:"
MAX_REASONS = 4
MAX_TO_CHECK_WORDS = 18
URGENT = "Er speelt iets dringends. Neem daarom vandaag nog contact op."
def distress_reminder(config: GemeenteConfig) -> str:
    return f"U zei dat het u zwaar valt. Praat erover: bel {config.crisis_name}, {config.crisis_hours}, op {config.crisis_phone}."
# the only way the result says that no help with money fits (never "geen hulp met geld")
NO_INDICATION = ("Uit deze korte scan blijkt nu geen regeling van de gemeente voor hulp met geld. "
                 "Een medewerker kan dat met u bekijken.")
NOT_HERE = "Woont u in een andere gemeente? Dan vraagt u hulp aan bij de gemeente waar u woont."


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
        f"- {weights()[qid].reason} (Uw antwoord: {describe_value(catalogue()[qid], answers[qid])}.)"
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
    return f"{STILL_TO_CHECK} {listed}."


def indication_message(ind: Indication) -> str:
    """The indication, why it fits (the answers that met its conditions), what is still
    to be checked, and who decides."""
    lines = [INDICATION_TEXT[ind.id]]
    if ind.reasons:
        lines += [WHY_IT_FITS] + [f"- {reason}" for reason in ind.reasons[:MAX_REASONS]]
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
    on = outcome.on or date.today()
    if level == "laag" and income_below_norm(answers, config, on):
        return LEVEL_LOW_INCOME
    return LEVEL_LINE[level]


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
    messages = [level_line(answers, outcome, config)]
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


def all_result_texts() -> Sequence[str]:
    """Every fixed text of the result about help and what happens next (for the tests)."""
    return list(LEVEL_LINE.values()) + [LEVEL_LOW_INCOME] + list(INDICATION_TEXT.values()) + [
        NEXT_BBZ, NEXT_BBZ_STOPPING, NEXT_IOAZ, NEXT_SCHULDHULP, NEXT_TOGETHER, NO_INDICATION, NOT_HERE, TO_CHECK, DECIDES]
