"""Dutch texts that the actions build from the gemeente configuration.

Question texts live in the catalogue; fixed replies without variables live in the
domain's responses. What is here needs configuration values (names, phone numbers).
"""
from __future__ import annotations

from actions.gemeente import GemeenteConfig


def greeting(g: GemeenteConfig) -> str:
    return (
        f"Hallo! Ik ben de digitale assistent van gemeente {g.name}. "
        "Ik help ondernemers die zich zorgen maken over geld. Wilt u de zelfscan doen?"
    )


SCAN_INTRO = (
    "Met deze zelfscan ziet u in ongeveer 5 minuten hoe uw bedrijf en uw geldzaken ervoor staan. "
    "De scan is anoniem, tot u zelf kiest voor contact met de gemeente."
)
SCAN_RESUME = "Fijn dat u verder gaat. We gaan verder waar u was gebleven."


def human_contact(g: GemeenteConfig) -> str:
    return (
        f"U kunt een medewerker van het {g.loket.name} spreken. "
        f"Bel {g.loket.phone} ({g.loket.hours}) of mail naar {g.loket.email}."
    )


HUMAN_CONTINUE_SCAN = "Wilt u eerst de scan afmaken? Dan weet de medewerker meteen wat er speelt. Dan gaan we verder."


def distress(g: GemeenteConfig) -> str:
    return (
        "Wat vervelend dat u zich zo voelt. Goed dat u het zegt. "
        f"Praat er nu over met iemand: bel {g.crisis_name} op {g.crisis_phone} ({g.crisis_hours}) "
        f"of chat via {g.crisis_web}. "
        f"Wilt u ook iemand van de gemeente spreken? Bel dan {g.loket.phone} ({g.loket.hours})."
    )


DISTRESS_RESUME = "De vragen wachten op u. Wilt u later verder met de scan? Typ dan 'verder'."


def not_understood(example: str, out_of_range: bool) -> str:
    first = "Dat lijkt niet te kloppen." if out_of_range else "Sorry, dat begrijp ik niet goed."
    return f"{first} {example} U mag ook 'weet ik niet' zeggen."


NOTED_UNKNOWN = "Dat lukt nu niet. Ik noteer 'weet ik niet'. U kunt dit later nog aanpassen."


def corrected(topic: str, value: str) -> str:
    return f"Ik heb uw antwoord aangepast. {topic}: {value}."


BACK_ONE = "Geen probleem. We doen de vorige vraag opnieuw."


def progress(index: int, total: int) -> str:
    return f"Vraag {index} van {total}"


def explanation(why: str, help_text: str | None) -> str:
    parts = [help_text] if help_text else []
    parts.append(f"Waarom vragen we dit? {why}")
    return " ".join(parts)


EXPLAIN_GENERAL = "Ik stel u vragen over uw bedrijf en uw geld. Zo zien we samen welke hulp bij u past."
SCAN_STOPPED = "De scan is gestopt. Uw antwoorden zijn gewist. U kunt altijd opnieuw beginnen: typ dan 'start de scan'."
DATA_DELETED = "Uw antwoorden in dit gesprek zijn gewist."
CORE_FALLBACK = (
    "Sorry, daar kan ik nu geen goed antwoord op geven. "
    "Typ 'start de scan' voor de zelfscan, of 'medewerker' om iemand van de gemeente te spreken."
)
