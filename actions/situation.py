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
from actions.texts import needs, render

# What the message is about, in the order the acknowledgement prefers, with the key of
# the words the bot uses to name it (texts.yml, situation.topic: "dat er beslag ligt").
_TOPICS: Tuple[Tuple[str, str], ...] = (
    # a death comes first: its own words of sympathy (situation.acknowledge_loss), not "vervelend"
    (r"\b(overleden|gestorven|overlijden|is dood|om het leven gekomen)\b", "overlijden"),
    (r"\bbeslag", "beslag"),
    (r"\bdeurwaarder", "deurwaarder"),
    (r"\b(afgesloten|afsluiting|afsluiten)\b", "afsluiting"),
    (r"\b(ontruiming|ontruimd|uit huis gezet)\b", "ontruiming"),
    (r"\b(klant|klanten|opdrachtgever|opdrachtgevers|afnemer)\b[a-z ]{0,20}\b(failliet|weg|kwijt|gestopt|betaalt niet|betalen niet)",
     "klant_weg"),
    (r"\b(failliet|faillissement)", "faillissement"),
    (r"\b(stoppen|sluiten|opheffen|ophouden|beeindigen)\b", "stoppen"),
    (r"\bbelasting", "belasting"),
    (r"\b(schuld|schulden|schuldeisers?|incasso|aanmaning(en)?|rood)\b", "schulden"),
    (r"\bachterstand", "achterstand"),
    (r"\b(hou|houd|houden|blijft)\b[a-z ]{0,12}\b(niks|niets|weinig|bijna niks|bijna niets)\b[a-z ]{0,6}\bover\b",
     "weinig_over"),
    (r"\b(niet|nauwelijks|amper) (meer )?(betalen|rondkomen|voldoen)|\brekeningen\b|\bhuur\b",
     "rekeningen"),
    (r"\b(omzet|klanten|klant|opdrachten|opdrachtgever|opdrachtgevers|minder werk|geen werk|te weinig werk)\b",
     "minder_werk"),
    (r"\b(draait|loopt|gaat|werkt)\b[a-z ]{0,12}\bniet( meer| goed| lekker)?\b|\b(lukt|red)\b[a-z ]{0,12}\bniet meer\b"
     r"|\b(slecht|moeilijk|zwaar|lastig|niet goed|matig|beroerd|belabberd|kantje boord|zwaar weer|verlies|"
     r"niet lekker|voor geen meter|bergafwaarts|mis|kapot|in de problemen|klem)\b",
     "gaat_niet_goed"),
    (r"\b(geld|geldzorgen|geldproblemen|financien|financieel|krap|inkomen|verdien|verdienen|lening|krediet)",
     "geld"),
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


def topics_of(text: str) -> List[str]:
    """The situation topics the text names (their keys in texts.yml), in _TOPICS order."""
    norm = normalize(text)
    return [topic for pattern, topic in _TOPICS if re.search(pattern, norm)]


def topic_of(text: str) -> Optional[str]:
    """The first situation topic the text names, or None."""
    return next(iter(topics_of(text)), None)


# topics that are no money or business situation by themselves ("mijn hond is overleden")
_NOT_BY_ITSELF = frozenset({"overlijden"})


def describes_situation(text: str) -> bool:
    """Does the message say something about money, debts, the business going badly,
    stopping, arrears or beslag? Stopping the scan itself is not a situation, and a
    death alone is not one either (it may be about a passport or a dog)."""
    return any(t not in _NOT_BY_ITSELF for t in topics_of(text)) and not asks_to_stop_the_scan(text)


def states_facts(text: str, answers: Mapping[str, Any], today: Optional[date] = None) -> bool:
    """Does the message state answers to the scan ("ik werk 60 uur, ik ben 58")?"""
    return bool(facts_in(text, answers, today))


def _with_business(key: str, business: Optional[str]) -> str:
    """The text ``key``, with ``business`` in it when the text has a place for it."""
    return render(key, business=business) if "business" in needs(key) else render(key)


def acknowledge(text: str, answers: Mapping[str, Any], config: GemeenteConfig,
                today: Optional[date] = None) -> Acknowledgement:
    """The reply to a first message that describes the situation."""
    business = business_named(text)
    your_business = _with_business("situation.your_business" if business else "situation.your_business_unnamed",
                                   business)
    topic = topic_of(text)
    if topic:
        words = _with_business(f"situation.topic.{topic}", your_business)
        lines = [render("situation.acknowledge_loss" if topic == "overlijden" else "situation.acknowledge", topic=words)]
    else:
        lines = [render("situation.acknowledge_general")]
    found: List[Fact] = facts_in(text, answers, today)
    slots: Dict[str, Any] = {f.question.id: f.value for f in found}
    if business:
        slots["business_kind"] = business
    if found:  # one line per fact, and how to correct it
        lines.append("\n".join([noted(f) for f in found] + [render("situation.correct_later")]))
    urgent = slots.get("acute_measures") is True
    if urgent:
        lines.append(render("situation.urgent", gemeente=config))
    lines.append(render("situation.scan_offer"))
    return Acknowledgement(lines, slots, urgent)

