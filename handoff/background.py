"""Work the handoff service does besides answering requests: notifications for new
tickets (each channel once, retried until it went out), erasures that came due, and the
daily retention purge.

The notifier is injected (``Background(..., notifier=...)``), so tests and other
deployments can replace how e-mail and webhook go out without touching the loop.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from handoff import auth, notify, tickets
from handoff.db import Database, utcnow
from handoff.settings import Settings
from handoff.web import run

logger = logging.getLogger(__name__)
Ticket = Dict[str, Any]
PURGE_EVERY_SECONDS = 24 * 3600


@dataclass
class Notifier:
    """How a new ticket is announced. ``email`` runs in a worker thread (SMTP blocks);
    ``webhook`` is a coroutine. Each returns normally when the message went out and
    raises when it should be tried again later."""
    email: Callable[[Ticket, Settings], None] = notify.send_email
    webhook: Callable[[Ticket, Settings], Awaitable[None]] = notify.post_webhook


class Background:
    def __init__(self, db: Database, settings: Settings, notifier: Optional[Notifier] = None):
        self.db, self.settings = db, settings
        self.notifier = notifier or Notifier()
        self.notifying: Set[str] = set()  # ids of the tickets whose notifications are being sent now
        self.last_purge: Optional[datetime] = None

    async def notify_new(self, ticket: Ticket, recheck: bool = False) -> None:
        """E-mail and webhook for a new ticket, each once; a failure is retried by the
        loop without repeating the part that already went out. The API and the loop may
        both start this for one ticket: the second one skips it."""
        ticket_id = ticket["id"]
        if ticket_id in self.notifying:
            return
        self.notifying.add(ticket_id)
        try:
            if recheck:  # the loop's list may be out of date by now
                fresh = await run(tickets.pending_notifications, self.db, ticket_id)
                if not fresh:
                    return
                ticket = fresh[0]
            await self._send(ticket)
        finally:
            self.notifying.discard(ticket_id)

    async def _send(self, ticket: Ticket) -> None:
        settings = self.settings
        if not ticket.get("_email_done"):
            try:
                if settings.smtp_host and settings.notify_email:
                    await run(self.notifier.email, ticket, settings)
                await run(tickets.mark_notified, self.db, ticket["id"], "email")
            except Exception as exc:  # noqa: BLE001 - any failure means: try again later
                logger.warning("E-mail for %s failed (%s); will retry.", ticket["id"], type(exc).__name__)
        if not ticket.get("_webhook_done"):
            try:
                if settings.webhook_url:
                    await self.notifier.webhook(ticket, settings)
                await run(tickets.mark_notified, self.db, ticket["id"], "webhook")
            except Exception as exc:  # noqa: BLE001
                logger.warning("Webhook for %s failed (%s); will retry.", ticket["id"], type(exc).__name__)

    async def run_once(self) -> None:
        """One round: due erasures, pending notifications, and the purge once a day."""
        await run(tickets.process_erasures, self.db, self.settings.tracker_db_url)
        for ticket in await run(tickets.pending_notifications, self.db):
            await self.notify_new(ticket, recheck=True)
        if self.last_purge is None or (utcnow() - self.last_purge).total_seconds() > PURGE_EVERY_SECONDS:
            result = await run(tickets.purge, self.db, self.settings.retention_days, self.settings.tracker_db_url)
            await run(auth.forget_old_throttles, self.db)
            self.last_purge = utcnow()
            logger.info("Retention purge: %s", result)

    async def loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - keep the loop alive, say what failed
                logger.exception("Background work failed")
            await asyncio.sleep(self.settings.background_interval_seconds)
