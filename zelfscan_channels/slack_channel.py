"""Slack: Rasa's channel (buttons as blocks), long texts split at 3000 characters."""
from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.slack import SlackBot, SlackInput
from slack_sdk.web.async_client import AsyncWebClient

from zelfscan_channels import ApiBaseSetting
from zelfscan_channels.text import LIMITS, split_message


class SplittingSlackBot(SlackBot):
    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, api_base: Optional[Text] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if api_base:  # tests: a local stand-in for slack.com/api
            self.client = AsyncWebClient(token, base_url=api_base.rstrip("/") + "/", proxy=proxy)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["slack"]):
            await super().send_text_message(recipient_id, part, **kwargs)


class ZelfscanSlackInput(ApiBaseSetting, SlackInput):
    @classmethod
    def name(cls) -> Text:
        return "slack"


    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return SplittingSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy,
                                 self.api_base)
