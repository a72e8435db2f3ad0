"""A safety net in the NLU pipeline: clear crisis wording is always ``distress``.

The intent classifier is statistical; for suicidal wording the product may not depend
on it. This component runs last and overrides the intent when one of the phrases
below occurs, so the bot answers with 113 before anything else, also mid-scan.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

DISTRESS_INTENT = "distress"

# Normalised (lowercase, no accents) patterns. Keep them specific: "stoppen met mijn
# bedrijf" or "een eind maken aan de samenwerking" are not a crisis.
CRISIS_PATTERNS = [
    r"zelfmoord", r"zelfdoding", r"suicid", r"su[iï]cid",
    r"\ber een (eind|einde) aan (maken|te maken)",
    r"\bmijn leven (be[eë]indigen|beeindigen|stoppen)",
    r"\b(wil|zou) (niet meer|liever niet meer) (leven|bestaan|wakker worden)",
    r"\bniet meer (willen )?leven\b",
    r"\b(wil|zou willen) dood\b", r"\bdood (willen|wil) zijn\b", r"\bliever dood\b",
    r"\b(mezelf|mijzelf|me) iets (aan ?doen|aandoen|aan te doen)",
    r"\b(mezelf|mijzelf) (van kant|ombrengen|doden)",
    r"\bvoor de trein\b", r"\bvan (de|het) (brug|flat|dak) (springen|af)",
    r"\bzie het (echt )?niet meer zitten\b", r"\bzie het leven niet meer zitten\b",
    r"\bhet hoeft (voor mij )?niet meer\b",
]
_COMPILED = [re.compile(p) for p in CRISIS_PATTERNS]


def is_crisis(text: str) -> bool:
    norm = (text or "").lower()
    for src, dst in (("ë", "e"), ("é", "e"), ("ï", "i"), ("’", "'")):
        norm = norm.replace(src, dst)
    return any(p.search(norm) for p in _COMPILED)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisOverride(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisOverride":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if is_crisis(message.get("text") or ""):
                intent = {"name": DISTRESS_INTENT, "confidence": 1.0}
                ranking = [intent] + [
                    r for r in (message.get("intent_ranking") or []) if r.get("name") != DISTRESS_INTENT
                ]
                message.set("intent", intent, add_to_output=True)
                message.set("intent_ranking", ranking, add_to_output=True)
        return messages
