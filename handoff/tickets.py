"""Ticket operations: create (idempotent), list, read, change, erase, purge. Synchronous;
the web layer runs them in a worker thread."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, bindparam, case, cast, delete, func, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from handoff import auth, scan_links, signals
from handoff.db import (
    AuditEntry,
    ConversationMark,
    Database,
    Note,
    ScanRecord,
    StaffTeam,
    StaffUser,
    Ticket,
    keyed_hash,
    utcnow,
)
from handoff.gemeenten import UNKNOWN_GEMEENTE, unserved
from handoff.gemeenten import clause as gemeente_clause

# the labels staff see; the keys are the values stored and sent over the API
STATUS_LABELS = {"nieuw": "Nieuw", "in_behandeling": "In behandeling", "afgesloten": "Afgesloten"}
LEVEL_LABELS = {"laag": "Laag risico", "verhoogd": "Verhoogd risico", "hoog": "Hoog risico"}
STATUSES = tuple(STATUS_LABELS)
LEVELS = tuple(LEVEL_LABELS)
UNKNOWN_LEVEL_LABEL = "Risico nog niet bekend"  # a signal ticket before a scan (risk_level "onbekend")
REFERENCE_RE = re.compile(r"^ZS-[A-Z0-9]{6,12}$")
LABEL_RE = re.compile(r"^[a-z0-9_]{1,80}$")  # team ids, indication ids, situations
# staff names of the indications (contract.md); an unknown id is shown as it is
INDICATION_LABELS = {
    "bbz_aspirant": "Bbz aspirant-zelfstandige", "bbz_starter": "Bbz starter",
    "bbz_gevestigd_inkomen": "Bbz gevestigde zelfstandige (inkomen)",
    "bbz_gevestigd_kapitaal": "Bbz gevestigde zelfstandige (bedrijfskapitaal)",
    "bbz_beeindiger": "Bbz beëindigende zelfstandige", "bbz_oudere_zelfstandige": "Bbz oudere zelfstandige",
    "ioaz": "IOAZ", "schuldhulp": "Schuldhulpverlening",
}
NO_TEAM = "-"  # the inbox filter value for tickets without a team
PERSONAL_FIELDS = ("answers", "answers_readable", "summary", "contact", "transcript", "signal", "answer_points",
                   "follow_up_consent", "follow_up_due")
LOCAL_TIMEZONE = ZoneInfo("Europe/Amsterdam")
DEFAULT_RESPONSE_DAYS = {"urgent": 1, "hoog": 2, "other": 5}
RECORD_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,40}$")  # the random id of an anonymous scan record


def local_date(moment: datetime) -> date:
    """The Dutch calendar day of a stored (naive UTC) time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIMEZONE).date()


def local_today() -> date:
    return local_date(utcnow())


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days (Monday to Friday) after ``start``."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 for the same day)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count


def promised_days(urgent: bool, level: str, response_days: Mapping[str, int]) -> int:
    """The working days the bot promised (as actions.handoff_form.contact_within_days)."""
    return response_days["urgent"] if urgent else response_days["hoog"] if level == "hoog" else response_days["other"]


def contact_due(made: datetime, urgent: bool, level: str, response_days: Mapping[str, int]) -> date:
    return add_working_days(local_date(made), promised_days(urgent, level, response_days))


def is_overdue(t: Ticket, today: Optional[date] = None) -> bool:
    """No first contact within the promised working days, and the ticket is still open."""
    return (t.first_contact_at is None and t.status != "afgesloten" and t.erased_at is None
            and t.contact_due is not None and t.contact_due < (today or local_today()))


def overdue_clause(today: date) -> Any:
    return and_(Ticket.first_contact_at.is_(None), Ticket.status != "afgesloten", Ticket.erased_at.is_(None),
                Ticket.contact_due.isnot(None), Ticket.contact_due < today)


class TicketError(ValueError):
    """Invalid ticket input; the message says which field (for the API), the code what
    went wrong (for the inbox, which shows its own Dutch text)."""

    def __init__(self, message: str, code: str = "ongeldig"):
        super().__init__(message)
        self.code = code


class TicketGone(TicketError):
    """The conversation asked for erasure after this ticket was made (a ticket that waited
    in the action server's outbox): it is not stored. HTTP 410, final."""

    def __init__(self) -> None:
        super().__init__("this conversation asked for erasure of its data; the ticket was not stored",
                         code="conversation_erased")


class TicketLimit(TicketError):
    """The conversation has made the maximum number of tickets. HTTP 409, final."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"this conversation has reached the maximum of {cap} tickets", code="ticket_limit")


def _made_at(value: Any) -> Optional[datetime]:
    """The optional ``made_at`` of a ticket (when the action server made it): epoch
    seconds or ISO 8601; as naive UTC like the rest of the database."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TicketError("'made_at' must be epoch seconds or an ISO 8601 time")
    try:
        if isinstance(value, (int, float)):
            moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise TicketError("'made_at' must be epoch seconds or an ISO 8601 time") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _require(payload: Mapping[str, Any], key: str, kind: Any) -> Any:
    value = payload.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise TicketError(f"'{key}' is missing or has the wrong type")
    return value


def validate_payload(payload: Mapping[str, Any], gemeenten: Sequence[str] = ()) -> Dict[str, Any]:
    """The ticket's fields, or TicketError. ``gemeenten``: the ids this service serves;
    a ticket without ``gemeente`` belongs to the first."""
    if not isinstance(payload, Mapping):
        raise TicketError("the body must be a JSON object")
    gemeente = payload.get("gemeente")
    unknown = unserved(gemeente, gemeenten)
    if unknown:
        raise TicketError(unknown, code=UNKNOWN_GEMEENTE)
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
    team = payload.get("team")
    if team is not None and (not isinstance(team, str) or len(team.strip()) > 80):
        raise TicketError("'team' must be a text of at most 80 characters")
    indications = payload.get("indications") or []
    if not isinstance(indications, list) or not all(isinstance(i, str) for i in indications):
        raise TicketError("'indications' must be a list of texts")
    situations = payload.get("situations")
    if situations is not None and (not isinstance(situations, list) or not all(isinstance(i, str) for i in situations)):
        raise TicketError("'situations' must be a list of texts")
    record = payload.get("scan_record")
    if record is not None and (not isinstance(record, str) or not RECORD_ID_RE.match(record)):
        raise TicketError("'scan_record' must be the random id of the scan record (16 to 40 letters, digits, - or _)")
    referred_by = payload.get("referred_by")
    if referred_by is not None and (not isinstance(referred_by, str) or not 0 < len(referred_by.strip()) <= 120):
        raise TicketError("'referred_by' must be the name of the referring partner (at most 120 characters)")
    follow_up = payload.get("follow_up_consent")
    if follow_up is not None and not isinstance(follow_up, bool):
        raise TicketError("'follow_up_consent' must be true or false")
    points = payload.get("answer_points")
    if points is not None and (not isinstance(points, Mapping) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in points.values())):
        raise TicketError("'answer_points' must map question ids to numbers")
    return {
        "id": reference,
        "conversation_id": _require(payload, "conversation_id", str),
        "channel": _require(payload, "channel", str),
        "risk_score": float(score),
        "risk_level": level,
        "urgent": bool(payload.get("urgent", False)),
        "risk_drivers": list(payload.get("risk_drivers") or []),
        "indications": list(indications),
        "indication_details": list(payload.get("indication_details") or []),
        "referrals": list(payload.get("referrals") or []),
        "answers": dict(payload.get("answers") or {}),
        "answers_readable": list(payload.get("answers_readable") or []),
        "summary": str(payload.get("summary") or ""),
        "contact": dict(contact) if contact else None,
        "transcript": payload.get("transcript") if payload.get("transcript") else None,
        "special_category_consent": bool(payload.get("special_category_consent", False)),
        "team": team.strip() or None if team else None,
        "situations": list(situations) if situations else None,
        "scan_record": record,
        "kind": signals.KIND_SCAN,
        "route": signals.ROUTE_REFERRED if referred_by else signals.ROUTE_SELF,
        "source": referred_by.strip() if referred_by else None,
        "follow_up_consent": follow_up,
        "answer_points": dict(points) if points else None,
        "gemeente": gemeente or (gemeenten[0] if gemeenten else None),
    }


def to_json(t: Ticket, include_notes: bool = False) -> Dict[str, Any]:
    known_level = t.risk_level in LEVEL_LABELS
    data = {
        "id": t.id,
        "status": t.status,
        "created_at": t.created_at.isoformat() + "Z",
        "updated_at": t.updated_at.isoformat() + "Z",
        "conversation_id": t.conversation_id,
        "channel": t.channel,
        "team": t.team,
        "situations": t.situations or [],
        "risk_score": t.risk_score if known_level else None,  # a signal has no scan yet
        "risk_level": t.risk_level,
        "risk_label": LEVEL_LABELS.get(t.risk_level, UNKNOWN_LEVEL_LABEL),
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
        "outcome": t.outcome,
        "outcome_partner": t.outcome_partner,
        "first_contact_at": t.first_contact_at.isoformat() if t.first_contact_at else None,
        "contact_due": t.contact_due.isoformat() if t.contact_due else None,
        "overdue": is_overdue(t),
        "kind": t.kind or signals.KIND_SCAN,
        "route": t.route or signals.ROUTE_SELF,
        "source": t.source,
        "route_label": signals.route_label(t.route, t.source, invited=t.invited_at is not None),
        "signal_seen": t.signal_seen or [],
        "signal_basis": t.signal_basis,
        "signal": t.signal,
        "invited_at": t.invited_at.isoformat() + "Z" if t.invited_at else None,
        "invited_scan_at": t.invited_scan_at.isoformat() + "Z" if t.invited_scan_at else None,
        "follow_up_consent": t.follow_up_consent,
        "follow_up_due": t.follow_up_due.isoformat() + "Z" if t.follow_up_due else None,
        "follow_up_sent_at": t.follow_up_sent_at.isoformat() + "Z" if t.follow_up_sent_at else None,
        "answer_points": t.answer_points or {},
        "gemeente": t.gemeente,
    }
    if include_notes:
        data["notes"] = [
            {"author": n.author.username, "text": n.text, "created_at": n.created_at.isoformat() + "Z"} for n in t.notes
        ]
    return data


def _mark_row(db: Database, key: str):
    """INSERT of an empty conversation mark that does nothing when it exists."""
    values = {"key": key, "tickets": 0, "updated_at": utcnow()}
    dialect = sqlite if db.engine.dialect.name == "sqlite" else postgresql
    return dialect.insert(ConversationMark).values(**values).on_conflict_do_nothing(index_elements=["key"])


def create_ticket(db: Database, payload: Mapping[str, Any], idempotency_key: str,
                  max_per_conversation: int = 3,
                  response_days: Mapping[str, int] = DEFAULT_RESPONSE_DAYS,
                  follow_up_weeks: int = 0, gemeenten: Sequence[str] = ()) -> Tuple[Dict[str, Any], bool]:
    """Create a ticket; a repeated key returns the existing ticket (created=False).
    With ``follow_up_consent`` and ``follow_up_weeks`` > 0 the follow-up message is due
    that many weeks after the ticket (background.send_follow_ups).

    Refused for good: a ticket made before its conversation asked for erasure
    (TicketGone; without ``made_at``, any ticket of a conversation with an erasure on
    record) and a ticket over the cap per conversation (TicketLimit). Both checks are
    one conditional UPDATE of the conversation's mark, so they hold under parallel
    requests and against an erasure arriving at the same moment."""
    if not idempotency_key or len(idempotency_key) > 100:
        raise TicketError("an Idempotency-Key header of at most 100 characters is required")
    fields = validate_payload(payload, gemeenten)
    made_at = _made_at(payload.get("made_at"))
    key = db.conversation_key(fields["conversation_id"])
    for attempt in range(2):
        try:
            return _create(db, fields, idempotency_key, key, made_at, max_per_conversation, response_days,
                           follow_up_weeks)
        except IntegrityError:  # the same ticket in a parallel request: answer with that one
            if attempt:
                raise
    raise AssertionError("unreachable")


def _create(db: Database, fields: Dict[str, Any], idempotency_key: str, key: str, made_at: Optional[datetime],
            cap: int, response_days: Mapping[str, int], follow_up_weeks: int = 0) -> Tuple[Dict[str, Any], bool]:
    M = ConversationMark
    with db.session() as s:
        existing = s.execute(
            select(Ticket).where(or_(Ticket.idempotency_key == idempotency_key, Ticket.id == fields["id"]))
        ).scalar_one_or_none()
        if existing is not None:
            if existing.idempotency_key != idempotency_key:
                raise TicketError("'id' is already used by another ticket")
            return to_json(existing), False
        s.execute(_mark_row(db, key))
        not_erased = M.erasure_requested_at.is_(None)
        if made_at is not None:
            not_erased = or_(not_erased, M.erasure_requested_at < made_at)
        taken = s.execute(
            update(M).where(and_(M.key == key, M.tickets < cap, not_erased))
            .values(tickets=M.tickets + 1, updated_at=utcnow()).execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            mark = s.get(M, key)
            s.rollback()
            if mark is not None and mark.erasure_requested_at is not None and (
                    made_at is None or mark.erasure_requested_at >= made_at):
                with db.session() as log:
                    log.add(AuditEntry(actor="api", action="refused", ticket_id=fields["id"],
                                       detail="made before an erasure request"))
                raise TicketGone()
            raise TicketLimit(cap)
        # the promise was made when the bot confirmed the ticket (made_at), not when it arrived
        promised_at = min(made_at, utcnow()) if made_at is not None else utcnow()
        now = utcnow()
        if fields["follow_up_consent"] and follow_up_weeks > 0:
            fields["follow_up_due"] = now + timedelta(weeks=follow_up_weeks)
        else:  # no consent (or no follow-up in this gemeente): nothing is ever sent
            fields["follow_up_consent"] = bool(fields["follow_up_consent"]) and follow_up_weeks > 0
        ticket = Ticket(idempotency_key=idempotency_key, conversation_key=key, created_at=now,
                        contact_due=contact_due(promised_at, fields["urgent"], fields["risk_level"], response_days),
                        **fields)
        s.add(ticket)
        s.add(AuditEntry(actor="api", action="create", ticket_id=fields["id"]))
        s.flush()
        sync_record(s, ticket)
        return to_json(ticket), True


def list_tickets(
    db: Database, status: Optional[str] = None, level: Optional[str] = None, limit: int = 200,
    team: Optional[str] = None, indication: Optional[str] = None, first_teams: Sequence[str] = (),
    overdue_only: bool = False, kind: Optional[str] = None, source: Optional[str] = None,
    gemeenten: Optional[Sequence[str]] = None, all_gemeenten: Sequence[str] = (),
) -> List[Dict[str, Any]]:
    """Overdue first (no first contact within the promised working days), then urgent,
    then newest; with ``first_teams`` (the user's teams) the tickets of those teams come
    next before all others; ``overdue_only``: only overdue tickets. ``team`` NO_TEAM: tickets without one.
    ``kind``: "zelfscan" or "signaal"; ``source``: the organisation that signalled or referred.
    ``gemeenten``: only tickets of these gemeenten (a regional service; see gemeenten.py)."""
    with db.session() as s:
        query = select(Ticket)
        if gemeenten is not None:
            query = query.where(gemeente_clause(Ticket.gemeente, gemeenten, all_gemeenten))
        if status in STATUSES:
            query = query.where(Ticket.status == status)
        if level in LEVELS or level == signals.UNKNOWN_LEVEL:
            query = query.where(Ticket.risk_level == level)
        if kind == signals.KIND_SCAN:  # tickets from before kinds existed are scans
            query = query.where(or_(Ticket.kind == kind, Ticket.kind.is_(None)))
        elif kind in signals.KINDS:
            query = query.where(Ticket.kind == kind)
        if source:
            query = query.where(Ticket.source == source[:120])
        if team == NO_TEAM:
            query = query.where(Ticket.team.is_(None))
        elif team:
            query = query.where(Ticket.team == team[:80])
        if indication:
            # the JSON list as text holds "id" with its quotes (SQLite and PostgreSQL alike)
            query = query.where(cast(Ticket.indications, String).contains(f'"{indication[:80]}"', autoescape=True))
        if overdue_only:
            query = query.where(overdue_clause(local_today()))
        order = [Ticket.urgent.desc(), Ticket.created_at.desc(), Ticket.id]
        if first_teams:
            order.insert(0, case((Ticket.team.in_(list(first_teams)), 0), else_=1))
        order.insert(0, case((overdue_clause(local_today()), 0), else_=1))  # overdue at the top
        query = query.order_by(*order).limit(limit)
        return [to_json(t) for t in s.execute(query).scalars()]


def user_teams(db: Database, username: Optional[str]) -> List[str]:
    if not username:
        return []
    with db.session() as s:
        return list(s.execute(select(StaffTeam.team).join(StaffUser, StaffUser.id == StaffTeam.user_id)
                              .where(StaffUser.username == username).order_by(StaffTeam.team)).scalars())


def set_user_teams(db: Database, username: str, teams: Sequence[str], actor: str = "cli") -> bool:
    """Replace the user's teams (ids like the gemeente configuration's). False when unknown."""
    clean = sorted({t.strip() for t in teams if t and t.strip()})
    for team in clean:
        if not LABEL_RE.match(team):
            raise TicketError(f"team '{team}' must be lower-case letters, digits and _")
    return auth.replace_user_labels(db, username, StaffTeam, "team", clean, "teams", actor)


def sources_in_use(db: Database) -> List[str]:
    """The organisations that signalled or referred, for the inbox filter."""
    with db.session() as s:
        return sorted(s.execute(select(Ticket.source).where(Ticket.source.isnot(None)).distinct()).scalars())


def teams_in_use(db: Database) -> List[str]:
    with db.session() as s:
        return sorted(t for t in s.execute(select(Ticket.team).where(Ticket.team.isnot(None)).distinct()).scalars())


def get_ticket(db: Database, ticket_id: str, actor: str) -> Optional[Dict[str, Any]]:
    """Read one ticket with notes; every read of personal data is written to the audit log."""
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return None
        s.add(AuditEntry(actor=actor, action="view", ticket_id=ticket_id))
        return to_json(ticket, include_notes=True)


def set_status(db: Database, ticket_id: str, status: str, actor: str, require_outcome: bool = False) -> bool:
    """``require_outcome`` (the inbox): closing needs an outcome chosen first (close_ticket)."""
    if status not in STATUSES:
        raise TicketError(f"'status' must be one of {', '.join(STATUSES)}", code="status_onbekend")
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return False
        if require_outcome and status == "afgesloten" and ticket.status != "afgesloten" and not ticket.outcome:
            raise TicketError("closing a ticket needs an outcome", code="uitkomst_nodig")
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


def parse_day(value: Any) -> Optional[date]:
    """A date from a form or JSON (YYYY-MM-DD); None when empty."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise TicketError("'first_contact_at' must be a date (YYYY-MM-DD)", code="datum_ongeldig") from None


def _check_contact_day(ticket: Ticket, day: date) -> None:
    if day > local_today():
        raise TicketError("'first_contact_at' cannot be in the future", code="datum_toekomst")
    if day < local_date(ticket.created_at) - timedelta(days=1):  # made_at can be a little earlier
        raise TicketError("'first_contact_at' cannot be before the ticket", code="datum_te_vroeg")


def set_first_contact(db: Database, ticket_id: str, day: Any, actor: str) -> bool:
    """Record the date of the first contact with the entrepreneur (local date)."""
    parsed = parse_day(day)
    if parsed is None:
        raise TicketError("'first_contact_at' is required", code="datum_nodig")
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return False
        _check_contact_day(ticket, parsed)
        ticket.first_contact_at = parsed
        sync_record(s, ticket)
        s.add(AuditEntry(actor=actor, action="first_contact", ticket_id=ticket_id, detail=parsed.isoformat()))
        return True


def close_ticket(db: Database, ticket_id: str, outcome: Any, partner: Any, first_contact: Any, actor: str,
                 outcomes: Mapping[str, Any], partner_names: Mapping[str, str]) -> bool:
    """Close the ticket with an outcome from the configured list (``outcomes``: id ->
    settings.Outcome); a referral names the partner; an outcome with contact needs the
    date of the first contact (given now or recorded before)."""
    chosen = outcomes.get(outcome) if isinstance(outcome, str) else None
    if chosen is None:
        raise TicketError(f"'outcome' must be one of {', '.join(outcomes)}", code="uitkomst_nodig")
    partner_id = partner if isinstance(partner, str) and partner else None
    if chosen.partner and partner_id not in partner_names:
        raise TicketError(f"'partner' must be one of {', '.join(partner_names)}", code="partner_nodig")
    if not chosen.partner:
        partner_id = None
    day = parse_day(first_contact)
    with db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            return False
        if day is not None:
            _check_contact_day(ticket, day)
            ticket.first_contact_at = day
        if chosen.contact and ticket.first_contact_at is None:
            raise TicketError("this outcome needs the date of the first contact", code="datum_nodig")
        ticket.outcome, ticket.outcome_partner, ticket.status = chosen.id, partner_id, "afgesloten"
        sync_record(s, ticket)
        s.add(AuditEntry(actor=actor, action="outcome", ticket_id=ticket_id,
                         detail=chosen.id + (f" ({partner_id})" if partner_id else "")))
        return True


def sync_record(s: Any, ticket: Ticket) -> None:
    """Copy the ticket's anonymous follow-up into its scan record (when it has one)."""
    if not ticket.scan_record:
        return
    record = s.get(ScanRecord, ticket.scan_record)
    if record is None:
        return
    record.ticket = True
    record.contact_asked = True
    record.outcome, record.outcome_partner = ticket.outcome, ticket.outcome_partner
    if ticket.first_contact_at is not None and ticket.contact_due is not None:
        record.days_to_first_contact = working_days_between(local_date(ticket.created_at), ticket.first_contact_at)
        record.contact_on_time = ticket.first_contact_at <= ticket.contact_due
    else:
        record.days_to_first_contact, record.contact_on_time = None, None


def backfill_contact_due(db: Database, response_days: Mapping[str, int]) -> int:
    """Tickets from before schema version 4 get the day by which contact was promised."""
    with db.session() as s:
        old = s.execute(select(Ticket).where(Ticket.contact_due.is_(None))).scalars().all()
        for ticket in old:
            ticket.contact_due = contact_due(ticket.created_at, ticket.urgent, ticket.risk_level, response_days)
        return len(old)


def audit(db: Database, actor: Optional[str], action: str, detail: str = "") -> None:
    with db.session() as s:
        s.add(AuditEntry(actor=actor or "-", action=action, detail=detail[:255] or None))


def staff_names(db: Database) -> List[str]:
    with db.session() as s:
        return [u.username for u in s.execute(select(StaffUser).where(StaffUser.active).order_by(StaffUser.username)).scalars()]


def _erase(ticket: Ticket) -> None:
    for name in PERSONAL_FIELDS:
        setattr(ticket, name, None)
    ticket.conversation_id = ""  # on WhatsApp/SMS it is the phone number
    ticket.conversation_key = None
    ticket.scan_record = None  # the anonymous record can no longer be traced to this ticket
    ticket.erased_at = utcnow()
    session = object_session(ticket)
    if session is not None:  # personal scan links and later scans go with it
        scan_links.forget_ticket(session, ticket.id)
    for note in list(ticket.notes):
        ticket.notes.remove(note)


def request_erasure(db: Database, conversation_id: str, delay_seconds: int) -> int:
    """Erase this conversation's tickets now (personal data and the conversation id);
    remember the erasure under the conversation's keyed hash only, so that a ticket made
    before it and delivered later is refused; schedule the removal of the conversation
    from the tracker store (after the current turn has been saved)."""
    key = db.conversation_key(conversation_id)
    M = ConversationMark
    now = utcnow()
    with db.session() as s:
        s.execute(_mark_row(db, key))
        # the mark's row lock first: a ticket being created at this moment either commits
        # before (and is erased below) or sees the erasure and is refused
        s.execute(update(M).where(M.key == key).values(
            erasure_requested_at=now, erasure_due_at=now + timedelta(seconds=delay_seconds), erasure_done_at=None,
            tickets=0, updated_at=now).execution_options(synchronize_session=False))
        tickets = s.execute(select(Ticket).where(Ticket.conversation_key == key)).scalars().all()
        for ticket in tickets:
            _erase(ticket)
            s.add(AuditEntry(actor="api", action="erase", ticket_id=ticket.id, detail="on request"))
        s.add(AuditEntry(actor="api", action="erasure_request", detail=f"{len(tickets)} ticket(s)"))
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


def tracker_ids_with_keys(tracker_db_url: Optional[str], erasure_key: str, keys: set) -> List[str]:
    """The conversation ids in the tracker store whose keyed hash is one of ``keys`` (the
    service keeps no conversation id of an erasure request, only its hash)."""
    if not tracker_db_url or not keys:
        return []
    tracker = Database(tracker_db_url)
    try:
        with tracker.engine.begin() as conn:
            if not tracker.engine.dialect.has_table(conn, "events"):
                return []
            ids = conn.execute(text("SELECT DISTINCT sender_id FROM events")).scalars().all()
    finally:
        tracker.engine.dispose()
    return [i for i in ids if i is not None and keyed_hash(erasure_key, i) in keys]


def process_erasures(db: Database, tracker_db_url: Optional[str]) -> int:
    """Carry out the erasure requests that are due: delete those conversations from the
    tracker store. Afterwards the mark keeps only the hash and the times."""
    M = ConversationMark
    with db.session() as s:
        due = s.execute(
            select(M).where(and_(M.erasure_done_at.is_(None), M.erasure_due_at <= utcnow()))
        ).scalars().all()
        if not due:
            return 0
        ids = tracker_ids_with_keys(tracker_db_url, db.erasure_key or "", {m.key for m in due})
        delete_conversation_events(tracker_db_url, ids)
        for m in due:
            m.erasure_done_at = utcnow()
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
        # conversation marks (keyed hashes: ticket counts, done erasures) go with the retention period
        s.execute(delete(ConversationMark).where(and_(
            ConversationMark.updated_at < cutoff,
            or_(ConversationMark.erasure_due_at.is_(None), ConversationMark.erasure_done_at.isnot(None)))))
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
                        {"t": cutoff.replace(tzinfo=timezone.utc).timestamp()},  # cutoff is naive UTC
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


def counts(db: Database, gemeenten: Optional[Sequence[str]] = None, all_gemeenten: Sequence[str] = ()
           ) -> Dict[str, int]:
    """Tickets per status, and ``te_laat``: the overdue ones (of ``gemeenten`` when given)."""
    mine = true() if gemeenten is None else gemeente_clause(Ticket.gemeente, gemeenten, all_gemeenten)
    with db.session() as s:
        rows = s.execute(select(Ticket.status, func.count()).where(mine).group_by(Ticket.status)).all()
        found = {status: n for status, n in rows}
        found["te_laat"] = s.execute(select(func.count()).select_from(Ticket)
                                     .where(mine, overdue_clause(local_today()))).scalar() or 0
        return found

