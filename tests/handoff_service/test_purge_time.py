"""The retention purge's cutoff is a moment in UTC, whatever the server's time zone."""
import sqlite3
import time

import pytest

from handoff import tickets
from handoff.db import Database


@pytest.fixture
def new_york(monkeypatch):
    """A server clock far from UTC (UTC-5 in winter) makes a local-time reading visible."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_purge_keeps_a_conversation_inside_the_retention_period_in_any_time_zone(tmp_path, new_york):
    tracker = tmp_path / "tracker.db"
    with sqlite3.connect(tracker) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL,"
                     " intent_name TEXT, action_name TEXT, data TEXT)")
        day = 86400
        now = time.time()
        conn.execute("INSERT INTO events (sender_id, type_name, timestamp) VALUES (?, 'user', ?)",
                     ("recent", now - 90 * day + 2 * 3600))  # 2 hours inside the period
        conn.execute("INSERT INTO events (sender_id, type_name, timestamp) VALUES (?, 'user', ?)",
                     ("old", now - 90 * day - 2 * 3600))  # 2 hours past it
    db = Database(f"sqlite:///{tmp_path / 'handoff.db'}", "k" * 40)
    db.create()
    tickets.purge(db, 90, f"sqlite:///{tracker}")
    with sqlite3.connect(tracker) as conn:
        left = {row[0] for row in conn.execute("SELECT sender_id FROM events")}
    assert left == {"recent"}
