"""Crisis wording: patterns and the check, without Rasa imports so that the action
server and the NLU component share one list."""
from __future__ import annotations

import re

from zelfscan_nlu.text import normalize

DISTRESS_INTENT = "distress"

# Patterns on normalised text (zelfscan_nlu.text.normalize: lowercase, no accents, no
# punctuation but . , ' - + %). Keep them specific: "stoppen met mijn
# bedrijf" or "een eind maken aan de samenwerking" are not a crisis.
CRISIS_PATTERNS = [
    r"zelfmoord", r"zelfdoding", r"suicid",
    r"\ber een (eind|einde) aan (maken|te maken)",
    r"\bmijn leven (beeindigen|stoppen)",
    r"\b(wil|zou) (niet meer|liever niet meer) (leven|bestaan|wakker worden)",
    r"\bniet meer (willen )?leven\b",
    r"\b(wil|zou willen) dood\b", r"\bdood (willen|wil) zijn\b", r"\bliever dood\b",
    r"\b(mezelf|mijzelf|me) iets (aan ?doen|aandoen|aan te doen)",
    r"\b(mezelf|mijzelf) (van kant|ombrengen|doden)",
    r"\bvoor de trein\b", r"\bvan (de|het) (brug|flat|dak) (springen|af)",
    r"\bzie het (echt )?niet meer zitten\b", r"\bzie het leven niet meer zitten\b",
    r"\bhet hoeft (voor mij )?niet meer\b",
    r"\bstoppen met (het |mijn )?leven\b", r"\bmet (het |mijn )?leven stoppen\b",
]
_COMPILED = [re.compile(p) for p in CRISIS_PATTERNS]


def is_crisis(text: str) -> bool:
    norm = normalize(text)
    return any(p.search(norm) for p in _COMPILED)
