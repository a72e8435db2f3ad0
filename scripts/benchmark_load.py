"""The load tool of `make benchmark`: whole conversations over Rasa's REST channel.

The same tool drives both bots:

* this assistant: a whole scan per conversation. The conversation id comes from the
  server (``POST /webhooks/rest/conversation``). The entrepreneur is one of the
  scripted profiles the tests use (tests/profiles.py), and each message answers the
  question the bot actually asked: the question in the bot's last message ("Vraag 3
  van 22. Welke rechtsvorm ...") is looked up in actions/catalogue.yml and answered in
  plain Dutch from the profile, so the skip logic picks the questions as it would for
  that person. After the outcome the contact offer is declined.
* the Rasa starter bot: the same number of messages per conversation, cycling through
  what its training data knows (greeting, mood, yes/no, bot challenge, goodbye).

Every message's latency (request sent to answer read) is recorded; the conversation
id request is not a message.
"""
from __future__ import annotations

import asyncio
import math
import random
import re
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUESTION = re.compile(r"^Vraag \d+ van \d+\.\s*(.*)$", re.S)
OUTCOME_MARK = "Uw uitkomst:"
MAX_MESSAGES = 80  # a scan that never ends is a failure, not an endless loop
OPENER = "ik wil de zelfscan doen"
CLOSER = "nee, dank u"
STARTER_SCRIPT = ("hello", "I am feeling sad", "yes", "great, thanks", "are you a bot?", "no",
                  "I am very happy today", "bye")


# ------------------------------------------------------------------ the profiles


def profiles() -> List[Tuple[str, Dict[str, Any]]]:
    """The scripted entrepreneurs of the tests (tests/profiles.py)."""
    from tests import profiles as p

    return [("healthy", p.HEALTHY), ("acute", p.ACUTE), ("starter_from_bijstand", p.STARTER_FROM_BIJSTAND),
            ("stopping_at_58", p.STOPPING_AT_58), ("bv_growth", p.BV_GROWTH)]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    pattern: "re.Pattern[str]"
    labels: Dict[str, str]


def load_questions(path: Path = ROOT / "actions" / "catalogue.yml") -> List[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for q in data["questions"]:
        text = " ".join(q["question"].split())
        pattern = re.compile(".*?".join(re.escape(part) for part in text.split("{gemeente}")))
        # how a person types an option: its first synonym (the words people use), else its label
        labels = {c["value"]: (c.get("synonyms") or [c["label"]])[0] for c in q.get("choices") or []}
        found.append(Question(q["id"], q["type"], pattern, labels))
    return found


def which_question(text: str, questions: Sequence[Question]) -> Optional[Question]:
    match = QUESTION.match(text.strip())
    if not match:
        return None
    asked = " ".join(match.group(1).split())
    return next((q for q in questions if q.pattern.search(asked)), None)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def answer_text(question: Question, value: Any) -> str:
    """How the entrepreneur of a profile types ``value`` as the answer to ``question``."""
    if value is None:
        return "weet ik niet"
    kind = question.type
    if kind == "bool":
        return "ja" if value else "nee"
    if kind == "choice":
        return question.labels.get(value, str(value)).lower()
    if kind == "multi_choice":
        values = value if isinstance(value, list) else [value]
        return " en ".join(question.labels.get(v, str(v)).lower() for v in values)
    if kind == "amount":
        return f"ongeveer {_number(value)} euro"
    if kind == "years":
        return "een half jaar" if value == 0.5 else f"{_number(value)} jaar"
    if kind == "hours":
        return f"{_number(value)} uur per week"
    if kind == "age":
        return f"ik ben {_number(value)}"
    if kind == "months":
        return f"{_number(value)} maanden"
    return _number(value)  # count


# ------------------------------------------------------------------ conversations


@dataclass
class Stats:
    """Latencies (seconds) with the time each answer arrived (for windows)."""

    latencies: List[float] = field(default_factory=list)
    finished_at: List[float] = field(default_factory=list)
    conversations: int = 0
    completed: int = 0  # reached the outcome (assistant) or the end of the script (starter)
    errors: List[str] = field(default_factory=list)
    retries: int = 0  # a question asked again because the scripted answer was not understood

    def add(self, latency: float) -> None:
        self.latencies.append(latency)
        self.finished_at.append(time.monotonic())

    def merge(self, other: "Stats") -> None:
        self.latencies += other.latencies
        self.finished_at += other.finished_at
        self.conversations += other.conversations
        self.completed += other.completed
        self.errors += other.errors
        self.retries += other.retries


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


class Client:
    """One person at a keyboard: one HTTP session, one conversation at a time."""

    def __init__(self, base_url: str, issued_ids: bool, stats: Stats, think: Optional[Tuple[float, float]] = None,
                 rng: Optional[random.Random] = None, stop_at: Optional[float] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.issued_ids = issued_ids
        self.stats = stats
        self.think = think
        self.rng = rng or random.Random(1)
        self.stop_at = stop_at
        self.session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> "Client":
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.session:
            await self.session.close()

    def stopped(self) -> bool:
        return self.stop_at is not None and time.monotonic() >= self.stop_at

    async def new_conversation(self) -> str:
        assert self.session
        if not self.issued_ids:
            return "bench-" + uuid.uuid4().hex[:16]
        async with self.session.post(self.base_url + "/webhooks/rest/conversation") as r:
            r.raise_for_status()
            return (await r.json())["conversation_id"]

    async def say(self, sender: str, text: str) -> List[Dict[str, Any]]:
        assert self.session
        if self.think:
            await asyncio.sleep(self.rng.uniform(*self.think))
        started = time.monotonic()
        async with self.session.post(self.base_url + "/webhooks/rest/webhook",
                                     json={"sender": sender, "message": text}) as r:
            body = await r.json()
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status} for {text!r}: {body}")
        self.stats.add(time.monotonic() - started)
        return body

    async def scan(self, answers: Dict[str, Any], questions: Sequence[Question]) -> bool:
        """A whole scan; True when it reached the outcome."""
        sender = await self.new_conversation()
        self.stats.conversations += 1
        replies = await self.say(sender, OPENER)
        previous = None
        for _ in range(MAX_MESSAGES):
            if self.stopped():
                return False
            texts = [m.get("text") or "" for m in replies]
            if any(t.startswith(OUTCOME_MARK) for t in texts):
                await self.say(sender, CLOSER)
                self.stats.completed += 1
                return True
            asked = next((q for q in (which_question(t, questions) for t in reversed(texts)) if q), None)
            if asked is None:
                raise RuntimeError(f"no scan question and no outcome in {texts!r}")
            if asked.id == previous:
                self.stats.retries += 1
                text = "weet ik niet"  # asked again: the scripted answer was not understood
            else:
                text = answer_text(asked, answers.get(asked.id))
            previous = asked.id
            replies = await self.say(sender, text)
        raise RuntimeError(f"scan did not end within {MAX_MESSAGES} messages")

    async def chat(self, length: int) -> bool:
        """A starter-bot conversation of ``length`` messages."""
        sender = await self.new_conversation()
        self.stats.conversations += 1
        for i in range(length):
            if self.stopped():
                return False
            await self.say(sender, STARTER_SCRIPT[i % len(STARTER_SCRIPT)])
        self.stats.completed += 1
        return True


async def _one(client: Client, kind: str, index: int, length: int, questions: Sequence[Question]) -> None:
    try:
        if kind == "zelfscan":
            people = profiles()
            await client.scan(people[index % len(people)][1], questions)
        else:
            await client.chat(length)
    except Exception as exc:  # counted and reported; the run goes on
        client.stats.errors.append(f"{type(exc).__name__}: {exc}"[:300])


async def closed_loop(base_url: str, kind: str, conversations: int, concurrency: int, length: int = 27,
                      issued_ids: bool = False) -> Tuple[Stats, float]:
    """``conversations`` whole conversations, ``concurrency`` at a time, no pauses.
    Returns the stats and the wall time in seconds."""
    questions = load_questions()
    stats = Stats()
    queue: "asyncio.Queue[int]" = asyncio.Queue()
    for i in range(conversations):
        queue.put_nowait(i)

    async def worker() -> None:
        async with Client(base_url, issued_ids, stats) as client:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await _one(client, kind, i, length, questions)

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stats, time.monotonic() - started


async def paced(base_url: str, kind: str, people: int, seconds: float, think: Tuple[float, float], warmup: float,
                length: int = 27, issued_ids: bool = False, seed: int = 7) -> Stats:
    """``people`` conversations at once, each waiting ``think`` seconds (uniform) before
    every message, for ``seconds``; starts are spread over the first think time. Only
    answers after ``warmup`` seconds are kept. A finished conversation starts a new one."""
    questions = load_questions()
    stats = Stats()
    start = time.monotonic()
    stop_at = start + seconds
    rng = random.Random(seed)

    async def person(i: int) -> None:
        own = random.Random(rng.random())
        await asyncio.sleep(own.uniform(0, think[1]))
        async with Client(base_url, issued_ids, stats, think=think, rng=own, stop_at=stop_at) as client:
            n = i
            while not client.stopped():
                await _one(client, kind, n, length, questions)
                n += people

    await asyncio.gather(*(person(i) for i in range(people)))
    kept = Stats(conversations=stats.conversations, completed=stats.completed, errors=stats.errors,
                 retries=stats.retries)
    for latency, at in zip(stats.latencies, stats.finished_at, strict=False):
        if at - start >= warmup:
            kept.latencies.append(latency)
            kept.finished_at.append(at)
    return kept


def summary(stats: Stats, wall: float) -> Dict[str, float]:
    n = len(stats.latencies)
    return {"messages": n, "msg_per_s": n / wall if wall else 0.0,
            "p50_ms": 1000 * percentile(stats.latencies, 50), "p95_ms": 1000 * percentile(stats.latencies, 95),
            "mean_ms": 1000 * statistics.fmean(stats.latencies) if n else float("nan"),
            "conversations": stats.conversations, "completed": stats.completed, "errors": len(stats.errors),
            "retries": stats.retries}
