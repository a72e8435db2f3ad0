"""Messages the assistant did not understand, kept (stripped) so staff can teach it.

When is a message captured?
- it ended in the fallback answer: ``action_core_fallback``, or "what I can do" outside the
  scan (``conversation.respond_outside_scan``) for a message no rule could use;
- in the scan form, it could not be read as an answer to the question AND the classifier
  was unsure (``nlu_fallback``, or confidence under the FallbackClassifier threshold of
  config.yml). A readable answer is never captured, whatever its confidence: inside the
  form many unsure messages are good answers ("zo'n 40 uurtjes"). An answer that was read
  but impossible (age 300) is understood, so it is not captured either.
- never in the contact form (its messages are names and phone numbers by design), never
  for a button, and never crisis wording.

What is sent: the text after :func:`actions.redact.redact` (the name from the contact
form stripped too), the intent the classifier thought most likely and its confidence,
the channel, the ISO week and, in the scan, the question id. No conversation id, no time
finer than the week, a random id. The unstripped text is never stored or logged.
It goes through the outbox (``handoff_client.create_unrecognised``), so the
entrepreneur's answer never waits for it.
"""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Set, Tuple

import yaml

from actions.redact import redact
from actions.scan_record import channel_name, iso_week
from zelfscan_nlu.patterns import is_crisis

logger = logging.getLogger(__name__)
CONFIG = Path(__file__).resolve().parent.parent / "config.yml"
FALLBACK_INTENT = "nlu_fallback"
CONTACT_FORM = "handoff_form"
NAME_SLOT = "contact_name"
PLACEHOLDER_RE = re.compile(r"\[[a-z-]+\]")
_pending: Set["asyncio.Task[Any]"] = set()  # queued sends, kept so they are not collected early


@lru_cache(maxsize=1)
def fallback_threshold(path: Optional[Path] = None) -> float:
    """The FallbackClassifier's threshold in config.yml (0.45 when absent)."""
    data = yaml.safe_load((path or CONFIG).read_text(encoding="utf-8")) or {}
    for component in data.get("pipeline") or []:
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.45))
    return 0.45


def predicted(message: Mapping[str, Any]) -> Tuple[Optional[str], float]:
    """The intent the classifier thought most likely, and its confidence. With a fallback
    the message's intent is ``nlu_fallback``; the ranking still holds the real guess."""
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    if ranking:
        best = max(ranking, key=lambda r: float(r.get("confidence") or 0.0))
        return best.get("name"), float(best.get("confidence") or 0.0)
    intent = message.get("intent") or {}
    name = intent.get("name")
    return (None if name == FALLBACK_INTENT else name), float(intent.get("confidence") or 0.0)


def unsure(message: Mapping[str, Any], threshold: Optional[float] = None) -> bool:
    """The classifier fell back, or its best guess is under the threshold."""
    intent = message.get("intent") or {}
    if intent.get("name") == FALLBACK_INTENT:
        return True
    _, confidence = predicted(message)
    return confidence < (fallback_threshold() if threshold is None else threshold)


def typed_text(message: Mapping[str, Any]) -> str:
    text = str(message.get("text") or "").strip()
    return "" if text.startswith("/") else text  # a button payload is no typed message


def payload(message: Mapping[str, Any], channel: Optional[str], at: float, question: Optional[str] = None,
            known_names: Iterable[str] = ()) -> Optional[Dict[str, Any]]:
    """What is sent to the handoff service, or None when there is nothing to keep."""
    text = typed_text(message)
    if not text or is_crisis(text):
        return None
    stripped = redact(text, known_names)
    if not any(c.isalpha() for c in PLACEHOLDER_RE.sub("", stripped)):
        return None  # only placeholders left: nothing to learn from
    intent, confidence = predicted(message)
    body: Dict[str, Any] = {"id": secrets.token_hex(16), "text": stripped, "intent": intent,
                            "confidence": round(min(max(confidence, 0.0), 1.0), 3),
                            "channel": channel_name(channel), "week": iso_week(at)}
    if question:
        body["question"] = question
    return body


def capture(tracker: Any, question: Optional[str] = None) -> None:
    """Queue the latest message of ``tracker`` (stripped) for the review page. Never
    raises: learning never stops the conversation."""
    try:
        if (tracker.active_loop or {}).get("name") == CONTACT_FORM:
            return
        names = [tracker.get_slot(NAME_SLOT)] if tracker.get_slot(NAME_SLOT) else []
        body = payload(tracker.latest_message or {}, tracker.get_latest_input_channel(), time.time(), question,
                       names)
        if body is None:
            return
        from actions.handoff_client import client  # imported late: tests replace the client

        task = asyncio.get_running_loop().create_task(client().create_unrecognised(body))
        _pending.add(task)
        task.add_done_callback(_done)
    except Exception as exc:  # noqa: BLE001 - never the text in the log, only what went wrong
        logger.warning("A message that was not understood could not be queued (%s)", type(exc).__name__)


def _done(task: "asyncio.Task[Any]") -> None:
    _pending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("A message that was not understood could not be queued (%s)",
                       type(task.exception()).__name__)


async def wait_queued() -> None:
    """Tests: wait until every capture made on this event loop is in the outbox. (A
    capture left on a loop that has ended, e.g. by an earlier test, can never finish and
    is forgotten.)"""
    loop = asyncio.get_running_loop()
    while True:
        for task in [t for t in _pending if t.get_loop() is not loop and t.get_loop().is_closed()]:
            _pending.discard(task)
        mine = [t for t in _pending if t.get_loop() is loop]
        if not mine:
            return
        await asyncio.gather(*mine, return_exceptions=True)
