"""How fast and how sure the NLU is, measured on the held-out split of `make nlu-report`.

Loads the held-out model (trained on 80 % of data/nlu) in this process, parses every
held-out message one by one as the Rasa server would, and prints: model load time,
parse latency (median, 95th percentile), resident memory after loading, and the share
of messages that fall under the fallback threshold (the bot then says what it can do
and offers a person). Run `make nlu-report` first.
"""
import asyncio
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's NLU components

MODEL = Path("build/nlu_report/models/heldout.tar.gz")
TEST_DATA = Path("build/nlu_report/split/test_data.yml")


def fallback_threshold() -> float:
    pipeline = yaml.safe_load(Path("config.yml").read_text())["pipeline"]
    return next(float(c["threshold"]) for c in pipeline if c["name"] == "FallbackClassifier")


async def main() -> int:
    if not MODEL.exists():
        print("Run `make nlu-report` first: it trains the held-out model.")
        return 1
    os.environ.setdefault("SPACY_MODEL", "nl_zelfscan_sm")
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message text
    from rasa.shared.nlu.training_data.loading import load_data

    messages = load_data(str(TEST_DATA)).intent_examples
    start = time.perf_counter()
    agent = Agent.load(str(MODEL))
    load_seconds = time.perf_counter() - start
    await agent.parse_message("hallo")  # warm-up: the first parse also builds caches
    latencies, fallbacks, correct = [], 0, 0
    for message in messages:
        start = time.perf_counter()
        parsed = await agent.parse_message(message.get("text"))
        latencies.append((time.perf_counter() - start) * 1000)
        fallbacks += parsed["intent"]["name"] == "nlu_fallback"
        correct += parsed["intent"]["name"] == message.get("intent")
    latencies.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Held-out messages: {len(messages)}")
    print(f"Model load: {load_seconds:.1f} s; peak resident memory of this process: {rss_mb:.0f} MB")
    print(
        f"Parse latency per message: median {statistics.median(latencies):.1f} ms, "
        f"95th percentile {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms"
    )
    print(
        f"Under the fallback threshold ({fallback_threshold()}): {fallbacks} ({fallbacks / len(messages):.1%}); "
        f"right intent including fallbacks as wrong: {correct / len(messages):.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
