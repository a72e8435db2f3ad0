"""Ticket operations: create (idempotent), list, read, change, erase, purge. Synchronous;
the web layer runs them in a worker thread."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import and_, bindparam, delete, func, or_, select, text, update

from handoff.db import AuditEntry, Database, ErasureRequest, Note, StaffUser, Ticket, utcnow

# the labels staff see; the keys are the values stored and sent over the API
STATUS_LABELS = {"nieuw": "Nieuw", "in_behandeling": "In behandeling", "afgesloten": "Afgesloten"}
LEVEL_LABELS = {"laag": "Laag risico", "verhoogd": "Verhoogd risico", "hoog": "Hoog risico"}
STATUSES = tuple(STATUS_LABELS)
LEVELS = tuple(LEVEL_LABELS)
REFERENCE_RE = re.compile(r"^ZS-[A-Z0-9]{6,12}$")
PERSONAL_FIELDS = ("answers", "answers_readable", "summary", "contact", "transcript")


class TicketError(ValueError):
    """Invalid ticket input; the message says which field (for the API), the code what
    went wrong (for the inbox, which shows its own Dutch text)."""

    def __init__(self, message: str, code: str = "ongeldig"):
        super().__init__(message)
        self.code = code


def _require(payload: Mapping[str, Any], key: str, kind: Any) -> Any:
    value = payload.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise TicketError(f"'{key}' is missing or has the wrong type")
    return value


def validate_payload(payload: Mapping[str, Any]) -> Dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise TicketError("the body must be a JSON object")
    reference = _require(payload, "id", str)
    if not REFERENCE_RE.match(reference):
        raise TicketError("'id' must look like ZS-XXXXXX")
    level = _require(payload, "risk_level", str)
    if level not in LEVELS:
        raise TicketError(f"'risk_level' must be one of {', '.join(LEVELS)}")
    score = payload.get("risk_score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 100:
        raise TicketError("'risk_score' must be a number from 0 to 100")
    contact = payload.get("contact")
    if contact is not None and not isinstance(contact, Mapping):
        raise TicketError("'contact' must be an object")
    return {
        "id": reference,
        "conversation_id": _require(payload, "conversation_id", str),
        "channel": _require(payload, "channel", str),
        "risk_score": float(score),
        "risk_level": level,
        "urgent": bool(payload.get("urgent", False)),
        "risk_drivers": list(payload.get("risk_drivers") or []),
        "indications": list(payload.get("indications") or []),
        "indication_details": list(payload.get("indication_details") or []),
        "referrals": list(payload.get("referrals") or []),
        "answers": dict(payload.get("answers") or {}),
        "answers_readable": list(payload.get("answers_readable") or []),
        "summary": str(payload.get("summary") or ""),
        "contact": dict(contact) if contact else None,
        "transcript": payload.get("transcript") if payload.get("transcript") else None,
        "special_category_consent": bool(payload.get("special_category_consent", False)),
    }


def to_json(t: Ticket, include_notes: bool = False) -> Dict[str, Any]:
    data = {
        "id": t.id,
        "status": t.status,
        "created_at": t.created_at.isoformat() + "Z",
        "updated_at": t.updated_at.isoformat() + "Z",
        "conversation_id": t.conversation_id,
        "channel": t.channel,
        "risk_score": t.risk_score,
        "risk_level": t.risk_level,
        "urgent": t.urgent,
        "risk_drivers": t.risk_drivers,
        "indications": t.indications,
        "indication_details": t.indication_details,
        "referrals": t.referrals,
        "answers": t.answers or {},
        "answers_readable": t.answers_readable or [],
        "summary": t.summary or "",
        "contact": t.contact,
        "transcript": t.transcript,
        "assigned_to": t.assigned_to.username if t.assigned_to else None,
        "erased": t.erased_at is not None,
    }
    if include_notes:
        data["notes"] = [
            {"author": n.author.username, "text": n.text, "created_at": n.created_at.isoformat() + "Z"} for n in t.notes
        ]
    return data


def create_ticket(db: Database, payload: Mapping[str, Any], idempotency_key: str) -> Tuple[Dict[str, Any], bool]:
    """Create a ticket; a repeated key returns the existing ticket (created=False)."""
    if not idempotency_key or len(idempotency_key) > 100:
        raise TicketError("an Idempotency-Key header of at most 100 characters is required")
    fields = validate_payload(payload)
    with db.session() as s:
        existing = s.execute(
            select(Ticket).where(or_(Ticket.idempotency_key == idempotency_key, Ticket.id == fields["id"]))
        ).scalar_one_or_none()
        if existing is not None:
            if existing.idempotency_key != idempotency_key:
                raise TicketError("'id' is already used by another ticket")
            return to_json(existing), False
        ticket = Ticket(idempotency_key=idempotency_key, **fields)
        s.add(ticket)
        s.add(AuditEntry(actor="api", action="create", ticket_id=fields["id"]))
        s.flush()
        return to_json(ticket), True


def list_tickets(
    db: Database, status: Optional[str] = None, level: Optional[str] = None, limit: int = 200
) -> List[Dict[str, Any]]:
    """Urgent first, then newest first."""
    with db.session() as s:
        query = select(Ticket)
        if status in STATUSES:
            query = query.where(Ticket.status == status)
        if level in LEVELS:
            query = query.where(Ticket.risk_level == level)
        query = query.order_by(Ticket.urgent.desc(), Ticket.created_at.desc(), Ticket.id).limit(limit)
        return [to_json(t) for t in s.execute(query).scalars()]


def get_ticket(db: Database, ticket_id: str, actor: str) -> Optional[Dict[str, Any]]:
    """Read one ticket with notes; every read of personal data is written to the audit log."""
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return None
        s.add(AuditEntry(actor=actor, action="view", ticket_id=ticket_id))
        return to_json(ticket, include_notes=True)


def set_status(db: Database, ticket_id: str, status: str, actor: str) -> bool:
    if status not in STATUSES:
        raise TicketError(f"'status' must be one of {', '.join(STATUSES)}", code="status_onbekend")
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return False
        ticket.status = status
        s.add(AuditEntry(actor=actor, action="status", ticket_id=ticket_id, detail=status))
        return True


def assign(db: Database, ticket_id: str, username: Optional[str], actor: str) -> bool:
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return False
        user = None
        if username:
            user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
            if user is None:
                raise TicketError(f"unknown colleague '{username}'", code="collega_onbekend")
        ticket.assigned_to_id = user.id if user else None
        s.add(AuditEntry(actor=actor, action="assign", ticket_id=ticket_id, detail=username or "-"))
        return True


def add_note(db: Database, ticket_id: str, text_: str, actor: str) -> bool:
    text_ = (text_ or "").strip()
    if not text_:
        raise TicketError("a note cannot be empty", code="notitie_leeg")
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        author = s.execute(select(StaffUser).where(StaffUser.username == actor)).scalar_one_or_none()
        if ticket is None or author is None:
            return False
        s.add(Note(ticket_id=ticket_id, author_id=author.id, text=text_[:5000]))
        s.add(AuditEntry(actor=actor, action="note", ticket_id=ticket_id))
        return True


def staff_names(db: Database) -> List[str]:
    with db.session() as s:
        return [u.username for u in s.execute(select(StaffUser).where(StaffUser.active).order_by(StaffUser.username)).scalars()]


def _erase(ticket: Ticket) -> None:
    for name in PERSONAL_FIELDS:
        setattr(ticket, name, None)
    ticket.erased_at = utcnow()
    for note in list(ticket.notes):
        ticket.notes.remove(note)


def request_erasure(db: Database, conversation_id: str, delay_seconds: int) -> int:
    """Erase the personal data of this conversation's tickets now; schedule the removal of
    the conversation itself from the tracker store (after the current turn has been saved)."""
    with db.session() as s:
        tickets = s.execute(select(Ticket).where(Ticket.conversation_id == conversation_id)).scalars().all()
        for ticket in tickets:
            _erase(ticket)
            s.add(AuditEntry(actor="api", action="erase", ticket_id=ticket.id, detail="on request"))
        s.add(ErasureRequest(conversation_id=conversation_id, due_at=utcnow() + timedelta(seconds=delay_seconds)))
        return len(tickets)


def delete_conversation_events(tracker_db_url: Optional[str], conversation_ids: List[str]) -> int:
    """Remove conversations from Rasa's SQL tracker store (table ``events``)."""
    if not tracker_db_url or not conversation_ids:
        return 0
    tracker = Database(tracker_db_url)
    try:
        with tracker.engine.begin() as conn:
            if not tracker.engine.dialect.has_table(conn, "events"):
                return 0
            statement = text("DELETE FROM events WHERE sender_id IN :ids").bindparams(bindparam("ids", expanding=True))
            result = conn.execute(statement, {"ids": conversation_ids})
            return result.rowcount or 0
    finally:
        tracker.engine.dispose()


def process_erasures(db: Database, tracker_db_url: Optional[str]) -> int:
    """Carry out the erasure requests that are due."""
    with db.session() as s:
        due = s.execute(
            select(ErasureRequest).where(and_(ErasureRequest.done_at.is_(None), ErasureRequest.due_at <= utcnow()))
        ).scalars().all()
        ids = [r.conversation_id for r in due]
        delete_conversation_events(tracker_db_url, ids)
        for r in due:
            r.done_at = utcnow()
        return len(due)


def purge(db: Database, retention_days: int, tracker_db_url: Optional[str]) -> Dict[str, int]:
    """Erase personal data older than the retention period: ticket personal fields and
    old conversations in the tracker store. Anonymous fields stay for statistics."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with db.session() as s:
        old = s.execute(select(Ticket).where(and_(Ticket.created_at < cutoff, Ticket.erased_at.is_(None)))).scalars().all()
        for ticket in old:
            _erase(ticket)
            s.add(AuditEntry(actor="system", action="purge", ticket_id=ticket.id, detail=f"{retention_days} days"))
        s.execute(delete(ErasureRequest).where(ErasureRequest.done_at < cutoff))
        tickets = len(old)
    events = 0
    if tracker_db_url:
        tracker = Database(tracker_db_url)
        try:
            with tracker.engine.begin() as conn:
                if tracker.engine.dialect.has_table(conn, "events"):
                    # a conversation goes when its newest event is older than the cutoff
                    stale = conn.execute(
                        text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :t"),
                        {"t": cutoff.timestamp()},
                    ).scalars().all()
                    if stale:
                        events = delete_conversation_events(tracker_db_url, list(stale))
        finally:
            tracker.engine.dispose()
    return {"tickets_erased": tickets, "tracker_events_deleted": events}


def pending_notifications(db: Database, ticket_id: Optional[str] = None) -> List[Dict[str, Any]]:
    """Tickets whose e-mail or webhook notification has not gone out yet (only this one
    ticket when ``ticket_id`` is given)."""
    with db.session() as s:
        query = select(Ticket).where(or_(Ticket.notified.is_(False), Ticket.webhook_notified.is_(False)))
        if ticket_id is not None:
            query = query.where(Ticket.id == ticket_id)
        return [dict(to_json(t), _email_done=t.notified, _webhook_done=t.webhook_notified)
                for t in s.execute(query).scalars()]


def mark_notified(db: Database, ticket_id: str, channel: str) -> None:
    column = {"email": "notified", "webhook": "webhook_notified"}[channel]
    with db.session() as s:
        s.execute(update(Ticket).where(Ticket.id == ticket_id).values({column: True}))


def counts(db: Database) -> Dict[str, int]:
    with db.session() as s:
        rows = s.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
        return {status: n for status, n in rows}

