"""SMS and WhatsApp through Twilio: no buttons, so numbered options; 1600 characters a message."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint

from zelfscan_channels import ApiBaseSetting, options
from zelfscan_channels.text import LIMITS, numbered, split_message


class NumberedTwilioOutput(TwilioOutput):
    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text], twilio_number: Optional[Text],
                 api_base: Optional[Text] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        if api_base:  # tests: a local stand-in for api.twilio.com
            self.api.base_url = api_base.rstrip("/")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["twilio"]):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": part})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        options.remember(recipient_id, buttons)
        await self.send_text_message(recipient_id, numbered(text, buttons))


class NumberedTwilioInput(ApiBaseSetting, TwilioInput):
    """Rasa's Twilio channel; a reply with an option number becomes that option."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"


    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def with_numbers(message: UserMessage) -> Any:
            payload = options.payload_for(message.sender_id, message.text or "")
            if payload is not None:
                message.text = payload
            return await on_new_message(message)

        return super().blueprint(with_numbers)

    def get_output_channel(self) -> OutputChannel:
        return NumberedTwilioOutput(self.account_sid, self.auth_token, self.twilio_number,
                                    self.api_base)
