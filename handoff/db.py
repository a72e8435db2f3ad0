"""Storage for tickets, staff, sessions and the audit log (SQLAlchemy; SQLite or PostgreSQL).

Tables are created on start; the schema version is kept in ``schema_info`` so a later
release can migrate an existing database instead of starting over.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import (
    JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, event, select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

SCHEMA_VERSION = 1
Base = declarative_base()


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


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    id = Column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    expires_at = Column(DateTime, nullable=False)
    user = relationship(StaffUser)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, index=True)
    remote = Column(String(64), nullable=False)
    at = Column(DateTime, default=utcnow, nullable=False, index=True)


class Ticket(Base):
    __tablename__ = "tickets"
    id = Column(String(20), primary_key=True)  # the reference the entrepreneur gets, e.g. ZS-7K3F9Q
    idempotency_key = Column(String(100), unique=True, nullable=False)
    status = Column(String(20), default="nieuw", nullable=False, index=True)
    created_at = Column(DateTime, default=utcnow, nullable=False, index=True)
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False)
    risk_score = Column(Float, nullable=False)
    risk_level = Column(String(20), nullable=False, index=True)
    urgent = Column(Boolean, default=False, nullable=False)
    risk_drivers = Column(JSON, nullable=False, default=list)
    indications = Column(JSON, nullable=False, default=list)
    indication_details = Column(JSON, nullable=False, default=list)
    referrals = Column(JSON, nullable=False, default=list)
    # personal data: erased on request and after the retention period
    answers = Column(JSON, nullable=True)
    answers_readable = Column(JSON, nullable=True)
    summary = Column(Text, nullable=True)
    contact = Column(JSON, nullable=True)
    transcript = Column(JSON, nullable=True)
    special_category_consent = Column(Boolean, default=False, nullable=False)
    erased_at = Column(DateTime, nullable=True)
    assigned_to_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    notified = Column(Boolean, default=False, nullable=False)  # e-mail done (or not configured)
    webhook_notified = Column(Boolean, default=False, nullable=False)  # webhook done (or not configured)
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


class ErasureRequest(Base):
    __tablename__ = "erasure_requests"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    requested_at = Column(DateTime, default=utcnow, nullable=False)
    due_at = Column(DateTime, nullable=False)
    done_at = Column(DateTime, nullable=True)


class Database:
    def __init__(self, url: str):
        kwargs = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, future=True)

    def create(self) -> None:
        Base.metadata.create_all(self.engine)
        with self.session() as s:
            info = s.execute(select(SchemaInfo)).scalar_one_or_none()
            if info is None:
                s.add(SchemaInfo(id=1, version=SCHEMA_VERSION))
            elif info.version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"The database has schema version {info.version}, newer than this release ({SCHEMA_VERSION})."
                )

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
