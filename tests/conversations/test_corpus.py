"""The conversation corpus: kept apart from the training data, large enough, and its
held-out part (the reported figure) handled right in at least 95 % of the turns of every
category, against the trained model and the real action server (as `make
conversation-report` runs it; that command also prints the tuning part)."""

import pytest
import yaml

from tests.conversations.runner import CATEGORIES, ROOT, SPLITS, THRESHOLD, load_corpus, shares

MODEL = ROOT / "models" / "zelfscan.tar.gz"


def _training_examples():
    examples = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                examples.add(line.strip().lstrip("- ").strip().lower())
    return examples


def test_the_corpus_has_at_least_300_turns_in_every_category_and_both_parts():
    cases = load_corpus()
    assert len(cases) >= 300
    for category in CATEGORIES:
        for split in SPLITS:
            assert any(c["category"] == category and c["split"] == split for c in cases), (category, split)


def test_no_corpus_message_is_a_training_example():
    """Short set phrases ("ja graag", "liever niet") are the same everywhere; every
    longer message of the corpus is its own."""
    training = _training_examples()
    longer = [c["say"] for c in load_corpus() if len(c["say"].split()) > 3]
    assert [s for s in longer if s.lower() in training] == []


@pytest.fixture(scope="module")
def results():
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: `make test` trains it first")
    from tests.conversations.runner import Bot

    with Bot(MODEL) as bot:
        return bot.run([c for c in load_corpus() if c["split"] == "heldout"])


@pytest.mark.service  # starts the action server (make service-test)
def test_every_category_of_the_held_out_part_is_handled_right_in_at_least_95_percent(results):
    split = "heldout"
    table = shares(results, split)
    failures = [f"{r.case['category']}: {r.case['say']!r}: {r.why}" for r in results
                if not r.ok and r.case["split"] == split]
    low = {c: f"{ok}/{n}" for c, (ok, n) in table.items() if ok / n < THRESHOLD}
    assert not low, f"under {THRESHOLD:.0%}: {low}\n" + "\n".join(failures)
