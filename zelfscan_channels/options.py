"""The options last offered to each sender on a channel without buttons, kept in SQLite
so that "2" still means the same after a restart."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent


def _path() -> Path:
    return Path(os.environ.get("CHANNEL_OPTIONS_DB", ROOT / "var" / "channel_options.db"))


def _connect() -> sqlite3.Connection:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("CREATE TABLE IF NOT EXISTS options (sender TEXT PRIMARY KEY, buttons TEXT NOT NULL, at REAL NOT NULL)")
    return conn


def remember(sender: str, buttons: List[Dict[str, str]]) -> None:
    with _connect() as conn:
        conn.execute("INSERT OR REPLACE INTO options (sender, buttons, at) VALUES (?, ?, ?)",
                     (sender, json.dumps([{"title": b["title"], "payload": b["payload"]} for b in buttons]), time.time()))


def offered(sender: str) -> List[Dict[str, str]]:
    with _connect() as conn:
        row = conn.execute("SELECT buttons FROM options WHERE sender = ?", (sender,)).fetchone()
    return json.loads(row[0]) if row else []


def forget(sender: str) -> None:
    with _connect() as conn:
        conn.execute("DELETE FROM options WHERE sender = ?", (sender,))


def payload_for(sender: str, text: str) -> Optional[str]:
    """The payload of the option the user chose by number, if any (then forgotten)."""
    from zelfscan_channels.text import chosen_option

    buttons = offered(sender)
    index = chosen_option(text, len(buttons))
    if index is None:
        return None
    forget(sender)
    return buttons[index]["payload"]
