"""Slack: Rasa's channel (buttons as blocks), long texts split at 3000 characters.

Rasa checks Slack's signing secret (``X-Slack-Signature``, at most five minutes old) and
answers 400 otherwise. Conversation ids are ``slack:<user>``."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint
from slack_sdk.web.async_client import AsyncWebClient

from zelfscan_channels import ApiBaseSetting
from zelfscan_channels.guard import limited
from zelfscan_channels.ids import PREFIXES, with_prefix, without_prefix
from zelfscan_channels.limits import ChatLimits
from zelfscan_channels.text import LIMITS, split_message

PREFIX = PREFIXES["slack"]


class SplittingSlackBot(SlackBot):
    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, api_base: Optional[Text] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if api_base:  # tests: a local stand-in for slack.com/api
            self.client = AsyncWebClient(token, base_url=api_base.rstrip("/") + "/", proxy=proxy)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await super().send_response(without_prefix(PREFIX, recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["slack"]):
            await super().send_text_message(recipient_id, part, **kwargs)


class ZelfscanSlackInput(ApiBaseSetting, SlackInput):
    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from zelfscan_runtime import secrets

        channel = super().from_credentials(credentials)
        reason = secrets.problem("SLACK_SIGNING_SECRET", channel.slack_signing_secret)
        if secrets.is_production() and reason:
            raise secrets.SecretError(secrets.refusal("SLACK_SIGNING_SECRET", reason))
        channel.limits = ChatLimits.shared()
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(limited(on_new_message, self.limits, lambda m: with_prefix(PREFIX, m.sender_id)))

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return SplittingSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy,
                                 self.api_base)
