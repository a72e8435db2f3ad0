"""A safety net in the NLU pipeline: clear crisis wording is always ``distress``.

The intent classifier is statistical; for suicidal wording the product may not depend
on it. This component runs last and overrides the intent when one of the phrases
in zelfscan_nlu/patterns.py occurs, so the bot answers with 113 before anything else, also mid-scan.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from zelfscan_nlu.patterns import DISTRESS_INTENT, is_crisis


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
