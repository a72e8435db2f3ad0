"""Limits of the public chat: message length and message rate (per conversation and,
on the website, per IP address). In memory, per Rasa process: a sliding window of
timestamps per key.

Settings (environment):
    CHAT_MAX_MESSAGE_CHARS       2000  longer messages are answered politely and not parsed
    CHAT_RATE_PER_CONVERSATION   20    messages per conversation per window
    CHAT_RATE_PER_IP             60    website messages (and new conversations) per IP per window
    CHAT_RATE_WINDOW_SECONDS     60    the window
"""
from __future__ import annotations

import os
import time
from collections import OrderedDict, deque
from typing import Any, Callable, Deque, Mapping, Optional

TOO_LONG, TOO_FAST, BAD_REQUEST = "channel.too_long", "channel.too_fast", "channel.bad_request"


def channel_text(key: str, metadata: Any = None, channel: Optional[str] = None) -> str:
    """What the channel answers (TOO_LONG, TOO_FAST, BAD_REQUEST): from actions/texts.yml,
    the one home of the texts, in the form of address of the message's gemeente (its
    metadata: the page's gemeente, or the channel's number or bot) or else the first."""
    from actions import gemeente  # the actions package; imported when first needed
    from actions.texts import addressed

    return addressed(key, gemeente.of_message(metadata, channel))


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


class SlidingWindow:
    """At most ``limit`` events per ``window`` seconds for each key. Remembers at most
    ``max_keys`` keys (the least recently used are dropped), so a flood of new keys
    cannot exhaust memory."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: "OrderedDict[str, Deque[float]]" = OrderedDict()

    def _recent(self, key: str, now: float) -> Deque[float]:
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
        else:
            self._events.move_to_end(key)
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def allow(self, key: str) -> bool:
        """Count one event for ``key`` when it is within the limit; False (not counted) when over."""
        now = self.clock()
        events = self._recent(key, now)
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may send again (0 when it may now)."""
        now = self.clock()
        events = self._recent(key, now)
        if len(events) < self.limit:
            return 0
        return max(1, int(events[0] + self.window - now + 0.999))


class ChatLimits:
    """The limits of the chat; :meth:`shared` is the one instance of this process, so the
    website's REST and socket.io channels count an IP address's messages together."""

    _shared: Optional["ChatLimits"] = None

    @classmethod
    def shared(cls) -> "ChatLimits":
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def __init__(self, environ: Optional[Mapping[str, str]] = None, clock: Callable[[], float] = time.monotonic):
        env = environ if environ is not None else os.environ
        self.max_chars = _int(env, "CHAT_MAX_MESSAGE_CHARS", 2000)
        window = _int(env, "CHAT_RATE_WINDOW_SECONDS", 60)
        self.per_conversation = SlidingWindow(_int(env, "CHAT_RATE_PER_CONVERSATION", 20), window, clock)
        self.per_ip = SlidingWindow(_int(env, "CHAT_RATE_PER_IP", 60), window, clock)
        self.new_per_ip = SlidingWindow(_int(env, "CHAT_RATE_PER_IP", 60), window, clock)
        # one "too fast" notice per conversation per window (a flood gets one answer, not one each)
        self.notices = SlidingWindow(1, window, clock)

    def too_long(self, text: object) -> bool:
        return isinstance(text, str) and len(text) > self.max_chars

    def allow(self, conversation_id: str, ip: Optional[str] = None) -> bool:
        """Count a message; False when the conversation or the IP address is over its limit.
        A refused message counts against neither."""
        if ip is not None and self.per_ip.retry_after(ip):
            return False
        if not self.per_conversation.allow(conversation_id):
            return False
        if ip is not None:
            self.per_ip.allow(ip)
        return True

    def retry_after(self, conversation_id: str, ip: Optional[str] = None) -> int:
        waits = [self.per_conversation.retry_after(conversation_id)]
        if ip is not None:
            waits.append(self.per_ip.retry_after(ip))
        return max(waits)

    def notify(self, conversation_id: str) -> bool:
        """True the first time a conversation is refused in a window (then answer it once)."""
        return self.notices.allow(conversation_id)
