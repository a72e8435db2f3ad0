"""Conversation ids: each channel has its own namespace, so no id of one channel can
ever name a conversation of another.

- Website (REST and socket.io): ``web-<32 hex random>-<32 hex HMAC-SHA256 tag>``, issued
  and signed by the server with ``CONVERSATION_ID_SECRET``. Only hex digits and dashes,
  never a ``:``; a client cannot make one up.
- WhatsApp via Twilio: ``whatsapp:+31...`` (Twilio's own form), SMS: ``sms:+31...``,
  Telegram: ``telegram:<chat id>``, Slack: ``slack:<user>``, Teams: ``teams:<user id>``.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random
from typing import Optional

WEB_PREFIX = "web-"
_WEB_ID = re.compile(r"web-([0-9a-f]{32})-([0-9a-f]{32})")
_DOMAIN = b"zelfscan web conversation id v1:"

# channel name -> prefix of its conversation ids
PREFIXES = {"twilio_whatsapp": "whatsapp:", "twilio_sms": "sms:", "telegram": "telegram:", "slack": "slack:",
            "botframework": "teams:"}


def _secret() -> bytes:
    from zelfscan_runtime import secrets

    return secrets.get("CONVERSATION_ID_SECRET").encode("utf-8")


def _tag(nonce: str, key: bytes) -> str:
    return hmac.new(key, _DOMAIN + nonce.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def issue_web_id(key: Optional[bytes] = None) -> str:
    """A new website conversation id, signed by this server."""
    nonce = _random.token_hex(16)
    return f"{WEB_PREFIX}{nonce}-{_tag(nonce, key or _secret())}"


def is_web_id(value: object, key: Optional[bytes] = None) -> bool:
    """True only for an id this server issued (right form and a valid signature)."""
    if not isinstance(value, str):
        return False
    match = _WEB_ID.fullmatch(value)
    if not match:
        return False
    return hmac.compare_digest(match.group(2), _tag(match.group(1), key or _secret()))


def twilio_id(sender: str) -> str:
    """``whatsapp:+316...`` stays as Twilio sends it; a plain phone number (SMS) gets ``sms:``."""
    sender = str(sender)
    if sender.startswith(PREFIXES["twilio_whatsapp"]):
        return sender
    return with_prefix(PREFIXES["twilio_sms"], sender)


def with_prefix(prefix: str, platform_id: object) -> str:
    value = str(platform_id)
    return value if value.startswith(prefix) else prefix + value


def without_prefix(prefix: str, conversation_id: object) -> str:
    """The platform's own id (chat id, user id, phone number) for sending."""
    value = str(conversation_id)
    return value[len(prefix):] if value.startswith(prefix) else value
