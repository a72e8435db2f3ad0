"""Storage for tickets, staff, sessions and the audit log (SQLAlchemy; SQLite or PostgreSQL).

Tables are created on start; the schema version is kept in ``schema_info`` and an older
database is migrated in place (see ``_migrate``).

A SQLite file and the folder it is created in are private: folder 0700, file 0600.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

from zelfscan_runtime import secrets as runtime_secrets

SCHEMA_VERSION = 4
Base: Any = declarative_base()  # typed as Any: SQLAlchemy 1.4 has no mypy types without its plugin
logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class SchemaInfo(Base):
    __tablename__ = "schema_info"
    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False)


class StaffUser(Base):
    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    username = Column(String(80), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    active = Column(Boolean, default=True, nullable=False)


class StaffTeam(Base):
    """A staff user belongs to zero or more teams; the inbox shows their teams' tickets first."""
    __tablename__ = "staff_teams"
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    team = Column(String(80), primary_key=True)


class StaffGemeente(Base):
    """In a regional service a staff user sees only the tickets and figures of the
    gemeenten assigned here (handoff/gemeenten.py); with one gemeente everyone sees it."""
    __tablename__ = "staff_gemeenten"
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    gemeente = Column(String(40), primary_key=True)


class StaffRole(Base):
    """A staff user's roles (handoff/roles.py): "leren" or "beheer" may open the review
    page of messages the assistant did not understand."""
    __tablename__ = "staff_roles"
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    role = Column(String(40), primary_key=True)


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    id = Column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    expires_at = Column(DateTime, nullable=False)  # absolute lifetime
    last_seen_at = Column(DateTime, default=utcnow, nullable=False)  # for the idle timeout
    user = relationship(StaffUser)


class KnownDevice(Base):
    """A browser a user logged in with before (cookie ``zs_device``): its login attempts
    are limited on their own, so failures elsewhere never lock the user out there."""
    __tablename__ = "known_devices"
    id = Column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    last_used_at = Column(DateTime, default=utcnow, nullable=False)


class LoginThrottle(Base):
    """Login limiting, one row per key (``ip:…``, ``user:…``, ``device:…``). Times are
    epoch seconds so the database can do the arithmetic in one atomic UPDATE."""
    __tablename__ = "login_throttle"
    key = Column(String(200), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)  # attempts under way or failed in this window
    window_start = Column(Float, nullable=False)
    locked_until = Column(Float, nullable=False, default=0.0)
    lock_seconds = Column(Float, nullable=False)  # the next lock's length; doubles up to the maximum


class ScanOutcome:
    """The outcome of one scan, as a ticket and a later scan attached to it both store it:
    the risk, what mattered, the referrals, and (personal data, erased with the ticket)
    the answers, their points per question and the staff summary."""
    risk_score = Column(Float, nullable=False)
    risk_level = Column(String(20), nullable=False)
    urgent = Column(Boolean, default=False, nullable=False)
    risk_drivers = Column(JSON, nullable=False, default=list)
    indications = Column(JSON, nullable=False, default=list)
    indication_details = Column(JSON, nullable=False, default=list)
    referrals = Column(JSON, nullable=False, default=list)
    answers = Column(JSON, nullable=True)
    answers_readable = Column(JSON, nullable=True)
    # points per question (question id -> points), so a follow-up scan can be compared
    # answer by answer
    answer_points = Column(JSON, nullable=True)
    summary = Column(Text, nullable=True)


class Ticket(ScanOutcome, Base):
    __tablename__ = "tickets"
    id = Column(String(20), primary_key=True)  # the reference the entrepreneur gets, e.g. ZS-7K3F9Q
    idempotency_key = Column(String(100), unique=True, nullable=False)
    status = Column(String(20), default="nieuw", nullable=False, index=True)
    created_at = Column(DateTime, default=utcnow, nullable=False, index=True)
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    conversation_id = Column(String(255), nullable=False)  # "" once erased (it can be a phone number)
    conversation_key = Column(String(64), nullable=True, index=True)  # keyed hash, for erasure and limits
    team = Column(String(80), nullable=True, index=True)  # the gemeente team it was routed to (action server)
    # the gemeente the ticket belongs to (id from zelfscan_runtime/region.py); empty on
    # tickets from before regions, which belong to the deployment's first gemeente
    gemeente = Column(String(40), nullable=True, index=True)
    situations = Column(JSON, nullable=True)  # situation labels from the answers (anonymous)
    channel = Column(String(50), nullable=False)
    risk_level = Column(String(20), nullable=False, index=True)  # (ScanOutcome's, with an index)
    # personal data: erased on request and after the retention period: the answers and
    # the summary (ScanOutcome), and
    contact = Column(JSON, nullable=True)
    transcript = Column(JSON, nullable=True)
    special_category_consent = Column(Boolean, default=False, nullable=False)
    erased_at = Column(DateTime, nullable=True)
    assigned_to_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    notified = Column(Boolean, default=False, nullable=False)  # e-mail done (or not configured)
    webhook_notified = Column(Boolean, default=False, nullable=False)  # webhook done (or not configured)
    # how the entrepreneur came (anonymous, kept after the purge; see signals.py): kind
    # "zelfscan" (empty on tickets from before) or "signaal"; route "zelf", "signaal" or
    # "doorverwezen"; source: the organisation that signalled or referred (not a person)
    kind = Column(String(20), nullable=True, index=True)
    route = Column(String(20), nullable=True)
    source = Column(String(120), nullable=True, index=True)
    signal_seen = Column(JSON, nullable=True)  # ids of the configured list of what was seen
    signal_basis = Column(String(80), nullable=True)  # "toestemming" or the id of a legal ground
    # personal: who signalled (organisation, contact person, phone/e-mail) and the free
    # text; erased with the rest of the personal data
    signal = Column(JSON, nullable=True)
    invited_at = Column(DateTime, nullable=True)  # the first invitation to do the scan went out
    invited_scan_at = Column(DateTime, nullable=True)  # the first scan through an invitation came back
    # follow-up by staff (anonymous): outcome id from ticket_outcomes in the gemeente
    # configuration, the partner for a referral, the local date of the first contact and
    # the last working day on which that contact was promised (response_days)
    outcome = Column(String(80), nullable=True, index=True)
    outcome_partner = Column(String(80), nullable=True)
    first_contact_at = Column(Date, nullable=True)
    contact_due = Column(Date, nullable=True, index=True)
    # the random id of the anonymous scan record (scan_records.id) this ticket fills in;
    # erased with the personal data, so the record cannot be traced back afterwards
    scan_record = Column(String(40), nullable=True, index=True)
    # follow-up (README, "Follow-up and personal scan links"): the entrepreneur's separate
    # yes, the day the message is due, and when it went out (or was given up)
    follow_up_consent = Column(Boolean, nullable=True)
    follow_up_due = Column(DateTime, nullable=True, index=True)
    follow_up_sent_at = Column(DateTime, nullable=True)
    follow_up_via = Column(String(20), nullable=True)  # email, telegram, or none (no way to reach them)
    assigned_to = relationship(StaffUser)
    notes = relationship("Note", order_by="Note.created_at", cascade="all, delete-orphan")


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(String(20), ForeignKey("tickets.id"), nullable=False, index=True)
    author_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    author = relationship(StaffUser)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, default=utcnow, nullable=False, index=True)
    actor = Column(String(80), nullable=False)  # staff username or "api"
    action = Column(String(40), nullable=False)  # view, status, assign, note, erase, purge, create
    ticket_id = Column(String(20), nullable=True, index=True)
    detail = Column(String(255), nullable=True)


class ConversationMark(Base):
    """What the service remembers of a conversation, by keyed hash only (never the id
    itself, which can be a phone number): how many tickets it made (the cap) and its
    erasure request: when asked, when the tracker-store conversation is due to go and
    when that was done. A ticket made before the erasure was asked is refused (410).
    The row goes with the retention purge."""
    __tablename__ = "conversation_marks"
    key = Column(String(64), primary_key=True)
    tickets = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime, default=utcnow, nullable=False, index=True)
    erasure_requested_at = Column(DateTime, nullable=True)
    erasure_due_at = Column(DateTime, nullable=True, index=True)
    erasure_done_at = Column(DateTime, nullable=True)


class PartnerToken(Base):
    """A partner system's token for ``POST /api/signals`` and nothing else. Only the
    SHA-256 of the token is kept: it is shown once, when it is made (python -m handoff
    partner-token create). A revoked token keeps its row, so the audit log can name it."""
    __tablename__ = "partner_tokens"
    id = Column(Integer, primary_key=True)
    organisation = Column(String(120), nullable=False)
    token_hash = Column(String(64), unique=True, nullable=False)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    revoked_at = Column(DateTime, nullable=True)
    last_used_at = Column(DateTime, nullable=True)


class ScanRecord(Base):
    """An anonymous record of one scan, finished or abandoned, kept for statistics after
    the retention purge. It holds no name, no free text, no conversation id and no date
    finer than the ISO week; every value comes from a fixed vocabulary (see stats.py).
    ``id`` is a random value chosen by the action server; only a live ticket points to it
    (``tickets.scan_record``), and that link goes with the ticket's personal data."""
    __tablename__ = "scan_records"
    # SQLite: rows kept in the order of their random id, not in the order they came in
    __table_args__ = {"sqlite_with_rowid": False}
    id = Column(String(40), primary_key=True)
    week = Column(String(8), nullable=False, index=True)  # ISO year-week, "2026-W07"
    channel = Column(String(20), nullable=False)
    stopped_at = Column(String(40), nullable=False)  # question id, or "klaar" for a finished scan
    risk_level = Column(String(20), nullable=True)  # none when the scan stopped before the outcome
    urgent = Column(Boolean, nullable=False, default=False)
    indications = Column(JSON, nullable=False, default=list)
    referrals = Column(JSON, nullable=False, default=list)
    contact_asked = Column(Boolean, nullable=False, default=False)
    ticket = Column(Boolean, nullable=False, default=False)  # a ticket was made for this scan
    outcome = Column(String(80), nullable=True)
    outcome_partner = Column(String(80), nullable=True)
    days_to_first_contact = Column(Integer, nullable=True)  # working days
    contact_on_time = Column(Boolean, nullable=True)  # within the promised response_days
    gemeente = Column(String(40), nullable=True, index=True)  # empty: the deployment's first gemeente


class ScanLink(Base):
    """A personal link to the scan for one ticket (handoff/scan_links.py): a follow-up
    ("vervolg") or an invitation ("uitnodiging"). Only keyed hashes of the link's token
    and of its short code are stored; the link works once and expires. ``claim_hash``:
    the one-off claim the action server got when the link was redeemed, which lets it
    attach one scan to this ticket and nothing else."""
    __tablename__ = "scan_links"
    id = Column(String(32), primary_key=True)  # random, never shown to the entrepreneur
    ticket_id = Column(String(20), ForeignKey("tickets.id"), nullable=False, index=True)
    purpose = Column(String(20), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
    sent_at = Column(DateTime, nullable=True)
    sent_via = Column(String(20), nullable=True)
    redeemed_at = Column(DateTime, nullable=True)
    claim_hash = Column(String(64), nullable=True, unique=True)
    used_at = Column(DateTime, nullable=True)


class TicketScan(ScanOutcome, Base):
    """A later scan attached to a ticket through a personal link: the same outcome data a
    ticket gets (answers are personal data: erased with the ticket)."""
    __tablename__ = "ticket_scans"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(String(20), ForeignKey("tickets.id"), nullable=False, index=True)
    link_id = Column(String(32), nullable=True)
    purpose = Column(String(20), nullable=False)
    created_at = Column(DateTime, default=utcnow, nullable=False)


class UnrecognisedMessage(Base):
    """A message the assistant did not understand, stripped of numbers, e-mail addresses,
    phone numbers and names by the action server (actions/redact.py), kept for
    ``HANDOFF_UNRECOGNISED_DAYS`` so staff can say what it meant (handoff/learning.py).
    No conversation id and no time finer than the week, except the day it came in, which
    only the retention purge reads. ``id`` is random; rows are kept in its order."""
    __tablename__ = "unrecognised_messages"
    __table_args__ = {"sqlite_with_rowid": False}
    id = Column(String(40), primary_key=True)
    text = Column(String(500), nullable=False)
    intent = Column(String(80), nullable=True)  # the classifier's best guess
    confidence = Column(Float, nullable=True)
    channel = Column(String(20), nullable=False)
    week = Column(String(8), nullable=False)  # ISO year-week, "2026-W49"
    question = Column(String(40), nullable=True)  # the scan question being asked, if any
    received_on = Column(Date, nullable=False, index=True)  # for the retention purge only
    reviewed_intent = Column(String(80), nullable=True, index=True)  # staff's choice, or "weglaten"


class ZgwRegistration(Base):
    """One step of a ticket's registration in the gemeente's case system (ZGW APIs, see
    zgw.py): the zaak, its document, the link, the initiator rol, the first status, and
    later status changes from the inbox. A step that succeeded keeps the URL of what it
    made, so a retry skips it; a failed step keeps its attempts and last error (no
    personal data: the error is the API's own message about a field)."""
    __tablename__ = "zgw_registrations"
    ticket_id = Column(String(20), primary_key=True)
    step = Column(String(40), primary_key=True)  # zaak, document, zaakinformatieobject, rol, status, status:<n>
    url = Column(String(1000), nullable=True)  # what the step made (set once it succeeded)
    target = Column(String(40), nullable=True)  # status steps: the inbox status it reports
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(500), nullable=True)
    final_error = Column(Boolean, nullable=False, default=False)  # refused (4xx): not retried
    next_attempt_at = Column(DateTime, nullable=True, index=True)
    created_at = Column(DateTime, default=utcnow, nullable=False)
    done_at = Column(DateTime, nullable=True)


def keyed_hash(key: str, value: str) -> str:
    """HMAC-SHA256 of a conversation id: the same id gives the same mark, but the mark
    does not give the id back (not even by trying every phone number) without the key."""
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (its -wal and -shm files take the
    same mode), in a folder created 0700. An existing folder is tightened only when it
    is the service's own var/ folder (never, say, /tmp)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).resolve()
    folder = path.parent
    if not folder.exists() or folder == runtime_secrets.var_dir().resolve():
        runtime_secrets.private_dir(folder)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm", "-journal"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            os.chmod(extra, 0o600)


class Database:
    def __init__(self, url: str, erasure_key: Optional[str] = None):
        kwargs: Dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            _private_sqlite_file(url)
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, future=True)
        self.erasure_key = erasure_key

    def conversation_key(self, conversation_id: str) -> str:
        if not self.erasure_key:
            raise RuntimeError("the database was opened without HANDOFF_ERASURE_KEY")
        return keyed_hash(self.erasure_key, conversation_id)

    def create(self) -> None:
        with self.engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            version = None
            if "schema_info" in tables:
                version = conn.execute(text("SELECT version FROM schema_info WHERE id = 1")).scalar()
        if version is not None and version > SCHEMA_VERSION:
            raise RuntimeError(
                f"The database has schema version {version}, newer than this release ({SCHEMA_VERSION})."
            )
        if version is not None and version < SCHEMA_VERSION:
            self._migrate(version, tables)
        Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine, Base.metadata)
        with self.session() as s:
            info = s.execute(select(SchemaInfo)).scalar_one_or_none()
            if info is None:
                s.add(SchemaInfo(id=1, version=SCHEMA_VERSION))
            else:
                info.version = SCHEMA_VERSION
        if self.erasure_key:
            self._backfill_conversation_keys()

    def _migrate(self, version: int, tables: set) -> None:
        """Version 1 -> 2: conversation ids of erasure requests become keyed hashes
        (conversation_marks), login limiting moves to login_throttle, sessions get an
        idle timeout (existing sessions end), tickets get conversation_key and team.
        Later columns (situations; outcome, outcome_partner, first_contact_at, contact_due,
        scan_record; ...) are added by ``add_missing_columns`` (contact_due of existing
        tickets is filled in by tickets.backfill_contact_due at start)."""
        logger.info("Migrating the handoff database from schema version %s to %s", version, SCHEMA_VERSION)
        if version < 2 and not self.erasure_key:
            raise RuntimeError("Migrating the database needs HANDOFF_ERASURE_KEY")
        ConversationMark.__table__.create(self.engine, checkfirst=True)
        with self.engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("tickets")}
            if "conversation_key" not in columns:
                conn.execute(text("ALTER TABLE tickets ADD COLUMN conversation_key VARCHAR(64)"))
                conn.execute(text("CREATE INDEX IF NOT EXISTS ix_tickets_conversation_key ON tickets (conversation_key)"))
            if "team" not in columns:
                conn.execute(text("ALTER TABLE tickets ADD COLUMN team VARCHAR(80)"))
                conn.execute(text("CREATE INDEX IF NOT EXISTS ix_tickets_team ON tickets (team)"))
            if version >= 2:
                return
            if "erasure_requests" in tables:
                rows = conn.execute(text(
                    "SELECT conversation_id, requested_at, due_at, done_at FROM erasure_requests ORDER BY requested_at"
                )).all()
                for conversation_id, requested, due, done in rows:
                    key = self.conversation_key(conversation_id)
                    conn.execute(text("DELETE FROM conversation_marks WHERE key = :k"), {"k": key})
                    conn.execute(text(
                        "INSERT INTO conversation_marks (key, tickets, updated_at, erasure_requested_at, "
                        "erasure_due_at, erasure_done_at) VALUES (:k, 0, :u, :r, :d, :x)"),
                        {"k": key, "u": requested, "r": requested, "d": due, "x": done})
                conn.execute(text("DROP TABLE erasure_requests"))
            if "login_failures" in tables:
                conn.execute(text("DROP TABLE login_failures"))
            if "staff_sessions" in tables:
                conn.execute(text("DROP TABLE staff_sessions"))  # recreated with last_seen_at

    def _backfill_conversation_keys(self) -> None:
        """Tickets from before version 2 get their keyed hash; erased ones lose the id."""
        with self.session() as s:
            for ticket in s.execute(select(Ticket).where(Ticket.conversation_key.is_(None),
                                                         Ticket.conversation_id != "")).scalars():
                if ticket.erased_at is not None:
                    ticket.conversation_id = ""
                else:
                    ticket.conversation_key = self.conversation_key(ticket.conversation_id)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.sessions()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()


def add_missing_columns(engine: Engine, metadata: Any) -> None:
    """Every column a model has and the database table lacks is added in place, with
    its index. Only columns that may be empty (nullable, or with a server default)
    can be added this way, so a new column needs no hand-written migration: make it
    nullable, and fill it in at start when old rows need a value."""
    with engine.begin() as conn:
        inspector = inspect(conn)
        existing_tables = set(inspector.get_table_names())
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable and column.server_default is None:
                    raise RuntimeError(f"Cannot add {table.name}.{column.name} to an existing database: "
                                       "a new column must be nullable or have a server default")
                kind = column.type.compile(dialect=conn.dialect)
                logger.info("Adding column %s.%s", table.name, column.name)
                conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                if column.index:
                    conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{table.name}_{column.name} "
                                      f"ON {table.name} ({column.name})"))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
