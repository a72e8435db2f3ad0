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

import requests

from handoff import auth, follow_up, notify, tickets, zgw
from handoff.db import Database, utcnow
from handoff.learning import purge as purge_unrecognised
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
    # the follow-up message with a personal scan link (handoff/follow_up.py)
    follow_up_email: Callable[[follow_up.Target, str, Settings], None] = follow_up.send_email
    follow_up_telegram: Callable[[follow_up.Target, str, Settings], Awaitable[None]] = follow_up.send_telegram


class Background:
    def __init__(self, db: Database, settings: Settings, notifier: Optional[Notifier] = None,
                 zgw_http: Optional[Callable[[], Any]] = None):
        self.db, self.settings = db, settings
        self.notifier = notifier or Notifier()
        self.notifying: Set[str] = set()  # ids of the tickets whose notifications are being sent now
        self.last_purge: Optional[datetime] = None
        # the case system (ZGW, handoff/zgw.py): read and checked at start; None when off (the default)
        self.zgw = zgw.from_gemeente_file(production=settings.production)
        self.zgw_http: Callable[[], Any] = zgw_http or requests.Session  # injectable for tests

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

    async def send_follow_ups(self, now: Optional[datetime] = None) -> int:
        """ONE follow-up message per consenting ticket whose follow-up is due; returns
        how many went out. ``now``: tests move the clock."""
        now = now or utcnow()
        settings, sent = self.settings, 0
        telegram = bool(follow_up.telegram_token())
        for ticket_id in await run(follow_up.due, self.db, now):
            target = await run(follow_up.claim, self.db, ticket_id, now, telegram)
            if target is None or target.via == "none":
                continue
            if target.via == "email" and not settings.smtp_host:
                await run(follow_up.release, self.db, ticket_id)  # waits until SMTP is configured
                continue
            try:
                token, text = await run(follow_up.link_for, self.db, target, settings, now)
                if target.via == "email":
                    await run(self.notifier.follow_up_email, target, text, settings)
                else:
                    await self.notifier.follow_up_telegram(target, text, settings)
                await run(follow_up.record_sent, self.db, target, token, now)
                sent += 1
            except Exception as exc:  # noqa: BLE001 - any failure means: try again next round
                logger.warning("Follow-up for %s failed (%s); will retry.", ticket_id, type(exc).__name__)
                await run(follow_up.release, self.db, ticket_id)
        return sent

    async def register_in_case_system(self) -> int:
        """Register new tickets as zaken and report status changes (handoff/zgw.py); each
        step is recorded, so a failure here is retried in a later round without repeating
        what succeeded. Nothing happens when ZGW is off."""
        if self.zgw is None:
            return 0
        try:
            return await run(zgw.process_due, self.db, self.zgw, self.zgw_http, zgw.retry_base_seconds())
        except Exception:  # noqa: BLE001 - the other work of this round goes on
            logger.exception("Registration in the case system failed")
            return 0

    async def run_once(self) -> None:
        """One round: due erasures, pending notifications, due follow-ups, and the purge once a day."""
        await run(tickets.process_erasures, self.db, self.settings.tracker_db_url)
        for ticket in await run(tickets.pending_notifications, self.db):
            await self.notify_new(ticket, recheck=True)
        await self.send_follow_ups()
        await self.register_in_case_system()
        if self.last_purge is None or (utcnow() - self.last_purge).total_seconds() > PURGE_EVERY_SECONDS:
            result = await run(tickets.purge, self.db, self.settings.retention_days, self.settings.tracker_db_url)
            await run(auth.forget_old_throttles, self.db)
            self.last_purge = utcnow()
            logger.info("Retention purge: %s", result)
            removed = await run(purge_unrecognised, self.db, self.settings.unrecognised_days)
            logger.info("Messages not understood, older than %d days, deleted: %d", self.settings.unrecognised_days,
                        removed)

    async def loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - keep the loop alive, say what failed
                logger.exception("Background work failed")
            await asyncio.sleep(self.settings.background_interval_seconds)
