"""A database of schema version 1 (before keyed hashes and login_throttle) is migrated in
place at start: nothing lost, no conversation id left where it should not be."""
import json
import time

import pytest
import sqlalchemy

from handoff import tickets
from handoff.db import SCHEMA_VERSION, Database, keyed_hash

V1_TABLES = """
CREATE TABLE schema_info (id INTEGER NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (id));
CREATE TABLE staff_users (id INTEGER NOT NULL, username VARCHAR(80) NOT NULL, password_hash VARCHAR(255) NOT NULL,
  created_at DATETIME NOT NULL, active BOOLEAN NOT NULL, PRIMARY KEY (id), UNIQUE (username));
CREATE TABLE staff_sessions (id VARCHAR(64) NOT NULL, user_id INTEGER NOT NULL, csrf_token VARCHAR(64) NOT NULL,
  expires_at DATETIME NOT NULL, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES staff_users (id));
CREATE TABLE login_failures (id INTEGER NOT NULL, username VARCHAR(80) NOT NULL, remote VARCHAR(64) NOT NULL,
  at DATETIME NOT NULL, PRIMARY KEY (id));
CREATE TABLE erasure_requests (id INTEGER NOT NULL, conversation_id VARCHAR(255) NOT NULL,
  requested_at DATETIME NOT NULL, due_at DATETIME NOT NULL, done_at DATETIME, PRIMARY KEY (id));
CREATE TABLE tickets (id VARCHAR(20) NOT NULL, idempotency_key VARCHAR(100) NOT NULL, status VARCHAR(20) NOT NULL,
  created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, conversation_id VARCHAR(255) NOT NULL,
  channel VARCHAR(50) NOT NULL, risk_score FLOAT NOT NULL, risk_level VARCHAR(20) NOT NULL, urgent BOOLEAN NOT NULL,
  risk_drivers JSON NOT NULL, indications JSON NOT NULL, indication_details JSON NOT NULL, referrals JSON NOT NULL,
  answers JSON, answers_readable JSON, summary TEXT, contact JSON, transcript JSON,
  special_category_consent BOOLEAN NOT NULL, erased_at DATETIME, assigned_to_id INTEGER, notified BOOLEAN NOT NULL,
  webhook_notified BOOLEAN NOT NULL, PRIMARY KEY (id), UNIQUE (idempotency_key),
  FOREIGN KEY(assigned_to_id) REFERENCES staff_users (id));
"""


def v1_ticket(conn, reference, conversation, erased=False):
    conn.execute(sqlalchemy.text(
        "INSERT INTO tickets VALUES (:id, :id, 'nieuw', '2026-01-01 10:00:00', '2026-01-01 10:00:00', :c, 'twilio', "
        "30, 'verhoogd', 0, '[]', '[\"schuldhulp\"]', '[]', '[]', :a, '[]', :s, :contact, NULL, 0, :e, NULL, 1, 1)"),
        {"id": reference, "c": conversation, "a": None if erased else "{}", "s": None if erased else "Situatie.",
         "contact": None if erased else json.dumps({"name": "Jan"}), "e": "2026-01-02 10:00:00" if erased else None})


def test_version_1_database_is_migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        for statement in V1_TABLES.split(";"):
            if statement.strip():
                conn.execute(sqlalchemy.text(statement))
        conn.execute(sqlalchemy.text("INSERT INTO schema_info VALUES (1, 1)"))
        conn.execute(sqlalchemy.text("INSERT INTO staff_users VALUES (1, 'beheerder', 'x', '2026-01-01', 1)"))
        conn.execute(sqlalchemy.text("INSERT INTO staff_sessions VALUES ('s', 1, 'c', '2099-01-01')"))
        conn.execute(sqlalchemy.text("INSERT INTO login_failures VALUES (1, 'beheerder', '1.2.3.4', '2026-01-01')"))
        v1_ticket(conn, "ZS-LIVE01", "whatsapp:+31611112222")
        v1_ticket(conn, "ZS-GONE01", "whatsapp:+31633334444", erased=True)
        conn.execute(sqlalchemy.text("INSERT INTO erasure_requests VALUES (1, 'whatsapp:+31633334444', "
                                     "'2026-01-02 10:00:00', '2026-01-02 10:02:00', NULL)"))
    engine.dispose()

    db = Database(url, "a-key-for-the-test")
    db.create()
    db.create()  # a second start changes nothing
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT version FROM schema_info")).scalar() == SCHEMA_VERSION
        tables = set(sqlalchemy.inspect(conn).get_table_names())
        rows = dict(conn.execute(sqlalchemy.text("SELECT id, conversation_id FROM tickets")).all())
        keys = dict(conn.execute(sqlalchemy.text("SELECT id, conversation_key FROM tickets")).all())
        marks = conn.execute(sqlalchemy.text(
            "SELECT key, erasure_requested_at, erasure_done_at FROM conversation_marks")).all()
        sessions = conn.execute(sqlalchemy.text("SELECT COUNT(*) FROM staff_sessions")).scalar()
    engine.dispose()
    assert "erasure_requests" not in tables and "login_failures" not in tables
    assert {"login_throttle", "known_devices", "staff_teams", "conversation_marks"} <= tables
    assert rows == {"ZS-LIVE01": "whatsapp:+31611112222", "ZS-GONE01": ""}
    assert keys["ZS-LIVE01"] == keyed_hash("a-key-for-the-test", "whatsapp:+31611112222") and keys["ZS-GONE01"] is None
    assert len(marks) == 1 and marks[0][0] == keyed_hash("a-key-for-the-test", "whatsapp:+31633334444")
    assert marks[0][1] is not None and marks[0][2] is None  # the pending erasure is still to be done
    assert sessions == 0  # sessions from before the idle timeout end

    # version 4: outcome, first contact and the promised day; old tickets get that day at start
    assert tickets.backfill_contact_due(db, {"urgent": 1, "hoog": 2, "other": 5}) == 2
    with db.session() as s:
        live = s.get(tickets.Ticket, "ZS-LIVE01")
        assert str(live.contact_due) == "2026-01-08" and live.outcome is None and live.first_contact_at is None
    assert "scan_records" in tables

    # the migrated data works: erasure of the live ticket by its conversation id
    assert tickets.request_erasure(db, "whatsapp:+31611112222", 0) == 1
    late = {"id": "ZS-LATE01", "conversation_id": "whatsapp:+31611112222", "channel": "twilio", "risk_score": 10,
            "risk_level": "laag", "made_at": time.time() - 60}
    with pytest.raises(tickets.TicketGone):
        tickets.create_ticket(db, late, "ZS-LATE01")


def test_a_database_of_this_version_gets_new_nullable_columns_with_their_index(tmp_path):
    """A release that adds a nullable column needs no hand-written migration: start adds it."""
    url = f"sqlite:///{tmp_path}/h.db"
    Database(url, "k").create()
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP INDEX ix_tickets_outcome"))
        conn.execute(sqlalchemy.text("ALTER TABLE tickets DROP COLUMN outcome"))
        assert "outcome" not in {c["name"] for c in sqlalchemy.inspect(conn).get_columns("tickets")}
    Database(url, "k").create()
    with engine.begin() as conn:
        inspector = sqlalchemy.inspect(conn)
        assert "outcome" in {c["name"] for c in inspector.get_columns("tickets")}
        assert "ix_tickets_outcome" in {i["name"] for i in inspector.get_indexes("tickets")}


def test_a_new_column_that_may_not_be_empty_is_refused_by_name(tmp_path):
    from handoff.db import add_missing_columns
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path}/h.db")
    old, new = sqlalchemy.MetaData(), sqlalchemy.MetaData()
    sqlalchemy.Table("things", old, sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True))
    old.create_all(engine)
    sqlalchemy.Table("things", new, sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
                     sqlalchemy.Column("note", sqlalchemy.String(10), nullable=True),
                     sqlalchemy.Column("must_have", sqlalchemy.String(10), nullable=False))
    with pytest.raises(RuntimeError, match="things.must_have"):
        add_missing_columns(engine, new)
