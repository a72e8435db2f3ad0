"""The result the entrepreneur can keep ("Bewaar uw uitkomst") without giving any data.

The outcome is written into a small document (the same texts the chat showed: date,
risk level and what it means, the answers that weighed most, the indications with why,
what happens next and the contact details of the gemeente and its partners). The
document travels in the FRAGMENT of a link to the handoff service's page ``/uitkomst``
(``#v1.<data>``): a browser never sends the fragment to a server, so the page decodes it
in the browser and nothing about it is stored or logged anywhere.

What the document never holds: contact details of the entrepreneur (it is built before
any are asked), a health or family cause without the separate consent for it, and that
the entrepreneur said it was hard to bear (the crisis line and its partner). A printout
or a forwarded link can be read by others.

Encoding: compact JSON (short keys), compressed with zlib (deflate), base64url without
padding. ``decode`` is the inverse (the page does the same in JavaScript)."""
from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any, Dict, List, Mapping, Optional

from actions.address import to_je
from actions.catalogue import catalogue, describe_value
from actions.gemeente import GemeenteConfig, Partner
from actions.outcome.referrals import MAX_REFERRALS, referrals
from actions.outcome.scoring import max_score, weights
from actions.outcome.staff_summary import Shared, shared_situations, shared_view
from actions.outcome.wording import (
    DECIDES,
    INDICATION_TEXT,
    MAX_REASONS,
    NO_INDICATION,
    NOT_HERE,
    URGENT,
    Outcome,
    level_line,
    next_steps_message,
    to_check_line,
    unknowns_line,
)
from actions.parsing import UNKNOWN
from actions.texts import render

VERSION = 1
PREFIX = f"v{VERSION}."
PAGE_PATH = "/uitkomst"
# The link's length: at most 2,000 characters, which every browser, chat app and mail
# program handles. On SMS/WhatsApp (Twilio) the message with the link must fit in one
# message (zelfscan_channels.text.LIMITS). A longer document sheds detail until it fits
# (see _shed).
MAX_LINK_CHARS = 2000
ONE_MESSAGE = {"twilio": 1600}  # channel -> its message limit, where the link must fit in one
MAX_DRIVERS = 3  # as many as the chat shows ("Dit woog het zwaarst")
NOT_ON_PAGE = frozenset({"crisis"})  # the page never says that someone said it was hard to bear


def save_message(link: str) -> str:
    """The message that carries the link (texts.yml ``outcome.save_result``): its last
    line is "Bewaar uw uitkomst: <link>", which the widget shows as a button."""
    return render("outcome.save_result", link=link)


def max_link_chars(channel: Optional[str]) -> int:
    limit = ONE_MESSAGE.get(channel or "")
    if limit is None:
        return MAX_LINK_CHARS
    return min(MAX_LINK_CHARS, limit - len(save_message("")))


_FRAGMENT_RE = re.compile(r"(" + re.escape(PAGE_PATH) + r")#" + re.escape(PREFIX) + r"[A-Za-z0-9_-]*")


def without_result(text: str) -> str:
    """``text`` with the result taken out of every saved-result link (for a ticket's
    transcript: the handoff service stores nothing extra for the link)."""
    return _FRAGMENT_RE.sub(r"\1", text)


def _partner(p: Partner) -> Dict[str, str]:
    item = {"n": p.name, "t": p.does}
    if p.phone:
        item["f"] = p.phone
    if p.web:
        item["w"] = p.web
    return item


def page_referrals(shared: Shared, outcome: Outcome) -> List[Partner]:
    """The next steps as the page may show them: what a ticket without special consent
    shows (no partner that only a health or family cause brought in), and never the
    crisis line that only distress brought in."""
    if outcome.config is None:
        return list(outcome.partners)
    lives_here = shared.answers.get("lives_in_municipality") is not False
    tags = set(shared_situations(shared, outcome)) - NOT_ON_PAGE
    if not lives_here or not tags:
        tags.add("informatie")
    return referrals(tags, outcome.config, lives_here)[:MAX_REFERRALS]


def build_document(answers: Mapping[str, Any], outcome: Outcome, config: GemeenteConfig,
                   special_consent: bool = False) -> Dict[str, Any]:
    """The result document (short keys, see the page's uitkomst.js for their names)."""
    score = outcome.score
    shared = shared_view(answers, score, special_consent)
    on = outcome.on
    if on is None:
        raise ValueError("an outcome without a date cannot be saved")
    doc: Dict[str, Any] = {
        "v": VERSION,
        "d": on.isoformat(),
        "g": config.name,
        "l": score.level,
        "s": score.score,
        "sm": max_score(),
        "m": level_line(shared.answers, outcome, config),
    }
    if answers.get("acute_measures") is True:
        doc["u"] = URGENT
    drivers = [q for q in shared.drivers if shared.answers.get(q) not in (None, UNKNOWN)][:MAX_DRIVERS]
    doc["zw"] = [{"q": q, "r": weights()[q].reason, "a": describe_value(catalogue()[q], shared.answers[q])}
                for q in drivers]
    if score.unknowns:
        doc["k"] = unknowns_line(score)
    if answers.get("lives_in_municipality") is False:
        doc["x"] = NOT_HERE
        doc["i"] = []
    else:
        doc["i"] = [{"id": ind.id, "t": INDICATION_TEXT[ind.id], "y": list(ind.reasons[:MAX_REASONS]),
                     "c": (to_check_line(ind) + " " if ind.missing else "") + DECIDES}
                    for ind in outcome.indications]
        nxt = next_steps_message([i.id for i in outcome.indications])
        if nxt:
            doc["x"] = nxt
        if not outcome.indications:
            doc["x"] = NO_INDICATION
    doc["p"] = [_partner(p) for p in page_referrals(shared, outcome)]
    loket = config.loket
    doc["c"] = {"n": loket.name, "f": loket.phone, "e": loket.email, "h": loket.hours, "w": loket.web}
    if config.address_form == "je":
        doc = _informal(doc)
        doc["j"] = 1  # the page's own labels in the same form
    return doc


_NOT_TEXT = ("v", "d", "l", "s", "sm", "q", "id", "f", "e", "w")  # ids, numbers, phone, e-mail, web address


def _informal(value: Any) -> Any:
    """Every text of the document in the "je" form (the chat's messages are converted as
    they are sent; the document is not a message)."""
    if isinstance(value, str):
        return to_je(value)
    if isinstance(value, list):
        return [_informal(v) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in _NOT_TEXT else _informal(v)) for k, v in value.items()}
    return value


REQUIRED = ("d", "g", "l", "s", "sm", "m", "zw", "i", "p", "c")  # what the page needs (uitkomst.js, valid())


def encode(doc: Mapping[str, Any]) -> str:
    """The document as fragment text: ``v1.`` + base64url(zlib(compact JSON))."""
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    return PREFIX + packed


def decode(fragment: str) -> Dict[str, Any]:
    """The inverse of ``encode`` (for tests and tools); ValueError when it is broken."""
    text = fragment.lstrip("#")
    if not text.startswith(PREFIX):
        raise ValueError("unknown version")
    data = text[len(PREFIX):]
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, zlib.error) as exc:
        raise ValueError("broken result link") from exc
    if not isinstance(doc, dict) or doc.get("v") != VERSION or not all(k in doc for k in REQUIRED):
        raise ValueError("broken result link")
    return doc


def _shed(doc: Dict[str, Any]) -> bool:
    """Drop one piece of detail, the least needed first; False when nothing is left to drop."""
    for ind in reversed(doc.get("i", [])):
        if len(ind.get("y", [])) > 1:
            ind["y"] = ind["y"][:-1]
            return True
    if doc.get("x") and doc.get("i"):  # what happens next: the indications say the gist
        doc.pop("x")
        return True
    if len(doc.get("zw", [])) > 1:
        doc["zw"] = doc["zw"][:-1]
        return True
    if len(doc.get("p", [])) > 1:
        doc["p"] = doc["p"][:-1]
        return True
    return False


def result_link(public_url: str, answers: Mapping[str, Any], outcome: Outcome, config: GemeenteConfig,
                special_consent: bool = False, max_chars: int = MAX_LINK_CHARS) -> Optional[str]:
    """``{public_url}/uitkomst#v1.…``, at most ``max_chars`` long; None when even the
    shortest document does not fit (then no link is offered rather than a broken one)."""
    doc = build_document(answers, outcome, config, special_consent)
    base = public_url.rstrip("/") + PAGE_PATH + "#"
    while True:
        link = base + encode(doc)
        if len(link) <= max_chars:
            return link
        if not _shed(doc):
            return None
