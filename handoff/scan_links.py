"""Personal links to the scan, one mechanism for follow-ups and invitations.

A link belongs to one ticket. It has a long random token (in the web address) and a
short code for letters and text channels ("K7F3-9QXM"); the database keeps only keyed
hashes of both (HMAC-SHA256 with HANDOFF_ERASURE_KEY), so a copy of the database gives
no working link. A link expires and works once.

The API for other parts of the service (all synchronous; the web layer runs them in a
worker thread):

    issue(db, ticket_id, purpose, valid_days, now=None) -> (token, short_code)
        purpose: "vervolg" (follow-up) or "uitnodiging" (invitation after a signal).
        The token and code exist only in the return value: send or print them at once.
    url_for(settings, token) -> str
        the personal web address: the gemeente's scan page with ``?scan=<token>``.
    mark_sent(db, token, via, now=None)
        record that the link went out ("email", "telegram", "brief").
    links_of(db, ticket_id, now=None) -> list of dicts for the ticket page (status only).

What the action server does with a link (machine routes, handoff/routes/scan_links.py):

    redeem(db, secret, now=None) -> claim
        secret: the token or the short code (any case, with or without the dash).
        Refused (LinkRefused with code unknown / expired / used) with a Dutch message.
        The claim is a new random value that only lets its holder attach ONE scan to this
        link's ticket; redeeming again before a scan was attached replaces the claim.
    attach_scan(db, claim, payload, now=None) -> ticket id
        the finished scan's outcome data (as a ticket's, without contact details) is
        stored with the ticket, and the link is used: it never works again.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from handoff.db import AuditEntry, Database, ScanLink, Ticket, TicketScan, utcnow

PURPOSES = ("vervolg", "uitnodiging")
# no 0/O, 1/I/L: letters and digits nobody mixes up when they copy a code from a letter
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CLAIM_GRACE = timedelta(days=1)  # a scan started just before the link expired may still finish
CODE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z2-9]{4})[\s-]?([A-Za-z2-9]{4})(?![A-Za-z0-9])")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{30,100}$")

REFUSALS = {
    "unknown": "Deze link of code kennen wij niet. Kijk of u hem goed hebt overgenomen.",
    "expired": "Deze link of code is verlopen. Neem contact op met de gemeente als u de scan opnieuw wilt doen.",
    "used": "Deze link of code is al gebruikt. Een persoonlijke link werkt maar één keer.",
}


class LinkRefused(ValueError):
    """A link or claim that does not work: ``code`` is unknown, expired or used."""

    def __init__(self, code: str):
        super().__init__(REFUSALS[code])
        self.code = code


class ScanError(ValueError):
    """The scan data is not valid (HTTP 422)."""


def _key(db: Database) -> bytes:
    if not db.erasure_key:
        raise RuntimeError("personal scan links need HANDOFF_ERASURE_KEY")
    return db.erasure_key.encode()


def _hash(db: Database, kind: str, value: str) -> str:
    return hmac.new(_key(db), f"scan-link:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    """Eight characters in two groups, at least one a digit (so a typed code never looks
    like a word)."""
    while True:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if any(c.isdigit() for c in raw):
            return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> Optional[str]:
    """The short code in a text ("Ik heb een code: k7f3 9qxm" -> "K7F39QXM"), or None."""
    for match in CODE_RE.finditer(text or ""):
        code = (match.group(1) + match.group(2)).upper()
        if all(c in ALPHABET for c in code) and any(c.isdigit() for c in code):
            return code
    return None


def issue(db: Database, ticket_id: str, purpose: str, valid_days: int,
          now: Optional[datetime] = None) -> Tuple[str, str]:
    """Make a personal link for this ticket: (token, short code). Both are returned once
    and stored only as keyed hashes."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    if not isinstance(valid_days, int) or not 1 <= valid_days <= 365:
        raise ValueError("valid_days must be a whole number from 1 to 365")
    now = now or utcnow()
    for _attempt in range(5):
        token, code = secrets.token_urlsafe(32), new_code()
        try:
            with db.session() as s:
                ticket = s.get(Ticket, ticket_id)
                if ticket is None or ticket.erased_at is not None:
                    raise ValueError("no such ticket (or its data was erased)")
                s.add(ScanLink(id=secrets.token_hex(16), ticket_id=ticket_id, purpose=purpose,
                               token_hash=_hash(db, "token", token),
                               code_hash=_hash(db, "code", code.replace("-", "")),
                               created_at=now, expires_at=now + timedelta(days=valid_days)))
                s.add(AuditEntry(actor="system", action="scan_link", ticket_id=ticket_id, detail=purpose))
            return token, code
        except IntegrityError:  # a short code that happens to exist already: draw again
            continue
    raise RuntimeError("could not draw a unique short code")


def url_for(settings: Any, token: str) -> str:
    """The personal link: the gemeente's scan page (``scan_page_url``) with ?scan=<token>."""
    page = getattr(settings, "scan_page_url", "") or (settings.public_url.rstrip("/") + "/")
    parts = urlsplit(page)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "scan"]
    query.append(("scan", token))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def _find(s: Any, db: Database, secret: str) -> Optional[ScanLink]:
    secret = (secret or "").strip()
    hashes = []
    if TOKEN_RE.match(secret):
        hashes.append(ScanLink.token_hash == _hash(db, "token", secret))
    code = normalise_code(secret)
    if code:
        hashes.append(ScanLink.code_hash == _hash(db, "code", code))
    if not hashes:
        return None
    return s.execute(select(ScanLink).where(or_(*hashes))).scalars().first()


def mark_sent(db: Database, token: str, via: str, now: Optional[datetime] = None) -> None:
    with db.session() as s:
        link = _find(s, db, token)
        if link is not None:
            link.sent_at, link.sent_via = now or utcnow(), via


def redeem(db: Database, secret: str, now: Optional[datetime] = None) -> str:
    """Check a token or short code; a working link gives a new one-off claim."""
    now = now or utcnow()
    with db.session() as s:
        link = _find(s, db, secret)
        if link is None:
            raise LinkRefused("unknown")
        if link.used_at is not None:
            raise LinkRefused("used")
        if link.expires_at <= now:
            raise LinkRefused("expired")
        claim = secrets.token_urlsafe(32)
        link.claim_hash, link.redeemed_at = _hash(db, "claim", claim), now
        s.add(AuditEntry(actor="api", action="scan_link_redeem", ticket_id=link.ticket_id, detail=link.purpose))
        return claim


def gemeente_of(db: Database, secret: str) -> Optional[str]:
    """The gemeente of the link's ticket (a regional service: the scan through the link
    speaks for that gemeente); None when unknown or from before regions."""
    with db.session() as s:
        link = _find(s, db, secret)
        if link is None:
            return None
        ticket = s.get(Ticket, link.ticket_id)
        return ticket.gemeente if ticket is not None else None


LEVELS = ("laag", "verhoogd", "hoog")


def _scan_fields(payload: Any) -> Dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise ScanError("the body must be a JSON object")
    level = payload.get("risk_level")
    if level not in LEVELS:
        raise ScanError(f"'risk_level' must be one of {', '.join(LEVELS)}")
    score = payload.get("risk_score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 100:
        raise ScanError("'risk_score' must be a number from 0 to 100")
    if "contact" in payload or "conversation_id" in payload:
        raise ScanError("a follow-up scan carries no contact details and no conversation id")
    lists = {}
    for name in ("risk_drivers", "indications", "indication_details", "referrals", "answers_readable"):
        value = payload.get(name) or []
        if not isinstance(value, list):
            raise ScanError(f"'{name}' must be a list")
        lists[name] = value
    for name in ("answers", "answer_points"):
        if not isinstance(payload.get(name) or {}, Mapping):
            raise ScanError(f"'{name}' must be an object")
    points = payload.get("answer_points") or {}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in points.values()):
        raise ScanError("'answer_points' must map question ids to numbers")
    return {"risk_score": float(score), "risk_level": level, "urgent": bool(payload.get("urgent", False)),
            **lists, "answers": dict(payload.get("answers") or {}), "answer_points": dict(points),
            "summary": str(payload.get("summary") or "")[:20000]}


def attach_scan(db: Database, claim: str, payload: Any, now: Optional[datetime] = None) -> str:
    """Store a finished scan with the ticket of the claimed link; the link is used up."""
    now = now or utcnow()
    if not isinstance(claim, str) or not TOKEN_RE.match(claim):
        raise LinkRefused("unknown")
    fields = _scan_fields(payload)
    with db.session() as s:
        link = s.execute(select(ScanLink).where(ScanLink.claim_hash == _hash(db, "claim", claim))
                         .with_for_update()).scalars().first()
        if link is None:
            raise LinkRefused("unknown")
        if link.used_at is not None:
            raise LinkRefused("used")
        if max(link.expires_at, (link.redeemed_at or link.expires_at) + CLAIM_GRACE) <= now:
            raise LinkRefused("expired")
        ticket = s.get(Ticket, link.ticket_id)
        if ticket is None or ticket.erased_at is not None:
            raise LinkRefused("unknown")
        link.used_at, link.claim_hash = now, None
        if link.purpose == "uitnodiging" and ticket.invited_scan_at is None:
            # a signal ticket (handoff/signals.py): the first scan through its invitation
            # gives it a risk level, so the inbox sorts and filters it like the others
            ticket.invited_scan_at = now
            if ticket.risk_level == "onbekend":
                for name in ("risk_score", "risk_level", "urgent", "indications", "indication_details"):
                    setattr(ticket, name, fields[name])
        s.add(TicketScan(ticket_id=link.ticket_id, link_id=link.id, purpose=link.purpose, created_at=now, **fields))
        s.add(AuditEntry(actor="api", action="ticket_scan", ticket_id=link.ticket_id, detail=link.purpose))
        return link.ticket_id


def link_status(link: ScanLink, now: datetime) -> str:
    if link.used_at is not None:
        return "gebruikt"
    if link.expires_at <= now:
        return "verlopen"
    if link.sent_at is not None:
        return "verstuurd"
    return "aangemaakt"


def links_of(db: Database, ticket_id: str, now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """The ticket's links for staff: purpose, status and times (never a token or code)."""
    now = now or utcnow()
    with db.session() as s:
        rows = s.execute(select(ScanLink).where(ScanLink.ticket_id == ticket_id)
                         .order_by(ScanLink.created_at)).scalars().all()
        return [{"purpose": link.purpose, "status": link_status(link, now), "created_at": link.created_at,
                 "sent_at": link.sent_at, "sent_via": link.sent_via, "used_at": link.used_at,
                 "expires_at": link.expires_at} for link in rows]


def scans_of(db: Database, ticket_id: str) -> List[Dict[str, Any]]:
    """The later scans attached to a ticket, oldest first."""
    with db.session() as s:
        rows = s.execute(select(TicketScan).where(TicketScan.ticket_id == ticket_id)
                         .order_by(TicketScan.created_at)).scalars().all()
        return [{"purpose": r.purpose, "created_at": r.created_at, "risk_score": r.risk_score,
                 "risk_level": r.risk_level, "urgent": r.urgent, "risk_drivers": r.risk_drivers or [],
                 "indications": r.indications or [], "indication_details": r.indication_details or [],
                 "referrals": r.referrals or [], "answers": r.answers or {},
                 "answers_readable": r.answers_readable or [], "answer_points": r.answer_points or {},
                 "summary": r.summary or ""} for r in rows]


def forget_ticket(s: Any, ticket_id: str) -> None:
    """Erasure and purge: the ticket's links and later scans go (inside the caller's session)."""
    s.execute(delete(ScanLink).where(ScanLink.ticket_id == ticket_id))
    s.execute(delete(TicketScan).where(TicketScan.ticket_id == ticket_id))
