"""The anonymous record every finished or abandoned scan leaves for the statistics.

What it holds: the ISO week, the channel, where the scan stopped (a question id or
"klaar"), and for a finished scan the risk level, urgency, indications and referrals.
No name, no answer text, no conversation id, no date. The handoff service keeps it
after the retention purge (README, "Statistics and dashboard").

The record's id is derived from the conversation and the moment this scan started,
with a keyed hash (HMAC-SHA256, key ACTION_SERVER_TOKEN, which the handoff service never
sees): the outcome, a stop, the next session's start and the ticket all name the same
record without storing anything, and the service cannot link it back to a conversation.
Pure functions; the actions send what :func:`finished` and :func:`abandoned` build.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional

from actions.gemeente import DUTCH_TIME, current_id, is_known, region

SCAN_FORM = "scan_form"
CHANNELS = ("rest", "socketio", "twilio", "telegram", "slack", "botframework")


def scan_started_at(events: Iterable[Mapping[str, Any]]) -> Optional[float]:
    """When the latest scan started: the last time the scan form became active."""
    started = None
    for event in events:
        if event.get("event") == "active_loop" and event.get("name") == SCAN_FORM:
            started = event.get("timestamp")
    return float(started) if started is not None else None


def record_id(conversation_id: str, started_at: float, key: Optional[str] = None) -> str:
    secret = (key if key is not None else os.environ.get("ACTION_SERVER_TOKEN", "")).encode()
    message = f"scan-record:{conversation_id}:{started_at:.6f}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def iso_week(timestamp: float) -> str:
    year, week, _ = datetime.fromtimestamp(timestamp, DUTCH_TIME).isocalendar()
    return f"{year}-W{week:02d}"


def channel_name(channel: Optional[str]) -> str:
    return channel if channel in CHANNELS else "onbekend"


def _with_gemeente(record: Dict[str, Any]) -> Dict[str, Any]:
    """A regional service counts per gemeente: the record names the conversation's."""
    if region().regional and is_known():
        record["gemeente"] = current_id()
    return record


def finished(record: str, channel: Optional[str], at: float, slots: Mapping[str, Any]) -> Dict[str, Any]:
    """A scan that reached its outcome (``slots``: the contract's outcome slots)."""
    return _with_gemeente({
        "id": record, "week": iso_week(at), "channel": channel_name(channel), "stopped_at": "klaar",
        "risk_level": slots["risk_level"], "urgent": bool(slots["urgent"]),
        "indications": list(slots["indications"]), "referrals": list(slots["referrals"]),
        "contact_asked": False,  # the service sets it when a ticket names this record
    })


def abandoned(record: str, channel: Optional[str], at: float, question: str) -> Dict[str, Any]:
    """A scan stopped (or left) before its outcome, at ``question``."""
    return _with_gemeente({"id": record, "week": iso_week(at), "channel": channel_name(channel),
                           "stopped_at": question, "contact_asked": False})


def open_scan(events: List[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The latest scan if it was neither finished nor stopped: when it started, the
    question it was at and the time of the last event (for a stop now, or at the start
    of the next session for a scan that was left)."""
    started, question, done = None, None, False
    for event in events:
        kind = event.get("event")
        if kind == "active_loop" and event.get("name") == SCAN_FORM:
            started, question, done = event.get("timestamp"), None, False
        elif started is None:
            continue
        elif kind == "slot" and event.get("name") == "requested_slot" and event.get("value"):
            question = event.get("value")
        elif kind == "slot" and event.get("name") == "risk_level" and event.get("value"):
            done = True  # the outcome was given
        elif kind == "action" and event.get("name") == "action_stop_scan":
            done = True  # a stop sends its own record
    if started is None or done or not question:
        return None
    last = max((float(e.get("timestamp") or 0) for e in events), default=float(started))
    return {"started_at": float(started), "question": question, "at": last}
