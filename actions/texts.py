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


HUMAN_CONTINUE_SCAN = "U kunt ook eerst de scan afmaken. Dan weet de medewerker meteen wat er speelt. We gaan verder met de scan."


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
    """'Ik heb uw antwoord aangepast. Uw uren per week: 30 uur per week.'"""
    return f"Ik heb uw antwoord aangepast. {topic[:1].upper()}{topic[1:]}: {value}."


BACK_ONE = "Geen probleem. We doen de vorige vraag opnieuw."


def progress(index: int, total: int) -> str:
    return f"Vraag {index} van {total}"


def explanation(why: str, help_text: str | None) -> str:
    parts = [help_text] if help_text else []
    parts.append(f"Waarom vragen we dit? {why}")
    return " ".join(parts)


EXPLAIN_GENERAL = "Ik stel u vragen over uw bedrijf en uw geld. Zo zien we samen welke hulp bij u past."
SCAN_STOPPED = "De scan is gestopt. Uw antwoorden zijn gewist. U kunt altijd opnieuw beginnen: typ dan 'start de scan'."
CORE_FALLBACK = (
    "Sorry, daar kan ik nu geen goed antwoord op geven. "
    "Typ 'start de scan' voor de zelfscan, of 'medewerker' om iemand van de gemeente te spreken."
)


# --- contact with the gemeente (handoff) -------------------------------------------

OFFER_CONTACT = "Wilt u dat een medewerker van de gemeente contact met u opneemt?"


def consent_statement(g: GemeenteConfig) -> str:
    return (
        "Voordat u uw gegevens geeft, leest u wat we ermee doen. "
        "We bewaren uw naam, uw telefoonnummer of e-mailadres, uw antwoorden en dit gesprek. "
        "Dat doen we zodat een medewerker u kan bellen en al weet wat er speelt. "
        f"Alleen de medewerkers van het {g.loket.name} zien dit. "
        f"Na {g.retention_days} dagen wissen we uw gegevens. "
        "U kunt altijd zeggen: 'verwijder mijn gegevens'. "
        f"Meer leest u in de privacyverklaring: {g.privacy_url}. Gaat u hiermee akkoord?"
    )


SPECIAL_CONSENT = (
    "U noemde ziekte, een scheiding of zorg voor een naaste als oorzaak. Dat zijn gevoelige gegevens. "
    "Mogen we dit ook aan de medewerker doorgeven? Zonder uw toestemming geven we het niet door."
)
ASK_NAME = "Wat is uw naam?"
ASK_PHONE = "Op welk telefoonnummer kunnen we u bellen? Wilt u liever niet gebeld worden? Typ dan 'geen'."
ASK_EMAIL_OPTIONAL = "Wilt u ook uw e-mailadres geven? Dat hoeft niet. Typ anders 'nee'."
ASK_EMAIL_REQUIRED = "Op welk e-mailadres kunnen we u bereiken?"
ASK_PREFERENCE = "Hoe en wanneer kunnen we u het best bereiken?"
EXAMPLE_NAME = "Typ uw voor- en achternaam. Bijvoorbeeld: Fatima de Vries."
EXAMPLE_PHONE = "Dat lijkt geen Nederlands telefoonnummer. Bijvoorbeeld: 06-12345678 of 050-1234567."
EXAMPLE_EMAIL = "Dat lijkt geen e-mailadres. Bijvoorbeeld: naam@voorbeeld.nl."
NEED_ONE_WAY = "We hebben een telefoonnummer of een e-mailadres nodig om contact met u op te nemen."
NO_PREFERENCE = "geen voorkeur"


def no_contact(g: GemeenteConfig) -> str:
    return (
        "Goed. We geven niets door aan de gemeente. "
        f"Dit gesprek wissen we na {g.retention_days} dagen. Typ 'verwijder mijn gegevens' als dat nu al moet. "
        f"Wilt u later toch contact? Bel {g.loket.phone} of typ 'medewerker'."
    )


def ticket_confirmed(reference: str, days: int, queued: bool) -> str:
    when = "binnen één werkdag" if days == 1 else f"binnen {days} werkdagen"
    first = (
        "Uw aanmelding is opgeslagen. Ons systeem is even niet bereikbaar. We sturen hem door zodra dat weer kan."
        if queued else "Dank u. Uw aanmelding is doorgegeven aan de gemeente."
    )
    return f"{first} Uw referentie is {reference}. Een medewerker neemt {when} contact met u op."


TICKET_FAILED = "Het doorgeven is helaas niet gelukt."
ERASE_FAILED = "Het wissen is helaas niet gelukt. De gemeente kan het voor u regelen."


def data_erased(g: GemeenteConfig) -> str:
    return (
        "Uw gegevens worden gewist: uw antwoorden, dit gesprek en uw aanmelding bij de gemeente, als die er was. "
        f"Vragen hierover? Bel {g.loket.phone}."
    )
