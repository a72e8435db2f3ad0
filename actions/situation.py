"""First messages that describe the entrepreneur's situation, outside the scan.

"Er ligt beslag op mijn rekening", "mijn kapsalon loopt slecht, ik ben 61": a short,
warm acknowledgement in the entrepreneur's own terms, the facts the message already
states (each confirmed in one line and used by the scan), and the offer to do the scan.
Pure functions, no Rasa: the conversation actions send what this module builds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Tuple

from actions.answer_rule import asks_to_stop_the_scan
from actions.facts import Fact, facts_in, noted
from actions.gemeente import GemeenteConfig
from actions.parsing import normalize

# What the message is about, in the order the acknowledgement prefers, with the words
# the bot uses to name it ("Vervelend om te lezen dat er beslag ligt.").
_TOPICS: Tuple[Tuple[str, str], ...] = (
    (r"\bbeslag", "dat er beslag ligt"),
    (r"\bdeurwaarder", "dat er een deurwaarder bij u is gekomen"),
    (r"\b(afgesloten|afsluiting|afsluiten)\b", "dat er een afsluiting dreigt"),
    (r"\b(ontruiming|ontruimd|uit huis gezet)\b", "dat een ontruiming dreigt"),
    (r"\b(klant|klanten|opdrachtgever|opdrachtgevers|afnemer)\b[a-z ]{0,20}\b(failliet|weg|kwijt|gestopt|betaalt niet|betalen niet)",
     "dat u een belangrijke klant kwijt bent"),
    (r"\b(failliet|faillissement)", "dat een faillissement dreigt"),
    (r"\b(stoppen|sluiten|opheffen|ophouden|beeindigen)\b", "dat u overweegt te stoppen met {business}"),
    (r"\bbelasting", "dat u zorgen heeft over de Belastingdienst"),
    (r"\b(schuld|schulden|schuldeisers?|incasso|aanmaning(en)?|rood)\b", "dat u schulden heeft"),
    (r"\bachterstand", "dat u achterstanden heeft"),
    (r"\b(hou|houd|houden|blijft)\b[a-z ]{0,12}\b(niks|niets|weinig|bijna niks|bijna niets)\b[a-z ]{0,6}\bover\b",
     "dat u te weinig overhoudt"),
    (r"\b(niet|nauwelijks|amper) (meer )?(betalen|rondkomen|voldoen)|\brekeningen\b|\bhuur\b",
     "dat het betalen van uw rekeningen niet lukt"),
    (r"\b(omzet|klanten|klant|opdrachten|opdrachtgever|opdrachtgevers|minder werk|geen werk|te weinig werk)\b",
     "dat er minder binnenkomt bij {business}"),
    (r"\b(draait|loopt|gaat|werkt)\b[a-z ]{0,12}\bniet( meer| goed| lekker)?\b", "dat het niet goed gaat met {business}"),
    (r"\b(slecht|moeilijk|zwaar|lastig|niet goed|matig|beroerd|belabberd|kantje boord|zwaar weer|verlies|"
     r"niet lekker|voor geen meter|bergafwaarts|mis|kapot|in de problemen|klem)\b",
     "dat het niet goed gaat met {business}"),
    (r"\b(geld|geldzorgen|geldproblemen|financien|financieel|krap|inkomen|verdien|verdienen|lening|krediet)",
     "dat u zich zorgen maakt over geld"),
)
_BUSINESS_NOUNS = (
    "bedrijf", "bedrijfje", "zaak", "zaakje", "onderneming", "winkel", "winkeltje", "praktijk", "eenmanszaak",
    "kapsalon", "salon", "bakkerij", "restaurant", "cafe", "eetcafe", "snackbar", "lunchroom", "webshop",
    "studio", "atelier", "bureau", "garage", "kwekerij", "boerderij", "kantoor", "schoonheidssalon",
    "nagelstudio", "bloemenzaak", "slagerij", "viszaak", "taxibedrijf", "bouwbedrijf", "klusbedrijf",
    "schildersbedrijf", "installatiebedrijf", "hoveniersbedrijf", "fietsenwinkel", "kledingwinkel",
    "sportschool", "horecazaak", "pizzeria", "camping", "b&b", "stoffeerderij", "drukkerij", "foodtruck",
    "kinderopvang", "coachpraktijk", "fysiopraktijk", "massagepraktijk", "vof", "bv", "firma", "winkels",
)
_OWN = (r"\b(mijn|ons|onze|m'n|mn|heb een|hebben een|ik heb|wij hebben|we hebben|als eigenaar van een)\s+"
        r"(?:eigen\s+|kleine\s+|kleine\s+eigen\s+|een\s+|een eigen\s+)?")


@dataclass(frozen=True)
class Acknowledgement:
    """What the bot says to a first message about the situation, and what it keeps."""

    lines: List[str]
    slots: Dict[str, Any] = field(default_factory=dict)
    urgent: bool = False


def business_named(text: str) -> Optional[str]:
    """'mijn kapsalon loopt slecht' -> 'kapsalon'."""
    norm = normalize(text)
    for m in re.finditer(_OWN + r"([a-z&]+)", norm):
        word = m.group(2)
        if word in _BUSINESS_NOUNS or word.endswith(("bedrijf", "zaak", "winkel", "praktijk", "salon", "studio")):
            return word
    return None


def topic_of(text: str) -> Optional[str]:
    """The first situation topic the text names, as the bot says it back, or None."""
    norm = normalize(text)
    for pattern, words in _TOPICS:
        if re.search(pattern, norm):
            return words
    return None


def describes_situation(text: str) -> bool:
    """Does the message say something about money, debts, the business going badly,
    stopping, arrears or beslag? Stopping the scan itself is not a situation."""
    return topic_of(text) is not None and not asks_to_stop_the_scan(text)


def states_facts(text: str, answers: Mapping[str, Any], today: Optional[date] = None) -> bool:
    """Does the message state answers to the scan ("ik werk 60 uur, ik ben 58")?"""
    return bool(facts_in(text, answers, today))


def acknowledge(text: str, answers: Mapping[str, Any], config: GemeenteConfig,
                today: Optional[date] = None) -> Acknowledgement:
    """The reply to a first message that describes the situation."""
    business = business_named(text)
    your_business = f"uw {business}" if business else "uw bedrijf"
    topic = topic_of(text)
    if topic:
        lines = [f"Vervelend om te lezen {topic.replace('{business}', your_business)}. Goed dat u het laat weten."]
    else:
        lines = ["Dank u wel voor wat u al vertelt."]
    found: List[Fact] = facts_in(text, answers, today)
    slots: Dict[str, Any] = {f.question.id: f.value for f in found}
    if business:
        slots["business_kind"] = business
    if found:  # one line per fact, and how to correct it
        lines.append("\n".join([noted(f) for f in found] + [CORRECT_LATER]))
    urgent = slots.get("acute_measures") is True
    if urgent:
        lines.append(
            "Omdat er nu iets dringends speelt, wil de gemeente u snel helpen. "
            f"U kunt ook meteen bellen met het {config.loket.name}: {config.loket.phone} ({config.loket.hours})."
        )
    lines.append(SCAN_OFFER)
    return Acknowledgement(lines, slots, urgent)


CORRECT_LATER = "Klopt iets niet? Zeg het gerust tijdens de scan, bijvoorbeeld: 'sorry, ik bedoelde ...'."
SCAN_OFFER = (
    "Met een korte zelfscan van ongeveer 5 minuten zien we samen hoe uw bedrijf ervoor staat "
    "en welke hulp bij u past. Wilt u de scan doen?"
)
SCAN_OFFER_BUTTONS = [
    {"title": "Ja, start de scan", "payload": "/start_scan"},
    {"title": "Nee, nu niet", "payload": "/deny"},
    {"title": "Ik wil iemand spreken", "payload": "/request_human"},
]
# Outside the scan, when the message is not understood: what the bot can do, never "sorry".
WHAT_I_CAN_DO = (
    "Ik help ondernemers die zich zorgen maken over geld. Ik kan drie dingen voor u doen: "
    "een zelfscan over uw bedrijf en geld, uitleg over hulp voor ondernemers, "
    "en u in contact brengen met een medewerker van de gemeente. Waar kan ik u mee helpen?"
)
WHAT_I_CAN_DO_BUTTONS = [
    {"title": "Start de scan", "payload": "/start_scan"},
    {"title": "Welke hulp is er?", "payload": "/ask_help_options"},
    {"title": "Ik wil iemand spreken", "payload": "/request_human"},
]
AFTER_DISTRESS = "Wilt u daarna verder? Dan kunnen we samen de zelfscan doen, of u spreekt iemand van de gemeente."
AFTER_DISTRESS_BUTTONS = [
    {"title": "Start de scan", "payload": "/start_scan"},
    {"title": "Ik wil iemand spreken", "payload": "/request_human"},
]
ANSWER_YES_OR_NO = "Antwoord met ja of nee."
NO_SCAN_RUNNING = "Goed. Ik stel u geen vragen meer. U kunt altijd opnieuw beginnen: typ dan 'start de scan'."
OUT_OF_SCOPE = (
    "Daar kan ik u helaas niet mee helpen. Ik help ondernemers die zich zorgen maken over geld. "
    "Voor andere vragen kijkt u op de website van de gemeente."
)
