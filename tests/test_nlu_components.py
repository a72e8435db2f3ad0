"""The project's own NLU components: sentence-encoder features and the linear intent classifier."""
import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from zelfscan_nlu import linear_classifier as lc
from zelfscan_nlu import sentence_encoder as se


def context(node_name="test_node"):
    return dataclasses.replace(ExecutionContext(GraphSchema({}), "test"), node_name=node_name)


# --- sentence encoders (real bundled weights) ---


def test_encoders_give_one_unit_vector_per_encoder():
    vectors = se.encode(["e5", "use"], ["Mijn omzet is gehalveerd", "Ik heb schulden"])
    assert vectors.shape == (2, 384 + 512)
    assert np.allclose(np.linalg.norm(vectors[:, :384], axis=1), 1.0, atol=1e-3)
    assert np.allclose(np.linalg.norm(vectors[:, 384:], axis=1), 1.0, atol=1e-3)


@pytest.mark.parametrize("name", ["e5", "use"])
def test_encoders_place_dutch_paraphrases_closer_than_other_topics(name):
    human, paraphrase, other = se.encode(
        [name],
        ["Ik wil graag met een medewerker praten", "Kan ik iemand van de gemeente spreken?", "Wanneer wordt het afval opgehaald?"],
    )
    assert human @ paraphrase > human @ other


def test_encoding_ignores_case_and_extra_spaces():
    a, b = se.encode(["use"], ["Ik  wil STOPPEN", "ik wil stoppen"])
    assert np.allclose(a, b, atol=1e-6)


def test_no_texts_gives_an_empty_matrix():
    assert se.encode(["e5", "use"], []).shape == (0, 896)


def test_featurizer_adds_one_sentence_feature_and_skips_empty_messages():
    featurizer = se.SentenceEncoderFeaturizer.create(
        {**se.SentenceEncoderFeaturizer.get_default_config(), "encoders": ["use"]}, None, None, context("enc")
    )
    spoken, empty = Message(data={TEXT: "Wat is de Bbz?"}), Message(data={TEXT: "   "})
    featurizer.process([spoken, empty])
    (features,) = spoken.features
    assert features.type == FEATURE_TYPE_SENTENCE and features.origin == "enc"
    assert features.features.shape == (1, 512)
    assert empty.features == []


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError):
        se.SentenceEncoderFeaturizer.create({"encoders": ["word2vec"], "alias": None}, None, None, context())


# --- linear intent classifier (synthetic features, real model storage) ---

INTENTS = {"greet": 0, "inform": 1, "stop_scan": 2}


def synthetic_message(intent, rng, with_intent=True):
    """Sparse counts with one telling column per intent, and a dense vector near the intent's centre."""
    counts = rng.integers(0, 2, size=12).astype(float)
    counts[INTENTS[intent]] += 3
    dense = rng.normal(0, 0.3, size=8)
    dense[INTENTS[intent]] += 2
    message = Message(data={TEXT: intent, **({"intent": intent} if with_intent else {})})
    message.add_features(Features(sp.coo_matrix(counts.reshape(1, -1)), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    message.add_features(Features(sp.coo_matrix(counts.reshape(1, -1)), FEATURE_TYPE_SEQUENCE, TEXT, "words"))
    message.add_features(Features(dense.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, "encoder"))
    return message


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def trained(storage):
    rng = np.random.default_rng(1)
    examples = [synthetic_message(i, rng) for i in INTENTS for _ in range(20)]
    classifier = lc.LinearIntentClassifier.create(
        lc.LinearIntentClassifier.get_default_config(), storage, Resource("linear"), context()
    )
    classifier.train(TrainingData(training_examples=examples))
    return classifier


def test_classifier_learns_and_ranks_intents(storage):
    classifier = trained(storage)
    rng = np.random.default_rng(7)
    messages = [synthetic_message(i, rng, with_intent=False) for i in INTENTS for _ in range(5)]
    classifier.process(messages)
    predicted = [m.get("intent")["name"] for m in messages]
    assert predicted == [i for i in INTENTS for _ in range(5)]
    ranking = messages[0].get("intent_ranking")
    confidences = [r["confidence"] for r in ranking]
    assert [r["name"] for r in ranking][0] == "greet"
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)


def test_saved_model_loads_without_pickle_and_predicts_the_same(storage):
    classifier = trained(storage)
    rng = np.random.default_rng(3)
    messages = [synthetic_message(i, rng, with_intent=False) for i in INTENTS]
    before = classifier.probabilities([lc.sentence_features(m) for m in messages])
    loaded = lc.LinearIntentClassifier.load({}, storage, Resource("linear"), context())
    after = loaded.probabilities([lc.sentence_features(m) for m in messages])
    assert np.allclose(before, after)
    with storage.read_from(Resource("linear")) as directory:
        with np.load(directory / "linear_intent_classifier.npz", allow_pickle=False) as arrays:
            assert set(arrays.files) >= {"coef", "intercept"}


def test_untrained_or_featureless_messages_get_no_intent(storage):
    untrained = lc.LinearIntentClassifier.load({}, storage, Resource("missing"), context())
    message = synthetic_message("greet", np.random.default_rng(0), with_intent=False)
    untrained.process([message])
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    bare = Message(data={TEXT: ""})
    trained(storage).process([bare])
    assert bare.get("intent")["name"] is None


def test_blocks_are_normalised_to_their_weight():
    rows = [
        {"words": sp.coo_matrix(np.array([[2.0, 0.0, 1.0]])), "encoder": np.array([[1.0, 2.0]])},
        {"words": sp.coo_matrix(np.array([[0.0, 3.0, 1.0]])), "encoder": np.array([[3.0, 0.0]])},
    ]
    blocks = lc.fit_blocks(rows, {"sparse": 1.0, "dense": 0.5})
    assert [b.origin for b in blocks] == ["encoder", "words"]  # a fixed order: by origin
    matrix = lc.design_matrix(blocks, rows).toarray()
    encoder, words = matrix[:, :2], matrix[:, 2:]
    assert np.allclose(np.linalg.norm(words, axis=1), 1.0)
    assert np.allclose(np.linalg.norm(encoder, axis=1), 0.5)
    # the dense block is centred on the training mean: the two rows point in opposite directions
    assert np.allclose(encoder[0], -encoder[1])
    # a column present in every row weighs less (idf) than one present in a single row
    assert words[0, 2] < words[0, 0]


def test_loading_for_serving_reads_the_weights_before_the_first_message(monkeypatch):
    monkeypatch.setattr(se, "_loaded", {})
    se.SentenceEncoderFeaturizer.load({"encoders": ["use"], "alias": None}, None, None, context())
    assert set(se._loaded) == {"use"}


def test_a_featurizer_missing_from_some_examples_still_gets_its_block():
    rows = [
        {"words": sp.coo_matrix(np.array([[1.0, 0.0]]))},
        {"words": sp.coo_matrix(np.array([[0.0, 1.0]])), "encoder": np.array([[1.0, 3.0]])},
    ]
    blocks = lc.fit_blocks(rows, {"sparse": 1.0, "dense": 1.0})
    assert [(b.origin, b.sparse, b.dimension) for b in blocks] == [("encoder", False, 2), ("words", True, 2)]
    # the row without encoder features contributes nothing from that block
    assert np.allclose(lc.design_matrix(blocks, rows).toarray()[0, :2], 0.0)


def test_one_message_is_scored_as_the_batch_path_scores_it(storage):
    """Serving scores one message block by block with numpy (LinearIntentClassifier.scores);
    it must give the batch path's numbers, also for a missing block, an empty message and
    sparse rows with repeated entries."""
    classifier = trained(storage)
    rng = np.random.default_rng(11)
    rows = [lc.sentence_features(synthetic_message(i, rng, with_intent=False)) for i in INTENTS for _ in range(3)]
    sparse_origin = next(b.origin for b in classifier.blocks if b.sparse)
    dense_origin = next(b.origin for b in classifier.blocks if not b.sparse)
    without_dense = {k: v for k, v in rows[0].items() if k != dense_origin}
    without_sparse = {k: v for k, v in rows[1].items() if k != sparse_origin}
    dimension = next(b.dimension for b in classifier.blocks if b.sparse)
    repeated = dict(rows[2], **{sparse_origin: sp.coo_matrix(([1.0, 2.0, 1.0], ([0, 0, 0], [1, 1, dimension - 1])),
                                                             shape=(1, dimension))})
    for row in rows + [without_dense, without_sparse, repeated, {}]:
        batch = lc.softmax(np.asarray(lc.design_matrix(classifier.blocks, [row]) @ classifier.coef.T
                                      + classifier.intercept))
        assert np.allclose(classifier.probabilities([row]), batch, rtol=1e-9, atol=1e-12)
    # two rows still go through the batch path and agree with one at a time
    both = classifier.probabilities(rows[:2])
    assert np.allclose(both[0], classifier.probabilities(rows[:1])[0])
    assert np.allclose(both[1], classifier.probabilities(rows[1:2])[0])
