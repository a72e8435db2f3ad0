"""The options last offered to each sender on a channel without buttons, kept in SQLite
so that "2" still means the same after a restart.

The file holds conversation ids (phone numbers on SMS/WhatsApp): it is created 0600, in
a directory created 0700 (the default var/ is tightened too), rows older than a day are
dropped, and :func:`forget` erases one sender's record (the erasure flow calls it)."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from zelfscan_nlu.text import option_number

ROOT = Path(__file__).resolve().parent.parent
MAX_AGE_SECONDS = 24 * 3600  # an offer older than this means nothing any more


def _default_dir() -> Path:
    return Path(os.environ.get("ZELFSCAN_VAR_DIR") or ROOT / "var")


def _path() -> Path:
    return Path(os.environ.get("CHANNEL_OPTIONS_DB") or _default_dir() / "channel_options.db")


def _private_file(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    elif folder.resolve() == _default_dir().resolve():
        os.chmod(folder, 0o700)  # our own var/; a directory chosen by the operator is left as it is
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


@contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    """A connection in a transaction (committed at the end), then closed."""
    path = _path()
    _private_file(path)
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS options "
                         "(sender TEXT PRIMARY KEY, buttons TEXT NOT NULL, at REAL NOT NULL)")
            yield conn
    finally:
        conn.close()


def remember(sender: str, buttons: List[Dict[str, str]]) -> None:
    now = time.time()
    with _connect() as conn:
        conn.execute("DELETE FROM options WHERE at < ?", (now - MAX_AGE_SECONDS,))
        conn.execute("INSERT OR REPLACE INTO options (sender, buttons, at) VALUES (?, ?, ?)",
                     (sender, json.dumps([{"title": b["title"], "payload": b["payload"]} for b in buttons]), now))


def offered(sender: str) -> List[Dict[str, str]]:
    with _connect() as conn:
        row = conn.execute("SELECT buttons FROM options WHERE sender = ? AND at >= ?",
                           (sender, time.time() - MAX_AGE_SECONDS)).fetchone()
    return json.loads(row[0]) if row else []


def forget(sender: str) -> bool:
    """Erase the record of ``sender`` (a conversation id such as ``whatsapp:+316...`` or
    ``sms:+316...``). True when there was one."""
    with _connect() as conn:
        return conn.execute("DELETE FROM options WHERE sender = ?", (sender,)).rowcount > 0


def payload_for(sender: str, text: str) -> Optional[str]:
    """The payload of the option the user chose by number, if any (then forgotten)."""
    buttons = offered(sender)
    index = option_number(text, len(buttons))
    if index is None:
        return None
    forget(sender)
    return buttons[index]["payload"]
