"""Runs the conversation corpus (tests/conversations/corpus.yml) against the trained
model and the real action server, and scores each case.

The model is loaded with Rasa's Agent; the action server is started as `make run`
starts it (tests/e2e/servers.py ``Stack``), with its token header. Each case gets a
fresh conversation. A case's ``setup`` brings the conversation to the point where
its message is said (a question of the scan, a yes/no question, ...) through the
same rules and actions a user would pass: button payloads, plus, for a question
deep in the scan, the earlier answers set in the tracker.
"""
from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).with_name("corpus.yml")
SPLITS = ("tune", "heldout")
THRESHOLD = 0.95
CATEGORIES = ("first_message", "typed_option", "yes_no", "several_answers", "crisis", "unclear_start")


def load_corpus(path: Path = CORPUS) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


@dataclass
class Result:
    case: Dict[str, Any]
    ok: bool
    why: str
    said: List[str]


# ------------------------------------------------------------------------ setups

def _answers_before(qid: str, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    from actions.catalogue import catalogue
    from tests.profiles import profile

    base = profile(revenue_trend="gedaald", fixed_costs_paid="meestal", monthly_income=900, payment_arrears=1,
                   private_arrears=["geen"], total_debt=12000, buffer_months=1, outlook="misschien", age=50)
    base.update(extra or {})
    ids = catalogue().ids()
    return {k: v for k, v in base.items() if k in ids and ids.index(k) < ids.index(qid)}


async def _set_slots(agent, sender: str, slots: Dict[str, Any]) -> None:
    from rasa.shared.core.events import SlotSet

    tracker = await agent.tracker_store.retrieve(sender)
    for name, value in slots.items():
        tracker.update(SlotSet(name, value))
    await agent.tracker_store.save(tracker)


async def _at_question(agent, sender: str, qid: str, extra: Optional[Dict[str, Any]] = None) -> None:
    await agent.handle_text("/start_scan", sender_id=sender)
    await _set_slots(agent, sender, {**_answers_before(qid, extra), "requested_slot": qid})


async def _outcome(agent, sender: str, extra: Optional[Dict[str, Any]] = None) -> None:
    await _at_question(agent, sender, "help_wanted", extra)
    await agent.handle_text('/inform{"answer":"coach"}', sender_id=sender)


async def setup(agent, sender: str, spec: Any) -> None:
    spec = spec or "fresh"
    if isinstance(spec, dict) and "at" in spec:
        return await _at_question(agent, sender, spec["at"], spec.get("answers"))
    steps = {
        "fresh": [],
        "greet": ["/greet"],
        "acknowledged": ["/describe_situation"],
        "stop_confirmation": ["/start_scan", "/stop_scan"],
        "human_offer": ["/request_human"],
    }
    if spec in steps:
        for payload in steps[spec]:
            await agent.handle_text(payload, sender_id=sender)
        return
    if spec == "contact_offer":
        return await _outcome(agent, sender)
    if spec == "consent":
        await _outcome(agent, sender)
        await agent.handle_text("/affirm", sender_id=sender)
        return
    if spec == "special_consent":
        await _outcome(agent, sender, {"main_cause": ["ziekte"]})
        await agent.handle_text("/affirm", sender_id=sender)
        await agent.handle_text("/affirm", sender_id=sender)
        return
    raise ValueError(f"unknown setup {spec!r}")


# ------------------------------------------------------------------------ checks

def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(float(a) - float(b)) < 0.01
    return a == b


def check(case: Dict[str, Any], responses: List[Dict[str, Any]], tracker) -> Tuple[bool, str]:
    expect = case["expect"]
    texts = [r.get("text") or "" for r in responses]
    payloads = [b.get("payload") for r in responses for b in (r.get("buttons") or [])]
    loop = tracker.active_loop_name
    slots = {k: s.value for k, s in tracker.slots.items()}
    problems = []
    if expect.get("offer"):
        if "/start_scan" not in payloads and loop != "scan_form":
            problems.append("no scan offered or started")
    if expect.get("started") and loop != "scan_form":
        problems.append(f"scan not running (loop {loop})")
    for name, value in (expect.get("slots") or {}).items():
        if not _same(slots.get(name), value):
            problems.append(f"{name}={slots.get(name)!r}, expected {value!r}")
    if expect.get("urgent") and slots.get("urgent") is not True:
        problems.append("not urgent")
    if expect.get("crisis"):
        if not texts or "0800-0113" not in texts[0]:
            problems.append("113 not first")
        if expect.get("offer_after_crisis") and not {"/start_scan", "/request_human"} <= set(payloads):
            problems.append("no scan or person offered after 113")
    if expect.get("fallback"):
        if not texts or texts[0].lower().startswith("sorry"):
            problems.append("fallback starts with sorry or is missing")
        if not {"/start_scan", "/ask_help_options", "/request_human"} <= set(payloads):
            problems.append("fallback without the three buttons")
    if "answer" in expect:
        qid = case["setup"]["at"]
        if not _same(slots.get(qid), expect["answer"]):
            problems.append(f"{qid}={slots.get(qid)!r}, expected {expect['answer']!r}")
        if loop != "scan_form" and slots.get("requested_slot") is not None:
            problems.append("the scan stopped")
    if "yes" in expect:
        problems += _check_yes_no(case["setup"], expect["yes"], texts, loop, slots)
    return (not problems), "; ".join(problems)


def _check_yes_no(spec: str, yes: bool, texts: List[str], loop: Optional[str], slots: Dict[str, Any]) -> List[str]:
    if spec in ("greet", "acknowledged"):
        if yes and loop != "scan_form":
            return ["the scan did not start"]
        if not yes and (loop == "scan_form" or not any("Geen probleem" in t for t in texts)):
            return ["a no did not decline the scan"]
    elif spec == "stop_confirmation":
        stopped = any("De scan is gestopt" in t for t in texts)
        if yes and not stopped:
            return ["the scan was not stopped"]
        if not yes and (stopped or loop != "scan_form"):
            return ["the scan did not continue"]
    elif spec in ("contact_offer", "human_offer"):
        if yes and loop != "handoff_form":
            return ["contact form not started"]
        if not yes and (loop == "handoff_form" or not any("We geven niets door aan de gemeente" in t for t in texts)):
            return ["a no did not end the contact offer"]
    elif spec in ("consent", "special_consent"):
        slot = "consent_contact" if spec == "consent" else "special_category_consent"
        if yes and slots.get(slot) is not True:
            return [f"{slot}={slots.get(slot)!r}"]
        if not yes and spec == "consent" and (slots.get(slot) is True or loop == "handoff_form"
                                              or not any("We geven niets door aan de gemeente" in t for t in texts)):
            return ["a no to consent did not end the contact form"]
        if not yes and spec == "special_consent" and slots.get(slot) is not False:
            return [f"{slot}={slots.get(slot)!r}"]
    return []


# ------------------------------------------------------------------------ running

async def run_cases(agent, cases: List[Dict[str, Any]]) -> List[Result]:
    results = []
    for case in cases:
        sender = "corpus-" + uuid.uuid4().hex[:12]
        try:
            await setup(agent, sender, case.get("setup"))
            responses = await agent.handle_text(case["say"], sender_id=sender)
            tracker = await agent.tracker_store.retrieve(sender)
            ok, why = check(case, responses, tracker)
            results.append(Result(case, ok, why, [r.get("text") or "" for r in responses]))
        except Exception as exc:  # a crash is a failure of that case, not of the run
            results.append(Result(case, False, f"error: {exc!r}", []))
    return results


def shares(results: List[Result], split: str) -> Dict[str, Tuple[int, int]]:
    counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if r.case["split"] == split:
            counts[r.case["category"]][0] += r.ok
            counts[r.case["category"]][1] += 1
    return {c: (counts[c][0], counts[c][1]) for c in CATEGORIES if c in counts}


class Bot:
    """The trained model with the real action server (started and stopped here)."""

    def __init__(self, model: Path = ROOT / "models" / "zelfscan.tar.gz"):
        self.model = model
        self.stack = None
        self.agent = None
        self._tmp = None

    def __enter__(self):
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig

        from tests.e2e.servers import Stack

        logging.getLogger("rasa").setLevel(logging.ERROR)
        self._tmp = tempfile.TemporaryDirectory(prefix="corpus-")
        self.stack = Stack(Path(self._tmp.name), production=False)
        self.stack.start_actions()
        token = self.stack.secrets.get("ACTION_SERVER_TOKEN", "")
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{self.stack.actions_port}/webhook",
                                  headers={"X-Zelfscan-Action-Token": token})
        os.environ.setdefault("SPACY_MODEL", "nl_zelfscan_sm")
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.agent = Agent.load(str(self.model), action_endpoint=endpoint)
        return self

    def run(self, cases: List[Dict[str, Any]]) -> List[Result]:
        return self.loop.run_until_complete(run_cases(self.agent, cases))

    def questions_after_openers(self) -> List[Tuple[int, int]]:
        return [self.loop.run_until_complete(questions_after_opener(self.agent, o)) for o in THREE_FACT_OPENERS]

    def __exit__(self, *exc):
        if self.stack:
            self.stack.stop()
        if self._tmp:
            self._tmp.cleanup()


# ------------------------------------------------------- scan length after an opener

# First messages that state three facts each (not in the corpus's scored cases).
THREE_FACT_OPENERS = (
    "ik ben 58, heb sinds 1995 een eenmanszaak en het loopt slecht",
    "er ligt beslag op mijn rekening, ik ben 61 en wil stoppen",
    "mijn bv heeft schulden, ik werk 50 uur per week en ben 44",
    "ik heb sinds 2012 een eenmanszaak, mijn omzet is gehalveerd",
    "ik ben 39, woon alleen en mijn kapsalon draait verlies",
    "de deurwaarder komt morgen, ik heb een vof en 2 mensen in dienst",
    "ik ben zzp'er sinds 2020, werk fulltime en heb 15.000 euro schuld",
)


async def questions_after_opener(agent, opener: str) -> Tuple[int, int]:
    """(facts noted, questions asked) for a whole scan that starts with ``opener``; each
    question is answered with its first button."""
    import re

    sender = "length-" + uuid.uuid4().hex[:12]
    await agent.handle_text(opener, sender_id=sender)
    responses = await agent.handle_text("/affirm", sender_id=sender)
    tracker = await agent.tracker_store.retrieve(sender)
    noted = len(tracker.get_slot("scan_prefilled") or [])
    asked = 0
    for _ in range(40):
        question = next((r for r in responses if re.match(r"Vraag \d+ van \d+", r.get("text") or "")), None)
        if question is None:
            break
        asked += 1
        responses = await agent.handle_text(question["buttons"][0]["payload"], sender_id=sender)
    return noted, asked
