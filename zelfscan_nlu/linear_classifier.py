"""A linear intent classifier on all sentence features of the pipeline.

Why not DIET: with a few thousand short Dutch examples, a regularised linear model on
normalised n-gram counts plus pretrained sentence encodings classified better in
cross-validation on the training part, and trains in seconds instead of minutes.

Each featurizer's sentence features form one block. A sparse block (counts of words or
character n-grams) gets sublinear tf-idf weighting; a dense block (sentence
encodings) is centred on the training mean. Every block is then scaled to unit
length, multiplied by its weight and concatenated. A multinomial logistic
regression gives a probability per intent, which the FallbackClassifier reads as
confidence.

The trained model is stored as plain numbers (numpy arrays and JSON), not as a
pickle, and prediction is a pure function of those numbers.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)


@dataclass
class Block:
    """How one featurizer's sentence features are normalised."""

    origin: str
    sparse: bool
    dimension: int
    scale: np.ndarray  # idf per column (sparse blocks)
    centre: np.ndarray  # training mean (dense blocks)
    weight: float

    def transform(self, rows: List[Any]) -> sp.csr_matrix:
        if self.sparse:
            matrix = sp.vstack([sp.csr_matrix(r, dtype=np.float64) for r in rows]).tocsr()
            matrix.data = np.log1p(matrix.data)  # counts: sublinear term frequency
            matrix = matrix.multiply(self.scale.reshape(1, -1)).tocsr()
            norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
            norms[norms == 0] = 1.0
            return sp.csr_matrix(sp.diags(self.weight / norms) @ matrix)
        dense = np.vstack([np.asarray(r, dtype=np.float64).reshape(1, -1) for r in rows]) - self.centre
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return sp.csr_matrix(self.weight * dense / norms)

    def scores(self, row: Any, coef: np.ndarray) -> np.ndarray:
        """This block's part of one message's class scores: ``transform([row]) @ coef.T``
        for the block's columns of the coefficients, with numpy on the nonzero entries
        instead of building sparse matrices (serving scores one message at a time)."""
        if self.sparse:
            if row is None:
                return np.zeros(coef.shape[0])
            matrix = row.tocsr() if sp.issparse(row) else sp.csr_matrix(row)  # sums duplicate entries
            matrix.sum_duplicates()
            columns = matrix.indices
            values = np.log1p(matrix.data.astype(np.float64)) * self.scale[columns]
            norm = float(np.sqrt(values @ values))
            if norm == 0.0:
                return np.zeros(coef.shape[0])
            return coef[:, columns] @ values * (self.weight / norm)
        dense = (self.centre if row is None else np.asarray(row, dtype=np.float64).reshape(-1)) - self.centre
        norm = float(np.linalg.norm(dense))
        if norm == 0.0:
            return np.zeros(coef.shape[0])
        return coef @ dense * (self.weight / norm)


def sentence_features(message: Message) -> Dict[str, Any]:
    """The TEXT sentence features of a message, by featurizer (origin)."""
    found: Dict[str, Any] = {}
    for features in message.features:
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE:
            origin = features.origin if isinstance(features.origin, str) else "+".join(features.origin or [])
            found[origin] = features.features
    return found


def fit_blocks(rows: List[Dict[str, Any]], weights: Dict[str, float]) -> List[Block]:
    blocks = []
    for origin in sorted(set().union(*rows)):
        column = [r[origin] for r in rows if origin in r]
        if sp.issparse(column[0]):
            matrix = sp.vstack([sp.csr_matrix(r) for r in column]).tocsr()
            document_frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
            idf = np.log((1 + matrix.shape[0]) / (1 + document_frequency)) + 1.0
            blocks.append(Block(origin, True, matrix.shape[1], idf, np.zeros(0), weights["sparse"]))
        else:
            dense = np.vstack([np.asarray(r).reshape(1, -1) for r in column])
            blocks.append(Block(origin, False, dense.shape[1], np.zeros(0), dense.mean(axis=0), weights["dense"]))
    return blocks


def design_matrix(blocks: Sequence[Block], rows: List[Dict[str, Any]]) -> sp.csr_matrix:
    parts = []
    for block in blocks:
        column = []
        for row in rows:
            value = row.get(block.origin)
            if value is None:  # e.g. an empty message: this block contributes nothing
                value = sp.csr_matrix((1, block.dimension)) if block.sparse else block.centre.reshape(1, -1)
            column.append(value)
        parts.append(block.transform(column))
    return sp.hstack(parts).tocsr()


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # inverse regularisation strength of the logistic regression
            "C": 20.0,
            # weight of each block kind after normalisation to unit length
            "sparse_weight": 1.0,
            "dense_weight": 1.0,
            "max_iter": 3000,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        blocks: Optional[List[Block]] = None,
        classes: Optional[List[str]] = None,
        coef: Optional[np.ndarray] = None,
        intercept: Optional[np.ndarray] = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.blocks = blocks or []
        self.classes = classes or []
        self.coef = coef
        self.intercept = intercept
        self._block_coef: Optional[List[np.ndarray]] = None  # coef split by block, made on first use

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        featured = [(m.get(INTENT), sentence_features(m)) for m in training_data.intent_examples]
        labels = [label for label, row in featured if row]
        rows = [row for _, row in featured if row]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents; not trained.")
            return self._resource
        weights = {"sparse": float(self.config["sparse_weight"]), "dense": float(self.config["dense_weight"])}
        self.blocks = fit_blocks(rows, weights)
        model = LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]))
        model.fit(design_matrix(self.blocks, rows), labels)
        self.classes = [str(c) for c in model.classes_]
        self.coef = model.coef_
        self.intercept = model.intercept_
        self._block_coef = None
        self.persist()
        return self._resource

    def probabilities(self, rows: List[Dict[str, Any]]) -> np.ndarray:
        assert self.coef is not None and self.intercept is not None, "the classifier is not trained"
        if len(rows) == 1:  # serving: one message, no sparse matrices (same numbers, see tests)
            return softmax(self.scores(rows[0]).reshape(1, -1))
        scores = design_matrix(self.blocks, rows) @ self.coef.T + self.intercept
        return softmax(np.asarray(scores))

    def scores(self, row: Dict[str, Any]) -> np.ndarray:
        """The class scores of one message, block by block (``design_matrix`` in one row)."""
        assert self.coef is not None and self.intercept is not None, "the classifier is not trained"
        if self._block_coef is None:
            edges = np.cumsum([0] + [b.dimension for b in self.blocks])
            self._block_coef = [np.ascontiguousarray(self.coef[:, a:b]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        total = np.array(self.intercept, dtype=np.float64)
        for block, coef in zip(self.blocks, self._block_coef, strict=True):
            total = total + block.scores(row.get(block.origin), coef)
        return total

    def process(self, messages: List[Message]) -> List[Message]:
        rows = [sentence_features(m) for m in messages]
        usable = [i for i, row in enumerate(rows) if row] if self.coef is not None else []
        scores = dict(zip(usable, self.probabilities([rows[i] for i in usable]), strict=False)) if usable else {}
        for i, message in enumerate(messages):
            intent, ranking = self.ranking(scores[i]) if i in scores else ({"name": None, "confidence": 0.0}, [])
            message.set("intent", intent, add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def ranking(self, probs: np.ndarray) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        order = np.argsort(-probs)[:LABEL_RANKING_LENGTH]
        ranking = [{"name": self.classes[i], "confidence": float(probs[i])} for i in order]
        return ranking[0], ranking

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            meta = {
                "classes": self.classes,
                "blocks": [
                    {"origin": b.origin, "sparse": b.sparse, "dimension": b.dimension, "weight": b.weight}
                    for b in self.blocks
                ],
            }
            (directory / "linear_intent_classifier.json").write_text(json.dumps(meta), encoding="utf-8")
            arrays: Dict[str, Any] = {"coef": self.coef, "intercept": self.intercept}
            for i, block in enumerate(self.blocks):
                arrays[f"scale_{i}"] = block.scale
                arrays[f"centre_{i}"] = block.centre
            np.savez(directory / "linear_intent_classifier.npz", **arrays)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / "linear_intent_classifier.json").read_text(encoding="utf-8"))
                with np.load(directory / "linear_intent_classifier.npz", allow_pickle=False) as arrays:
                    blocks = [
                        Block(b["origin"], b["sparse"], b["dimension"], arrays[f"scale_{i}"], arrays[f"centre_{i}"], b["weight"])
                        for i, b in enumerate(meta["blocks"])
                    ]
                    return cls(config, model_storage, resource, blocks, meta["classes"], arrays["coef"], arrays["intercept"])
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier: no trained model found; every message gets no intent.")
            return cls(config, model_storage, resource)
