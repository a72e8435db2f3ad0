"""Which referral partners fit: situations from the answers, partners from the gemeente configuration."""
from __future__ import annotations

from typing import Any, List, Mapping, Sequence, Set

from actions.gemeente import GemeenteConfig, Partner
from actions.outcome.indications import Indication, private_arrears
from actions.outcome.names import BBZ_INDICATIONS, SITUATIONS
from actions.outcome.scoring import Score

MAX_REFERRALS = 3
# main_cause values that a Wmo-loket / sociaal wijkteam helps with (special-category data:
# only in a ticket with separate consent, see staff_summary.shared_view)
CARE_CAUSES = ("ziekte", "mantelzorg", "scheiding")


def situations(answers: Mapping[str, Any], score: Score, found: Sequence[Indication], distress: bool,
               schuldhulp_rule: bool = False) -> Set[str]:
    """Situation tags that partners can fit (see the 'fits' lists in the configuration).
    ``schuldhulp_rule``: the schuldhulp rule fired, whatever indications are shown."""
    tags: Set[str] = set()
    ids = {i.id for i in found}
    help_value, cause_value = answers.get("help_wanted"), answers.get("main_cause")
    help_wanted: List[Any] = help_value if isinstance(help_value, list) else []
    cause: List[Any] = cause_value if isinstance(cause_value, list) else []
    if distress:
        tags.add("crisis")
    if answers.get("acute_measures") is True:
        tags.add("acuut")
    if score.level == "hoog":
        tags.add("hoog_risico")
    if schuldhulp_rule or "schuldhulp" in ids or "schulden" in help_wanted:
        tags.add("schulden")
    if private_arrears(answers):
        tags.add("prive_achterstand")
    if any(c in CARE_CAUSES for c in cause):
        tags.add("zorg_gezin")
    if ids & set(BBZ_INDICATIONS):
        tags.add("bbz")
    if "ioaz" in ids:
        tags.add("ioaz")
    if answers.get("outlook") == "stoppen" or "stoppen" in help_wanted:
        tags.add("stoppen")
    if answers.get("tax_arrears") in ("achterstand", "regeling_loopt_niet") or answers.get("late_returns") is True:
        tags.add("belasting")
    if answers.get("administration") in ("achter", "ver_achter", "geen") or "administratie" in help_wanted:
        tags.add("administratie")
    if "coach" in help_wanted or answers.get("outlook") in ("misschien", "nee"):
        tags.add("coaching")
    if "praten" in help_wanted:
        tags.add("praten")
    if "financiering" in help_wanted and answers.get("outlook") == "ja" and score.level != "hoog":
        tags.add("financiering")
    if answers.get("business_form") == "bv":
        tags.add("bv")
    if not tags or score.level == "laag":
        tags.add("informatie")
    assert tags <= set(SITUATIONS), tags - set(SITUATIONS)
    return tags


# the most pressing situations first (the order of the vocabulary in names.py)
PRIORITY = tuple(SITUATIONS)


def referrals(tags: Set[str], config: GemeenteConfig, lives_here: bool = True) -> List[Partner]:
    """Partners that fit, in the configuration's order of preference. Someone who lives
    elsewhere gets no help of this gemeente (``local`` partners)."""
    chosen: List[Partner] = []
    for tag in PRIORITY:
        if tag not in tags:
            continue
        for partner in config.partners:
            if tag in partner.fits and partner not in chosen and (lives_here or not partner.local):
                chosen.append(partner)
                break
    return chosen
