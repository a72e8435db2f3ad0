"""The Dutch summary for the accountmanager and the ticket payload (pure functions)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

from actions.catalogue import catalogue, describe_value
from actions.gemeente import Partner, Team, dutch_number
from actions.outcome.indications import private_arrears
from actions.outcome.names import BBZ_INDICATIONS
from actions.outcome.referrals import MAX_REFERRALS, referrals, situations
from actions.outcome.scoring import Score, max_score, weights
from actions.outcome.wording import VIABILITY_FIRST, Outcome
from actions.parsing import UNKNOWN

CAUSE = "main_cause"  # the one question whose answer can hold a health or family cause
SENSITIVE_CAUSES = frozenset(c.value for c in catalogue()[CAUSE].choices if c.sensitive)
LEVEL_WORDS = {"laag": "laag risico", "verhoogd": "verhoogd risico", "hoog": "hoog risico"}
FIRST_STEPS = {
    "acute_measures": "Bel vandaag: vraag naar beslag, deurwaarder of afsluiting en wat er nu nodig is.",
    "tax_arrears": "Help bij het aanvragen van een betalingsregeling bij de Belastingdienst.",
    "fixed_costs_paid": "Maak samen een overzicht van vaste lasten en wat eerst betaald moet worden.",
    "administration": "Regel hulp bij de administratie (boekhouder of cursus).",
    "payment_arrears": "Breng de schuldeisers en achterstanden in kaart.",
    "monthly_income": "Bekijk het inkomen tegen de bijstandsnorm; mogelijk Bbz-aanvraag.",
    "total_debt": "Breng de totale schuld in kaart; bespreek schuldhulpverlening.",
    "opens_mail": "Open samen de post; maak een lijst van brieven en termijnen.",
}
# next steps that follow the indications (domain-2026.md: Bbz art. 17, 35, 42; IOAZ art. 5)
BBZ_STEP = ("Bbz: eerst levensvatbaarheidsonderzoek; vraag jaarcijfers (2 jaar), aangiften inkomstenbelasting, "
            "bankafschriften en KVK-uittreksel op. Besluit binnen 13 weken, verlengbaar met 13.")
BBZ_STOPPING_STEP = ("Bbz ({which}): geen levensvatbaarheid nodig; vraag jaarcijfers, aangiften inkomstenbelasting, "
                     "bankafschriften en KVK-uittreksel op; aanvragen voordat het bedrijf is beëindigd (art. 27a).")
CAPITAL_STEP = "Bedrijfskapitaal: maximaal € {max} ({who}, geldig op de scandatum); eerst bank of Qredits."
GIFT_STEP = ("Kapitaal om niet (art. 22): maximaal € {max}, alleen bij langdurig laag inkomen en beperkt vermogen; "
             "daarna geen kapitaallening meer.")
IOAZ_STEP = ("IOAZ: liefst aanvragen voor het stoppen (uiterlijk 3 maanden erna); niet eerst uitschrijven bij de KVK. "
             "Inkomensgrenzen: gemiddeld € {past} over 3 jaar, verwacht € {expected}.")
TOGETHER_STEP = ("Schuldhulp en Bbz samen onderzoeken: Bbz art. 17 (kapitaal voor een bedrijfsschuld) en art. 42 "
                 "(medewerking aan een schuldregeling).")
SCHULDHULP_STEP = "Schuldhulp: aanmelden bij het schuldhulpteam; overzicht van schuldeisers en vaste lasten."
BV_STEP = "Bv: privéschulden en persoonlijke borgstellingen van de dga nagaan."
STANDARD_CHECKS = "Altijd nagaan (niet gevraagd in de scan): verblijfsstatus, vergunningen en diploma's, vermogen."


def has_sensitive_cause(answers: Mapping[str, Any]) -> bool:
    cause = answers.get(CAUSE)
    return isinstance(cause, list) and any(c in SENSITIVE_CAUSES for c in cause)


@dataclass(frozen=True)
class Shared:
    """What the ticket may hold, decided once for answers, drivers, summary and transcript.
    Without separate consent for a health or family cause, the cause is left out of the
    answers, its question (in ``hidden``) is left out of the drivers and so of the
    summary, and there is no transcript, because the user may have typed about it."""

    answers: Dict[str, Any]
    hidden: FrozenSet[str]  # answer ids whose sensitive part is withheld
    drivers: List[str]  # the score's drivers without the hidden ones

    @property
    def transcript_allowed(self) -> bool:
        return not self.hidden


def shared_view(answers: Mapping[str, Any], score: Score, special_consent: bool) -> Shared:
    hidden = frozenset({CAUSE}) if has_sensitive_cause(answers) and not special_consent else frozenset()
    shared = {k: v for k, v in answers.items() if v is not None}
    if CAUSE in hidden:
        kept = [c for c in shared[CAUSE] if c not in SENSITIVE_CAUSES]
        if kept:
            shared[CAUSE] = kept
        else:
            shared.pop(CAUSE)
    return Shared(shared, hidden, [d for d in score.drivers if d not in hidden])


def readable_answers(answers: Mapping[str, Any]) -> List[Dict[str, str]]:
    rows = []
    for q in catalogue().questions:
        if q.id in answers:
            rows.append({"id": q.id, "question": q.text(""), "answer": describe_value(q, answers[q.id])})
    return rows


def next_steps(shared: Shared, outcome: Outcome) -> List[str]:
    """First steps for the accountmanager: those that follow the indications, then the
    heaviest answers, then what the scan never asks."""
    ids = [i.id for i in outcome.indications]
    config, on = outcome.config, outcome.on
    steps: List[str] = []
    if "schuldhulp" in ids or outcome.schuldhulp_rule:
        steps.append(SCHULDHULP_STEP)
    if set(ids) & set(VIABILITY_FIRST):
        steps.append(BBZ_STEP)
    stopping = [i for i in ids if i in BBZ_INDICATIONS and i not in VIABILITY_FIRST]
    if stopping:
        steps.append(BBZ_STOPPING_STEP.format(which=", ".join(stopping)))
    if config is not None and on is not None:
        for ind, key, who in (("bbz_gevestigd_kapitaal", "gevestigd", "gevestigde"), ("bbz_starter", "starter", "starter")):
            if ind in ids:
                steps.append(CAPITAL_STEP.format(max=dutch_number(config.amount("bbz_capital", on, key)), who=who))
        if "bbz_gevestigd_kapitaal" in ids:
            steps.append(GIFT_STEP.format(max=dutch_number(config.amount("bbz_capital", on, "om_niet"))))
        if "ioaz" in ids:
            steps.append(IOAZ_STEP.format(past=dutch_number(config.amount("ioaz_income_limits", on, "past_average")),
                                          expected=dutch_number(config.amount("ioaz_income_limits", on, "expected"))))
    if ("schuldhulp" in ids or outcome.schuldhulp_rule) and set(ids) & set(BBZ_INDICATIONS):
        steps.append(TOGETHER_STEP)
    if shared.answers.get("business_form") == "bv" and ("schuldhulp" in ids or outcome.schuldhulp_rule):
        steps.append(BV_STEP)
    steps += [FIRST_STEPS[d] for d in shared.drivers if d in FIRST_STEPS][:3]
    if not steps:
        steps.append("Kennismakingsgesprek; situatie verder uitvragen.")
    steps.append(STANDARD_CHECKS)
    return steps


def shared_situations(shared: Shared, outcome: Outcome) -> List[str]:
    """The situations from the answers the ticket may hold (no health or family cause
    without separate consent), in a fixed order."""
    tags = situations(shared.answers, outcome.score, outcome.indications, outcome.distress, outcome.schuldhulp_rule)
    return sorted(tags)


def shared_referrals(shared: Shared, outcome: Outcome) -> List[Partner]:
    """The referrals as the ticket may show them: without separate consent, no partner
    that only a health or family cause brought in (it would reveal the cause)."""
    if not shared.hidden or outcome.config is None:
        return list(outcome.partners)
    lives_here = shared.answers.get("lives_in_municipality") is not False
    tags = set(shared_situations(shared, outcome)) | ({"informatie"} if not lives_here else set())
    return referrals(tags, outcome.config, lives_here)[:MAX_REFERRALS]


def team_for(shared: Shared, outcome: Outcome) -> Optional[Team]:
    """The gemeente team that gets the ticket (configuration 'teams'), from the shown
    indications and the situations the ticket may hold."""
    if outcome.config is None:
        return None
    return outcome.config.team_for([i.id for i in outcome.indications] + shared_situations(shared, outcome))


def _known(value: Any) -> bool:
    return value is not None and value != UNKNOWN


def situation_line(a: Mapping[str, Any]) -> str:
    """'Situatie: eenmanszaak, 7 jaar ondernemer; woont alleen, 58 jaar.' Unknown or
    missing answers are left out; when none is known: 'Situatie: niet bekend.'"""
    business = []
    if _known(a.get("business_form")):
        business.append(describe_value(catalogue()["business_form"], a["business_form"]))
    years = a.get("years_in_business")
    if years == 0:
        business.append("nog niet gestart")
    elif _known(years):
        business.append(f"{describe_value(catalogue()['years_in_business'], years)} ondernemer")
    person = []
    if _known(a.get("household")):
        person.append(f"woont {describe_value(catalogue()['household'], a['household'])}")
    if isinstance(a.get("age"), int) and not isinstance(a.get("age"), bool):
        person.append(f"{a['age']} jaar")
    parts = [", ".join(group) for group in (business, person) if group]
    return "Situatie: " + ("; ".join(parts) if parts else "niet bekend") + "."


def staff_summary(shared: Shared, outcome: Outcome, contact: Optional[Mapping[str, str]]) -> str:
    """Situation in three lines, drivers, indications with missing facts, first steps, contact.
    Only what ``shared`` allows: its answers and its drivers."""
    a = shared.answers
    score = outcome.score
    team = team_for(shared, outcome)
    lines = [
        situation_line(a),
        f"Uitkomst: {LEVEL_WORDS[score.level]} ({score.score} van {max_score()}, zekerheid {score.confidence})"
        + ("; URGENT: binnen een werkdag contact" if score.urgent else "") + ".",
        "Hulpvraag: " + (describe_value(catalogue()["help_wanted"], a["help_wanted"])
                         if isinstance(a.get("help_wanted"), list) else "niet opgegeven") + ".",
    ]
    if team is not None:
        lines.append(f"Team: {team.name}.")
    arrears = private_arrears(a)
    if arrears:
        lines.append("VROEGSIGNALERING: privé-achterstand bij " + ", ".join(arrears) + " (voor het schuldhulpteam).")
    if a.get("lives_in_municipality") is False:
        lines.append("Woont niet in de gemeente: verwijzen naar de eigen woongemeente.")
    lines += ["", "Zwaarst wegende antwoorden:"]
    lines += [_driver_line(qid, a[qid], score.contributions[qid]) for qid in shared.drivers[:5] if qid in a]
    if score.unknowns:
        lines.append("Onbekend gebleven: " + ", ".join(catalogue()[qid].topic.removeprefix("uw ") for qid in score.unknowns) + ".")
    lines += ["", "Indicaties (geen besluit):"]
    for ind in outcome.indications:
        missing = f" Nog na te gaan: {', '.join(ind.missing)}." if ind.missing else ""
        lines.append(f"- {ind.id} ({ind.rule}).{missing}")
    if not outcome.indications:
        lines.append("- geen")
    lines += ["", "Voorgestelde eerste stappen:"]
    lines += [f"- {s}" for s in next_steps(shared, outcome)]
    partners = shared_referrals(shared, outcome)
    if partners:
        lines.append("Doorverwezen naar: " + ", ".join(p.name for p in partners) + ".")
    lines += _ended_amounts_lines(outcome)
    lines += ["", "Contact: " + _contact_line(contact)]
    return "\n".join(lines)


def _ended_amounts_lines(outcome: Outcome) -> List[str]:
    """A warning when an amount used for this outcome came from a period that has ended."""
    if outcome.config is None or outcome.on is None:
        return []
    ended = outcome.config.ended_periods(outcome.on)
    if not ended:
        return []
    names = ", ".join(f"{name} (geldig tot {p.valid_until:%d-%m-%Y})" for name, p in ended)
    return ["", f"LET OP: bedragen uit een verlopen periode gebruikt: {names}. "
                "De gemeenteconfiguratie is niet bijgewerkt; controleer de indicaties met de huidige bedragen."]


def _driver_line(qid: str, value: Any, points: int) -> str:
    """The reason with the answer; for "weet ik niet" the question instead of the reason,
    which would state a fact the user did not give."""
    if value == UNKNOWN:
        question = catalogue()[qid].text().split("?")[0] + "?"
        return f"- Weet ik niet: {question} ({points} punten voor het onbekende antwoord)"
    return f"- {weights()[qid].reason} ({describe_value(catalogue()[qid], value)}; {points} punten)"


def _contact_line(contact: Optional[Mapping[str, str]]) -> str:
    if not contact:
        return "geen toestemming voor contact."
    parts = [contact.get("name") or "", contact.get("phone") or "", contact.get("email") or ""]
    pref = contact.get("preference")
    return ", ".join(p for p in parts if p) + (f"; voorkeur: {pref}" if pref else "") + "."


def ticket_payload(
    reference: str, conversation_id: str, channel: str, answers: Mapping[str, Any], outcome: Outcome,
    contact: Mapping[str, str], special_consent: bool, transcript: Sequence[Mapping[str, str]],
) -> Dict[str, Any]:
    shared = shared_view(answers, outcome.score, special_consent)
    team = team_for(shared, outcome)
    return {
        "id": reference,
        "conversation_id": conversation_id,
        "channel": channel,
        **outcome.slots(),
        "risk_drivers": shared.drivers,
        "referrals": [p.id for p in shared_referrals(shared, outcome)],
        "team": team.id if team is not None else None,
        "situations": shared_situations(shared, outcome),
        "indication_details": [
            {"id": i.id, "rule": i.rule, "met": i.met, "missing": i.missing, "missing_facts": i.missing_facts}
            for i in outcome.indications
        ],
        "answers": shared.answers,
        "answers_readable": readable_answers(shared.answers),
        "summary": staff_summary(shared, outcome, contact),
        "contact": dict(contact),
        "special_category_consent": special_consent,
        "transcript": list(transcript) if shared.transcript_allowed else None,
    }


