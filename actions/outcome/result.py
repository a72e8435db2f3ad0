"""From answers to the whole outcome: score, indications, referrals."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from actions.gemeente import GemeenteConfig
from actions.outcome.indications import indications
from actions.outcome.referrals import MAX_REFERRALS, referrals, situations
from actions.outcome.scoring import score_answers
from actions.outcome.wording import Outcome


def build_outcome(answers: Mapping[str, Any], config: GemeenteConfig, on: date, distress: bool = False) -> Outcome:
    score = score_answers(answers, config, on, distress=distress)
    found = indications(answers, config, on, score)
    partners = referrals(situations(answers, score, found, distress), config)[:MAX_REFERRALS]
    return Outcome(score=score, indications=found, partners=partners, distress=distress)
