"""How long is a full scan? Runs 500 random entrepreneurs through the real form
validation and ask actions and prints the median number of questions and messages.

Answers are drawn at random from each question's choices and plausible ranges
(seeded, so the figures repeat); skip logic decides which questions are asked.
"""
import asyncio
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.catalogue import catalogue  # noqa: E402
from actions.scan_form import ASK_ACTIONS, ValidateScanForm  # noqa: E402

RANGES = {"amount": (0, 60000), "years": (0, 30), "hours": (10, 60), "age": (20, 70), "count": (0, 3), "months": (0, 12)}
FIXED_BOT_MESSAGES = 2 + 2  # greeting + intro before, outcome + contact after


def random_text(q, rng):
    if q.type == "bool":
        return rng.choice(["ja", "nee"])
    if q.type in ("choice", "multi_choice"):
        return rng.choice(q.choices).label
    low, high = RANGES[q.type]
    return str(rng.randint(low, high))


def tracker(slots, text, requested):
    return Tracker("sim", {**slots, "requested_slot": requested},
                   {"text": text, "intent": {"name": "inform"}, "entities": []}, [], False, None,
                   {"name": "scan_form"}, "action_listen")


async def one_scan(rng):
    slots = {qid: None for qid in catalogue().ids()}
    requested, questions, bot_messages, user_messages = catalogue().ids()[0], 0, FIXED_BOT_MESSAGES, 2
    while requested:
        d = CollectingDispatcher()
        for e in await ASK_ACTIONS[requested]().run(d, tracker(slots, "", requested), {}):
            requested = e["value"]
        questions += 1
        bot_messages += len(d.messages)
        d = CollectingDispatcher()
        events = await ValidateScanForm().run(d, tracker(slots, random_text(catalogue()[requested], rng), requested), {})
        user_messages += 1
        bot_messages += len(d.messages)
        for e in events:
            if e["name"] == "requested_slot":
                requested = e["value"]
            else:
                slots[e["name"]] = e["value"]
    return questions, bot_messages + user_messages


async def main():
    rng = random.Random(7)
    results = [await one_scan(rng) for _ in range(500)]
    questions = [q for q, _ in results]
    messages = [m for _, m in results]
    print(f"Full scan over 500 simulated entrepreneurs: median {statistics.median(questions):.0f} questions "
          f"(min {min(questions)}, max {max(questions)}), median {statistics.median(messages):.0f} messages "
          f"(bot + user, greeting to outcome)")


if __name__ == "__main__":
    asyncio.run(main())
