"""Telegram: Rasa's channel (buttons as a keyboard), long texts split at 4096 characters.

Every request must carry Telegram's ``X-Telegram-Bot-Api-Secret-Token`` with the secret
this server gave Telegram in ``setWebhook(secret_token=...)`` (``webhook_secret``,
``TELEGRAM_WEBHOOK_SECRET``); anything else gets 403 and never reaches the assistant.
Conversation ids are ``telegram:<chat id>``."""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from zelfscan_channels import ApiBaseSetting
from zelfscan_channels.guard import limited, refused
from zelfscan_channels.ids import PREFIXES, with_prefix, without_prefix
from zelfscan_channels.limits import ChatLimits
from zelfscan_channels.text import LIMITS, split_message

logger = logging.getLogger(__name__)
PREFIX = PREFIXES["telegram"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class SplittingTelegramOutput(TelegramOutput):
    def __init__(self, access_token: Optional[Text], api_base: Optional[Text] = None,
                 webhook_secret: Optional[Text] = None) -> None:
        if api_base:  # tests: a local stand-in for api.telegram.org
            server = TelegramAPIServer.from_base(api_base.rstrip("/"))
            TelegramOutput.__bases__[0].__init__(self, access_token, server=server)
        else:
            super().__init__(access_token)
        self.webhook_secret = webhook_secret

    async def set_webhook(self, url: Text, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Always with the secret token (a webhook set without it would switch the check off
        at Telegram's side and every real message would be refused here)."""
        return await self.request("setWebhook", {"url": url, "secret_token": self.webhook_secret})

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await super().send_response(without_prefix(PREFIX, recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["telegram"]):
            await self.send_message(without_prefix(PREFIX, recipient_id), part)


class ZelfscanTelegramInput(ApiBaseSetting, TelegramInput):
    webhook_secret: Optional[Text] = None

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from zelfscan_runtime import secrets

        channel = super().from_credentials(credentials)
        secret = (credentials or {}).get("webhook_secret") or None
        if secrets.is_production() and secrets.problem("TELEGRAM_WEBHOOK_SECRET", secret):
            raise secrets.SecretError(secrets.refusal("TELEGRAM_WEBHOOK_SECRET",
                                                      secrets.problem("TELEGRAM_WEBHOOK_SECRET", secret) or ""))
        channel.webhook_secret = secret
        channel.limits = ChatLimits.shared()
        return channel

    def verified(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return bool(self.webhook_secret) and hmac.compare_digest(given.encode(), (self.webhook_secret or "").encode())

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The bot's name, by which a regional service knows the gemeente (region routes)."""
        return {"channel_address": self.verify} if self.verify else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guarded = limited(on_new_message, self.limits, lambda m: with_prefix(PREFIX, m.sender_id))
        webhook = super().blueprint(guarded)

        @webhook.middleware("request")
        async def verify(request: Request) -> Optional[HTTPResponse]:
            # every route but the health check (also /set_webhook: only this server sets it)
            if request.path.rstrip("/").endswith(("/webhook", "/set_webhook")) and not self.verified(request):
                return refused(403, "Telegram request without the right secret token")
            return None

        return webhook

    def get_output_channel(self) -> TelegramOutput:
        channel = SplittingTelegramOutput(self.access_token, self.api_base, self.webhook_secret)

        async def set_webhook() -> None:
            await channel.set_webhook(url=self.webhook_url)
            # the HTTP session belongs to this short-lived loop; close it so the server's
            # loop opens its own (otherwise: "Event loop is closed")
            await channel.close()

        try:
            asyncio.run(set_webhook())
        except RuntimeError:  # called inside a running loop: the webhook set at start stays
            pass
        except Exception as error:  # noqa: BLE001
            raise RasaException("Failed to set the Telegram webhook: " + str(error)) from error
        return channel
