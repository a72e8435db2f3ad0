"""Which referral partners fit: situations from the answers, partners from the gemeente configuration."""
from __future__ import annotations

from typing import Any, List, Mapping, Sequence, Set

from actions.gemeente import GemeenteConfig, Partner
from actions.outcome.indications import Indication
from actions.outcome.scoring import Score

MAX_REFERRALS = 3


def situations(answers: Mapping[str, Any], score: Score, found: Sequence[Indication], distress: bool) -> Set[str]:
    """Situation tags that partners can fit (see the 'fits' lists in the configuration)."""
    tags: Set[str] = set()
    ids = {i.id for i in found}
    help_wanted = answers.get("help_wanted") if isinstance(answers.get("help_wanted"), list) else []
    if distress:
        tags.add("crisis")
    if answers.get("acute_measures") is True:
        tags.add("acuut")
    if score.level == "hoog":
        tags.add("hoog_risico")
    if "schuldhulp" in ids or "schulden" in help_wanted:
        tags.add("schulden")
    if ids & {"bbz_aspirant", "bbz_starter", "bbz_gevestigd_inkomen", "bbz_gevestigd_kapitaal",
              "bbz_beeindiger", "bbz_oudere_zelfstandige"}:
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
    return tags


def referrals(tags: Set[str], config: GemeenteConfig) -> List[Partner]:
    """Partners that fit, in the configuration's order of preference; the most
    pressing situations first so a crisis line or debt help is never pushed out."""
    priority = ["crisis", "acuut", "schulden", "hoog_risico", "belasting", "ioaz", "bbz", "stoppen",
                "administratie", "praten", "coaching", "financiering", "bv", "informatie"]
    chosen: List[Partner] = []
    for tag in priority:
        if tag not in tags:
            continue
        for partner in config.partners:
            if tag in partner.fits and partner not in chosen:
                chosen.append(partner)
                break
    return chosen
