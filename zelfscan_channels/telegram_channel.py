"""Telegram: Rasa's channel (buttons as a keyboard), long texts split at 4096 characters."""
from __future__ import annotations

import asyncio
from typing import Any, Optional, Text

from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException

from zelfscan_channels import ApiBaseSetting
from zelfscan_channels.text import LIMITS, split_message


class SplittingTelegramOutput(TelegramOutput):
    def __init__(self, access_token: Optional[Text], api_base: Optional[Text] = None) -> None:
        if api_base:  # tests: a local stand-in for api.telegram.org
            server = TelegramAPIServer.from_base(api_base.rstrip("/"))
            TelegramOutput.__bases__[0].__init__(self, access_token, server=server)
        else:
            super().__init__(access_token)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["telegram"]):
            await self.send_message(recipient_id, part)


class ZelfscanTelegramInput(ApiBaseSetting, TelegramInput):
    @classmethod
    def name(cls) -> Text:
        return "telegram"


    def get_output_channel(self) -> TelegramOutput:
        channel = SplittingTelegramOutput(self.access_token, self.api_base)

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
