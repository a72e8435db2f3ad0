"""The action server's side of the handoff: create tickets over HTTP, never lose one.

A ticket is posted with an idempotency key (its reference), so a retried request never
makes two tickets. When the handoff service cannot be reached, the ticket goes to a
durable outbox (SQLite file) and a background task delivers it when the service is
back. After a restart of the action server, the first new session starts that task
again (``ensure_worker``), so a queued ticket never waits for the next failure.

What the outbox never does: deliver a ticket after the entrepreneur asked for erasure
(queued tickets of that conversation are dropped first, and the service refuses late
ones with 410); retry data the service refused (4xx); keep hammering with a token the
service rejects (401/403: delivery pauses until the next start or session), or send
an item again and again to a service that does not serve its gemeente (the two
services' GEMEENTE_CONFIG differ; the item is kept and passed over until delivery
starts again, the others still go, and ``served_gemeenten`` lets the action server say
so at start); keep
personal data indefinitely (entries older than HANDOFF_OUTBOX_MAX_DAYS, default 7, are
removed and counted in the log).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sqlite3
import string
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import aiohttp

logger = logging.getLogger(__name__)
TRANSIENT = (aiohttp.ClientError, ConnectionError, asyncio.TimeoutError, OSError)
ROOT = Path(__file__).resolve().parent.parent
ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")


class Refused(ValueError):
    """The handoff service refused the request for good (the data is wrong, or the
    conversation was erased): the item leaves the outbox."""


class Unauthorized(ConnectionError):
    """The service rejects our token (401/403): an operator must fix the configuration.
    The item stays (until the maximum age) but delivery pauses."""


class Misrouted(Unauthorized):
    """The service does not serve the item's gemeente (422, ``unknown_gemeente``): the two
    services read different GEMEENTE_CONFIG files. Like a rejected token this is for an
    operator to fix; the item is kept, not dropped as bad data, and passed over until the
    delivery starts again; the items of other gemeenten still go."""


UNKNOWN_GEMEENTE = "unknown_gemeente"


def new_reference() -> str:
    """A short reference that can be read out over the phone: ZS-7K3F9Q."""
    return "ZS-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


class HandoffClient:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None, outbox_path: Optional[Path] = None,
                 attempts: int = 3, retry_interval: float = 15.0):
        self.base_url = str(base_url or os.environ.get("HANDOFF_URL") or "http://localhost:8000").rstrip("/")
        self.token = token if token is not None else os.environ.get("HANDOFF_API_TOKEN", "")
        self.outbox_path = Path(outbox_path or os.environ.get("HANDOFF_OUTBOX") or ROOT / "var" / "handoff_outbox.db")
        self.attempts = attempts
        self.retry_interval = retry_interval
        self.max_age_seconds = float(os.environ.get("HANDOFF_OUTBOX_MAX_DAYS", 7)) * 86400
        self._worker: Optional[asyncio.Task] = None
        self.paused = False
        # items the service does not serve the gemeente of: kept for an operator, passed
        # over until the delivery loop starts again (a start, a session, a new item),
        # never in the way of the others
        self.misrouted: Set[str] = set()
        self._init_outbox()

    # ----------------------------------------------------------------- outbox

    def _connect(self) -> sqlite3.Connection:
        if not self.outbox_path.parent.exists():
            self.outbox_path.parent.mkdir(parents=True, mode=0o700)
        if not self.outbox_path.exists():
            os.close(os.open(self.outbox_path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(self.outbox_path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def _init_outbox(self) -> None:
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL,"
                " queued_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)"
            )

    def _queue(self, key: str, kind: str, body: Dict[str, Any]) -> None:
        with self._connect() as conn:
            conn.execute("INSERT OR IGNORE INTO outbox (key, kind, body, queued_at) VALUES (?, ?, ?, ?)",
                         (key, kind, json.dumps(body), time.time()))

    def _pending(self) -> List[Tuple[str, str, Dict[str, Any]]]:
        with self._connect() as conn:
            rows = conn.execute("SELECT key, kind, body FROM outbox ORDER BY queued_at").fetchall()
        return [(k, kind, json.loads(b)) for k, kind, b in rows]

    def _drop_tickets_of(self, conversation_id: str) -> int:
        """Remove queued tickets of a conversation (before its erasure is sent)."""
        dropped = 0
        with self._connect() as conn:
            for key, body in conn.execute("SELECT key, body FROM outbox WHERE kind = 'ticket'").fetchall():
                if json.loads(body).get("conversation_id") == conversation_id:
                    conn.execute("DELETE FROM outbox WHERE key = ?", (key,))
                    dropped += 1
        return dropped

    def _expire(self) -> int:
        with self._connect() as conn:
            return conn.execute("DELETE FROM outbox WHERE queued_at < ?", (time.time() - self.max_age_seconds,)).rowcount

    def _done(self, key: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def _count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def _keys(self) -> List[str]:
        with self._connect() as conn:
            return [k for (k,) in conn.execute("SELECT key FROM outbox").fetchall()]

    async def _waiting_to_send(self) -> int:
        """Items the delivery loop should still try (not those kept for an operator)."""
        return len([k for k in await asyncio.to_thread(self._keys) if k not in self.misrouted])

    async def pending_count(self) -> int:
        return await asyncio.to_thread(self._count)

    # ------------------------------------------------------------------- HTTP

    async def _post(self, path: str, body: Dict[str, Any], key: Optional[str] = None) -> Dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(self.base_url + path, json=body, headers=headers) as response:
                if response.status in (401, 403):
                    raise Unauthorized(f"handoff service rejects the token ({response.status})")
                if response.status >= 500 or response.status == 429:
                    raise ConnectionError(f"handoff service answered {response.status}")  # try again later
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = None
                if response.status >= 400 or not isinstance(data, dict):
                    error = data.get("error") if isinstance(data, dict) else "no JSON in the answer"
                    if isinstance(data, dict) and data.get("code") == UNKNOWN_GEMEENTE:
                        raise Misrouted(f"handoff service does not serve this gemeente: {error}. Give the action "
                                        f"server and the handoff service the same GEMEENTE_CONFIG")
                    raise Refused(f"handoff service refused the request ({response.status}): {error}")
                return data

    async def served_gemeenten(self) -> Optional[List[str]]:
        """The gemeente ids the handoff service serves, or None when it cannot say now;
        Unauthorized when it rejects our token."""
        timeout = aiohttp.ClientTimeout(total=10)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.get(self.base_url + "/api/gemeenten",
                                       headers={"Authorization": f"Bearer {self.token}"}) as response:
                    if response.status in (401, 403):
                        raise Unauthorized(f"handoff service rejects the token ({response.status})")
                    data = await response.json(content_type=None) if response.status == 200 else None
        except (*TRANSIENT, ValueError) as exc:
            if isinstance(exc, Unauthorized):
                raise
            return None
        served = data.get("gemeenten") if isinstance(data, dict) else None
        return [g for g in served if isinstance(g, str)] if isinstance(served, list) else None

    async def _send(self, kind: str, key: str, body: Dict[str, Any]) -> Dict[str, Any]:
        if kind == "ticket":
            return await self._post("/api/tickets", body, key)
        if kind == "record":
            return await self._post("/api/scan-records", body)
        if kind == "unrecognised":
            return await self._post("/api/unrecognised", body)
        return await self._post("/api/erasures", body)

    async def _deliver(self, kind: str, key: str, body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Try a few times with a short pause between tries; the service's answer when
        delivered, else None."""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(0.5 * attempt)
            try:
                return await self._send(kind, key, body)
            except Unauthorized as exc:
                hint = "" if isinstance(exc, Misrouted) else " Set HANDOFF_API_TOKEN to the service's token."
                logger.error("Handoff %s %s not delivered: %s.%s", kind, key, exc, hint)
                return None
            except TRANSIENT as exc:
                logger.info("Handoff %s %s not delivered (%s), attempt %d", kind, key, type(exc).__name__, attempt + 1)
        return None

    # ------------------------------------------------------------------ public

    async def create_ticket(self, payload: Dict[str, Any], key: Optional[str] = None) -> str:
        """Deliver the ticket now, or queue it. Returns 'delivered' or 'queued'."""
        return (await self.submit_ticket(payload, key))[0]

    async def submit_ticket(self, payload: Dict[str, Any], key: Optional[str] = None) -> Tuple[str, str]:
        """Deliver the ticket now, or queue it: ('delivered' or 'queued', its reference).

        ``key`` (the Idempotency-Key; default the reference) names the ticket across
        retries: when a crash made the conversation send its last message again, the
        service answers with the ticket it already has, and that ticket's reference is
        returned. ``made_at`` (set here, once, before the ticket is queued) lets the service
        tell a ticket made before an erasure (refused, 410) from one made after it."""
        payload = {**payload, "made_at": payload.get("made_at") or time.time()}
        status, answer = await self._submit("ticket", key or payload["id"], payload)
        reference = answer.get("id") if isinstance(answer, dict) and isinstance(answer.get("id"), str) else None
        return status, reference or payload["id"]

    async def create_scan_record(self, record: Dict[str, Any]) -> str:
        """The anonymous statistics record of a scan (idempotent by its id). It goes into
        the outbox and the background delivery sends it, so the entrepreneur's answer
        never waits for it."""
        key = f"record:{record['id']}:{record['stopped_at']}"  # a finish after a stop is a second item
        await asyncio.to_thread(self._queue, key, "record", record)
        self.ensure_worker()
        return "queued"

    async def create_unrecognised(self, body: Dict[str, Any]) -> str:
        """A message the assistant did not understand, already stripped of personal
        details (actions/unrecognised.py; no conversation id). Queued like a scan record."""
        await asyncio.to_thread(self._queue, f"unrecognised:{body['id']}", "unrecognised", body)
        self.ensure_worker()
        return "queued"

    async def request_erasure(self, conversation_id: str) -> str:
        # a queued ticket of this conversation must never arrive after (or instead of) its erasure
        dropped = await asyncio.to_thread(self._drop_tickets_of, conversation_id)
        if dropped:
            logger.info("Erasure: %d queued ticket(s) dropped before delivery", dropped)
        status, _ = await self._submit("erasure", f"erase:{conversation_id}:{int(time.time())}",
                                       {"conversation_id": conversation_id})
        return status

    async def _submit(self, kind: str, key: str, body: Dict[str, Any]) -> Tuple[str, Optional[Dict[str, Any]]]:
        # persist first: if the process dies mid-request, the outbox still has it
        await asyncio.to_thread(self._queue, key, kind, body)
        try:
            delivered = await self._deliver(kind, key, body)
        except Refused:
            await asyncio.to_thread(self._done, key)  # never keep refused personal data
            raise
        if delivered is not None:
            await asyncio.to_thread(self._done, key)
            return "delivered", delivered
        self.ensure_worker()
        return "queued", None

    async def flush(self) -> int:
        """Deliver everything in the outbox that can be delivered now; returns the number delivered."""
        delivered = 0
        expired = await asyncio.to_thread(self._expire)
        if expired:
            logger.error("Handoff outbox: %d item(s) older than %.0f days removed undelivered (personal data is "
                         "not kept indefinitely)", expired, self.max_age_seconds / 86400)
        for key, kind, body in await asyncio.to_thread(self._pending):
            if key in self.misrouted:
                continue
            try:
                await self._send(kind, key, body)
            except Refused as exc:  # bad data: keep it out of the loop, say so
                logger.error("Handoff %s %s refused: %s", kind, key, exc)
                await asyncio.to_thread(self._done, key)
                continue
            except Misrouted as exc:  # kept; the items behind it still go
                self.misrouted.add(key)
                logger.error("Handoff %s %s kept in the outbox: %s", kind, key, exc)
                continue
            except Unauthorized as exc:
                self.paused = True
                logger.error("Handoff outbox paused: %s. It tries again at the next start or conversation.", exc)
                break
            except TRANSIENT:
                break
            await asyncio.to_thread(self._done, key)
            delivered += 1
        return delivered

    def ensure_worker(self) -> None:
        """Start the background delivery loop unless it runs (needs a running loop); it
        ends by itself when the outbox is empty, so calling this often is cheap."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        self.paused = False
        self.misrouted.clear()  # a start or a new session: try those again too
        while await self._waiting_to_send():
            await self.flush()
            if self.paused:  # a rejected token: retrying does not help until an operator acts
                return
            if await self._waiting_to_send():
                await asyncio.sleep(self.retry_interval)


def missing_gemeenten(expected: List[str], served: List[str]) -> List[str]:
    """The ids of ``expected`` (this action server's gemeenten; empty outside a region)
    that the handoff service does not serve, said in the log: their tickets would wait in
    the outbox. One gemeente here against a region there is said too (its tickets all go
    to the region's first gemeente)."""
    missing = [g for g in expected if g not in served]
    if missing:
        logger.error("The handoff service does not serve gemeente(s) %s that this action server serves (it "
                     "serves %s). Their tickets wait in the outbox. Give both services the same "
                     "GEMEENTE_CONFIG.", ", ".join(missing), ", ".join(served) or "none")
    elif not expected and len(served) > 1:
        logger.warning("This action server serves one gemeente and the handoff service a region (%s): every ticket "
                       "goes to the first, %s. Give both services the same GEMEENTE_CONFIG.",
                       ", ".join(served), served[0])
    return missing


_client: Optional[HandoffClient] = None


def client() -> HandoffClient:
    global _client
    if _client is None:
        _client = HandoffClient()
    return _client
