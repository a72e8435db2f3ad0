"""From answers to the whole outcome: score, indications, referrals."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from actions.gemeente import GemeenteConfig
from actions.outcome.indications import RULES, Facts, evaluate, indications
from actions.outcome.referrals import MAX_REFERRALS, referrals, situations
from actions.outcome.scoring import score_answers
from actions.outcome.wording import Outcome

SCHULDHULP = next(r for r in RULES if r.indication == "schuldhulp")


def build_outcome(answers: Mapping[str, Any], config: GemeenteConfig, on: date, distress: bool = False) -> Outcome:
    score = score_answers(answers, config, on, distress=distress)
    found = indications(answers, config, on, score)
    schuldhulp_rule = evaluate(SCHULDHULP, Facts(answers, config, on, score)) is not None
    tags = situations(answers, score, found, distress, schuldhulp_rule)
    lives_here = answers.get("lives_in_municipality") is not False
    if not lives_here:
        tags.add("informatie")  # national help, when the local help is for others
    partners = referrals(tags, config, lives_here)[:MAX_REFERRALS]
    return Outcome(score=score, indications=found, partners=partners, distress=distress, on=on, config=config,
                   situations=frozenset(tags), schuldhulp_rule=schuldhulp_rule)
