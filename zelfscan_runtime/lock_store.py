"""Rasa 3.6's Redis lock store with one fix: a message is never stuck behind a crashed server.

Rasa serialises the messages of one conversation with a ticket lock in Redis: each message
takes the next ticket (with an expiry, ``TICKET_LOCK_LIFETIME``) and waits until its ticket
is the first. When a Rasa server dies while it holds ticket N, its ticket stays until it
expires. A message that took ticket N+1 shortly after (a client sending again at once)
expires at almost the same moment; Rasa's waiting loop then removes both expired tickets,
and from then on its own ticket is gone, ``now_serving`` is 0 and the message waits for
ever (found by ``make cluster-test``: 150 s until nginx gave up). Here a message whose
ticket expired while it waited, with no live ticket ahead of it, takes its turn again.

Selected by ``LOCK_STORE_URL`` (zelfscan_runtime/config.py ``write_endpoints``).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Optional, Text

from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


class RedisTicketLockStore(rasa_lock_store.RedisLockStore):
    """``lock_store: type: zelfscan_runtime.lock_store.RedisTicketLockStore`` in endpoints.yml,
    with the settings of Rasa's ``type: redis`` (url, port, db, password, use_ssl ...)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        import asyncio

        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            live = [t.number for t in lock.tickets if not t.has_expired()]
            if ticket not in live and not any(number < ticket for number in live):
                # our ticket expired while we waited and nobody alive is ahead: our turn
                logger.warning("Lock of a conversation: the ticket ahead expired (a crashed server?); "
                               "taking the turn again")
                lock.tickets.appendleft(Ticket(ticket, time.time() + rasa_lock_store.LOCK_LIFETIME))
                self.save_lock(lock)
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
        raise rasa_lock_store.LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
