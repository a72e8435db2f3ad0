"""Shared checks of the messaging channels (Telegram, Twilio, Slack, Teams): request
verification helpers and the chat limits before a message reaches the assistant."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from sanic import response
from sanic.response import HTTPResponse

from zelfscan_channels.limits import TOO_FAST, TOO_LONG, ChatLimits, channel_text

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]


def refused(status: int, reason: str) -> HTTPResponse:
    """The answer to a request that is not from the platform (no details for the caller)."""
    logger.warning("Refused an unverified request: %s", reason)
    return response.json({"error": "unauthorized" if status == 401 else "forbidden"}, status=status)


def limited(on_new_message: Handler, limits: ChatLimits, conversation_id: Callable[[UserMessage], str]) -> Handler:
    """``on_new_message`` behind the chat limits, with the channel's own conversation id.

    Over the rate: nothing is parsed; the first refused message of a window gets one
    polite answer (a flood is not answered message by message). Too long: a polite
    answer, nothing is parsed."""

    async def handle(message: UserMessage) -> Optional[Any]:
        message.sender_id = conversation_id(message)
        if not limits.allow(message.sender_id):
            logger.info("Message over the rate limit of conversation %s dropped", message.sender_id)
            if limits.notify(message.sender_id):
                await tell(message, channel_text(TOO_FAST, message.metadata, message.input_channel))
            return None
        if limits.too_long(message.text):
            await tell(message, channel_text(TOO_LONG, message.metadata, message.input_channel))
            return None
        return await on_new_message(message)

    return handle


async def tell(message: UserMessage, text: str) -> None:
    try:
        await message.output_channel.send_response(message.sender_id, {"text": text})
    except Exception:  # noqa: BLE001 - the platform may be down; the message is refused anyway
        logger.exception("Could not send the refusal")
