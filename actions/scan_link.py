"""A scan done through a personal link (a follow-up, or an invitation after a signal):
the link's token comes from the widget (``?scan=`` on the page, sent as message
metadata ``scan_link``), or the entrepreneur types the short code from a letter or an
e-mail ("Ik heb een code: K7F3-9QXM").

The handoff service checks it (``POST /api/scan-links/redeem``) and answers only "valid
for a scan" with a one-off claim; the claim waits in a slot during the scan, and when
the scan finishes its outcome (without contact details: the ticket has them) is attached
to that ticket (``POST /api/ticket-scans``). The token itself is never kept.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Any, Dict, List, Optional, Text, Tuple

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.gemeente import ADDRESS_SLOT, GEMEENTE_SLOT, activate, gemeente, region
from actions.texts import Speaker, render

logger = logging.getLogger(__name__)

METADATA_KEY = "scan_link"  # the widget sends the link's token under this key
CLAIM_SLOT = "scan_link_claim"  # the one-off claim while the scan runs (not the token)
OK_SLOT = "scan_link_ok"  # true: the link works, the scan starts; false: it does not
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{30,100}$")
# two groups of four from the codes' alphabet (no 0/O, 1/I/L), at least one digit
CODE_RE = re.compile(r"(?<![A-Za-z0-9])([2-9A-HJKMNP-Za-hjkmnp-z]{4})[\s-]?([2-9A-HJKMNP-Za-hjkmnp-z]{4})(?![A-Za-z0-9])")
REFUSAL_KEYS = {"unknown": "scan.link_unknown", "expired": "scan.link_expired", "used": "scan.link_used"}


def code_in(text: str) -> Optional[str]:
    """The short code in a message, as typed ("k7f3 9qxm" -> "K7F3-9QXM"), or None."""
    for match in CODE_RE.finditer(text or ""):
        code = (match.group(1) + match.group(2)).upper()
        if any(c.isdigit() for c in code):
            return f"{code[:4]}-{code[4:]}"
    return None


def token_in(metadata: Any) -> Optional[str]:
    value = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and TOKEN_RE.match(value) else None


def secret_of(tracker: Tracker) -> Optional[str]:
    """The link's token (the latest message's metadata, or the session's) or a typed code."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            token = token_in(event.get("metadata"))
            if token:
                return token
            break
    token = token_in(tracker.get_slot("session_started_metadata"))
    if token:
        return token
    return code_in((tracker.latest_message or {}).get("text") or "")


def _service() -> Tuple[str, Dict[str, str]]:
    base = (os.environ.get("HANDOFF_URL") or "http://localhost:8000").rstrip("/")
    return base, {"Authorization": f"Bearer {os.environ.get('HANDOFF_API_TOKEN', '')}"}


async def _post(path: str, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
    base, headers = _service()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.post(base + path, json=body, headers=headers) as response:
            try:
                data = await response.json(content_type=None)
            except ValueError:
                data = {}
            return response.status, data if isinstance(data, dict) else {}


async def redeem(secret: str) -> Tuple[Optional[str], str]:
    """(claim, "ok") for a working link; (None, unknown/expired/used/unreachable) otherwise."""
    claim, result, _gemeente = await redeem_for_gemeente(secret)
    return claim, result


async def redeem_for_gemeente(secret: str) -> Tuple[Optional[str], str, Optional[str]]:
    """As ``redeem``, with the gemeente of the link's ticket (a regional service)."""
    try:
        status, data = await _post("/api/scan-links/redeem", {"secret": secret})
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        logger.warning("Scan link could not be checked (%s)", type(exc).__name__)
        return None, "unreachable", None
    if status == 200 and data.get("valid") and isinstance(data.get("claim"), str):
        return data["claim"], "ok", data.get("gemeente") if isinstance(data.get("gemeente"), str) else None
    code = data.get("code")
    if code in REFUSAL_KEYS:
        return None, str(code), None
    logger.warning("Scan link check answered %s", status)
    return None, "unreachable", None


def scan_payload(answers: Dict[str, Any], outcome: Any) -> Dict[str, Any]:
    """The scan's outcome as a ticket carries it, without contact details or conversation id."""
    from actions.outcome.staff_summary import ticket_payload

    full = ticket_payload("ZS-000000", "-", "-", answers, outcome, {}, False, [])
    keep = ("risk_score", "risk_level", "urgent", "risk_drivers", "indications", "indication_details",
            "referrals", "answers", "answers_readable", "summary")
    scan = {k: full[k] for k in keep if k in full}
    scan["answer_points"] = dict(outcome.score.contributions)
    return scan


async def attach(claim: str, scan: Dict[str, Any]) -> bool:
    try:
        status, _data = await _post("/api/ticket-scans", dict(claim=claim, scan=scan))
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        logger.warning("The scan could not be attached (%s)", type(exc).__name__)
        return False
    if status != 201:
        logger.warning("Attaching the scan was refused (%s)", status)
    return status == 201


class ActionRedeemScanLink(Action):
    """"Ik heb een code: …" or a page opened with ?scan=…: check the link, then the scan starts."""

    def name(self) -> Text:
        return "action_redeem_scan_link"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        speaker = Speaker(dispatcher)
        secret = secret_of(tracker)
        if secret is None:
            speaker.say("scan.link_no_code")
            return [SlotSet(OK_SLOT, False)]
        claim, result, gemeente_id = await redeem_for_gemeente(secret)
        region_events: List[EventType] = []
        if claim is not None and region().known(gemeente_id):  # the ticket's gemeente from now on
            activate(gemeente_id)
            speaker = Speaker(dispatcher)
            region_events = [SlotSet(GEMEENTE_SLOT, gemeente_id), SlotSet(ADDRESS_SLOT, gemeente().address_form)]
        if claim is None:
            if result == "unreachable":
                speaker.say("scan.link_unreachable", human_contact=render("conversation.human_contact",
                                                                          gemeente=gemeente()))
            else:
                speaker.say(REFUSAL_KEYS[result])
            return [SlotSet(OK_SLOT, False)]
        speaker.say("scan.link_welcome")
        return [*region_events, SlotSet(CLAIM_SLOT, claim), SlotSet(OK_SLOT, True)]


async def attach_finished_scan(tracker: Tracker, speaker: Speaker, answers: Dict[str, Any],
                               outcome: Any) -> List[EventType]:
    """At the outcome: a scan started through a personal link goes to its ticket (once)."""
    claim = tracker.get_slot(CLAIM_SLOT)
    if not claim:
        return []
    if await attach(claim, scan_payload(answers, outcome)):
        speaker.say("scan.link_attached")
    else:
        speaker.say("scan.link_attach_failed", human_contact=render("conversation.human_contact",
                                                                    gemeente=gemeente()))
    return [SlotSet(CLAIM_SLOT, None), SlotSet(OK_SLOT, None)]
